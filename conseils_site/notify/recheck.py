"""The last look before a queued SMS about an item leaves: it may have waited hours (quiet
hours, retries), and the item may have been deleted or made private meanwhile.

`Recheck` is what `deliver_sms(recheck=...)` calls for each message that names an item; it opens
the database lazily (a queue of codes and digests never needs it) through the opener it is given
— the scripts' `open_site(ini)` or `open_registry_root(registry)` — and asks
`access.why_not_now`, the same ACL check with the person's principals as the pages."""
import contextlib

from .access import why_not_now


class Recheck(contextlib.AbstractContextManager):
    def __init__(self, opener):
        self.opener = opener
        self.stack = contextlib.ExitStack()
        self.root = None

    def __call__(self, message):
        if self.root is None:
            self.root, _ = self.stack.enter_context(self.opener())
        return why_not_now(self.root, message.get("item"), message.get("user_id"))

    def __exit__(self, *exc):
        self.stack.close()
        self.root = None
