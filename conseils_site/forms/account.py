"""Schemas of the account pages: registration, sign-in, password, profile, deletion.

Checks that depend on another field (the password against the email and names typed beside it,
the council found by the search) read the posted values at bind time, so that every problem of a
form is shown at once, beside its field, instead of one after the other.
"""
import colander
import deform
import peppercorn
from hypatia.query import Eq

from ..catalog.queries import allowed_query, councils_query
from ..security.passwords import password_problems
from ..text import one_line
from .render import CSRFSchema
from .validators import normalize_mobile

NAME_MAX = 80
ROLE_MAX = 120
EMAIL_MAX = 254
PASSWORD_MAX = 200  # Argon2 takes any length; this only stops absurd posts
COUNCIL_CHOICES = 10  # radio choices shown when a search matches several councils
WIDGETS = "conseils_site:templates/account/widgets/"

COUNCIL_MISSING = "Indiquez votre conseil citoyen : son nom, sa commune ou son code postal."
SMS_TITLE = ("Je souhaite recevoir des alertes par SMS (indiquez alors votre numéro de mobile "
             "ci-dessus)")
PASSWORD_HELP = ("Au moins 10 caractères. Une courte phrase facile à retenir fait un bon mot de "
                 "passe. Évitez votre nom, votre adresse et les mots de passe trop courants.")


def _input(autocomplete, **extra):
    """A text input carrying the autocomplete hint phones and password managers use."""
    return deform.widget.TextInputWidget(attributes={"autocomplete": autocomplete, **extra})


def _password_input(autocomplete, redisplay=False):
    return deform.widget.PasswordWidget(redisplay=redisplay,
                                        attributes={"autocomplete": autocomplete})


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _one_line(value):
    """Names end up in mail headers and lists: one line, no control or bidi characters."""
    return one_line(value)


def _name_node(title, autocomplete, missing_msg):
    return colander.SchemaNode(
        colander.String(), title=title, preparer=_one_line, missing_msg=missing_msg,
        widget=_input(autocomplete),
        validator=colander.Length(min=1, max=NAME_MAX, min_err=missing_msg,
                                  max_err=f"{NAME_MAX} caractères au plus."))


def _email_checks():
    return [colander.Email(msg="Cette adresse électronique n'est pas valide : vérifiez-la "
                               "(elle ressemble à prenom.nom@exemple.fr)."),
            colander.Length(max=EMAIL_MAX, max_err="Cette adresse est trop longue.")]


def _email_node(validator=None):
    return colander.SchemaNode(
        colander.String(), title="Adresse électronique", preparer=_strip,
        missing_msg="Indiquez votre adresse électronique.",
        widget=_input("email", type="email", inputmode="email", spellcheck="false",
                      autocapitalize="none"),
        validator=validator or colander.All(*_email_checks()))


class MobileNumber(colander.String):
    """Typed in any French form (06 12 34 56 78, +33 6…, 0690…), kept in E.164, shown back
    in the national form people know."""

    def serialize(self, node, appstruct):
        if isinstance(appstruct, str) and appstruct.startswith("+33") and len(appstruct) == 12:
            digits = "0" + appstruct[3:]
            appstruct = " ".join(digits[i:i + 2] for i in range(0, 10, 2))
        return super().serialize(node, appstruct)

    def deserialize(self, node, cstruct):
        value = super().deserialize(node, cstruct)
        if value is colander.null or not value.strip():
            return colander.null
        try:
            return normalize_mobile(value)
        except ValueError as exc:
            raise colander.Invalid(node, str(exc)) from None


def _mobile_node():
    return colander.SchemaNode(
        MobileNumber(), title="Numéro de mobile (facultatif)", missing="",
        description="Seulement pour recevoir des alertes par SMS, si vous le souhaitez.",
        widget=_input("tel", type="tel", inputmode="tel"))


def _role_node():
    return colander.SchemaNode(
        colander.String(), title="Votre rôle dans le conseil (facultatif)", missing="",
        preparer=_one_line, widget=_input("organization-title"),
        description="Par exemple : habitant·e, représentant·e d'une association, co-président·e.",
        validator=colander.Length(max=ROLE_MAX, max_err=f"{ROLE_MAX} caractères au plus."))


def _choice_node(title):
    return colander.SchemaNode(
        colander.Boolean(), title=title, missing=False,
        widget=deform.widget.CheckboxWidget())


def _posted_owner(request, lookup=None):
    """The email, names and chosen council's commune typed beside a new password."""
    post = request.POST if request is not None else {}
    commune = lookup.council.commune_name if lookup is not None and lookup.council else ""
    return (post.get("email", ""), [post.get("first_name", ""), post.get("last_name", "")],
            commune)


def password_owner_of(request, user):
    """(email, names, communes) of an account: what its new password must not be built on."""
    catalog = request.root.catalog
    communes = [c.commune_name for c in (catalog.by_id(i) for i in user.council_ids)
                if c is not None]
    return user.email, [user.first_name, user.last_name], " ".join(communes)


@colander.deferred
def deferred_new_password_validator(node, kw):
    owner = kw.get("password_owner") or _posted_owner(kw.get("request"), _lookup(kw))

    def validate(node, value):
        if len(value) > PASSWORD_MAX:
            raise colander.Invalid(node, "Ce mot de passe est trop long.")
        problems = password_problems(value, *owner)
        if problems:
            raise colander.Invalid(node, problems)
    return validate


def _new_password_node(title="Mot de passe", redisplay=False):
    return colander.SchemaNode(
        colander.String(), title=title, description=PASSWORD_HELP,
        missing_msg="Choisissez un mot de passe.",
        widget=_password_input("new-password", redisplay=redisplay),
        validator=deferred_new_password_validator)


def _current_password_node(title="Mot de passe", missing_msg="Indiquez votre mot de passe."):
    return colander.SchemaNode(colander.String(), title=title, missing_msg=missing_msg,
                               widget=_password_input("current-password"))


# --- the council, found by a search ---------------------------------------------------------

def council_label(council):
    return f"{council.title} — {council.commune_name} ({council.departement_code})"


def search_councils(request, text, limit=COUNCIL_CHOICES):
    """(number of matches, the first `limit` by commune) among the councils the request may see."""
    catalog = request.root.catalog
    if not (text or "").strip():
        return 0, []
    results = allowed_query(catalog, request, councils_query(catalog, text=text)).execute(
        resolver=catalog.get)
    total = len(results)
    if not total:
        return 0, []
    ordered = results.sort(catalog.indexes["sort_commune"], limit=limit)
    return total, [catalog.get(docid) for docid in ordered.all(resolve=False)][:limit]


class CouncilLookup:
    """What the posted search and choice say about the council: found, several, or none.

    A chosen code counts only if that council matches the search as typed now, so a person who
    changed the search after seeing choices gets the new search's answer."""

    def __init__(self, request, search, code):
        self.search = (search or "").strip()[:200]
        self.council, self.choices, self.total = None, [], 0
        self.search_error = self.choice_error = None
        if not self.search:
            return  # the search field's own "required" message says it
        chosen = request.root.territoires.council_by_code(code) if code else None
        if chosen is not None and self._matches(request, chosen, self.search):
            self.council = chosen
            return
        self.total, found = search_councils(request, self.search)
        if self.total == 1:
            self.council = found[0]
        elif not self.total:
            self.search_error = (f"Aucun conseil ne correspond à « {self.search} ». Essayez le nom "
                                 "de la commune, le code postal, ou une partie du nom du conseil.")
        else:
            self.choices = found
            self.choice_error = (f"{self.total} conseils correspondent à « {self.search} » : "
                                 "choisissez le vôtre ci-dessous.")
            if self.total > len(found):
                self.choice_error += (f" Seuls les {len(found)} premiers sont affichés ; si le "
                                      "vôtre n'y est pas, précisez la recherche (commune, code "
                                      "postal).")

    @staticmethod
    def _matches(request, council, search):
        catalog = request.root.catalog
        query = councils_query(catalog, text=search) & Eq(catalog.indexes["id"], council.id)
        return bool(len(allowed_query(catalog, request, query).execute(resolver=catalog.get)))

    @classmethod
    def from_post(cls, request):
        posted = peppercorn.parse(list(request.POST.items()))
        search, code = posted.get("council_search", ""), posted.get("council", "")
        return cls(request, search if isinstance(search, str) else "",
                   code if isinstance(code, str) else "")


def _lookup(kw):
    return kw.get("council_lookup")


@colander.deferred
def deferred_council_widget(node, kw):
    lookup = _lookup(kw)
    if lookup is not None and lookup.choices:
        return deform.widget.RadioChoiceWidget(
            values=[(c.code, council_label(c)) for c in lookup.choices],
            template=WIDGETS + "council_choice.pt")
    return deform.widget.HiddenWidget()


@colander.deferred
def deferred_council_search_description(node, kw):
    lookup = _lookup(kw)
    if lookup is not None and lookup.council is not None:
        return f"Conseil retenu : {council_label(lookup.council)}."
    return ("Tapez le nom du conseil, sa commune ou son code postal, puis choisissez votre conseil "
            "dans la liste proposée.")


@colander.deferred
def deferred_council_search_validator(node, kw):
    def validate(node, value):
        lookup = _lookup(kw)
        if not value:
            raise colander.Invalid(node, COUNCIL_MISSING)
        if lookup is not None and lookup.search_error:
            raise colander.Invalid(node, lookup.search_error)
    return validate


@colander.deferred
def deferred_council_missing(node, kw):
    """Required only while choices are shown and none is taken (the search decides otherwise)."""
    lookup = _lookup(kw)
    if lookup is not None and lookup.choices and lookup.council is None:
        return colander.required
    return ""


@colander.deferred
def deferred_council_missing_msg(node, kw):
    lookup = _lookup(kw)
    return lookup.choice_error if lookup is not None and lookup.choice_error else COUNCIL_MISSING


def _must_accept(node, value):
    if value is not True:
        raise colander.Invalid(node, "Pour vous inscrire, cochez cette case après avoir lu les "
                                     "conditions d'utilisation et la politique de confidentialité.")


# --- the schemas --------------------------------------------------------------------------

class RegistrationSchema(CSRFSchema):
    """« Inscription ». Bind with `council_lookup=CouncilLookup.from_post(request)` on a POST."""

    first_name = _name_node("Prénom", "given-name", "Indiquez votre prénom.")
    last_name = _name_node("Nom", "family-name", "Indiquez votre nom.")
    # No "already used" check here: the form answers the same for a known address (the view
    # mails its owner instead), so that it tells nobody who has an account.
    email = _email_node()
    password = _new_password_node(redisplay=True)
    council_search = colander.SchemaNode(
        colander.String(), title="Votre conseil citoyen", preparer=_strip,
        description=deferred_council_search_description,
        missing_msg=COUNCIL_MISSING,
        widget=_input("off", **{"data-council-search": "/conseils.json"}),
        validator=deferred_council_search_validator)
    council = colander.SchemaNode(
        colander.String(), title="Choisissez votre conseil", missing=deferred_council_missing,
        missing_msg=deferred_council_missing_msg, widget=deferred_council_widget)
    role_in_council = _role_node()
    mobile = _mobile_node()
    newsletter = _choice_node("Je souhaite recevoir la lettre d'information mensuelle par courriel")
    sms_alerts = _choice_node(SMS_TITLE)
    terms = colander.SchemaNode(
        colander.Boolean(), title="J'ai lu et j'accepte les conditions d'utilisation et la "
                                  "politique de confidentialité", missing=False,
        widget=deform.widget.CheckboxWidget(template=WIDGETS + "terms.pt"),
        validator=_must_accept)


class LoginSchema(CSRFSchema):
    """« Connexion »: the two field names scripts and password managers rely on."""

    email = colander.SchemaNode(
        colander.String(), title="Adresse électronique", preparer=_strip,
        missing_msg="Indiquez votre adresse électronique.",
        widget=_input("email", type="email", inputmode="email", spellcheck="false",
                      autocapitalize="none"))
    password = _current_password_node()


class EmailSchema(CSRFSchema):
    """One address: « Mot de passe oublié » and the new confirmation link."""

    email = _email_node()


class NewPasswordSchema(CSRFSchema):
    """The form behind the emailed reset link. Bind with `password_owner=password_owner_of(…)`."""

    password = _new_password_node("Nouveau mot de passe")


class PasswordChangeSchema(CSRFSchema):
    """In « Mon profil ». Bind with `password_owner=password_owner_of(request, user)`."""

    current_password = _current_password_node(
        "Mot de passe actuel", "Indiquez votre mot de passe actuel.")
    new_password = _new_password_node("Nouveau mot de passe")


class ProfileSchema(CSRFSchema):
    """« Modifier mon profil »."""

    first_name = _name_node("Prénom", "given-name", "Indiquez votre prénom.")
    last_name = _name_node("Nom", "family-name", "Indiquez votre nom.")
    role_in_council = _role_node()
    mobile = _mobile_node()
    newsletter = _choice_node("Je souhaite recevoir la lettre d'information mensuelle par courriel")
    sms_alerts = _choice_node(SMS_TITLE)


class DeleteAccountSchema(CSRFSchema):
    """The confirmation step of the deletion: the password, so nobody else can do it."""

    password = _current_password_node(
        "Votre mot de passe, pour confirmer", "Indiquez votre mot de passe pour confirmer.")
