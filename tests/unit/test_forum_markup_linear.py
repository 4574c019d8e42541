"""The forum's markup costs time in proportion to what was typed, whatever was typed (#21.5:
a reply of 20,000 « [ » took 3.3 s with backtracking patterns, and four at once stalled the site).

Times are compared with each other, never with a fixed number of seconds, so a slow or busy
machine moves both sides: the best of a few runs of each."""
import time

import pytest

from conseils_site.forms.forum import TEXT_MAX, message_html

PATHOLOGICAL = ["[", "*", "_", "`", "(", "<", "[a](", "**a", "<b", "](", "a\n"]
MESSAGE = ("Bonjour à tous,\n\nNous avons organisé une **marche exploratoire** samedi : voir "
           "[le compte rendu](https://exemple.fr/cr) et https://exemple.fr/photos.\n\n"
           "- rendez-vous à 10 h, place de la Mairie ;\n- apportez des chaussures !\n\n")


def _typed(pattern, length):
    return (pattern * (length // len(pattern) + 1))[:length]


def _cost(text, runs=3):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        message_html(text)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_ten_times_longer_costs_about_ten_times_more(pattern):
    """Linear: 10 × the characters, about 10 × the time (a quadratic parse takes 100 ×)."""
    short, full = _cost(_typed(pattern, TEXT_MAX // 10)), _cost(_typed(pattern, TEXT_MAX))
    assert full < 30 * short, (pattern, short, full)


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_pathological_message_costs_like_an_ordinary_one(pattern):
    """20,000 pathological characters against 20,000 characters of an ordinary message (prose,
    bold, links, a list). markdown-it-py reads each mark character by character in Python
    while a run of letters is one step, hence a ratio to a real message, not to « aaaa… »."""
    ordinary = _cost(_typed(MESSAGE, TEXT_MAX))
    assert _cost(_typed(pattern, TEXT_MAX)) < 15 * ordinary, pattern
