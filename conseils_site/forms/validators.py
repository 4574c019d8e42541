"""Checks shared by the forms: French mobile numbers (for SMS) and passwords.

Colander use:

    mobile = colander.SchemaNode(colander.String(), preparer=prepare_mobile,
                                 validator=mobile_validator)   # stored as E.164

    # a password typed next to the email and names (sign-up): validate the whole mapping
    class SignUp(colander.MappingSchema):
        email = ...; first_name = ...; last_name = ...; password = ...
    schema = SignUp(validator=make_password_validator())

    # a password for a known user (change, reset): validate the field
    password = colander.SchemaNode(colander.String(),
                                   validator=password_validator(user.email, user_names))
"""
import colander
import phonenumbers
from phonenumbers import PhoneNumberType

# The rule for a new password has one home; the form validators below apply it.
from ..security.passwords import (  # noqa: F401 (names the forms and their tests use)
    MIN_PASSWORD_LENGTH,
    PASSWORD_COMMON,
    PASSWORD_HAS_EMAIL,
    PASSWORD_HAS_NAME,
    PASSWORD_TOO_SHORT,
    password_problems,
)

# Metropolitan France and the overseas départements that have priority neighbourhoods
# (Guadeloupe and Saint-Martin/Saint-Barthélemy +590, Guyane +594, Martinique +596, La Réunion
# and Mayotte +262): the SMS gateway is French, foreign numbers are refused.
FRENCH_COUNTRY_CODES = {33, 590, 594, 596, 262}
# Overseas mobiles typed in the national form (0690…, 0694…) parse as invalid in region FR.
OVERSEAS_REGIONS = ("GP", "GF", "MQ", "RE", "YT")
MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}

NOT_A_NUMBER = ("Ce numéro n'est pas un numéro de mobile valide : saisissez-le par exemple sous "
                "la forme 06 12 34 56 78.")
NOT_A_MOBILE = ("Ce numéro n'est pas un numéro de mobile : les SMS ne peuvent être envoyés "
                "qu'à un portable (06 ou 07, ou mobile d'outre-mer).")
NOT_FRENCH = ("Ce numéro n'est pas un numéro de mobile français : seuls les portables de "
              "métropole et d'outre-mer peuvent recevoir nos SMS.")


def normalize_mobile(text):
    """The E.164 form (+33612345678) of a French mobile number as people type it."""
    text = (text or "").strip()
    if not text or len(text) > 40:
        raise ValueError(NOT_A_NUMBER)
    number = None
    for region in ("FR",) + OVERSEAS_REGIONS:
        try:
            parsed = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            raise ValueError(NOT_A_NUMBER) from None
        if phonenumbers.is_valid_number(parsed):
            number = parsed
            break
        if text.startswith(("+", "00")):
            break  # international form: the region plays no part
    if number is None:
        raise ValueError(NOT_A_NUMBER)
    if number.country_code not in FRENCH_COUNTRY_CODES:
        raise ValueError(NOT_FRENCH)
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValueError(NOT_A_MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def prepare_mobile(value):
    """Colander preparer: valid numbers stored as E.164, the rest left for the validator."""
    if not isinstance(value, str):
        return value
    try:
        return normalize_mobile(value)
    except ValueError:
        return value


def mobile_validator(node, value):
    try:
        normalize_mobile(value)
    except ValueError as exc:
        raise colander.Invalid(node, str(exc)) from None


def password_validator(email="", names=()):
    """A field validator for the password of a known person (change or reset form)."""
    def validate(node, value):
        problems = password_problems(value, email, names)
        if problems:
            raise colander.Invalid(node, " ".join(problems))
    return validate


def make_password_validator(password="password", email="email",
                            names=("first_name", "last_name")):
    """A validator for a whole mapping, so the email and names typed alongside count; the
    error is attached to the password field."""
    def validate(node, appstruct):
        problems = password_problems(appstruct.get(password), appstruct.get(email) or "",
                                     [appstruct.get(name) or "" for name in names])
        if problems:
            error = colander.Invalid(node)
            error[password] = " ".join(problems)
            raise error
    return validate
