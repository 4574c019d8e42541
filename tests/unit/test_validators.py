"""Mobile numbers as French people type them, and password rules, with their French messages."""
import colander
import pytest

from conseils_site.forms.validators import (
    NOT_A_MOBILE,
    NOT_A_NUMBER,
    NOT_FRENCH,
    PASSWORD_COMMON,
    PASSWORD_HAS_EMAIL,
    PASSWORD_HAS_NAME,
    PASSWORD_TOO_SHORT,
    make_password_validator,
    mobile_validator,
    normalize_mobile,
    password_problems,
    password_validator,
    prepare_mobile,
)


@pytest.mark.parametrize("typed, e164", [
    ("06 12 34 56 78", "+33612345678"),
    ("06.12.34.56.78", "+33612345678"),
    ("0612345678", "+33612345678"),
    ("06-12-34-56-78", "+33612345678"),
    ("+33 6 12 34 56 78", "+33612345678"),
    ("+33 (0)6 12 34 56 78", "+33612345678"),
    ("0033612345678", "+33612345678"),
    ("  07 81 23 45 67 ", "+33781234567"),
    ("0690 00 12 34", "+590690001234"),  # Guadeloupe
    ("0694 20 12 34", "+594694201234"),  # Guyane
    ("0696 20 12 34", "+596696201234"),  # Martinique
    ("0692 12 34 56", "+262692123456"),  # La Réunion
    ("0693 12 34 56", "+262693123456"),  # La Réunion
    ("0639 01 23 45", "+262639012345"),  # Mayotte
    ("+590 690 00 12 34", "+590690001234"),
    ("+262 639 01 23 45", "+262639012345"),
])
def test_mobiles_are_normalized_to_e164(typed, e164):
    assert normalize_mobile(typed) == e164


@pytest.mark.parametrize("typed", [
    "01 42 00 00 00", "02 40 00 00 00", "03 20 00 00 00", "04 72 00 00 00", "05 56 00 00 00",
    "09 70 00 00 00",  # landlines and internet boxes
    "0590 12 34 56", "0262 12 34 56",  # overseas landlines
    "08 00 00 00 00",
])
def test_landlines_are_refused(typed):
    with pytest.raises(ValueError) as caught:
        normalize_mobile(typed)
    assert str(caught.value) in (NOT_A_MOBILE, NOT_A_NUMBER)
    assert str(caught.value).startswith("Ce numéro n'est pas un numéro de mobile")


@pytest.mark.parametrize("typed", ["", "   ", "abc", "06 12", "06 12 34 56 78 90 12",
                                   "+33 6", "0" * 60, None, "+33 690 00 12 34"])
def test_garbage_is_refused(typed):
    with pytest.raises(ValueError, match="^Ce numéro n'est pas un numéro de mobile valide"):
        normalize_mobile(typed)


def test_foreign_mobiles_are_refused():
    with pytest.raises(ValueError) as caught:
        normalize_mobile("+32 470 12 34 56")
    assert str(caught.value) == NOT_FRENCH


def test_colander_mobile_field_stores_e164_and_explains_refusals():
    node = colander.SchemaNode(colander.String(), name="mobile", preparer=prepare_mobile,
                               validator=mobile_validator)
    assert node.deserialize("06 12 34 56 78") == "+33612345678"
    with pytest.raises(colander.Invalid) as caught:
        node.deserialize("01 42 00 00 00")
    assert caught.value.asdict() == {"mobile": NOT_A_MOBILE}


def test_a_good_password_has_no_problem():
    assert password_problems("cinq pommes vertes au marché", "camille.martin@example.org",
                             ("Camille", "Martin")) == []


def test_short_password():
    assert password_problems("Tr0ub4dor") == [PASSWORD_TOO_SHORT]
    assert password_problems("") == [PASSWORD_TOO_SHORT]
    assert "10 caractères" in PASSWORD_TOO_SHORT


@pytest.mark.parametrize("common", ["azertyuiop", "1234567890", "qwertyuiop", "motdepasse",
                                    "PASSWORD123", "Motdepasse"])
def test_common_passwords_are_refused(common):
    assert PASSWORD_COMMON in password_problems(common)


def test_password_containing_the_email_or_its_local_part():
    email = "Camille.Martin@example.org"
    assert password_problems("xx camille.martin@example.org xx", email) == [PASSWORD_HAS_EMAIL]
    assert password_problems("CAMILLE.MARTIN-2024!", email) == [PASSWORD_HAS_EMAIL]
    # a local part shorter than 4 characters would refuse too many good passwords
    assert password_problems("un bon mot de passe", "bon@example.org") == []


def test_password_containing_a_name():
    names = ("Jean-Pierre", "Lefèvre")
    assert password_problems("lefevre-du-quartier", "", names) == [PASSWORD_HAS_NAME]
    assert password_problems("JEANPIERRE du 93", "", names) == [PASSWORD_HAS_NAME]
    assert password_problems("pierre qui roule", "", names) == [PASSWORD_HAS_NAME]
    assert password_problems("Léa aime les tulipes", "", ("Léa", "Roy")) == []  # too short to tell


def test_several_problems_are_all_listed():
    problems = password_problems("julien", "julien@example.org", ("Julien", "Roux"))
    assert problems == [PASSWORD_TOO_SHORT, PASSWORD_COMMON, PASSWORD_HAS_EMAIL,
                        PASSWORD_HAS_NAME]


class SignUp(colander.MappingSchema):
    email = colander.SchemaNode(colander.String())
    first_name = colander.SchemaNode(colander.String())
    last_name = colander.SchemaNode(colander.String())
    password = colander.SchemaNode(colander.String())


def test_mapping_validator_puts_the_error_on_the_password_field():
    schema = SignUp(validator=make_password_validator())
    good = {"email": "n.benali@example.org", "first_name": "Nadia", "last_name": "Benali",
            "password": "un jardin partagé rue Voltaire"}
    assert schema.deserialize(good)["password"] == good["password"]
    with pytest.raises(colander.Invalid) as caught:
        schema.deserialize(dict(good, password="nadia benali 2024"))
    assert caught.value.asdict() == {"password": PASSWORD_HAS_NAME}


def test_field_validator_for_a_known_user():
    node = colander.SchemaNode(colander.String(), name="password",
                               validator=password_validator("nadia@example.org", ("Nadia",)))
    assert node.deserialize("un jardin partagé rue Voltaire")
    with pytest.raises(colander.Invalid) as caught:
        node.deserialize("court")
    assert caught.value.asdict() == {"password": PASSWORD_TOO_SHORT}
