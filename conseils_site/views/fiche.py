"""« Modifier la fiche » of a council, and the council's image as the public page shows it."""
import datetime

from pyramid.authorization import ACLHelper, Everyone
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import FileIter, FileResponse, Response
from pyramid.view import view_config
from ZODB.interfaces import BlobError

from ..forms.fiche import IMAGE_GONE, SOCIAL_FIELDS, FicheSchema, description_to_html, fiche_appstruct, upload_owner
from ..forms.render import FormError, make_form, process_form
from ..images import image_size
from ..resources import Attachment, Council
from ..resources.events import ObjectModified, notify
from ..resources.files import sniff

IMAGE_MAX_AGE = 365 * 24 * 3600  # the address carries the image's version


@view_config(context=Council, name="modifier", permission="edit",
             renderer="conseils_site:templates/council/fiche_form.pt")
def edit_fiche(context, request):
    form = make_form(request, FicheSchema(), "Enregistrer la fiche", formid="fiche")

    def save(appstruct):
        image, size = _take_image(request, appstruct)
        context.description = description_to_html(appstruct["description"])
        context.email = appstruct["email"]
        context.phone = appstruct["phone"]
        context.website = appstruct["website"]
        context.social_links = tuple((network, appstruct[field])
                                     for field, network, _label in SOCIAL_FIELDS if appstruct[field])
        context.latitude, context.longitude = appstruct["latitude"], appstruct["longitude"]
        if image is not None:
            context.set_image(image, appstruct["image_alt"], size)
        elif appstruct.get("remove_image"):
            context.remove_image()
        elif context.image is not None:
            context.image_alt = appstruct["image_alt"]
        context.modified = datetime.datetime.now(datetime.UTC)
        notify(ObjectModified(context))  # reindex; the map and open-data files follow
        request.session.flash("La fiche est enregistrée.")
        return HTTPSeeOther(request.resource_path(context))

    result = process_form(request, form, save, initial=fiche_appstruct(context))
    if isinstance(result, dict):
        result.update(title=f"Modifier la fiche — {context.title}", council=context,
                      cancel_url=request.resource_path(context))
    return result


def _take_image(request, appstruct):
    """(Attachment, (width, height)) of the image waiting in the upload store, or (None, None);
    FormError if it expired."""
    kept = appstruct.get("image")
    if not kept:
        return None, None
    taken = request.uploads.take(kept["token"], upload_owner(request))
    if taken is None:
        appstruct["image"] = None
        raise FormError("image", IMAGE_GONE)
    filename, data = taken
    return Attachment(filename, data, sniff(data)), image_size(data)


@view_config(context=Council, name="image", permission="view", request_method=("GET", "HEAD"))
def council_image(context, request):
    """The neighbourhood's picture, with the council's own permission; kept a year by browsers
    when asked for at its current version (the public page always links that one)."""
    image = context.image
    if image is None:
        raise HTTPNotFound()
    try:
        response = FileResponse(image.blob.committed(), request=request,
                                content_type=image.content_type)
    except BlobError:  # written in this very transaction: no committed file yet
        response = Response(content_type=image.content_type, app_iter=FileIter(image.open()))
        response.content_length = image.size
    response.content_disposition = f'inline; filename="{image.filename}"'
    public = ACLHelper().permits(context, [Everyone], "view")
    if request.GET.get("v") == context.image_version:
        freshness = f"max-age={IMAGE_MAX_AGE}, immutable"
    else:
        freshness = "max-age=300"
    response.cache_control = f"{'public' if public else 'private'}, {freshness}"
    response.etag = context.image_version
    response.conditional_response = True
    return response
