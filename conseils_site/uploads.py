"""Files received with a form that failed validation wait here, so nobody uploads twice.

A form re-rendered after an error lists the files already received (hidden `upload` tokens);
the next submission takes them back. Files are on disk, not in the database, and are
forgotten after a day (`purge`, run by the hourly `conseils-registrations`). Tokens are random
and bound to their owner. What one person may leave waiting is bounded (`QUOTA_BYTES`,
`QUOTA_FILES`), and so is what one request may bring (`MAX_FILES_PER_REQUEST`): a form that
keeps failing cannot fill the disk, and a part is never read past its limit."""
import contextlib
import hashlib
import json
import os
import secrets
import time

from .resources.files import MB, TYPES, sniff

KEEP_SECONDS = 24 * 3600
MAX_FILES_PER_REQUEST = 10
# One complete form (10 files of 20 MB) fits, a second one waiting beside it does not.
QUOTA_BYTES = 250 * MB
QUOTA_FILES = 30
TOO_MANY_FILES = ("Vous avez choisi {count} fichiers : {limit} au plus par envoi. Envoyez les "
                  "autres en modifiant la page une fois enregistrée.")
QUOTA_FULL = ("Vous avez déjà trop de fichiers en attente d'enregistrement ({size} Mo). "
              "Enregistrez ou abandonnez le formulaire en cours, puis envoyez ce fichier de "
              "nouveau : « {filename} » n'a pas été gardé.")


class UploadError(ValueError):
    """A French message about one file."""


class UploadStore:
    """Kept files, one folder per owner (a hash of the owner, so the quota is one listing)."""

    def __init__(self, path, tm=None, quota_bytes=QUOTA_BYTES, quota_files=QUOTA_FILES):
        self.path = path
        self.tm = tm
        self.quota_bytes, self.quota_files = quota_bytes, quota_files
        os.makedirs(path, exist_ok=True)

    def _folder(self, owner):
        return os.path.join(self.path, hashlib.sha256(str(owner).encode()).hexdigest()[:32])

    def _file(self, token, suffix, owner):
        if not token or not all(c in "0123456789abcdef" for c in token):
            raise KeyError(token)
        return os.path.join(self._folder(owner), f"{token}.{suffix}")

    def pending(self, owner):
        """(files, bytes) this owner has waiting."""
        files = size = 0
        with contextlib.suppress(OSError):  # nothing kept yet
            with os.scandir(self._folder(owner)) as entries:
                for entry in entries:
                    if entry.name.endswith(".data"):
                        files += 1
                        with contextlib.suppress(OSError):  # forgotten meanwhile
                            size += entry.stat().st_size
        return files, size

    def keep(self, filename, data, owner):
        """A token for the file, or UploadError when the owner's quota would be passed."""
        files, size = self.pending(owner)
        if files + 1 > self.quota_files or size + len(data) > self.quota_bytes:
            raise UploadError(QUOTA_FULL.format(size=size // MB, filename=filename))
        token = secrets.token_hex(16)
        os.makedirs(self._folder(owner), exist_ok=True)
        with open(self._file(token, "data", owner), "wb") as f:
            f.write(data)
        with open(self._file(token, "json", owner), "w") as f:
            json.dump({"filename": filename, "owner": owner, "size": len(data)}, f)
        return token

    def describe(self, token, owner):
        """{'filename', 'size'} of a kept file of this owner, or None."""
        try:
            with open(self._file(token, "json", owner)) as f:
                meta = json.load(f)
        except (KeyError, OSError, ValueError):
            return None
        return meta if meta.get("owner") == owner else None

    def take(self, token, owner):
        """(filename, bytes) of a kept file of this owner, removed from the store; or None."""
        meta = self.describe(token, owner)
        if meta is None:
            return None
        with open(self._file(token, "data", owner), "rb") as f:
            data = f.read()
        if self.tm is not None:
            # Forgotten only once saved: a request retried after a conflict finds it again.
            self.tm.get().addAfterCommitHook(lambda ok: ok and self.forget(token, owner))
        else:
            self.forget(token, owner)
        return meta["filename"], data

    def forget(self, token, owner):
        for suffix in ("data", "json"):
            with contextlib.suppress(KeyError, OSError):  # already gone: nothing to forget
                os.remove(self._file(token, suffix, owner))

    def purge(self, now=None):
        """Forget files kept longer than a day; the number of files forgotten."""
        now = now or time.time()
        forgotten = 0
        for folder in os.scandir(self.path):
            paths = [folder.path] if folder.is_file() else [e.path for e in os.scandir(folder.path)]
            for path in paths:
                with contextlib.suppress(OSError):  # removed meanwhile by another process
                    if now - os.path.getmtime(path) > KEEP_SECONDS:
                        os.remove(path)
                        forgotten += path.endswith(".data")
            if folder.is_dir():
                with contextlib.suppress(OSError):  # not empty, or removed meanwhile
                    os.rmdir(folder.path)
        return forgotten


def upload_path(settings):
    return settings.get("conseils.upload_path") or os.path.join("var", "uploads")


def get_upload_store(request):
    settings = request.registry.settings
    quota_mb = int(settings.get("conseils.upload_quota_mb") or QUOTA_BYTES // MB)
    return UploadStore(upload_path(settings), tm=request.tm, quota_bytes=quota_mb * MB)


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


def too_many_files(request):
    """A French message when the request brings more files than one form may, else None.

    Asked before any file is read, so a request with a hundred parts costs nothing more."""
    count = sum(1 for value in request.POST.values() if getattr(value, "filename", None))
    if count > MAX_FILES_PER_REQUEST:
        return TOO_MANY_FILES.format(count=count, limit=MAX_FILES_PER_REQUEST)
    return None


def read_field(field, max_bytes):
    """(filename, bytes) of a posted file field, or None when nothing was chosen.

    Reads at most `max_bytes + 1` bytes: a larger file is refused (UploadError) without ever
    being held in memory whole."""
    if field is None or not hasattr(field, "file") or not getattr(field, "filename", None):
        return None
    filename = field.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
    # A request retried after a ConflictError reuses the parsed form: read from the start.
    field.file.seek(0)
    data = field.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        field.file.seek(0, 2)
        size = f"{max(field.file.tell(), len(data)) / MB:.1f}".replace(".", ",")
        raise UploadError(f"Le fichier « {filename} » est trop lourd ({size} Mo) : "
                          f"{max_bytes // MB} Mo au maximum.")
    return filename, data


def includeme(config):
    config.add_request_method(get_upload_store, "uploads", reify=True)
