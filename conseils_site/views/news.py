"""/actualites: news written by the animators, read by everyone.

Animators hold every permission on the folder (`PublicFolder.base_acl`); everyone else may only
view. Listings go through the permission-filtered catalog helpers like every other listing."""
import datetime

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import FileIter, Response
from pyramid.view import view_config

from ..catalog.queries import items_query, page_number, paginate
from ..dates import format_date
from ..forms.news import news_schema, to_safe_html, upload_owner
from ..forms.render import FormError, make_form, process_form
from ..images import image_size
from ..resources import Attachment, NewsFolder, NewsItem, new_id
from ..resources.content import PARIS, utcnow
from ..resources.events import ObjectModified, notify
from ..resources.files import sniff
from ..text import slugify
from .cache import anonymous_page_cache
from .feeds import FEED_NAME
from .layout import add_feed

PAGE_SIZE = 10
NEWS_VIEWS = {"ajouter"}


def french_date(value):
    """'1er mars 2025': dates as people write them."""
    return format_date(value)


def unique_item_name(folder, title, reserved=()):
    """A slug of the title that neither an item nor a view of the folder already uses."""
    base = name = slugify(title)
    n = 1
    while name in reserved or name in folder:
        n += 1
        name = f"{base}-{n}"
    return name


def take_upload(request, token):
    """(filename, bytes, kind) of a file received earlier with the form, or None."""
    taken = request.uploads.take(token, upload_owner(request))
    if taken is None:
        return None
    filename, data = taken
    kind = sniff(data)
    return (filename, data, kind) if kind else None


def attachment_response(request, attachment, inline=False, max_age=300):
    """The bytes of a file, typed as decided when it was received (never by its name)."""
    response = Response(content_type=attachment.content_type)
    response.app_iter = FileIter(attachment.open())
    response.content_length = attachment.size
    disposition = "inline" if inline else "attachment"
    response.content_disposition = f'{disposition}; filename="{attachment.filename}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control = f"private, max-age={max_age}"
    return response


def news_datetime(day, previous=None):
    """The moment a news item sorts by: kept when its day did not change, else now (today) or noon."""
    if previous is not None and previous.astimezone(PARIS).date() == day:
        return previous
    now = utcnow()
    if now.astimezone(PARIS).date() == day:
        return now
    # Stored in UTC: a datetime carrying a ZoneInfo cannot be pickled into the ZODB.
    return datetime.datetime.combine(day, datetime.time(12), PARIS).astimezone(datetime.UTC)


def _view_data(request):
    return {"french_date": french_date,
            "image_url": lambda item: request.resource_path(
                item, "image", query={"v": getattr(item, "image_version", "")}) if item.image else None}


@view_config(context=NewsFolder, renderer="conseils_site:templates/news/list.pt",
             permission="view", decorator=anonymous_page_cache)
def news_list(context, request):
    catalog = request.root.catalog
    add_feed(request, "Actualités (Atom)", request.resource_url(context, FEED_NAME))
    page = paginate(catalog, request, items_query(catalog, kinds=("news",)), "newest",
                    number=page_number(request), size=PAGE_SIZE)
    return dict(_view_data(request), title="Actualités", page=page, query_prefix="",
                can_add=request.has_permission("create", context))


@view_config(context=NewsItem, renderer="conseils_site:templates/news/item.pt",
             permission="view", decorator=anonymous_page_cache)
def news_item(context, request):
    return dict(_view_data(request), title=context.title, item=context,
                can_edit=request.has_permission("edit", context),
                can_delete=request.has_permission("delete", context))


@view_config(context=NewsItem, name="image", permission="view")
def news_image(context, request):
    if context.image is None:
        raise HTTPNotFound()
    versioned = request.params.get("v") == getattr(context, "image_version", None)
    return attachment_response(request, context.image, inline=True,
                               max_age=86400 * 30 if versioned else 300)


def _apply(request, item, data):
    """Copy a validated form onto a news item; the image only once every check passed."""
    tokens, keep = data["image"]["tokens"], "image" in data["image"]["existing"]
    if (tokens or (keep and item.image is not None)) and not data["image_alt"].strip():
        raise FormError("image_alt", "Décrivez l'image en une phrase pour les personnes qui ne la "
                                     "voient pas.")
    image = None
    if tokens:
        image = take_upload(request, tokens[-1])
        if image is None:
            raise FormError("image", "Cette image n'est plus disponible : choisissez-la à nouveau.")
    item.title = data["title"]
    item.summary = data["summary"].strip()
    item.text = to_safe_html(data["text"])
    item.date = news_datetime(data["date"], getattr(item, "date", None))
    item.image_alt = " ".join(data["image_alt"].split())
    if image is not None:
        filename, payload, kind = image
        attachment = Attachment(filename, payload, kind)
        attachment.__parent__, attachment.__name__ = item, "image"
        item.image = attachment
        item.image_size = image_size(payload)
        item.image_version = new_id()  # a new address: no cache keeps showing the old picture
    elif not keep:
        item.image = None
    item.modified = utcnow()


def _check_text(data):
    if not to_safe_html(data["text"]):
        raise FormError("text", "Écrivez le texte de l'actualité.")


@view_config(context=NewsFolder, name="ajouter", permission="create",
             renderer="conseils_site:templates/news/form.pt")
def news_add(context, request):
    form = make_form(request, news_schema(), "Publier l'actualité", formid="actualite")

    def create(data):
        _check_text(data)
        item = NewsItem(data["title"], author_id=getattr(request.user, "id", None))
        _apply(request, item, data)
        context.add(unique_item_name(context, item.title, NEWS_VIEWS), item)
        request.session.flash(f"L'actualité « {item.title} » est publiée.")
        return HTTPSeeOther(request.resource_path(item))

    today = datetime.datetime.now(PARIS).date()
    result = process_form(request, form, create, initial={"date": today})
    if isinstance(result, dict):
        result.update(title="Nouvelle actualité", back=(request.resource_path(context), "Actualités"))
    return result


@view_config(context=NewsItem, name="modifier", permission="edit",
             renderer="conseils_site:templates/news/form.pt")
def news_edit(context, request):
    form = make_form(request, news_schema(has_image=context.image is not None),
                     "Enregistrer les modifications", formid="actualite")

    def save(data):
        _check_text(data)
        _apply(request, context, data)
        notify(ObjectModified(context))
        request.session.flash("L'actualité est mise à jour.")
        return HTTPSeeOther(request.resource_path(context))

    initial = {"title": context.title, "date": context.date.astimezone(PARIS).date(),
               "summary": context.summary, "text": context.text,
               "image": {"existing": ["image"] if context.image is not None else [], "tokens": []},
               "image_alt": getattr(context, "image_alt", "")}
    result = process_form(request, form, save, initial=initial)
    if isinstance(result, dict):
        result.update(title=f"Modifier — {context.title}",
                      back=(request.resource_path(context), context.title))
    return result


@view_config(context=NewsItem, name="supprimer", permission="delete",
             renderer="conseils_site:templates/news/delete.pt")
def news_delete(context, request):
    request.response.cache_control = "no-store"
    if request.method == "POST":
        folder = context.__parent__
        folder.remove(context.__name__)
        request.session.flash(f"L'actualité « {context.title} » est supprimée.")
        return HTTPSeeOther(request.resource_path(folder))
    return {"title": f"Supprimer — {context.title}", "item": context,
            "what": "cette actualité", "back": request.resource_path(context)}
