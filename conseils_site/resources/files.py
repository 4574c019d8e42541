"""Uploaded files, kept as ZODB blobs and served only through a permission-checked view.

The type is decided from the bytes, never from the name or what the browser claims."""
import io
import zipfile

from persistent import Persistent
from ZODB.blob import Blob

from ..text import slugify

MB = 1024 * 1024

# kind -> (content type, extension, label)
TYPES = {
    "pdf": ("application/pdf", "pdf", "PDF"),
    "png": ("image/png", "png", "image PNG"),
    "jpeg": ("image/jpeg", "jpg", "image JPEG"),
    "webp": ("image/webp", "webp", "image WebP"),
    "gif": ("image/gif", "gif", "image GIF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx", "PowerPoint"),
    "odt": ("application/vnd.oasis.opendocument.text", "odt", "texte OpenDocument"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods", "tableur OpenDocument"),
    "odp": ("application/vnd.oasis.opendocument.presentation", "odp", "présentation OpenDocument"),
    "doc": ("application/msword", "doc", "Word 97-2003"),
    "rtf": ("application/rtf", "rtf", "RTF"),
    "txt": ("text/plain", "txt", "texte"),
}
IMAGE_KINDS = {"png", "jpeg", "webp", "gif"}
DOCUMENT_KINDS = set(TYPES)
_OOXML = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_ODF = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}


def sniff(data):
    """The kind of file these bytes are, or None when it is not one we accept."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if _is_text(data):
        return "txt"
    return None


def _sniff_zip(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if "mimetype" in names:
            return _ODF.get(archive.read("mimetype").strip())
        if "[Content_Types].xml" in names:
            for prefix, kind in _OOXML.items():
                if any(name.startswith(prefix) for name in names):
                    return kind
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    return None


def _is_text(data):
    sample = data[:65536]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the sample's end is still text.
        return error.start >= len(sample) - 3
    return True


def human_size(size):
    if size >= MB:
        return f"{size / MB:.1f} Mo".replace(".", ",")
    return f"{max(1, size // 1024)} ko"


class Attachment(Persistent):
    """A file inside an item: it inherits the item's ACL (it has none of its own)."""

    __name__ = None
    __parent__ = None

    def __init__(self, filename, data, kind):
        self.filename = safe_filename(filename, kind)
        self.kind = None  # not a catalog object: found through its item
        self.file_kind = kind
        self.content_type = TYPES[kind][0]
        self.size = len(data)
        self.blob = Blob()
        with self.blob.open("w") as f:
            f.write(data)

    @property
    def is_image(self):
        return self.file_kind in IMAGE_KINDS

    @property
    def label(self):
        return f"{TYPES[self.file_kind][2]}, {human_size(self.size)}"

    def open(self):
        return self.blob.open("r")


def safe_filename(filename, kind):
    """A name without path, control characters or a misleading extension."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{slugify(stem, max_length=60)}.{TYPES[kind][1]}"
