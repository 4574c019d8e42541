"""The site's kinds of content, each declared once (in the order facets and listings show them).

How each reads — in a council's listing, an alert, a feed, « Rechercher » — is said here; the
consumers (catalog/queries.py, notify/, feeds.py, views/) only ask `types.get(kind)`."""
from ..calendar import format_day, format_when
from ..dates import format_date, format_datetime, format_span
from ..resources.content import ActionReport, Document, Event, NewsItem, ResourceItem
from ..resources.forum import GroupForum, Reply, Topic
from ..resources.territory import Council
from .registry import ContentType, label, register


def published_on(obj):
    return f"Publié le {format_day(obj.created)}"


def listed_published_on(obj):
    return f"Publié le {format_date(obj.created)}"


def council_where(obj):
    """« Conseil — Commune (93) » for an item, from the council that holds it."""
    council = obj.__parent__
    if getattr(council, "kind", None) != "council":
        return ""
    return f"{council.title} — {council.commune_name} ({council.departement_code})"


def forum_where(obj):
    section = obj.topic.section
    if isinstance(section, GroupForum):
        return f"Forum du groupe « {section.group.title} »"
    return f"Forum — {section.title}" if section is not None else "Forum"


def event_when(obj):
    return ("Annulé — " if obj.cancelled else "") + format_when(obj)


def event_feed_lead(obj):
    when = format_when(obj)
    return (("Annulé — " if obj.cancelled else "") + when[0].upper() + when[1:]
            + (f", {obj.place}" if obj.place else "") + ".")


def event_facts(obj):
    return [("Quand", format_span(obj.start, obj.end)), ("Où", getattr(obj, "place", ""))]


def council_letter_meta(obj):
    council = obj.__parent__
    return (f"{label(obj.kind)} · {council.title}"
            f" ({getattr(council, 'departement_code', '')})")


def council_letter_summary(obj, shorten):
    return shorten(obj.description or getattr(obj, "text", ""))


COUNCIL_ITEM = {"alert_defaults": (("email", "immediate"), ("sms", "immediate")),
                "council_item": True, "alert_family": "council", "edit_view": "modifier",
                "delete_view": "supprimer", "where": council_where,
                "letter_meta": council_letter_meta, "letter_summary": council_letter_summary}

register(ContentType(
    "document", Document, "Document", "Documents", "Nouveau document", "Document modifié",
    button="Voir le document", the="Le document", schema="conseils_site.forms.content:DocumentSchema",
    alert_category="document", alert_label="Documents de mon conseil", has_files=True, folder="documents",
    add_view="nouveau-document", add_label="Créer un document",
    empty="Aucun document n'est visible pour le moment.",
    listing_when=listed_published_on, search_when=published_on, **COUNCIL_ITEM))
register(ContentType(
    "action_report", ActionReport, "Compte rendu d'action", "Comptes rendus d'action",
    "Nouveau compte rendu d'action", "Compte rendu d'action modifié",
    button="Voir le compte rendu", the="Le compte rendu", schema="conseils_site.forms.content:ActionReportSchema",
    alert_category="action_report", alert_label="Comptes rendus d'action de mon conseil",
    has_files=True, folder="actions",
    add_view="nouvelle-action", add_label="Créer une nouvelle action",
    empty="Aucun compte rendu d'action n'est visible pour le moment.",
    listing_when=lambda obj: f"Action du {format_date(obj.date)}",
    search_when=lambda obj: f"Action du {format_day(obj.date)}",
    feed_lead=lambda obj: f"Action du {format_day(obj.date)}.", **COUNCIL_ITEM))
register(ContentType(
    "event", Event, "Événement", "Événements", "Nouvel événement", "Événement modifié",
    button="Voir l'événement", cancelled="Événement annulé", the="L'événement", scheduled=True,
    schema="conseils_site.forms.content:EventSchema",
    edit_schema="conseils_site.forms.content:EventEditSchema",
    alert_category="event", alert_label="Événements de mon conseil", folder="evenements",
    add_view="nouvel-evenement", add_label="Créer un nouvel événement",
    empty="Aucun événement n'est visible pour le moment.",
    listing_when=lambda obj: format_datetime(obj.start, weekday=True), search_when=event_when,
    feed_lead=event_feed_lead, alert_facts=event_facts,
    sms_day=lambda obj: f" le {format_date(obj.start)}", **COUNCIL_ITEM))
register(ContentType(
    "news", NewsItem, "Actualité", "Actualités", "Nouvelle actualité", "Actualité modifiée",
    button="Lire l'actualité", the="L'actualité", schema="conseils_site.forms.news:news_schema", has_files=True,
    add_view="ajouter",
    listing_when=listed_published_on, search_when=lambda obj: format_day(obj.date),
    published="date", letter_meta=lambda obj: format_date(obj.date),
    letter_summary=lambda obj, shorten: obj.summary or shorten(obj.text)))
register(ContentType(
    "resource", ResourceItem, "Ressource", "Ressources", "Nouvelle ressource",
    "Ressource modifiée", button="Voir la ressource", the="La ressource",
    schema="conseils_site.forms.news:resource_schema", has_files=True, add_view="ajouter",
    listing_when=listed_published_on, search_when=published_on,
    letter_meta=lambda obj: obj.category or "Boîte à outils",
    letter_summary=lambda obj, shorten: shorten(obj.description)))
register(ContentType(
    "council", Council, "Conseil", "Conseils", "Nouveau conseil", "Conseil modifié",
    button="Voir le conseil", the="Le conseil", schema="conseils_site.forms.fiche:FicheSchema", delete_view=None,
    where=lambda obj: f"{obj.commune_name} ({obj.departement_code})",
    fallback_text=lambda obj: f"Conseil citoyen de {obj.commune_name} ({obj.departement_code})."))
register(ContentType(
    "forum_topic", Topic, "Sujet du forum", "Sujets du forum", "Nouveau sujet", "Sujet modifié",
    button="Lire le sujet", the="Le sujet", forum_message=True, excerpt_in_alert=True,
    schema="conseils_site.forms.forum:TopicSchema",
    edit_schema="conseils_site.forms.forum:EditTopicSchema", add_view="nouveau-sujet",
    search_when=lambda obj: f"Dernière activité le {format_day(obj.last_activity)}",
    where=forum_where))
register(ContentType(
    "forum_reply", Reply, "Réponse du forum", "Réponses du forum", "Nouvelle réponse",
    "Réponse modifiée", button="Lire la réponse", the="La réponse", forum_message=True, excerpt_in_alert=True,
    alert_family="forum", alert_category="forum",
    alert_label="Réponses aux sujets que je suis sur le forum",
    alert_defaults=(("email", "immediate"), ("sms", "never")), search_when=published_on, where=forum_where,
    schema="conseils_site.forms.forum:ReplySchema",
    edit_schema="conseils_site.forms.forum:EditReplySchema", add_view="repondre"))
