"""The animators' side of the forum: reports' queue, hide or keep a message, pin, close and move
topics, and the rubriques. Every action needs the « moderate » permission (animators, or a
person given a local role that moderates) and is written to the audit log."""
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..catalog.queries import forum_topics_query
from ..dates import format_datetime
from ..forms.forum import CategorySchema
from ..forms.render import make_form, process_form
from ..resources.events import ObjectModified, notify
from ..resources.forum import Category, Forum, Message, Topic, find_forum, move_topic
from .content_display import author_name
from .forum import actor
from .forum_display import message_url

TOPIC_ACTIONS = {
    # action: (attribute, value, audit label, message)
    "epingler": ("pinned", True, "épinglage", "Le sujet est épinglé en tête de sa rubrique."),
    "desepingler": ("pinned", False, "désépinglage", "Le sujet n'est plus épinglé."),
    "fermer": ("closed", True, "fermeture", "Le sujet est fermé : plus personne ne peut y répondre."),
    "rouvrir": ("closed", False, "réouverture", "Le sujet est rouvert aux réponses."),
}


def _audit(request, action, obj, detail=""):
    request.root.audit.record(actor=actor(request), action=f"forum : {action}",
                              target=request.resource_path(obj), detail=detail)


def _describe(request, message):
    topic = message.topic
    which = "premier message" if message.number == 0 else f"réponse n° {message.number}"
    return f"{which} de {author_name(request, message)} dans « {topic.title} »"


def set_hidden(request, message, hidden):
    """Hide a message (its reports are closed as « masqué ») or show it again."""
    forum = find_forum(message)
    if hidden:
        forum.resolve_reports(message, "hidden", request.user.id)
    if message.hidden == hidden:
        return False
    message.hidden = hidden
    notify(ObjectModified(message))  # its words leave (or return to) the search index
    _audit(request, "masquage" if hidden else "rétablissement", message, _describe(request, message))
    return True


@view_config(context=Message, name="moderer", permission="moderate", request_method="POST")
def moderate_message(context, request):
    action = request.POST.get("action")
    if action not in ("masquer", "retablir"):
        raise HTTPBadRequest()
    set_hidden(request, context, action == "masquer")
    request.session.flash("Le message est masqué." if action == "masquer" else "Le message est rétabli.")
    return HTTPSeeOther(message_url(request, context))


@view_config(context=Topic, name="moderer-sujet", permission="moderate", request_method="POST")
def moderate_topic(context, request):
    action = TOPIC_ACTIONS.get(request.POST.get("action"))
    if action is None:
        raise HTTPBadRequest()
    attribute, value, label, message = action
    if getattr(context, attribute) != value:
        setattr(context, attribute, value)
        notify(ObjectModified(context))  # pinning changes its place in the lists
        _audit(request, label, context, f"« {context.title} »")
    request.session.flash(message)
    return HTTPSeeOther(request.resource_path(context))


@view_config(context=Topic, name="deplacer", permission="moderate",
             renderer="conseils_site:templates/forum/move.pt")
def move(context, request):
    """Only between the rubriques of /forum: a group's discussions never leave the group."""
    if not isinstance(context.section, Category):
        raise HTTPNotFound()
    forum = find_forum(context)
    choices = [c for c in forum.categories() if c is not context.section]
    error = None
    if request.method == "POST":
        target = forum.get(request.POST.get("rubrique", ""))
        if not isinstance(target, Category) or target is context.section:
            error = "Choisissez la rubrique où déplacer le sujet."
            request.response.status = 400
        else:
            before = context.section.title
            move_topic(context, target)
            _audit(request, "déplacement", context, f"« {context.title} » de « {before} » vers « {target.title} »")
            request.session.flash(f"Le sujet est déplacé dans « {target.title} ».")
            return HTTPSeeOther(request.resource_path(context))
    request.response.cache_control = "no-store"
    return {"title": f"Déplacer « {context.title} »", "topic": context, "choices": choices,
            "error": error}


@view_config(context=Forum, name="signalements", permission="moderate",
             renderer="conseils_site:templates/forum/reports.pt")
def reports_queue(context, request):
    """The reports waiting for an animator, oldest first: hide the message, or keep it."""
    if request.method == "POST":
        report = context.reports.get(request.POST.get("report", ""))
        decision = request.POST.get("decision")
        if report is None or decision not in ("masquer", "garder"):
            raise HTTPBadRequest()
        message = report.message
        if report.state != "pending":
            request.session.flash("Ce signalement était déjà traité.")
        elif decision == "masquer" and message.__parent__ is not None:
            set_hidden(request, message, True)
            request.session.flash("Le message est masqué ; le signalement est traité.")
        else:
            context.resolve_reports(message, "kept", request.user.id)
            _audit(request, "signalement écarté", message, _describe(request, message))
            request.session.flash("Le message est gardé ; le signalement est traité.")
        return HTTPSeeOther(request.resource_path(context, "@@signalements"))
    users = request.root.users

    def row(report):
        message = report.message
        reporter = users.get(report.reporter_id)
        gone = message.__parent__ is None
        return {"id": report.id, "when": format_datetime(report.created), "reason": report.reason,
                "reporter": reporter.title if reporter is not None else "ancien membre",
                "topic": message.topic.title, "url": None if gone else message_url(request, message),
                "author": author_name(request, message), "html": message.text,
                "hidden": message.hidden, "deleted": message.deleted or gone,
                "state": report.state_label}

    done = sorted((r for r in context.reports.values() if r.state != "pending"),
                  key=lambda r: r.decided_at, reverse=True)[:20]
    request.response.cache_control = "no-store"
    return {"title": "Signalements à traiter", "pending": [row(r) for r in context.pending()],
            "done": [row(r) for r in done]}


@view_config(context=Forum, name="rubriques", permission="admin",
             renderer="conseils_site:templates/forum/categories.pt")
def categories(context, request):
    form = make_form(request, CategorySchema(), "Créer la rubrique", formid="rubrique")

    def create(data):
        category = Category(data["title"], data["description"], data["order"])
        context.add(context.unique_name(data["title"]), category)
        _audit(request, "création de rubrique", category, f"« {category.title} »")
        request.session.flash(f"La rubrique « {category.title} » est créée.")
        return HTTPSeeOther(request.resource_path(context, "@@rubriques"))

    result = process_form(request, form, create, initial={"order": _next_order(context)})
    if isinstance(result, dict):
        result.update({"title": "Rubriques du forum", "categories": [
            {"title": c.title, "description": c.description, "order": c.order,
             "url": request.resource_path(c), "edit_url": request.resource_path(c, "@@modifier")}
            for c in context.categories()]})
    return result


def _next_order(forum):
    return max((c.order for c in forum.values()), default=0) + 10


@view_config(context=Category, name="modifier", permission="admin",
             renderer="conseils_site:templates/forum/category_form.pt")
def edit_category(context, request):
    form = make_form(request, CategorySchema(), "Enregistrer", formid="rubrique")
    catalog = request.root.catalog
    has_topics = len(forum_topics_query(catalog, context.id).execute()) > 0
    if request.method == "POST" and request.POST.get("supprimer") == "oui":
        if has_topics:
            raise HTTPBadRequest()  # the button shows only for an empty rubrique
        forum = context.__parent__
        _audit(request, "suppression de rubrique", forum, f"« {context.title} »")
        forum.remove(context.__name__)
        request.session.flash(f"La rubrique « {context.title} » est supprimée.")
        return HTTPSeeOther(request.resource_path(forum, "@@rubriques"))

    def save(data):
        context.title, context.description, context.order = data["title"], data["description"], data["order"]
        _audit(request, "modification de rubrique", context, f"« {context.title} »")
        request.session.flash("La rubrique est enregistrée.")
        return HTTPSeeOther(request.resource_path(context.__parent__, "@@rubriques"))

    result = process_form(request, form, save, initial={
        "title": context.title, "description": context.description, "order": context.order})
    if isinstance(result, dict):
        result.update({"title": f"Modifier la rubrique « {context.title} »", "category": context,
                       "can_delete": not has_topics})
    return result
