"""« Inscription » and what follows it: the emailed confirmation, a new link on request, the
council search behind the form, and the two pages the form links to (conditions, privacy).

Pages that show no form never touch the session, so they set no cookie."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from ..accounts import AccountError, animators, confirm_email, create_account, validators_of
from ..forms.account import COUNCIL_MISSING, CouncilLookup, EmailSchema, RegistrationSchema, search_councils
from ..forms.render import FormError, make_form, process_form
from ..notify import clock
from ..notify.account import (
    contact_email,
    send_already_registered,
    send_confirmation,
    send_validation_request,
)
from ..resources import SiteRoot
from ..resources.users import normalize_email
from ..security import SESSION_COOKIE, throttle
from ..security.passwords import hash_password
from ..security.tokens import (
    CONFIRM_EMAIL,
    MAX_AGE,
    TOKEN_INVALID,
    TOKEN_USED,
    TokenError,
    check_and_consume,
    issue_token,
    read_token,
)
from .cache import anonymous_page_cache

CONFIRM_MAX_AGE = MAX_AGE[CONFIRM_EMAIL]
TEMPLATES = "conseils_site:templates/account/"
FORM_PAGE = TEMPLATES + "form.pt"
MESSAGE_PAGE = TEMPLATES + "message.pt"
SENT_EMAIL_KEY = "inscription_email"  # the address shown on « vérifiez votre boîte »


def message_page(request, title, paragraphs, links=(), status=200):
    """A page of plain sentences and a few links: results, dead ends, explanations."""
    response = render_to_response(MESSAGE_PAGE, {
        "title": title, "paragraphs": list(paragraphs), "links": list(links)}, request=request)
    response.status = status
    response.cache_control = "no-store"
    return response


def existing_session(request):
    """The session if the browser already has one; None rather than creating one."""
    return request.session if SESSION_COOKIE in request.cookies else None


# --- « Inscription » ------------------------------------------------------------------------

@view_config(context=SiteRoot, name="inscription", path_info=r"^/inscription/?$",
             renderer=TEMPLATES + "register.pt")
def register(context, request):
    if request.params.get("envoye") and request.method == "GET":
        return _registered(request)
    lookup = CouncilLookup.from_post(request) if request.method == "POST" else None
    schema = RegistrationSchema().bind(request=request, council_lookup=lookup)
    form = make_form(request, schema, "Créer mon compte", formid="inscription")

    def create(appstruct):
        if lookup is None or lookup.council is None:  # the schema's checks make this rare
            raise FormError("council_search", COUNCIL_MISSING)
        if appstruct["sms_alerts"] and not appstruct["mobile"]:
            raise FormError("mobile", "Pour recevoir des alertes par SMS, indiquez votre numéro "
                                      "de mobile (ou décochez la case des alertes SMS).")
        try:
            user = create_account(
                context, appstruct["email"], appstruct["password"], appstruct["first_name"],
                appstruct["last_name"], council=lookup.council,
                mobile=appstruct["mobile"], role_in_council=appstruct["role_in_council"],
                newsletter=appstruct["newsletter"], sms_alerts=appstruct["sms_alerts"])
        except AccountError:
            # A known address gets the same answer as a new one (no existence oracle): only
            # its owner is told, by mail (at most one in 5 minutes, like the other account
            # mails); the hash costs what a new account's would.
            hash_password(appstruct["password"])
            known = context.users.find_by_email(appstruct["email"])
            if throttle.may_send_mail(context, "deja-inscrit", known.email,
                                      clock.now().timestamp()):
                send_already_registered(request, known)
        else:
            send_confirmation(request, user, issue_token(request.registry.settings, user,
                                                         CONFIRM_EMAIL))
        request.session[SENT_EMAIL_KEY] = normalize_email(appstruct["email"])
        return HTTPSeeOther(request.resource_url(context, "inscription", query={"envoye": 1}))

    result = process_form(request, form, create)
    if isinstance(result, dict):
        result.update(title="Inscription", signed_in=request.user)
    return result


def _registered(request):
    session = existing_session(request)
    email = session.get(SENT_EMAIL_KEY) if session is not None else None
    where = f"à l'adresse {email}" if email else "à l'adresse que vous avez indiquée"
    return message_page(request, "Vérifiez votre boîte aux lettres électronique", [
        f"Votre inscription est enregistrée. Nous venons d'envoyer un message {where}.",
        "Ouvrez ce message et cliquez sur le lien « Confirmer mon adresse » : il est valable "
        "48 heures. Ensuite, un animateur ou un membre de votre conseil validera votre "
        "inscription.",
        "Vous ne trouvez pas le message ? Attendez quelques minutes, puis regardez dans les "
        "courriers indésirables (spam).",
    ], [("/inscription/renvoyer", "Recevoir un nouveau lien de confirmation"),
        ("/", "Retour à l'accueil")])


@view_config(context=SiteRoot, name="inscription", path_info=r"^/inscription/confirmer/?$")
def confirm(context, request):
    """The link of the confirmation email: the account now waits for a validator."""
    settings = request.registry.settings
    try:
        user_id, nonce = read_token(settings, request.params.get("jeton", ""), CONFIRM_EMAIL,
                                    CONFIRM_MAX_AGE)
    except TokenError as exc:
        return _bad_confirmation(request, str(exc))
    user = context.users.get(user_id)
    if user is None:
        return _bad_confirmation(request, TOKEN_INVALID)
    if not check_and_consume(user, CONFIRM_EMAIL, nonce):
        extra = None
        if user.state != "unverified":
            extra = (f"Votre adresse est d'ailleurs déjà confirmée : votre inscription est "
                     f"{user.state_label}.")
        return _bad_confirmation(request, TOKEN_USED, extra)
    if not confirm_email(user):  # decided or disabled meanwhile: nothing more to ask
        return message_page(request, "Adresse confirmée", [
            f"Votre adresse électronique est confirmée ; votre inscription est "
            f"{user.state_label}."], [("/", "Retour à l'accueil")])
    _ask_validators(request, user)
    return message_page(request, "Adresse confirmée, merci !", [
        f"Merci {user.first_name}, votre adresse électronique est confirmée.",
        "Votre inscription attend maintenant la validation d'un animateur ou d'un membre de "
        "votre conseil. Elle sera validée sous 48 heures ; vous recevrez alors un courriel et "
        "pourrez vous connecter.",
    ], [("/", "Retour à l'accueil")])


def _ask_validators(request, user):
    """The council's validators first; the animators when the council has nobody yet."""
    people = validators_of(request.root, user) or animators(request.root)
    send_validation_request(request, people, user)


def _bad_confirmation(request, reason, extra=None):
    paragraphs = [reason] + ([extra] if extra else []) + [
        "Si votre adresse n'est pas encore confirmée, demandez un nouveau lien : il remplacera "
        "les précédents."]
    return message_page(request, "Ce lien ne fonctionne pas", paragraphs, [
        ("/inscription/renvoyer", "Recevoir un nouveau lien de confirmation"),
        ("/connexion", "Connexion")], status=400)


@view_config(context=SiteRoot, name="inscription", path_info=r"^/inscription/renvoyer/?$",
             renderer=FORM_PAGE)
def resend(context, request):
    """A new confirmation link; the same answer whether or not the address has an account."""
    if request.params.get("envoye") and request.method == "GET":
        return message_page(request, "Demande enregistrée", [
            "Si une inscription en attente de confirmation correspond à cette adresse, un "
            "nouveau lien vient d'y être envoyé. Il est valable 48 heures, et les liens "
            "précédents ne fonctionnent plus.",
            "Pensez à regarder dans les courriers indésirables (spam).",
        ], [("/", "Retour à l'accueil")])
    form = make_form(request, EmailSchema(), "Recevoir un nouveau lien", formid="renvoyer")

    def send(appstruct):
        user = context.users.find_by_email(appstruct["email"])
        if (user is not None and user.state == "unverified" and throttle.may_send_mail(
                context, "confirmation", user.email, clock.now().timestamp())):
            send_confirmation(request, user, issue_token(request.registry.settings, user,
                                                         CONFIRM_EMAIL))
        return HTTPSeeOther(request.resource_url(context, "inscription", "renvoyer",
                                                 query={"envoye": 1}))

    result = process_form(request, form, send)
    if isinstance(result, dict):
        result.update(title="Recevoir un nouveau lien de confirmation", notice=None, links=[],
                      intro=["Indiquez l'adresse électronique de votre inscription : nous y "
                             "enverrons un nouveau lien pour la confirmer."])
    return result


# --- the council search, for the registration form's enhancement ---------------------------

@view_config(context=SiteRoot, name="conseils.json", renderer="json", request_method="GET")
def councils_json(context, request):
    """Up to 10 public councils matching `q`; the form works the same without it."""
    q = request.params.get("q", "").strip()[:200]
    request.response.cache_control = "private, max-age=300"
    if len(q) < 2:
        return []
    _, councils = search_councils(request, q)
    return [{"code": c.code, "nom": c.title, "commune": c.commune_name,
             "departement": c.departement_code} for c in councils]


# --- the pages the registration form links to -----------------------------------------------

@view_config(context=SiteRoot, name="conditions", renderer=TEMPLATES + "conditions.pt",
             decorator=anonymous_page_cache)
def conditions(context, request):
    return {"title": "Conditions d'utilisation",
            "contact": contact_email(request.registry.settings)}


@view_config(context=SiteRoot, name="confidentialite", renderer=TEMPLATES + "confidentialite.pt",
             decorator=anonymous_page_cache)
def confidentialite(context, request):
    return {"title": "Politique de confidentialité",
            "contact": contact_email(request.registry.settings)}
