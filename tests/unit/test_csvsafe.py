"""The one CSV writer: text a spreadsheet would run as a formula gets a quote; numbers stay
numbers."""
import csv
import io

import pytest

from conseils_site.csvsafe import to_bytes


@pytest.mark.parametrize("typed", ["=1+1", "+33 6", "-Les Tilleuls", "@SUM(A1)", "\t=1", "\r=1",
                                   '=HYPERLINK("http://x","clic")'])
def test_formula_starts_are_neutralised(typed):
    rows = list(csv.reader(io.StringIO(to_bytes(["nom"], [[typed]]).decode("utf-8"))))
    assert rows == [["nom"], ["'" + typed]]


def test_numbers_and_ordinary_text_are_kept():
    data = to_bytes(["nom", "latitude", "longitude", "n"],
                    [["Conseil des Tilleuls", 45.43, -1.5, -3], ["L'Orée, « ici »", 0.0, 2, 0]])
    assert data.decode("utf-8") == ('nom,latitude,longitude,n\r\n'
                                    'Conseil des Tilleuls,45.43,-1.5,-3\r\n'
                                    '"L\'Orée, « ici »",0.0,2,0\r\n')


def test_a_quote_or_a_dash_inside_the_text_is_left_alone():
    rows = list(csv.reader(io.StringIO(to_bytes(["nom"], [["Saint-Denis = 93"]]).decode())))
    assert rows[1] == ["Saint-Denis = 93"]
