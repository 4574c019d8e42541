"""Documents, action reports and events of a council: create, show, edit, delete.

Who may do what comes from the items' ACL (security/visibility.py); these views only name the
permission. Saving fires the object events that keep the catalog, and so every list, in step."""
import copy
from dataclasses import dataclass

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from .. import types
from ..dates import format_date, format_datetime, format_span
from ..forms.content import editable_text, rich_text
from ..forms.render import FormError, make_form, process_form
from ..resources import ActionReport, Attachment, Council, CouncilItem, Document, Event
from ..resources.content import utcnow
from ..resources.events import ObjectModified, notify
from ..security.visibility import who_can_see
from .cache import anonymous_page_cache
from .collab import editor_data
from .content_display import author_name
from .content_files import document_files, photo_files
from .council_lists import council_items_for  # noqa: F401 (the public page's helper)


@dataclass(frozen=True)
class KindSpec:
    """What differs between the three kinds of item's forms; the views below are the same for
    all. Labels, schemas and the listing are the kind's declaration (types/declarations.py)."""

    build: object  # (council, data, common) -> a new item
    apply: object  # (item, data): an edit form's values into the item
    initial: object  # item -> {field: value} as its edit form shows them
    uploads: tuple  # factories of ReceivedFiles, one per file field
    new_heading: str
    button: str
    saved: str
    intro: list


def build_document(council, data, common):
    return Document(data["title"], council.id, description=rich_text(data["description"]),
                    mode=data["mode"], body=rich_text(data["body"]), **common)


def apply_document(item, data):
    item.description = rich_text(data["description"])
    # A collaborative text is written in its editor: its edit form has no body field.
    item.set_mode(data["mode"], rich_text(data["body"]) if "body" in data else None)


def initial_document(item):
    values = {"mode": item.mode, "description": editable_text(item.description)}
    if item.mode != "collaboratif":
        values["body"] = editable_text(item.body)
    return values


def build_action_report(council, data, common):
    return ActionReport(data["title"], council.id, data["date"], text=rich_text(data["text"]),
                        **common)


def apply_action_report(item, data):
    item.date, item.text = data["date"], rich_text(data["text"])


def initial_action_report(item):
    return {"date": item.date, "text": editable_text(item.text)}


def build_event(council, data, common):
    return Event(data["title"], council.id, data["start"], data["end"], place=data["place"],
                 description=rich_text(data["description"]), **common)


def apply_event(item, data):
    item.start, item.end, item.place = data["start"], data["end"], data["place"]
    item.description, item.cancelled = rich_text(data["description"]), data["cancelled"]


def initial_event(item):
    return {"start": item.start, "end": item.end, "place": item.place,
            "cancelled": item.cancelled, "description": editable_text(item.description)}


KINDS = {
    "document": KindSpec(
        build_document, apply_document, initial_document, (document_files,),
        "Créer un document", "Publier le document", "Le document « {} » est enregistré.",
        ["Un document classique rassemble des fichiers (compte rendu de réunion, affiche, "
         "photo…) et une courte description.",
         "Un document collaboratif est un texte que tous les membres de votre conseil peuvent "
         "compléter ; son titre, ses fichiers et qui peut le voir ne changent que par vous, les "
         "référents du conseil et les animateurs."]),
    "action_report": KindSpec(
        build_action_report, apply_action_report, initial_action_report,
        (photo_files, document_files), "Créer une nouvelle action", "Publier le compte rendu",
        "Le compte rendu « {} » est enregistré.",
        ["Racontez une action menée par votre conseil : ce qui a été fait, avec qui, et ce qui "
         "en est ressorti. Vous pouvez ajouter des photos et des documents."]),
    "event": KindSpec(
        build_event, apply_event, initial_event, (),
        "Créer un nouvel événement", "Publier l'événement", "L'événement « {} » est enregistré.",
        ["Annoncez une réunion, une permanence ou une fête de quartier : le jour, l'heure et le "
         "lieu suffisent pour commencer."]),
}


COLLABORATIVE_EDIT_NOTE = ("Le texte de ce document collaboratif se modifie directement sur sa page, "
                          "avec les autres membres du conseil ; ici, son titre, sa description, "
                          "ses fichiers et qui peut le voir.")


def build_item(kind, council, data, author_id):
    common = {"author_id": author_id, "visibility": data["visibility"]}
    return KINDS[kind].build(council, data, common)


def apply_changes(item, data):
    item.title, item.visibility = data["title"], data["visibility"]
    KINDS[item.kind].apply(item, data)


def initial_values(item):
    """The item as its edit form shows it: texts as they were typed."""
    values = {"title": item.title, "visibility": item.visibility}
    values.update(KINDS[item.kind].initial(item))
    return values


def _own_widget(form, name):
    """A copy of a field's widget for this request: schema nodes (and their widgets) are shared."""
    field = form[name]
    field.widget = copy.copy(field.widget)
    return field.widget


def _receive_files(request, form, spec):
    received = [make(request) for make in spec.uploads]
    for files in received:
        widget = _own_widget(form, files.field_name)
        widget.received, widget.problems = files.received, files.problems
    return received


def _refuse_bad_files(received):
    """Nothing is saved while a file was refused; the other fields and files are kept."""
    for files in received:
        if files.problems:
            raise FormError(files.field_name, files.problems)


def _form_page(request, council, result, heading, intro, item=None):
    result.update({"title": heading, "heading": heading, "council": council, "item": item,
                   "intro": intro})
    return result


def _create(context, request, kind):
    spec = KINDS[kind]
    schema = types.get(kind).resolve_schema()
    form = make_form(request, schema(creating=True), spec.button, formid=kind)
    received = _receive_files(request, form, spec)

    def save(data):
        _refuse_bad_files(received)
        item = build_item(kind, context, data, request.user.id)
        context.add(context.unique_name(item.title), item)  # indexed by the ObjectAdded event
        for files in received:
            files.attach_to(item)
        request.session.flash(spec.saved.format(item.title))
        return HTTPSeeOther(request.resource_path(item))

    result = process_form(request, form, save)
    if not isinstance(result, dict):
        return result
    return _form_page(request, context, result, spec.new_heading, spec.intro)


@view_config(context=Council, name="nouveau-document", permission="create",
             renderer="conseils_site:templates/content/form.pt")
def new_document(context, request):
    return _create(context, request, "document")


@view_config(context=Council, name="nouvelle-action", permission="create",
             renderer="conseils_site:templates/content/form.pt")
def new_action_report(context, request):
    return _create(context, request, "action_report")


@view_config(context=Council, name="nouvel-evenement", permission="create",
             renderer="conseils_site:templates/content/form.pt")
def new_event(context, request):
    return _create(context, request, "event")


@view_config(context=CouncilItem, name="modifier", permission="edit",
             renderer="conseils_site:templates/content/form.pt")
def edit_item(context, request):
    spec = KINDS[context.kind]
    schema = types.of(context).resolve_schema(edit=True)()
    if getattr(context, "mode", None) == "collaboratif":
        del schema["body"]  # written in the document's editor, with everyone else
    form = make_form(request, schema, "Enregistrer les modifications", formid=context.kind)
    received = _receive_files(request, form, spec)
    if spec.uploads:
        _own_widget(form, "files").existing = context.attachments()

    def save(data):
        _refuse_bad_files(received)
        apply_changes(context, data)
        for name in request.POST.getall("remove"):
            if isinstance(context.get(name), Attachment):
                context.remove(name)
        for files in received:
            files.attach_to(context)
        context.modified = utcnow()
        # The ACL derives from the visibility: reindexing now updates who finds it in lists.
        notify(ObjectModified(context), request.registry)
        request.session.flash(f"Les modifications de « {context.title} » sont enregistrées.")
        return HTTPSeeOther(request.resource_path(context))

    result = process_form(request, form, save, initial=initial_values(context))
    if not isinstance(result, dict):
        return result
    intro = [COLLABORATIVE_EDIT_NOTE] if getattr(context, "mode", None) == "collaboratif" else []
    return _form_page(request, context.__parent__, result, f"Modifier « {context.title} »", intro,
                      item=context)


@view_config(context=CouncilItem, name="supprimer", permission="delete",
             renderer="conseils_site:templates/content/delete.pt")
def delete_item(context, request):
    """A confirmation page; the POST (CSRF-checked) deletes the item and its files."""
    council = context.__parent__
    if request.method == "POST":
        title, listing = context.title, types.of(context).folder
        council.remove(context.__name__)  # unindexed by the ObjectWillBeRemoved event
        request.session.flash(f"« {title} » est supprimé.")
        return HTTPSeeOther(request.resource_path(council, "@@" + listing))
    request.response.cache_control = "no-store"
    return {"title": f"Supprimer « {context.title} »", "item": context, "council": council,
            "kind_label": types.label(context.kind),
            "author": author_name(request, context), "file_count": len(context.attachments())}


@view_config(context=CouncilItem, permission="view", decorator=anonymous_page_cache,
             renderer="conseils_site:templates/content/item.pt")
def item_page(context, request):
    council = context.__parent__
    declared = types.of(context)
    listing = declared.folder
    attachments = context.attachments()
    modified = context.modified if context.modified != context.created else None
    return {
        "title": context.title, "item": context, "council": council,
        "kind_label": declared.label,
        "list_url": request.resource_path(council, "@@" + listing),
        "list_label": declared.plural,
        "author": author_name(request, context),
        "created": format_datetime(context.created),
        "modified": format_datetime(modified) if modified else "",
        "sentence": who_can_see(context.visibility),
        "scheduled": declared.scheduled,  # the « add to my calendar » links
        "when": format_span(context.start, context.end) if declared.scheduled else "",
        "cancelled": bool(getattr(context, "cancelled", False)),
        "action_date": format_date(context.date) if isinstance(context, ActionReport) else "",
        "text": getattr(context, "text", ""),
        "body": getattr(context, "body", ""),
        "is_collaborative": getattr(context, "mode", None) == "collaboratif",
        "editor": editor_data(request, context),
        "images": [a for a in attachments if a.is_image],
        "files": [a for a in attachments if not a.is_image],
        "edit_url": (request.resource_path(context, "@@modifier")
                     if request.has_permission("edit", context) else None),
        "delete_url": (request.resource_path(context, "@@supprimer")
                       if request.has_permission("delete", context) else None),
    }
