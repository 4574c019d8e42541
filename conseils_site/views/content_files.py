"""Files of council items: received with a form, kept across a failed submission, and served
only after the permission check, straight from the blob."""
from pyramid.response import FileIter, FileResponse, Response
from pyramid.view import view_config
from ZODB.interfaces import BlobError

from ..images import ACCEPTED_KINDS as CLEANED_KINDS
from ..images import clean_image
from ..resources import Attachment, CouncilItem
from ..resources.files import DOCUMENT_KINDS, MB, human_size, sniff
from ..security.visibility import is_public
from ..uploads import UploadError, check_file, read_field, too_many_files

MAX_FILE_BYTES = 20 * MB
PHOTO_MAX_SIDE = 1600
# Images joined to a document may be scanned pages: keep them readable, strip their metadata.
DOCUMENT_IMAGE_MAX_SIDE = 4000
PHOTO_KINDS = frozenset(CLEANED_KINDS)  # what clean_image can re-encode


class ReceivedFiles:
    """The files of one file field: those posted now, checked one by one, and those received by
    an earlier, failed submission. Every accepted file waits in the upload store until saved."""

    def __init__(self, request, field_name, token_name, kinds, image_side):
        self.request = request
        self.field_name = field_name
        self.token_name = token_name
        self.kinds = kinds
        self.image_side = image_side
        self.received = []  # [{'token', 'filename', 'size', 'size_label'}]
        self.problems = []
        if request.method == "POST":
            self._receive()

    @property
    def owner(self):
        return self.request.user.id

    def _receive(self):
        store = self.request.uploads
        for token in dict.fromkeys(self.request.POST.getall(self.token_name)):
            meta = store.describe(token, self.owner)
            if meta is not None:
                self._add(token, meta["filename"], meta["size"])
        too_many = too_many_files(self.request)
        if too_many:
            self.problems.append(too_many)
            return
        for field in self.request.POST.getall(self.field_name):
            try:
                posted = read_field(field, MAX_FILE_BYTES)
                if posted is None:
                    continue
                filename, data = posted
                data = self._check(filename, data)
                token = store.keep(filename, data, self.owner)
            except UploadError as error:
                self.problems.append(str(error))
                continue
            self._add(token, filename, len(data))

    def _check(self, filename, data):
        """The bytes to keep: photos lose their hidden metadata (place, device) and excess pixels."""
        kind = check_file(filename, data, self.kinds, MAX_FILE_BYTES)
        if kind in CLEANED_KINDS:
            try:
                data, kind = clean_image(data, max_side=self.image_side)
            except UploadError as error:
                raise UploadError(f"« {filename} » : {error}") from None
        return data

    def _add(self, token, filename, size):
        self.received.append({"token": token, "filename": filename, "size": size,
                              "size_label": human_size(size)})

    def show_in(self, form):
        widget = form[self.field_name].widget
        widget.received, widget.problems = self.received, self.problems

    def attach_to(self, item):
        """Move the received files into the item, as Attachments stored in blobs."""
        added = []
        for entry in self.received:
            taken = self.request.uploads.take(entry["token"], self.owner)
            if taken is None:
                continue
            filename, data = taken
            kind = sniff(data)
            if kind not in self.kinds:
                continue
            attachment = Attachment(filename, data, kind)
            item.add(free_name(item, attachment.filename), attachment)
            added.append(attachment)
        return added


def free_name(item, filename):
    """The file's safe name, or « nom-2.pdf »… when the item already has a file of that name:
    addresses keep their extension, which some phones need to open a download."""
    stem, _, ext = filename.rpartition(".")
    name, n = filename, 1
    while name in item:
        n += 1
        name = f"{stem}-{n}.{ext}"
    return name


def document_files(request):
    return ReceivedFiles(request, "files", "upload", DOCUMENT_KINDS, DOCUMENT_IMAGE_MAX_SIDE)


def photo_files(request):
    return ReceivedFiles(request, "photos", "photo_upload", PHOTO_KINDS, PHOTO_MAX_SIDE)


@view_config(context=Attachment, containment=CouncilItem, permission="view",
             request_method=("GET", "HEAD"))
def download(context, request):
    """A file of an item, for whoever may view the item: images inline, the rest downloaded."""
    content_type = context.content_type
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    try:
        path = context.blob.committed()
    except BlobError:  # a blob written in this very transaction has no committed file yet
        path = None
    if path is not None:
        response = FileResponse(path, request=request, content_type=content_type)
    else:
        response = Response(content_type=content_type,
                            app_iter=FileIter(context.blob.open("r")))
        response.content_length = context.size
    disposition = "inline" if context.is_image else "attachment"
    response.content_disposition = f'{disposition}; filename="{context.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, a file can run nothing and reach nothing, whatever it contains.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if is_public(context):
        # Caches may keep it but must ask again each time: an item made private stops at once.
        response.cache_control = "public, no-cache"
    else:
        response.cache_control = "private"
    return response
