"""« Connexion » (and its second step, the code of an account with a second factor),
« Déconnexion » and « Mot de passe oublié »."""
import functools
import hmac
from urllib.parse import urlsplit, urlunsplit

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config

from ..accounts import set_password
from ..forms.account import EmailSchema, LoginSchema, NewPasswordSchema, password_owner_of
from ..forms.render import FormError, make_form, process_form
from ..forms.twofactor import SignInCodeSchema
from ..notify import clock
from ..notify.account import contact_email, send_password_reset
from ..resources import SiteRoot
from ..security import current_session_id, throttle, totp
from ..security.passwords import check_password, hash_password, needs_rehash
from ..security.tokens import (
    MAX_AGE,
    RESET_PASSWORD,
    TOKEN_INVALID,
    TOKEN_USED,
    TokenError,
    check_and_consume,
    issue_token,
    read_token,
)
from .account import FORM_PAGE, TEMPLATES, existing_session, message_page

RESET_MAX_AGE = MAX_AGE[RESET_PASSWORD]
DEFAULT_AFTER_LOGIN = "/gerer"
NOT_AFTER_LOGIN = ("/connexion", "/deconnexion", "/inscription", "/mot-de-passe-oublie")
SECOND_STEP = "deuxieme_etape"  # the session's key while the code is awaited
SECOND_STEP_SECONDS = 5 * 60
CODE_TOO_LATE = ("Le délai pour saisir le code de vérification est dépassé (5 minutes) : "
                 "connectez-vous à nouveau avec votre mot de passe.")
WRONG_CODE = ("Ce code ne convient pas. Saisissez le code à 6 chiffres affiché maintenant par "
              "votre application (il change toutes les 30 secondes), ou l'un de vos codes de "
              "secours.")
WRONG_CREDENTIALS = ("Adresse électronique ou mot de passe incorrect. Vérifiez-les (majuscules "
                     "comprises), ou utilisez « Mot de passe oublié ».")


def safe_came_from(request, target):
    """Where to go after signing in: a page of this site only, never another host."""
    if not target or not isinstance(target, str) or "\\" in target or len(target) > 2000:
        return DEFAULT_AFTER_LOGIN
    parts = urlsplit(target.strip())
    if parts.scheme or parts.netloc:
        ours = {request.host, urlsplit(request.host_url).netloc}
        if parts.scheme not in ("http", "https") or parts.netloc not in ours:
            return DEFAULT_AFTER_LOGIN
    path = parts.path
    if not path.startswith("/") or path.startswith("//") or any(ord(ch) < 32 for ch in target):
        return DEFAULT_AFTER_LOGIN
    if any(path == p or path.startswith(p + "/") for p in NOT_AFTER_LOGIN):
        return DEFAULT_AFTER_LOGIN
    return urlunsplit(("", "", path, parts.query, ""))


@functools.cache
def _decoy_hash():
    """Checked when the address is unknown, so both answers take the same time."""
    return hash_password("pas un vrai mot de passe, seulement pour le temps de réponse")


def refusal(user, settings):
    """Why an account that is not active cannot sign in, in words a person understands."""
    if user.state == "unverified":
        return ("Votre adresse électronique n'est pas encore confirmée : cliquez sur le lien du "
                "courriel reçu après votre inscription. Vous ne le trouvez plus ? Demandez un "
                "nouveau lien avec « Recevoir un nouveau lien de confirmation », plus bas.")
    if user.state == "pending":
        return ("Votre inscription attend la validation d'un animateur ou d'un membre de votre "
                "conseil. Elle sera validée sous 48 heures ; vous recevrez alors un courriel et "
                "pourrez vous connecter.")
    contact = contact_email(settings)
    if user.state == "refused":
        why = f" Message reçu : « {user.decision_message} »." if user.decision_message else ""
        return (f"Votre inscription n'a pas été acceptée.{why} S'il s'agit d'une erreur, "
                f"écrivez aux animateurs de la plate-forme : {contact}.")
    return (f"Votre compte est désactivé. Pour en savoir plus ou le réactiver, écrivez aux "
            f"animateurs de la plate-forme : {contact}.")


def moment():
    """Now, in seconds, from the site's clock (the tests move it)."""
    return clock.now().timestamp()


def keep_failure(request):
    """A failed try is the one refusal that must be remembered: commit the throttle's record
    now, whatever happens to the rest of this request (which then writes nothing else)."""
    request.tm.commit()
    request.tm.begin()


def signed_in(request, user, came_from):
    """The end of every successful sign-in: a fresh session, and this browser remembered as
    one the account signed in from (the throttle lets it in while strangers wait)."""
    headers = remember(request, user.id)  # the policy starts a fresh session
    request.session.flash("Vous êtes connecté·e.")
    response = HTTPSeeOther(came_from, headers=headers)
    throttle.remember_device(request, response, user)
    return response


@view_config(context=SiteRoot, name="connexion", path_info=r"^/connexion/?$", renderer=FORM_PAGE)
def login(context, request):
    came_from = safe_came_from(request, request.params.get("came_from"))
    form = make_form(request, LoginSchema(), "Me connecter", formid="connexion")

    def sign_in(appstruct):
        email, password = appstruct["email"], appstruct["password"]
        address, now = request.client_addr, moment()
        user = context.users.find_by_email(email)
        device = throttle.trusted_device(request, user)
        wait = throttle.wait_seconds(context, email, address, device, now)
        if wait:
            raise FormError("password", throttle.wait_message(wait))
        if user is None:
            check_password(_decoy_hash(), password)
            valid = False
        else:
            valid = check_password(user.password_hash, password)
        if not valid:
            throttle.record_failure(context, email, address, device, now)
            keep_failure(request)
            raise FormError("password", WRONG_CREDENTIALS)
        if not user.is_active:  # nothing to correct in the form: say why, above it
            request.response.status = 400
            return {"form": form.render({"email": email}),
                    "refusal": refusal(user, request.registry.settings)}
        throttle.clear_failures(context, email, address, device)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        if totp.is_enrolled(user):
            return start_second_step(request, user, came_from)
        return signed_in(request, user, came_from)

    result = process_form(request, form, sign_in)
    if isinstance(result, dict):
        user = request.user
        notice = result.get("refusal")
        if notice is None and user is not None:
            notice = (f"Vous êtes déjà connecté·e ({user.title}). Pour utiliser un autre compte, "
                      "connectez-vous ci-dessous.")
        result.update(
            title="Connexion", notice=notice,
            intro=["Indiquez l'adresse électronique et le mot de passe choisis lors de votre "
                   "inscription."],
            links=[("/mot-de-passe-oublie", "Mot de passe oublié ?"),
                   ("/inscription", "Pas encore de compte ? Inscription"),
                   ("/inscription/renvoyer", "Recevoir un nouveau lien de confirmation")])
    return result


# --- the second step: the code of an account with a second factor -------------------------

def start_second_step(request, user, came_from):
    """The password was right: not signed in yet, but remembered for a few minutes as waiting
    for its code (in a fresh session, like a sign-in)."""
    headers = forget(request)
    request.session[SECOND_STEP] = {"uid": user.id, "until": moment() + SECOND_STEP_SECONDS,
                                    "came_from": came_from}
    return HTTPSeeOther(request.resource_url(request.root, "connexion", "code"), headers=headers)


def half_signed(request):
    """(the account waiting for its code, where to go next), or (None, None) when nothing
    waits or the few minutes are over."""
    session = existing_session(request)
    state = session.get(SECOND_STEP) if session is not None else None
    if not isinstance(state, dict) or not state.get("until", 0) > moment():
        return None, None
    user = request.root.users.get(state.get("uid"))
    if user is None or not user.is_active or not totp.is_enrolled(user):
        return None, None
    return user, state.get("came_from") or DEFAULT_AFTER_LOGIN


@view_config(context=SiteRoot, name="connexion", path_info=r"^/connexion/code/?$",
             renderer=FORM_PAGE)
def second_step(context, request):
    user, came_from = half_signed(request)
    if user is None:
        session = existing_session(request)
        if session is not None:
            session.pop(SECOND_STEP, None)
            session.flash(CODE_TOO_LATE)
        return HTTPSeeOther(request.resource_url(context, "connexion"))
    form = make_form(request, SignInCodeSchema(), "Valider", formid="code")

    def check(appstruct):
        address, now = request.client_addr, moment()
        device = throttle.trusted_device(request, user)
        wait = throttle.wait_seconds(context, user.id, address, device, now, step=throttle.CODE)
        if wait:
            raise FormError("code", throttle.wait_message(wait))
        kind = totp.check_code(user, appstruct["code"], now)
        if kind is None:
            throttle.record_failure(context, user.id, address, device, now, step=throttle.CODE)
            keep_failure(request)
            raise FormError("code", WRONG_CODE)
        throttle.clear_failures(context, user.id, address, device, step=throttle.CODE)
        response = signed_in(request, user, came_from)
        if kind == totp.RECOVERY:
            left = totp.recovery_left(user)
            request.session.flash(
                f"Code de secours accepté : il ne servira plus. Il vous en reste {left}. "
                "Vous pouvez en obtenir de nouveaux depuis « Mon profil », « Double "
                "authentification ».")
        return response

    result = process_form(request, form, check)
    if isinstance(result, dict):
        result.update(
            title="Code de vérification", notice=None,
            intro=["Votre compte est protégé par une double authentification. Ouvrez votre "
                   "application d'authentification et saisissez le code à 6 chiffres affiché "
                   "pour ce site.",
                   "Vous n'avez plus votre téléphone ? Saisissez l'un de vos codes de secours."],
            links=[("/connexion", "Recommencer la connexion")])
    return result


@view_config(context=SiteRoot, name="deconnexion", request_method="POST")
def logout(context, request):
    """The top bar's « Déconnexion » (CSRF-checked like every POST)."""
    headers = forget(request)
    request.session.flash("Vous êtes déconnecté·e. À bientôt !")
    return HTTPSeeOther(request.resource_url(context), headers=headers)


@view_config(context=SiteRoot, name="deconnexion", request_method="GET",
             renderer=TEMPLATES + "logout.pt")
def logout_confirm(context, request):
    """A link or a typed address: ask before signing out (a GET changes nothing)."""
    if request.user is None:
        return message_page(request, "Déconnexion", ["Vous n'êtes pas connecté·e."],
                            [("/connexion", "Connexion"), ("/", "Retour à l'accueil")])
    request.response.cache_control = "no-store"
    return {"title": "Déconnexion"}


# --- « Mot de passe oublié » -----------------------------------------------------------------

@view_config(context=SiteRoot, name="mot-de-passe-oublie",
             path_info=r"^/mot-de-passe-oublie/?$", renderer=FORM_PAGE)
def forgot_password(context, request):
    """The same answer whether or not the address has an account."""
    if request.params.get("envoye") and request.method == "GET":
        return message_page(request, "Vérifiez votre boîte aux lettres électronique", [
            "Si un compte existe pour cette adresse, nous venons d'y envoyer un lien pour "
            "choisir un nouveau mot de passe.",
            "Ce lien est valable une heure et ne sert qu'une fois. Vous ne trouvez pas le "
            "message ? Attendez quelques minutes, puis regardez dans les courriers indésirables "
            "(spam).",
        ], [("/connexion", "Connexion"), ("/", "Retour à l'accueil")])
    form = make_form(request, EmailSchema(), "Recevoir un lien", formid="oubli")

    def send(appstruct):
        user = context.users.find_by_email(appstruct["email"])
        if user is not None and throttle.may_send_mail(context, "reset", user.email, moment()):
            token = issue_token(request.registry.settings, user, RESET_PASSWORD)
            send_password_reset(request, user, token)
        return HTTPSeeOther(request.resource_url(context, "mot-de-passe-oublie",
                                                 query={"envoye": 1}))

    result = process_form(request, form, send)
    if isinstance(result, dict):
        result.update(title="Mot de passe oublié", notice=None, links=[],
                      intro=["Indiquez l'adresse électronique de votre compte : nous y enverrons "
                             "un lien pour choisir un nouveau mot de passe."])
    return result


def _reset_user(context, request):
    """(user, nonce) of a valid, unused reset link, or (None, the French reason)."""
    try:
        user_id, nonce = read_token(request.registry.settings, request.params.get("jeton", ""),
                                    RESET_PASSWORD, RESET_MAX_AGE)
    except TokenError as exc:
        return None, str(exc)
    user = context.users.get(user_id)
    if user is None:
        return None, TOKEN_INVALID
    expected = user.tokens.get(RESET_PASSWORD) or ""
    if not hmac.compare_digest(expected.encode(), nonce.encode()):
        return None, TOKEN_USED
    return user, nonce


@view_config(context=SiteRoot, name="mot-de-passe-oublie",
             path_info=r"^/mot-de-passe-oublie/nouveau/?$", renderer=FORM_PAGE)
def reset_password(context, request):
    """The emailed link: choose a new password. It signs nobody in and works once."""
    user, nonce = _reset_user(context, request)
    if user is None:
        return message_page(request, "Ce lien ne fonctionne pas", [
            nonce, "Demandez un nouveau lien : il est valable une heure."],
            [("/mot-de-passe-oublie", "Recevoir un nouveau lien"), ("/connexion", "Connexion")],
            status=400)
    schema = NewPasswordSchema().bind(
        request=request, password_owner=password_owner_of(request, user))
    form = make_form(request, schema, "Enregistrer mon nouveau mot de passe", formid="nouveau")

    def save(appstruct):
        if not check_and_consume(user, RESET_PASSWORD, nonce):
            raise FormError("password", TOKEN_USED)
        set_password(user, appstruct["password"], keep_session=current_session_id(request))
        throttle.clear_failures(context, user.email)
        request.session.flash("Votre nouveau mot de passe est enregistré. Connectez-vous avec "
                              "lui dès maintenant.")
        return HTTPSeeOther(request.resource_url(context, "connexion"))

    result = process_form(request, form, save)
    if isinstance(result, dict):
        result.update(title="Choisir un nouveau mot de passe", notice=None, links=[],
                      intro=[f"Compte : {user.email}. Choisissez votre nouveau mot de passe."])
    return result
