"""The forum's markup costs time in proportion to what was typed, whatever was typed (#21.5:
a reply of 20,000 « [ » took 3.3 s with backtracking patterns, and four at once stalled the site).

Times are compared with each other, never with a fixed number of seconds, so a slow or busy
machine moves both sides: the best of a few runs of each, the garbage collector paused while a
run is timed."""
import functools
import gc
import time

import pytest

from conseils_site.forms.forum import TEXT_MAX, message_html

PATHOLOGICAL = ["[", "*", "_", "`", "(", "<", "[a](", "**a", "a\n"]
MESSAGE = ("Bonjour à tous,\n\nNous avons organisé une **marche exploratoire** samedi : voir "
           "[le compte rendu](https://exemple.fr/cr) et https://exemple.fr/photos.\n\n"
           "- rendez-vous à 10 h, place de la Mairie ;\n- apportez des chaussures !\n\n")


def _typed(pattern, length):
    return (pattern * (length // len(pattern) + 1))[:length]


def _cost(text):
    """The best of 3 runs, or of 9 when a run is so short that a pause of the machine would
    weigh on it."""
    best, runs = float("inf"), 0
    while runs < 3 or (runs < 9 and best < 0.01):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            message_html(text)
            best, runs = min(best, time.perf_counter() - start), runs + 1
        finally:
            gc.enable()
    return best


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_four_times_longer_costs_about_four_times_more(pattern):
    """Linear: 4 × the characters, about 4 × the time; a quadratic parse takes 16 ×. Both
    lengths are long enough for the parser's tokens to have left the processor's caches, where
    the cost per character is a few times lower."""
    short, long = _cost(_typed(pattern, 10_000)), _cost(_typed(pattern, 40_000))
    assert long < 10 * short, (pattern, short, long)


@functools.cache
def _ordinary_cost():
    return _cost(_typed(MESSAGE, TEXT_MAX))


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_pathological_message_costs_like_an_ordinary_one(pattern):
    """20,000 pathological characters against 20,000 characters of an ordinary message (prose,
    bold, links, a list). markdown-it-py reads each mark character by character in Python
    while a run of letters is one step, hence a ratio to a real message, not to « aaaa… »."""
    assert _cost(_typed(pattern, TEXT_MAX)) < 15 * _ordinary_cost(), pattern
