"""The SMS alphabet (GSM 03.38, 3GPP TS 23.038) as the `gsm0338` codec knows it: what a text
keeps, what it loses, and how many septets it takes."""
import gsm0338  # noqa: F401  (registers the codec)
import pytest

from conseils_site.notify.sms import SMS_LENGTH, fit_sms, gsm_length, gsm_text

CODEC = "gsm03.38"
BASIC = {bytes([septet]).decode(CODEC) for septet in range(128)} - {""}  # 0x1B: the escape
EXTENSION = set()
for septet in range(128):
    try:
        EXTENSION.add(bytes([0x1B, septet]).decode(CODEC))
    except UnicodeDecodeError:
        pass


def test_every_printable_character_of_the_alphabet_is_kept_and_counted_as_sent():
    printable = sorted(c for c in BASIC | EXTENSION if c.isprintable())
    assert len(printable) > 120 and "€" in printable and "{" in printable
    text = "".join(printable)
    text = text[1:60] + text[0] + text[60:]  # the space (sorted first) among them, not at an end
    assert gsm_text(text) == text
    assert gsm_length(text) == len(text.encode(CODEC))  # the extension table counts twice
    assert gsm_length("€[]") == 6 and gsm_length("éàù") == 3
    assert gsm_text("Lætitia, Æsop") == "Lætitia, Æsop"  # æ is in the alphabet: not « ae »


@pytest.mark.parametrize("text, sent", [
    ("Réunion à l'école : ça commence", "Réunion à l'école : ca commence"),
    ("Œuvre « Fête » — île", 'OEuvre "Fete" - ile'),
    ("Météo ☀ 🎉 ok", "Météo ? ? ok"),
    ("escape \x1b here", "escape ? here"),
])
def test_other_characters_are_folded_to_the_alphabet_or_replaced(text, sent):
    assert gsm_text(text) == sent
    sent.encode(CODEC)  # never a character the codec refuses


def test_a_long_text_fits_one_sms_with_its_link():
    link = "https://example.org/c/42"
    message = fit_sms("Conseil € " * 40, link)
    assert message.endswith("... " + link)
    assert len(message.encode(CODEC)) <= SMS_LENGTH
