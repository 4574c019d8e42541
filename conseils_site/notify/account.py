"""The emails of an account's life: confirm the address, the validators' request, the decision,
the password reset. Plain French, a text part and a simple HTML part, absolute links.

Every message is queued through `request.mailer` (or a `Mailer`), so it leaves only if the
transaction commits. Names typed by people are escaped in the HTML part. Links start with the
public address (`addresses`), never with the request's Host.
"""
from html import escape

from pyramid.traversal import find_root, resource_path

from ..addresses import public_url, resource_url

CONFIRM_HOURS = 48
RESET_MINUTES = 60
SIGNATURE = "L'équipe des conseils citoyens"


def _site_name(settings):
    return settings.get("conseils.site_name") or "Conseils citoyens"


def compose(greeting, paragraphs, action=None, after=()):
    """(text, html) of a short message; `action` is (label, url), shown as a link and in full,
    for mail programs that hide links."""
    text = [greeting, ""]
    html = [f"<p>{escape(greeting)}</p>"]
    for paragraph in paragraphs:
        text += [paragraph, ""]
        html.append(f"<p>{escape(paragraph)}</p>")
    if action is not None:
        label, url = action
        text += [f"{label} :", url, ""]
        html.append(f'<p><a href="{escape(url)}" style="display:inline-block;padding:12px 18px;'
                    f'background:#b34700;color:#ffffff;text-decoration:none;border-radius:4px;'
                    f'font-weight:bold">{escape(label)}</a></p>')
        html.append(f"<p>Si le bouton ne marche pas, copiez cette adresse dans votre navigateur :"
                    f"<br>{escape(url)}</p>")
    for paragraph in after:
        text += [paragraph, ""]
        html.append(f"<p>{escape(paragraph)}</p>")
    text += [SIGNATURE]
    html.append(f"<p>{escape(SIGNATURE)}</p>")
    body = "\n".join(text) + "\n"
    page = ('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head>'
            '<body style="font-family:Arial,sans-serif;font-size:16px;line-height:1.5">'
            + "\n".join(html) + "</body></html>\n")
    return body, page


def _councils(user):
    catalog = getattr(find_root(user), "catalog", None)
    if catalog is None:
        return []
    return [c for c in (catalog.by_id(i) for i in user.council_ids) if c is not None]


def _council_names(user):
    return ", ".join(c.title for c in _councils(user))


def send_confirmation(request, user, token):
    """After « Inscription », or when asked again: the single-use link, valid 48 hours."""
    url = resource_url(request, request.root, "inscription", "confirmer", query={"jeton": token})
    text, html = compose(
        f"Bonjour {user.first_name},",
        ["Vous venez de vous inscrire sur la plate-forme des conseils citoyens. Pour terminer, "
         "confirmez que cette adresse électronique est bien la vôtre en ouvrant le lien "
         "ci-dessous.",
         f"Ce lien est valable {CONFIRM_HOURS} heures et ne sert qu'une fois."],
        ("Confirmer mon adresse", url),
        ["Ensuite, un animateur ou un membre de votre conseil validera votre inscription, "
         "sous 48 heures.",
         "Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message : sans "
         "confirmation, aucun compte ne sera ouvert."])
    return request.mailer.send(user.email, "Confirmez votre adresse électronique", text, html)


def send_password_reset(request, user, token):
    """« Mot de passe oublié »: the single-use link, valid one hour."""
    url = resource_url(request, request.root, "mot-de-passe-oublie", "nouveau",
                       query={"jeton": token})
    text, html = compose(
        f"Bonjour {user.first_name},",
        ["Quelqu'un (sans doute vous) a demandé à changer le mot de passe de votre compte sur "
         "la plate-forme des conseils citoyens. Pour choisir un nouveau mot de passe, ouvrez le "
         "lien ci-dessous.",
         f"Ce lien est valable une heure ({RESET_MINUTES} minutes) et ne sert qu'une fois."],
        ("Choisir un nouveau mot de passe", url),
        ["Si vous n'avez rien demandé, ignorez ce message : votre mot de passe actuel reste "
         "valable."])
    return request.mailer.send(user.email, "Choisir un nouveau mot de passe", text, html)


def send_decision(request, user, accepted, message=""):
    """The validator's answer, with their message if they wrote one."""
    message = (message or "").strip()
    names = _council_names(user)
    if accepted:
        paragraphs = [f"Bonne nouvelle : votre inscription est validée"
                      f"{f' ({names})' if names else ''}. Vous pouvez maintenant vous connecter "
                      "avec votre adresse électronique et votre mot de passe."]
        if message:
            paragraphs.append(f"Message de la personne qui a validé votre inscription : {message}")
        action = ("Me connecter", resource_url(request, request.root, "connexion"))
        after = ["Une fois connecté·e, « Gérer mon conseil » vous mène à l'espace de votre "
                 "conseil."]
        subject = "Votre inscription est validée"
    else:
        paragraphs = ["Votre demande d'inscription sur la plate-forme des conseils citoyens "
                      "n'a pas été acceptée."]
        if message:
            paragraphs.append(f"Message de la personne qui a examiné votre demande : {message}")
        paragraphs.append("S'il s'agit d'une erreur, vous pouvez répondre aux animateurs de la "
                          f"plate-forme : {contact_email(request.registry.settings)}.")
        action, after = None, ()
        subject = "Votre inscription n'a pas été acceptée"
    text, html = compose(f"Bonjour {user.first_name},", paragraphs, action, after)
    return request.mailer.send(user.email, subject, text, html)


def send_validation_request(request_or_mailer, validators, applicant, base_url=None):
    """Ask the people who can decide (council members, référents, or the animators) to
    validate a confirmed request; the link leads to the queue each of them sees.

    With a bare mailer (scripts), `base_url` is the site's public address."""
    mailer = getattr(request_or_mailer, "mailer", request_or_mailer)
    if base_url is None:
        registry = getattr(request_or_mailer, "registry", None)
        if registry is None:
            raise ValueError("base_url is needed when sending without a request")
        base_url = public_url(registry.settings)
    base_url = base_url.rstrip("/")
    councils = _councils(applicant)
    names = ", ".join(c.title for c in councils) or "aucun conseil indiqué"
    role = f" (rôle indiqué : {applicant.role_in_council})" if applicant.role_in_council else ""
    sent = []
    for validator in validators:
        if validator.is_animator or not councils:
            link = f"{base_url}/admin/inscriptions"
        else:
            link = f"{base_url}{resource_path(councils[0])}/@@tableau-de-bord"
        text, html = compose(
            f"Bonjour {validator.first_name},",
            [f"{applicant.title}{role} demande à rejoindre la plate-forme comme membre du "
             f"conseil {names}. Son adresse électronique est confirmée.",
             "Connaissez-vous cette personne ? Vous pouvez accepter ou refuser sa demande, avec "
             "un message si vous le souhaitez. Nous nous engageons à répondre sous 48 heures."],
            ("Voir les inscriptions à valider", link))
        sent.append(mailer.send(validator.email, f"Inscription à valider : {applicant.title}",
                                text, html))
    return sent


def send_already_registered(request, user):
    """« Inscription » with an address that has an account: the page says what it says to
    everyone, and only the owner learns, here, that the account exists. No token: the reset
    link leads to the form that sends one."""
    text, html = compose(
        f"Bonjour {user.first_name},",
        ["Quelqu'un (sans doute vous) vient de demander une inscription sur la plate-forme des "
         "conseils citoyens avec cette adresse électronique. Vous avez déjà un compte : "
         "aucun nouveau compte n'a été créé, et le vôtre n'a pas changé.",
         "Pour vous connecter, utilisez votre adresse et votre mot de passe."],
        ("Me connecter", resource_url(request, request.root, "connexion")),
        ["Mot de passe oublié ? Choisissez-en un nouveau ici : "
         + resource_url(request, request.root, "mot-de-passe-oublie"),
         "Si vous n'avez rien demandé, ignorez ce message."])
    return request.mailer.send(user.email, "Vous avez déjà un compte", text, html)


def contact_email(settings):
    """Where people write to the animators (the conditions and privacy pages show it too)."""
    return (settings.get("conseils.contact_email") or settings.get("conseils.admin_email")
            or "animateur@conseils-citoyens.localhost")
