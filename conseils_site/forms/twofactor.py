"""The second factor's forms: a code (at sign-in, to confirm enrolment), the current password."""
import colander
import deform

from .render import CSRFSchema


def _code_node(title, description, **attributes):
    return colander.SchemaNode(
        colander.String(), title=title, description=description,
        missing_msg="Indiquez le code.",
        validator=colander.Length(max=40, max_err="Ce code est trop long."),
        widget=deform.widget.TextInputWidget(attributes={
            "autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none",
            **attributes}))


class SignInCodeSchema(CSRFSchema):
    """After the password: the app's code, or a recovery code (letters: no numeric keyboard)."""

    code = _code_node("Code de vérification",
                      "Les 6 chiffres affichés par votre application, ou un code de secours.")


class EnrolmentCodeSchema(CSRFSchema):
    """The first code of the new secret, which proves the app has it."""

    code = _code_node("Code à 6 chiffres", "Le code affiché maintenant par votre application.",
                      inputmode="numeric")


class CurrentPasswordSchema(CSRFSchema):
    """Starting, renewing the recovery codes or turning off: the password first."""

    password = colander.SchemaNode(
        colander.String(), title="Mot de passe actuel", missing_msg="Indiquez votre mot de passe.",
        widget=deform.widget.PasswordWidget(attributes={"autocomplete": "current-password"}))
