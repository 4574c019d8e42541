"""CSV the site writes, safe to open in a spreadsheet (OWASP « CSV injection »).

A text cell that begins with =, +, -, @, a tab or a carriage return would be read by a
spreadsheet as a formula, so it is written with a single quote in front: « -Les Tilleuls »
becomes « '-Les Tilleuls ». Only text is touched: numbers are passed as int or float and stay
numbers (a negative longitude is written -1.5), so numeric columns must be given as numbers,
never as text. Every CSV the site writes goes through `writer` or `to_bytes`; the importer
refuses names that begin with these characters (importer.py)."""
import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """The value as it may be written: text neutralised, anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer whose rows are neutralised cell by cell."""

    def __init__(self, out, **options):
        options.setdefault("lineterminator", "\r\n")
        self._writer = csv.writer(out, **options)

    def writerow(self, row):
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out, **options):
    return SafeWriter(out, **options)


def to_bytes(header, rows):
    """A whole CSV file in UTF-8: the header line, then the rows."""
    out = io.StringIO()
    safe = writer(out)
    safe.writerow(header)
    safe.writerows(rows)
    return out.getvalue().encode("utf-8")
