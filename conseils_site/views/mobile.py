"""« Vérifier mon numéro de mobile » (/mon-profil/verifier-mobile): the site sends a code to the
number of the profile, the person types it back, and only then does the number receive SMS.

Anyone could type someone else's number in their profile; the code proves the phone is in the
person's hands (security/codes.py: 6 digits, 10 minutes, 5 tries, sends limited). The proof
names the number it was made for, so changing the number in the profile un-verifies it. The code
leaves even between 21:00 and 08:00 (the person is waiting for it)."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..notify.sms import verified_mobile
from ..resources import SiteRoot
from ..security.codes import DIGITS, LIFETIME, CodeError, check, issue, target_ledger
from .profile import to_login

PURPOSE = "mobile"
PAGE = "conseils_site:templates/account/mobile.pt"


def code_text(code):
    minutes = int(LIFETIME.total_seconds() // 60)
    return (f"Conseils citoyens : votre code de vérification est {code}. Il expire dans "
            f"{minutes} minutes. Si vous n'avez rien demandé, ignorez ce message.")


def national(number):
    """+33612345678 as people read it: 06 12 34 56 78."""
    if number.startswith("+33") and len(number) == 12:
        digits = "0" + number[3:]
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    return number


@view_config(context=SiteRoot, name="mon-profil", path_info=r"^/mon-profil/verifier-mobile/?$",
             renderer=PAGE)
def verify_mobile(context, request):
    user = request.user
    if user is None:
        return to_login(request)
    request.response.cache_control = "no-store"
    here = request.resource_url(context, "mon-profil", "verifier-mobile")
    error, typed = None, ""
    if request.method == "POST" and user.mobile and verified_mobile(user) is None:
        action = request.POST.get("action")
        if action == "envoyer":
            try:
                code = issue(user, PURPOSE, user.mobile, ledger=target_ledger(request.root))
            except CodeError as exc:
                error = str(exc)
            else:
                request.sms.send(user.mobile, code_text(code), user_id=user.id, urgent=1)
                request.session.flash(f"Un code part vers le {national(user.mobile)}. Il arrive "
                                      "en général en quelques minutes.")
                return HTTPSeeOther(here)
        elif action == "verifier":
            typed = request.POST.get("code", "")[:20]
            try:
                target = check(user, PURPOSE, typed)
            except CodeError as exc:  # the try is counted: this answer commits
                error = str(exc)
            else:
                if target != user.mobile:
                    error = ("Votre numéro a changé depuis l'envoi de ce code : demandez un "
                             "nouveau code pour le numéro actuel.")
                else:
                    user.mobile_verified = target
                    request.session.flash("Votre numéro de mobile est vérifié : vous pouvez "
                                          "recevoir des SMS.")
                    return HTTPSeeOther(request.resource_url(context, "mon-profil",
                                                             anchor="alertes"))
        if error:
            request.response.status = 400
    return {"title": "Vérifier mon numéro de mobile", "number": national(user.mobile or ""),
            "has_number": bool(user.mobile), "verified": verified_mobile(user) is not None,
            "error": error, "typed": typed, "digits": DIGITS,
            "minutes": int(LIFETIME.total_seconds() // 60)}
