"""BTree-backed folders: a folder of 100,000 children loads one bucket at a time."""
import secrets

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent

from ..text import slugify
from .events import ObjectAdded, ObjectWillBeRemoved, notify


def new_id():
    """A stable identifier given at creation; ACLs and principals use it, never the slug."""
    return secrets.token_hex(6)


class Folder(Persistent):
    __name__ = None
    __parent__ = None

    def __init__(self):
        self.data = OOBTree()
        self._count = Length()  # len() of a BTree walks it

    @property
    def __acl__(self):
        """Roles granted here (data) first, then what this kind of object allows (code)."""
        from ..security.roles import local_role_aces

        return local_role_aces(self) + self.base_acl()

    def base_acl(self):
        return []

    def __getitem__(self, name):
        return self.data[name]

    def get(self, name, default=None):
        return self.data.get(name, default)

    def __contains__(self, name):
        return name in self.data

    def __len__(self):
        return self._count()

    def __bool__(self):
        return True

    def keys(self):
        return self.data.keys()

    def values(self):
        return self.data.values()

    def items(self):
        return self.data.items()

    def add(self, name, obj, send_events=True):
        if not name or "/" in name or name.startswith("@@"):
            raise ValueError(f"invalid name {name!r}")
        if name in self.data:
            raise KeyError(f"{name!r} already exists")
        obj.__name__ = name
        obj.__parent__ = self
        self.data[name] = obj
        self._count.change(1)
        if send_events:
            notify(ObjectAdded(obj, self))
        return obj

    def remove(self, name, send_events=True):
        obj = self.data[name]
        if send_events:
            notify(ObjectWillBeRemoved(obj, self))
        del self.data[name]
        self._count.change(-1)
        return obj

    def unique_name(self, title):
        """The slug of the title, with -2, -3… when it is taken."""
        base = slugify(title)
        name, n = base, 1
        while name in self.data:
            n += 1
            name = f"{base}-{n}"
        return name
