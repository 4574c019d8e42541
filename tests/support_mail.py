"""The mail queue as the tests read it: one home for the helpers that open committed messages."""
import email
import email.policy
import re


def queued(mail_dir):
    """The messages committed to the queue (new and cur), oldest first, parsed."""
    found = []
    for folder in ("new", "cur"):
        path = mail_dir / folder
        if path.exists():
            found += sorted(path.iterdir(), key=lambda p: p.stat().st_mtime)
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in found]


def text_of(message):
    """The plain-text part of a message."""
    return message.get_body(("plain",)).get_content()


def mails_to(mail_dir, address):
    return [m for m in queued(mail_dir) if address in m["To"]]


def link_in(message, path):
    """The absolute link to `path` in the text part, as a path with its token."""
    match = re.search(r"http://localhost" + re.escape(path) + r"\?jeton=[\w.\-]+", text_of(message))
    assert match, text_of(message)
    return match.group(0).replace("http://localhost", "")
