"""The forum for councillors: rubriques, topics, replies, quotes, follow, unread markers, edits,
deletions and reports. How they read is in forum_display.py; the animators' moderation in
forum_moderation.py.

Who may do what comes from the messages' ACL (resources/forum.py); every list goes through the
catalog's permission-filtered queries; messages are sanitised when saved (forms/forum.py)."""
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from ..catalog.queries import (
    allowed_count,
    allowed_items,
    forum_replies_query,
    forum_topics_query,
    page_number,
    paginate,
)
from ..forms.forum import (
    EditReplySchema,
    EditTopicSchema,
    ReplySchema,
    ReportSchema,
    TopicSchema,
    message_html,
)
from ..forms.render import make_form, process_form
from ..resources.events import ObjectModified, notify
from ..resources.forum import (
    Category,
    Forum,
    GroupForum,
    Message,
    Reply,
    Report,
    Section,
    Topic,
    find_forum,
)
from .content_display import author_name
from .forum_display import (
    PAGE_SIZE,
    breadcrumb,
    message_url,
    message_view,
    page_of,
    quote_of,
    section_label,
    topic_rows,
)


def actor(request):
    user = request.user
    return {"id": user.id, "name": user.title, "email": user.email} if user else {"id": None, "name": "?"}


def require(request, context, permission):
    """A second permission a view needs besides its own (e.g. an author must still read here)."""
    if not request.has_permission(permission, context):
        raise HTTPForbidden()


# --- Reading -------------------------------------------------------------------------------

@view_config(context=Forum, permission="view", renderer="conseils_site:templates/forum/home.pt")
def forum_home(context, request):
    catalog = request.root.catalog
    categories = []
    for category in context.categories():
        query = forum_topics_query(catalog, category.id)
        latest = allowed_items(catalog, request, query, "newest", limit=1)
        categories.append({
            "title": category.title, "url": request.resource_path(category),
            "description": category.description, "count": allowed_count(catalog, request, query),
            "latest": topic_rows(request, latest)[0] if latest else None,
        })
    request.response.cache_control = "no-store"
    return {"title": "Forum", "categories": categories, "groups": my_group_forums(request),
            "is_moderator": request.has_permission("moderate", context),
            "is_admin": request.has_permission("admin", context),
            "pending_reports": context.pending_count()}


def my_group_forums(request):
    """The working groups whose forum this person may read, as each group forum's ACL says
    (member councils, animators, local roles): no rule of its own here."""
    found = [g for g in request.root.groups.values()
             if "forum" in g and request.has_permission("view", g["forum"])]
    return [{"title": g.title, "url": request.resource_path(g, "forum")}
            for g in sorted(found, key=lambda g: g.title.lower())]


@view_config(context=Section, permission="view", renderer="conseils_site:templates/forum/section.pt")
def section_page(context, request):
    catalog = request.root.catalog
    page = paginate(catalog, request, forum_topics_query(catalog, context.id), "forum_order",
                    number=page_number(request), size=PAGE_SIZE, key=("topics", context.id))
    request.response.cache_control = "no-store"
    return {"title": section_label(context), "section": context, "page": page,
            "rows": topic_rows(request, page.items), "query_prefix": "",
            "breadcrumb": breadcrumb(request, context),
            "new_topic_url": (request.resource_path(context, "@@nouveau-sujet")
                              if request.has_permission("create", context) else None),
            "is_group": isinstance(context, GroupForum)}


@view_config(context=Section, name="tout-lu", permission="view", request_method="POST")
def mark_section_read(context, request):
    """« Tout marquer comme lu »: every topic of the rubrique, as far as it goes now."""
    catalog = request.root.catalog
    forum = request.root["forum"]
    for topic in allowed_items(catalog, request, forum_topics_query(catalog, context.id)):
        forum.mark_read(request.user.id, topic, topic.last_number)
    request.session.flash("Tous les sujets de cette rubrique sont marqués comme lus.")
    return HTTPSeeOther(request.resource_path(context))


@view_config(context=Topic, permission="view", renderer="conseils_site:templates/forum/topic.pt")
def topic_page(context, request):
    catalog = request.root.catalog
    forum = request.root["forum"]
    user_id = request.user.id
    page = paginate(catalog, request, forum_replies_query(catalog, context.id), "forum_order",
                    number=page_number(request), size=PAGE_SIZE, key=("replies", context.id))
    messages = ([context] if page.number == 1 else []) + page.items
    mark = forum.last_read(user_id, context)
    first_unread = None
    if mark is not None and context.last_number > mark:
        first_unread = context.reply(mark + 1)
    can_reply = request.has_permission("reply", context)
    views = [message_view(request, m, mark, can_reply) for m in messages]
    if messages:
        forum.mark_read(user_id, context, max(m.number for m in messages))
    reply_form = None
    if can_reply:
        form = make_form(request, ReplySchema(), "Publier la réponse", formid="reponse",
                         action=request.resource_path(context, "@@repondre"))
        reply_form = form.render({})
    request.response.cache_control = "no-store"
    return {
        "title": context.title, "topic": context, "page": page, "messages": views,
        "query_prefix": "", "breadcrumb": breadcrumb(request, context),
        "section_title": section_label(context.section),
        "first_unread_url": (message_url(request, first_unread)
                             if first_unread is not None and page_of(first_unread.number) != page.number
                             else None),
        "unread_on_page": any(v.unread for v in views),
        "following": context.is_followed_by(user_id),
        "reply_form": reply_form,
        "moderate": request.has_permission("moderate", context),
        "can_move": request.has_permission("moderate", context) and isinstance(context.section, Category),
        "author": author_name(request, context),
    }


@view_config(context=Reply, permission="view")
def reply_address(context, request):
    """A reply's own address leads to its place in the thread."""
    return HTTPSeeOther(message_url(request, context))


# --- Writing -------------------------------------------------------------------------------

def _form_page(result, title, trail, intro=(), quote=None, message=None):
    result.update({"title": title, "breadcrumb": trail, "intro": list(intro), "quote": quote,
                   "message": message})
    return result


@view_config(context=Section, name="nouveau-sujet", permission="create",
             renderer="conseils_site:templates/forum/form.pt")
def new_topic(context, request):
    form = make_form(request, TopicSchema(), "Publier le sujet", formid="sujet")

    def save(data):
        topic = Topic(data["title"], message_html(data["text"]), data["text"], request.user.id)
        context.add_topic(topic)  # ObjectAdded: the catalog and the alerts see it
        request.session.flash("Votre sujet est publié. Vous serez prévenu des réponses "
                              "(bouton « Ne plus suivre » pour arrêter).")
        return HTTPSeeOther(request.resource_path(topic))

    result = process_form(request, form, save)
    if not isinstance(result, dict):
        return result
    intro = ["Avant d'ouvrir un sujet, regardez si la question n'a pas déjà été posée."]
    if isinstance(context, GroupForum):
        intro.append(f"Seuls les membres des conseils du groupe « {context.group.title} » "
                     "et les animateurs liront ce sujet.")
    else:
        intro.append("Tous les conseillers citoyens validés et les animateurs liront ce sujet.")
    return _form_page(result, "Créer un sujet de discussion",
                      breadcrumb(request, context) + [(request.resource_path(context),
                                                       section_label(context))], intro)


def _quote_param(request, topic):
    raw = request.params.get("citer", request.POST.get("quote", ""))
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return None
    quoted = topic.message(number) if number >= 0 else None
    return number if quoted is not None and quoted.readable else None


@view_config(context=Topic, name="repondre", permission="reply",
             renderer="conseils_site:templates/forum/form.pt")
def reply_to_topic(context, request):
    form = make_form(request, ReplySchema(), "Publier la réponse", formid="reponse")
    quote = _quote_param(request, context)

    def save(data):
        reply = Reply(message_html(data["text"]), data["text"], request.user.id, quote_number=quote)
        context.add_reply(reply)  # ObjectAdded for the reply, ObjectModified for the topic
        request.session.flash("Votre réponse est publiée.")
        return HTTPSeeOther(message_url(request, reply))

    result = process_form(request, form, save, initial={"quote": "" if quote is None else str(quote)})
    if not isinstance(result, dict):
        return result
    return _form_page(result, f"Répondre — {context.title}",
                      breadcrumb(request, context) + [(request.resource_path(context), context.title)],
                      quote=quote_of(request, context, quote))


@view_config(context=Topic, name="suivre", permission="view", request_method="POST")
def follow_topic(context, request):
    if request.POST.get("action") == "ne-plus-suivre":
        context.unfollow(request.user.id)
        request.session.flash("Vous ne suivez plus ce sujet : plus d'alerte pour ses réponses.")
    else:
        context.follow(request.user.id)
        request.session.flash("Vous suivez ce sujet : vous serez prévenu de ses nouvelles réponses.")
    return HTTPSeeOther(request.resource_path(context))


@view_config(context=Message, name="modifier", permission="edit",
             renderer="conseils_site:templates/forum/form.pt")
def edit_message(context, request):
    require(request, context, "view")
    if not context.readable:
        raise HTTPForbidden()
    is_topic = isinstance(context, Topic)
    schema = EditTopicSchema() if is_topic else EditReplySchema()
    form = make_form(request, schema, "Enregistrer les modifications", formid="modification")

    def save(data):
        if is_topic:
            context.title = data["title"]
        context.set_text(message_html(data["text"]), data["text"], request.user.id)
        notify(ObjectModified(context))
        if context.modified_by:
            request.root.audit.record(actor=actor(request), action="forum : modification",
                                      target=request.resource_path(context),
                                      detail=f"message de {author_name(request, context)}")
        request.session.flash("Les modifications sont enregistrées.")
        return HTTPSeeOther(message_url(request, context))

    initial = {"text": context.source or context.text}
    if is_topic:
        initial["title"] = context.title
    result = process_form(request, form, save, initial=initial)
    if not isinstance(result, dict):
        return result
    topic = context.topic
    return _form_page(result, "Modifier le message",
                      breadcrumb(request, topic) + [(request.resource_path(topic), topic.title)])


@view_config(context=Message, name="supprimer", permission="delete",
             renderer="conseils_site:templates/forum/delete.pt")
def delete_message(context, request):
    """A confirmation page. A topic without replies goes away whole; any other message keeps
    its place in the thread as « message supprimé »."""
    require(request, context, "view")
    topic = context.topic
    whole_topic = isinstance(context, Topic) and topic.last_number == 0
    if request.method == "POST":
        forum = find_forum(context)
        by_moderation = context.author_id != request.user.id
        target = request.resource_path(context)
        forum.resolve_reports(context, "deleted", request.user.id)
        if whole_topic:
            section = topic.__parent__
            section.remove(topic.__name__)  # unindexed by ObjectWillBeRemoved
            redirect = request.resource_path(section)
        else:
            context.erase(by=request.user.id)
            notify(ObjectModified(context))
            redirect = message_url(request, context)
        if by_moderation:
            request.root.audit.record(actor=actor(request), action="forum : suppression",
                                      target=target, detail=f"« {topic.title} »")
        request.session.flash("Le sujet est supprimé." if whole_topic else "Le message est supprimé.")
        return HTTPSeeOther(redirect)
    request.response.cache_control = "no-store"
    return {"title": "Supprimer le message", "message": context, "topic": topic,
            "whole_topic": whole_topic, "cancel_url": message_url(request, context),
            "by_moderation": context.author_id != request.user.id,
            "breadcrumb": breadcrumb(request, topic) + [(request.resource_path(topic), topic.title)]}


@view_config(context=Message, name="signaler", permission="report",
             renderer="conseils_site:templates/forum/form.pt")
def report_message(context, request):
    form = make_form(request, ReportSchema(), "Envoyer le signalement", formid="signalement")
    forum = find_forum(context)

    def save(data):
        already = any(r.message is context and r.reporter_id == request.user.id
                      for r in forum.pending())
        if not already:
            forum.add_report(Report(context, request.user.id, data["reason"]))
        request.session.flash("Merci : votre signalement est transmis aux animateurs, qui "
                              "décideront de masquer ou non ce message.")
        return HTTPSeeOther(message_url(request, context))

    result = process_form(request, form, save)
    if not isinstance(result, dict):
        return result
    topic = context.topic
    return _form_page(result, "Signaler un message",
                      breadcrumb(request, topic) + [(request.resource_path(topic), topic.title)],
                      ["Un message vous semble contraire aux règles du forum ? Dites-nous pourquoi."],
                      message={"author": author_name(request, context), "html": context.text})
