"""The monthly letter: composing and sending it (/admin/lettre, animators), its public archive
(/lettre), and subscribing from the site with a confirmed address (double opt-in).

Sending from the site freezes the recipients the preview counted (the button carries that
number: if it changed meanwhile, the animator sees the new number and confirms again); the mails
are then queued in batches by `conseils-newsletter` (cron `send-ready`, or `send ID`)."""
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from ..addresses import resource_url
from ..forms.newsletter import ComposeSchema, SubscribeSchema, parse_departements, parse_press, press_text
from ..forms.render import make_form, process_form
from ..geography import get_geography
from ..notify.links import base_url, read_subscription_token, subscription_token
from ..notify.newsletter import (
    build_sections,
    candidates,
    current_month,
    default_title,
    describe_counts,
    entry_of,
    freeze,
    letter_view,
    month_label,
    parse_month,
    previous_month,
    recipients,
    send_test,
)
from ..notify.subscriptions import confirm_subscription, request_subscription, subscription_mail
from ..resources import Admin
from ..resources.newsletter import DRAFT, Letter, Newsletters, utcnow
from ..security.tokens import TokenError
from .account import FORM_PAGE, message_page
from .cache import anonymous_page_cache

TEMPLATES = "conseils_site:templates/newsletter/"
SECTIONS = ("news", "resources", "publications")
LETTER = r"(?!nouvelle/?$)[^/]+"


def _letter(request):
    letter = request.root["lettre"].get(request.subpath[0]) if request.subpath else None
    if not isinstance(letter, Letter):
        raise HTTPNotFound()
    return letter


def _preview_url(request, letter):
    return request.resource_url(request.root, "admin", "lettre", letter.__name__)


def zone_label(letter):
    geography = get_geography()
    parts = []
    if letter.regions:
        parts.append("régions : " + ", ".join(
            geography.regions[c].name for c in letter.regions if c in geography.regions))
    if letter.departements:
        parts.append("départements : " + ", ".join(letter.departements))
    return " ; ".join(parts) if parts else "toute la France"


# --- the animators' pages --------------------------------------------------------------------

@view_config(context=Admin, name="lettre", permission="admin", path_info=r"^/admin/lettre/?$",
             renderer=TEMPLATES + "admin.pt")
def letters_admin(context, request):
    folder = request.root["lettre"]
    months = [(m, month_label(m)) for m in dict.fromkeys((previous_month(), current_month()))]
    request.response.cache_control = "no-store"
    return {"title": "La lettre d'information", "letters": folder.letters(published_only=False),
            "months": months, "subscribers": len(folder.subscribers), "zone_label": zone_label}


def _choices(found):
    return {name: [(obj.id, f"{obj.title} — {entry_of(obj)['meta']}") for obj in found[name]]
            for name in SECTIONS}


def _compose(request, letter, month):
    root = request.root
    found = candidates(root, month)
    schema = ComposeSchema().bind(request=request, choices=_choices(found))
    form = make_form(request, schema, "Enregistrer et voir l'aperçu", formid="lettre")
    if letter is None:
        initial = {"title": default_title(month), "intro": "", "press": "", "regions": (),
                   "departements": ""}
        initial.update({name: [obj.id for obj in found[name]] for name in SECTIONS})
    else:
        kept = {entry["id"] for _, entries in letter.sections for entry in entries}
        initial = {"title": letter.title, "intro": letter.intro, "press": press_text(letter.press),
                   "regions": letter.regions, "departements": ", ".join(letter.departements)}
        initial.update({name: [obj.id for obj in found[name] if obj.id in kept]
                        for name in SECTIONS})

    def save(data):
        fields = {
            "title": data["title"].strip(), "intro": data["intro"].strip(),
            "sections": build_sections(found, {name: set(data[name]) for name in SECTIONS}),
            "press": tuple(parse_press(data["press"])),
            "regions": tuple(sorted(data["regions"])),
            "departements": tuple(parse_departements(data["departements"])),
        }
        target = letter
        if target is None:
            folder = root["lettre"]
            target = Letter(month=month, author_id=request.user.id, **fields)
            folder.add(folder.unique_name(month), target)
            request.session.flash("La lettre est enregistrée (brouillon). Relisez l'aperçu, "
                                  "envoyez-vous un essai, puis envoyez-la.")
        else:
            for name, value in fields.items():
                setattr(target, name, value)
            target.modified = utcnow()
            request.session.flash("Les modifications de la lettre sont enregistrées.")
        return HTTPSeeOther(_preview_url(request, target))

    result = process_form(request, form, save, initial=initial)
    if isinstance(result, dict):
        result.update(title=(f"Modifier « {letter.title} »" if letter else
                             f"Composer la lettre de {month_label(month)}"),
                      month=month, month_label=month_label(month), letter=letter,
                      counts={name: len(found[name]) for name in SECTIONS})
    return result


@view_config(context=Admin, name="lettre", permission="admin",
             path_info=r"^/admin/lettre/nouvelle/?$", renderer=TEMPLATES + "compose.pt")
def compose_new(context, request):
    month = request.params.get("mois") or current_month()
    try:
        parse_month(month)
    except ValueError:
        return message_page(request, "Mois inconnu", [
            f"« {month[:20]} » n'est pas un mois : écrivez-le AAAA-MM, par exemple 2030-06."],
            [("/admin/lettre", "Retour à la lettre d'information")], status=400)
    return _compose(request, None, month)


@view_config(context=Admin, name="lettre", permission="admin",
             path_info=rf"^/admin/lettre/{LETTER}/modifier/?$", renderer=TEMPLATES + "compose.pt")
def compose_edit(context, request):
    letter = _letter(request)
    if letter.state != DRAFT:
        request.session.flash("Cette lettre est déjà partie : elle ne peut plus être modifiée.")
        return HTTPSeeOther(_preview_url(request, letter))
    return _compose(request, letter, letter.month)


@view_config(context=Admin, name="lettre", permission="admin",
             path_info=rf"^/admin/lettre/{LETTER}/?$", renderer=TEMPLATES + "preview.pt")
def preview(context, request):
    letter = _letter(request)
    request.response.cache_control = "no-store"
    counts = describe_counts(recipients(request.root, letter.regions, letter.departements)) \
        if letter.state == DRAFT else None
    return {"title": f"Aperçu : {letter.title}", "letter": letter, "counts": counts,
            "zone": zone_label(letter),
            "view": letter_view(request.root, letter, base_url(request.registry.settings)),
            "preview_url": _preview_url(request, letter)}


@view_config(context=Admin, name="lettre", permission="admin", request_method="POST",
             path_info=rf"^/admin/lettre/{LETTER}/essai/?$")
def test_send(context, request):
    letter = _letter(request)
    send_test(request.root, request.registry.settings, request.tm, letter, request.user,
              base_url(request.registry.settings))
    request.session.flash(f"Un essai de la lettre part vers {request.user.email} (objet "
                          f"« [Essai] {letter.title} »). Il arrive en général en quelques "
                          "minutes.")
    return HTTPSeeOther(_preview_url(request, letter))


@view_config(context=Admin, name="lettre", permission="admin", request_method="POST",
             path_info=rf"^/admin/lettre/{LETTER}/envoyer/?$")
def send(context, request):
    letter = _letter(request)
    if letter.state != DRAFT:
        request.session.flash("Cette lettre est déjà partie.")
        return HTTPSeeOther(_preview_url(request, letter))
    found = recipients(request.root, letter.regions, letter.departements)
    try:
        expected = int(request.POST.get("attendu", ""))
    except ValueError:
        expected = -1
    if expected != len(found):
        request.session.flash(
            f"Le nombre de destinataires a changé depuis l'aperçu : {len(found)} au lieu de "
            f"{expected}. Vérifiez l'aperçu ci-dessous, puis confirmez l'envoi.")
        return HTTPSeeOther(_preview_url(request, letter))
    if not found:
        request.session.flash("Personne ne recevrait cette lettre : rien n'est parti.")
        return HTTPSeeOther(_preview_url(request, letter))
    freeze(letter, found)
    request.session.flash(
        f"C'est parti : la lettre est envoyée à {len(found)} personne"
        f"{'s' if len(found) > 1 else ''}, par lots, dans les minutes qui viennent. Elle est "
        "maintenant visible dans les archives publiques.")
    return HTTPSeeOther(_preview_url(request, letter))


@view_config(context=Admin, name="lettre", permission="admin", request_method="POST",
             path_info=rf"^/admin/lettre/{LETTER}/supprimer/?$")
def delete_draft(context, request):
    letter = _letter(request)
    if letter.state != DRAFT:
        request.session.flash("Une lettre envoyée reste dans les archives.")
        return HTTPSeeOther(_preview_url(request, letter))
    request.root["lettre"].remove(letter.__name__)
    request.session.flash(f"Le brouillon « {letter.title} » est supprimé.")
    return HTTPSeeOther(request.resource_url(request.root, "admin", "lettre"))


# --- the public pages ------------------------------------------------------------------------

@view_config(context=Newsletters, permission="view", renderer=TEMPLATES + "archive.pt",
             decorator=anonymous_page_cache)
def archive(context, request):
    return {"title": "La lettre d'information", "letters": context.letters(),
            "month_label": month_label}


@view_config(context=Letter, permission="view", renderer=TEMPLATES + "letter.pt",
             decorator=anonymous_page_cache)
def letter_page(context, request):
    return {"title": context.title, "letter": context,
            "view": letter_view(request.root, context, base_url(request.registry.settings))}


@view_config(context=Newsletters, name="abonnement", renderer=FORM_PAGE)
def subscribe(context, request):
    if request.method == "GET" and request.params.get("envoye"):
        return message_page(request, "Vérifiez votre boîte aux lettres électronique", [
            "Si cette adresse n'est pas déjà abonnée, nous venons de lui envoyer un message : "
            "ouvrez-le et cliquez sur « Confirmer mon abonnement » (le lien est valable 48 "
            "heures).",
            "Vous ne trouvez pas le message ? Attendez quelques minutes, puis regardez dans les "
            "courriers indésirables (spam)."], [("/lettre", "Les lettres déjà parues")])
    form = make_form(request, SubscribeSchema(), "Recevoir la lettre", formid="abonnement")
    settings = request.registry.settings

    def save(data):
        status, pending = request_subscription(request.root, data["email"], data["departement"])
        if status == "sent":
            token = subscription_token(settings, pending.email, pending.nonce)
            url = resource_url(request, context, "confirmer", query={"jeton": token})
            subject, body = subscription_mail("confirm", url)
        elif status == "already":
            subject, body = subscription_mail("already")
        if status != "wait":  # a link left minutes ago: do not flood the mailbox
            text, html = body.render(subject)
            request.mailer.send(pending.email if pending else data["email"].strip().lower(),
                                subject, text, html)
        # The same answer whatever the case: nobody learns who is subscribed.
        return HTTPSeeOther(request.resource_url(context, "abonnement", query={"envoye": 1}))

    result = process_form(request, form, save)
    if isinstance(result, dict):
        result.update(title="Recevoir la lettre d'information", notice=None, intro=[
            "Chaque mois, les nouvelles des conseils citoyens, les nouvelles ressources de la "
            "boîte à outils, les publications des conseils et une revue de presse.",
            "Nous vous enverrons un message pour confirmer votre adresse. Chaque lettre contient "
            "un lien pour vous désabonner en un clic. Votre adresse ne sert qu'à cela.",
            "Conseiller ou conseillère citoyen·ne ? Choisissez plutôt dans « Mon profil »."],
            links=[("/lettre", "Les lettres déjà parues"), ("/confidentialite",
                                                            "Politique de confidentialité")])
    return result


@view_config(context=Newsletters, name="confirmer", require_csrf=False)
def confirm(context, request):
    """The link of the confirmation mail: a GET shows a button (mail scanners open links), the
    POST confirms. The signed token proves the address, hence no CSRF token."""
    settings = request.registry.settings
    try:
        email, nonce = read_subscription_token(settings, request.params.get("jeton", ""))
    except TokenError as exc:
        return message_page(request, "Ce lien ne fonctionne pas", [
            str(exc), "Vous pouvez demander un nouveau lien en vous abonnant de nouveau."],
            [("/lettre/abonnement", "Recevoir la lettre")], status=400)
    if request.method != "POST":
        response = render_to_response(TEMPLATES + "confirm.pt", {
            "title": "Confirmer mon abonnement", "email": email,
            "token": request.params.get("jeton", "")}, request=request)
        response.cache_control = "no-store"
        return response
    status = confirm_subscription(request.root, email, nonce)
    if status == "unknown":
        return message_page(request, "Ce lien ne fonctionne pas", [
            "Ce lien a déjà servi, a expiré, ou un lien plus récent l'a remplacé : utilisez le "
            "dernier reçu, ou abonnez-vous de nouveau."],
            [("/lettre/abonnement", "Recevoir la lettre")], status=400)
    return message_page(request, "Abonnement confirmé" if status == "confirmed"
                        else "Vous êtes déjà abonné·e", [
        f"L'adresse {email} recevra la lettre d'information des conseils citoyens chaque mois.",
        "Chaque lettre contient un lien pour vous désabonner en un clic."],
        [("/lettre", "Les lettres déjà parues"), ("/", "Retour à l'accueil")])
