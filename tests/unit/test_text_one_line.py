"""One-line fields lose control and bidi-override characters: a title cannot ring a terminal,
break a mail header, or read backwards to pass for another."""
import pytest

from conseils_site.text import clean_text, one_line


@pytest.mark.parametrize("typed, stored", [
    ("Plainte\x00 contre\x07 M.\x1b X", "Plainte contre M. X"),
    ("Compte rendu \u202efdp.exe", "Compte rendu fdp.exe"),
    ("\u2066Réunion\u2069 du\u200f 12", "Réunion du 12"),
    ("  Deux\n lignes\r\n\tet  des   espaces ", "Deux lignes et des espaces"),
    ("Fête de quartier 👨\u200d👩\u200d👧", "Fête de quartier 👨\u200d👩\u200d👧"),  # emoji joiners kept
])
def test_one_line_fields_keep_only_what_reads(typed, stored):
    assert one_line(typed) == stored


def test_texts_keep_their_lines_but_not_controls_or_overrides():
    assert clean_text(" Premier\x00 paragraphe.\n\n\tSecond \u202eparagraphe.\x1b ") == \
        "Premier paragraphe.\n\n\tSecond paragraphe."


def test_what_is_not_text_is_left_to_the_validators():
    assert one_line(None) is None and clean_text(None) is None
