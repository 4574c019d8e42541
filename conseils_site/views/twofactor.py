"""« Double authentification » from « Mon profil »: turn on a second factor (secret and QR
code, a first code, ten recovery codes shown once), new recovery codes, turn it off; and, when
`conseils.require_2fa_for_animators` is on, animators sent here until it is on.

The code asked at sign-in is the second step of « Connexion » (views/login.py)."""
from pyramid.events import ContextFound, subscriber
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.settings import asbool
from pyramid.view import view_config

from ..forms.render import FormError, make_form, process_form
from ..forms.twofactor import CurrentPasswordSchema, EnrolmentCodeSchema
from ..notify import clock
from ..resources import SiteRoot
from ..security import totp
from .profile import check_current_password, to_login

REQUIRED = "conseils.require_2fa_for_animators"
PAGE_PATH = "/mon-profil/double-authentification"
TEMPLATES = "conseils_site:templates/account/"
WRONG_FIRST_CODE = ("Ce code ne correspond pas. Vérifiez que l'application affiche le compte de "
                    "ce site et saisissez le code actuel (il change toutes les 30 secondes) ; "
                    "l'heure du téléphone doit être juste.")


def required(request, user):
    """Whether this account must have a second factor before anything else."""
    return (user is not None and user.is_animator
            and asbool(request.registry.settings.get(REQUIRED, False)))


@subscriber(ContextFound)
def enrolment_first(event):
    """An animator without a second factor, when it is required, reaches this page and
    « Déconnexion » only (and static files), whatever the session's age."""
    request = event.request
    if not asbool(request.registry.settings.get(REQUIRED, False)):
        return
    if request.matched_route is not None:  # static files, the only routes
        return
    user = request.user
    if not required(request, user) or totp.is_enrolled(user):
        return
    if request.view_name == "deconnexion" or request.path_info.rstrip("/") == PAGE_PATH:
        return
    raise HTTPSeeOther(request.application_url + PAGE_PATH)


def codes_page(request, codes, title):
    """The recovery codes, shown this once (never stored in a form, a log or a cache)."""
    response = render_to_response(TEMPLATES + "twofactor_codes.pt", {
        "title": title, "codes": codes,
        "next_url": "/gerer" if required(request, request.user) else "/mon-profil"},
        request=request)
    response.cache_control = "no-store"
    return response


@view_config(context=SiteRoot, name="mon-profil", path_info=r"^/mon-profil/double-authentification/?$",
             renderer=TEMPLATES + "twofactor.pt")
def second_factor(context, request):
    user = request.user
    if user is None:
        return to_login(request)
    settings = request.registry.settings

    def start(appstruct):
        check_current_password(request, user, appstruct["password"], "password")
        totp.start_enrolment(user)
        return HTTPSeeOther(request.application_url + PAGE_PATH)

    def confirm(appstruct):
        codes = totp.confirm_enrolment(user, appstruct["code"], clock.now().timestamp())
        if codes is None:
            raise FormError("code", WRONG_FIRST_CODE)
        return codes_page(request, codes, "Double authentification activée")

    def renew(appstruct):
        check_current_password(request, user, appstruct["password"], "password")
        return codes_page(request, totp.new_recovery_codes(user), "Nouveaux codes de secours")

    def turn_off(appstruct):
        check_current_password(request, user, appstruct["password"], "password")
        totp.disable(user)
        request.session.flash("La double authentification est désactivée : seul votre mot de "
                              "passe est demandé à la connexion.")
        return HTTPSeeOther(request.application_url + "/mon-profil")

    page = {"title": "Double authentification", "user": user,
            "is_required": required(request, user), "enrolled": totp.is_enrolled(user),
            "secret": None, "qr": None, "enrolled_at": None, "left": 0}
    if page["enrolled"]:
        forms = [("codes", CurrentPasswordSchema(), "Obtenir de nouveaux codes de secours", renew),
                 ("desactiver", CurrentPasswordSchema(), "Désactiver la double authentification",
                  turn_off)]
        page.update(enrolled_at=totp.enrolled_at(user), left=totp.recovery_left(user))
    elif totp.pending_secret(user):
        secret = totp.pending_secret(user)
        uri = totp.provisioning_uri(secret, user.email,
                                    settings.get("conseils.site_name") or "Conseils citoyens")
        page.update(secret=totp.grouped(secret),
                    qr=totp.qr_svg(uri, "QR code à scanner avec votre application"))
        forms = [("confirmer", EnrolmentCodeSchema(), "Activer", confirm),
                 ("commencer", CurrentPasswordSchema(), "Recommencer avec un nouveau secret",
                  start)]
    else:
        forms = [("commencer", CurrentPasswordSchema(), "Commencer", start)]
    for formid, schema, button, action in forms:
        form = make_form(request, schema, button, formid=formid)
        for field in form.children:  # two forms on the page: element ids of their own
            field.oid = f"{formid}-{field.name}"
        result = process_form(request, form, action)
        if not isinstance(result, dict):
            return result
        page[f"form_{formid}"] = result["form"]
    request.response.cache_control = "no-store"
    return page
