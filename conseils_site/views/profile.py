"""« Mon profil »: change my details, alerts and password, download my data, delete my account."""
import datetime
import json

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response
from pyramid.security import forget
from pyramid.view import view_config

from ..accounts import delete_account, set_password
from ..addresses import public_url, resource_url
from ..calendar import personal_calendar_url
from ..forms.account import (
    DeleteAccountSchema,
    PasswordChangeSchema,
    ProfileSchema,
    password_owner_of,
)
from ..forms.profile_alerts import AlertsSchema, chosen, initial_alerts
from ..forms.render import FormError, make_form, process_form
from ..notify import clock, preferences
from ..notify.newsletter import unsubscribe as stop_newsletter
from ..notify.sms import SmsSettings, verified_mobile
from ..resources import SiteRoot
from ..resources.events import ObjectModified, notify
from ..security import current_session_id, throttle
from ..security.passwords import check_password
from ..security.sessions import end_sessions
from .account import FORM_PAGE

PROFILE_FIELDS = ("first_name", "last_name", "role_in_council", "mobile", "newsletter",
                  "sms_alerts")
# Never in the download: secrets, and the tree's own bookkeeping. `decided_by` names another
# person (the validator); the decision's date and message are given instead.
NOT_EXPORTED = {"password_hash", "tokens", "data", "decided_by", "local_roles", "calendar_token",
                "alert_preferences", "sessions"}
SMS_NEEDS_MOBILE = ("Pour recevoir des alertes par SMS, indiquez votre numéro de mobile (ou "
                    "décochez la case des alertes SMS).")
SMS_CHOICES_NEED_MOBILE = ("Pour recevoir des SMS, indiquez d'abord votre numéro de mobile dans "
                           "« Modifier mon profil » ci-dessus, ou choisissez « Jamais » dans la "
                           "colonne SMS.")
PROFILE_PAGE = "conseils_site:templates/profile.pt"


def to_login(request):
    """Anonymous visitors go to « Connexion », and come back here afterwards."""
    return HTTPSeeOther(request.resource_url(request.root, "connexion",
                                             query={"came_from": request.path_qs}))


def check_current_password(request, user, password, field):
    """The password typed to confirm a change, with the same throttle as « Connexion »."""
    root, address, now = request.root, request.client_addr, clock.now().timestamp()
    device = throttle.trusted_device(request, user)
    wait = throttle.wait_seconds(root, user.email, address, device, now)
    if wait:
        raise FormError(field, throttle.wait_message(wait))
    if not check_password(user.password_hash, password):
        throttle.record_failure(root, user.email, address, device, now)
        raise FormError(field, "Ce n'est pas votre mot de passe actuel. Vérifiez-le (majuscules "
                               "comprises).")


@view_config(context=SiteRoot, name="mon-profil", path_info=r"^/mon-profil/?$",
             renderer=PROFILE_PAGE)
def profile(context, request):
    user = request.user
    if user is None:
        return to_login(request)
    profile_form = make_form(request, ProfileSchema(), "Enregistrer mon profil", formid="profil")
    password_schema = PasswordChangeSchema().bind(
        request=request, password_owner=password_owner_of(request, user))
    password_form = make_form(request, password_schema, "Changer mon mot de passe",
                              formid="motdepasse")

    def save_profile(appstruct):
        if appstruct["sms_alerts"] and not appstruct["mobile"]:
            raise FormError("mobile", SMS_NEEDS_MOBILE)
        if appstruct["sms_alerts"] and not preferences.sms_wanted(user):
            preferences.reset_sms(user)  # SMS on again: the default SMS choices apply
        for name in PROFILE_FIELDS:
            setattr(user, name, appstruct[name])
        if not user.newsletter:  # one switch: a subscription made from /lettre ends too
            stop_newsletter(context, user.email)
        notify(ObjectModified(user))
        request.session.flash("Votre profil est enregistré.")
        return HTTPSeeOther(request.resource_url(context, "mon-profil"))

    alerts_form = make_form(request, AlertsSchema(), "Enregistrer mes alertes",
                            formid="mes-alertes")

    def save_alerts(appstruct):
        frequencies, reminders = chosen(appstruct)
        wants_sms = reminders["sms"] or any(
            value != preferences.NEVER for (channel, _), value in frequencies.items()
            if channel == "sms")
        if wants_sms and not user.mobile:
            raise FormError("frequencies", SMS_CHOICES_NEED_MOBILE)
        preferences.set_preferences(user, frequencies, reminders)
        user.sms_alerts = wants_sms  # choosing SMS here is asking for them
        request.session.flash("Vos préférences d'alertes sont enregistrées.")
        return HTTPSeeOther(request.resource_url(context, "mon-profil", anchor="alertes"))

    def change_password(appstruct):
        check_current_password(request, user, appstruct["current_password"], "current_password")
        set_password(user, appstruct["new_password"], keep_session=current_session_id(request))
        request.session.flash("Votre nouveau mot de passe est enregistré. Vos autres appareils "
                              "sont déconnectés.")
        return HTTPSeeOther(request.resource_url(context, "mon-profil"))

    initial = {name: getattr(user, name) for name in PROFILE_FIELDS}
    profile_result = process_form(request, profile_form, save_profile, initial=initial)
    if not isinstance(profile_result, dict):
        return profile_result
    alerts_result = process_form(request, alerts_form, save_alerts, initial=initial_alerts(user))
    if not isinstance(alerts_result, dict):
        return alerts_result
    password_result = process_form(request, password_form, change_password)
    if not isinstance(password_result, dict):
        return password_result
    catalog = context.catalog
    return {"title": "Mon profil", "user": user,
            "councils": [c for c in (catalog.by_id(i) for i in user.council_ids) if c is not None],
            "profile_form": profile_result["form"], "password_form": password_result["form"],
            "alerts_form": alerts_result["form"], "sms_enabled": preferences.sms_enabled(user),
            "mobile_unproved": bool(user.mobile) and verified_mobile(user) is None,
            "sms_cap": SmsSettings.from_settings(request.registry.settings).monthly_cap,
            "calendar_url": personal_calendar_url(request, user)}


@view_config(context=SiteRoot, name="mon-profil", path_info=r"^/mon-profil/appareils/?$",
             request_method="POST")
def sign_out_elsewhere(context, request):
    """« Se déconnecter de tous les appareils »: every session but this one ends."""
    user = request.user
    if user is None:
        return to_login(request)
    end_sessions(user, keep=current_session_id(request))
    request.session.flash("Vos autres appareils sont déconnectés : il faudra s'y connecter à "
                          "nouveau.")
    return HTTPSeeOther(request.resource_url(context, "mon-profil", anchor="mes-appareils"))


def _when(value):
    return value.isoformat() if isinstance(value, (datetime.datetime, datetime.date)) else value


def _plain(value):
    """A value as JSON can hold it, or None when it is not a simple piece of data."""
    value = _when(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return list(value)
    return None


def personal_data(request, user):
    """Everything the site keeps about the person, in French words; no secret."""
    catalog = request.root.catalog
    councils = [c for c in (catalog.by_id(i) for i in user.council_ids) if c is not None]
    data = {
        "export": {"site": public_url(request.registry.settings),
                   "date": datetime.datetime.now(datetime.UTC).isoformat()},
        "compte": {
            "identifiant": user.id, "adresse_electronique": user.email,
            "prenom": user.first_name, "nom": user.last_name, "mobile": user.mobile,
            "role_dans_le_conseil": user.role_in_council, "etat": user.state_label,
            "roles": list(user.roles),
        },
        "preferences": {"lettre_d_information": bool(user.newsletter),
                        "alertes_sms": bool(user.sms_alerts)},
        "alertes": preferences.summary(user),
        "conseils": [{"code": c.code, "nom": c.title, "commune": c.commune_name,
                      "departement": c.departement_code, "adresse": resource_url(request, c)}
                     for c in councils],
        "dates": {"inscription": _when(user.created),
                  "acceptation_des_conditions": _when(user.terms_accepted_at),
                  "confirmation_de_l_adresse": _when(user.confirmed_at),
                  "decision_sur_l_inscription": _when(user.decided_at)},
        "message_de_la_decision": user.decision_message,
    }
    known = {"id", "email", "first_name", "last_name", "mobile", "role_in_council", "state",
             "roles", "newsletter", "sms_alerts", "council_ids", "created", "terms_accepted_at",
             "confirmed_at", "decided_at", "decision_message"}
    user._p_activate()
    others = {}
    for name, value in sorted(vars(user).items()):
        if name in known or name in NOT_EXPORTED or name.startswith(("_", "p_")):
            continue
        plain = _plain(value)
        if plain is not None:
            others[name] = plain
    if others:
        data["autres_informations"] = others
    return data


@view_config(context=SiteRoot, name="mon-profil", path_info=r"^/mon-profil/donnees/?$")
def download_data(context, request):
    """« Télécharger mes données » (right of access and portability)."""
    user = request.user
    if user is None:
        return to_login(request)
    body = json.dumps(personal_data(request, user), ensure_ascii=False, indent=2) + "\n"
    response = Response(body=body.encode("utf-8"), content_type="application/json",
                        charset="utf-8")
    response.content_disposition = 'attachment; filename="mes-donnees-conseils-citoyens.json"'
    response.cache_control = "no-store"
    return response


@view_config(context=SiteRoot, name="mon-profil", path_info=r"^/mon-profil/supprimer/?$",
             renderer=FORM_PAGE)
def delete(context, request):
    """Deletion asks the password; the person is then signed out."""
    user = request.user
    if user is None:
        return to_login(request)
    form = make_form(request, DeleteAccountSchema(), "Supprimer définitivement mon compte",
                     formid="suppression")

    def remove(appstruct):
        check_current_password(request, user, appstruct["password"], "password")
        delete_account(context, user)
        headers = forget(request)
        request.session.flash("Votre compte est supprimé. Merci pour votre participation !")
        return HTTPSeeOther(request.resource_url(context), headers=headers)

    result = process_form(request, form, remove)
    if isinstance(result, dict):
        result.update(
            title="Supprimer mon compte", notice="Attention : la suppression est définitive.",
            intro=[
                "Seront supprimés : votre compte, votre nom, votre adresse électronique, votre "
                "numéro de mobile et vos préférences. Vous ne recevrez plus aucun courriel ni SMS "
                "de la plate-forme.",
                "Resteront : ce que vous avez publié pour votre conseil (documents, comptes "
                "rendus, événements, messages du forum). Ces contenus appartiennent au conseil ; "
                "ils seront signés « ancien membre », sans votre nom.",
                "Vous pouvez d'abord télécharger vos données depuis « Mon profil ».",
            ],
            links=[("/mon-profil/donnees", "Télécharger mes données"),
                   ("/mon-profil", "Annuler et revenir à mon profil")])
    return result
