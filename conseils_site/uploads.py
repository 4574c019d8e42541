"""Files received with a form that failed validation wait here, so nobody uploads twice.

A form re-rendered after an error lists the files already received (hidden `upload` tokens);
the next submission takes them back. Files are on disk, not in the database, and are
forgotten after a day. Tokens are random and bound to the session that uploaded them."""
import contextlib
import json
import os
import secrets
import time

from .resources.files import MB, TYPES, sniff

KEEP_SECONDS = 24 * 3600


class UploadError(ValueError):
    """A French message about one file."""


class UploadStore:
    def __init__(self, path, tm=None):
        self.path = path
        self.tm = tm
        os.makedirs(path, exist_ok=True)

    def _file(self, token, suffix):
        if not token or not all(c in "0123456789abcdef" for c in token):
            raise KeyError(token)
        return os.path.join(self.path, f"{token}.{suffix}")

    def keep(self, filename, data, owner):
        token = secrets.token_hex(16)
        with open(self._file(token, "data"), "wb") as f:
            f.write(data)
        with open(self._file(token, "json"), "w") as f:
            json.dump({"filename": filename, "owner": owner, "size": len(data)}, f)
        return token

    def describe(self, token, owner):
        """{'filename', 'size'} of a kept file of this owner, or None."""
        try:
            with open(self._file(token, "json")) as f:
                meta = json.load(f)
        except (KeyError, OSError, ValueError):
            return None
        return meta if meta.get("owner") == owner else None

    def take(self, token, owner):
        """(filename, bytes) of a kept file of this owner, removed from the store; or None."""
        meta = self.describe(token, owner)
        if meta is None:
            return None
        with open(self._file(token, "data"), "rb") as f:
            data = f.read()
        if self.tm is not None:
            # Forgotten only once saved: a request retried after a conflict finds it again.
            self.tm.get().addAfterCommitHook(lambda ok: ok and self.forget(token))
        else:
            self.forget(token)
        return meta["filename"], data

    def forget(self, token):
        for suffix in ("data", "json"):
            with contextlib.suppress(KeyError, OSError):  # already gone: nothing to forget
                os.remove(self._file(token, suffix))

    def purge(self, now=None):
        now = now or time.time()
        for name in os.listdir(self.path):
            path = os.path.join(self.path, name)
            with contextlib.suppress(OSError):  # removed meanwhile by another process
                if now - os.path.getmtime(path) > KEEP_SECONDS:
                    os.remove(path)


def get_upload_store(request):
    settings = request.registry.settings
    return UploadStore(settings.get("conseils.upload_path") or os.path.join("var", "uploads"),
                       tm=request.tm)


def check_file(filename, data, allowed_kinds, max_bytes):
    """The file's kind, or UploadError with a French message saying what to do."""
    if not data:
        raise UploadError(f"Le fichier « {filename} » est vide.")
    if len(data) > max_bytes:
        size = f"{len(data) / MB:.1f}".replace(".", ",")
        raise UploadError(f"Le fichier « {filename} » est trop lourd ({size} Mo) : "
                          f"{max_bytes // MB} Mo au maximum.")
    kind = sniff(data)
    if kind not in allowed_kinds:
        accepted = ", ".join(sorted({TYPES[k][2] for k in allowed_kinds}))
        raise UploadError(f"Le fichier « {filename} » n'est pas d'un type accepté ({accepted}).")
    return kind


def read_field(field):
    """(filename, bytes) of a posted file field, or None when nothing was chosen."""
    if field is None or not hasattr(field, "file") or not getattr(field, "filename", None):
        return None
    # A request retried after a ConflictError reuses the parsed form: read from the start.
    field.file.seek(0)
    return field.filename, field.file.read()


def includeme(config):
    config.add_request_method(get_upload_store, "uploads", reify=True)
