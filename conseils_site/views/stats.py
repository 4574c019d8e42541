"""/admin/activite: the animators' picture of the platform's life, counted from the catalog.

Every number is an index query (kind, created, territories), intersected with what the animator
may view like every other listing: no walk of the tree. The chart is drawn here as SVG, so the
page needs no script for it (and the CSP allows none inline); a table gives the same numbers."""
import datetime

from hypatia.query import Any, Eq, Ge, InRange
from pyramid.view import view_config

from .. import types
from ..catalog.queries import allowed_query
from ..dates import MONTHS
from ..geography import get_geography
from ..resources import Admin
from ..resources.content import PARIS

MONTH_COUNT = 12
TOP_COUNT = 10
SHORT_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                "nov.", "déc.")
SERIES = (("users", "Inscriptions", "#17416b"), ("items", "Contenus publiés", "#b34700"))
FILLED_COLOUR, EMPTY_COLOUR = "#1a7f37", "#b34700"


def month_bounds(now=None, count=MONTH_COUNT):
    """[(start, end)] of the last `count` months in Paris time, the current one last."""
    now = (now or datetime.datetime.now(PARIS)).astimezone(PARIS)
    year, month = now.year, now.month
    months = []
    for _ in range(count):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    bounds = []
    for year, month in reversed(months):
        following = (year, month + 1) if month < 12 else (year + 1, 1)
        bounds.append((datetime.datetime(year, month, 1, tzinfo=PARIS),
                       datetime.datetime(*following, 1, tzinfo=PARIS)))
    return bounds


def _count(catalog, request, query):
    return len(allowed_query(catalog, request, query).execute(resolver=None))


def _kind_query(catalog, series):
    if series == "users":
        return Eq(catalog.indexes["kind"], "user")
    return Any(catalog.indexes["kind"], list(types.council_kinds()))


def monthly_counts(catalog, request, bounds):
    """[{'label', 'users', 'items'}] per month: accounts created, council content created."""
    created = catalog.indexes["created"]
    rows = []
    for start, end in bounds:
        row = {"label": f"{MONTHS[start.month - 1]} {start.year}",
               "short": SHORT_MONTHS[start.month - 1], "year": start.year}
        for series, _, _ in SERIES:
            query = _kind_query(catalog, series) & InRange(created, start.timestamp(), end.timestamp(),
                                                           False, True)
            row[series] = _count(catalog, request, query)
        rows.append(row)
    return rows


def top_departements(catalog, request, since, limit=TOP_COUNT):
    """[(département, count)] of the most council content created since `since`."""
    query = _kind_query(catalog, "items") & Ge(catalog.indexes["created"], since.timestamp())
    recent = allowed_query(catalog, request, query).execute(resolver=None).ids
    territories = catalog.indexes["territories"]
    intersection = territories.family.IF.intersection
    counts = []
    for code, departement in get_geography().departements.items():
        n = len(intersection(recent, territories.applyEq(f"departement:{code}")))
        if n:
            counts.append((departement, n))
    counts.sort(key=lambda pair: (-pair[1], pair[0].code))
    return counts[:limit]


def councils_by_fiche(catalog, request):
    """(filled, empty): the councils whose fiche says something, and the others."""
    query = Eq(catalog.indexes["kind"], "council")
    filled, empty = [], []
    for council in allowed_query(catalog, request, query).execute(resolver=catalog.get):
        (empty if council.fiche_is_empty else filled).append(council)
    return filled, empty


def _nice_ceiling(value):
    """The smallest of 4, 8, 20, 40, 80, 200… at least `value`: four round grid steps."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if 4 * step * factor >= value:
                return 4 * step * factor
        step *= 10


def bar_chart(rows, width=720, height=280):
    """Bars, axes and labels of a grouped bar chart, as numbers the template writes as SVG."""
    left, right, top, bottom = 44, 8, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling = _nice_ceiling(max([r[s] for r in rows for s, _, _ in SERIES] + [1]))
    group = plot_w / len(rows)
    bar = group * 0.36
    bars, labels = [], []
    for i, row in enumerate(rows):
        x0 = left + i * group + (group - 2 * bar) / 2
        for j, (series, name, colour) in enumerate(SERIES):
            h = plot_h * row[series] / ceiling
            x, y = x0 + j * bar, top + plot_h - h
            bars.append({"x": round(x, 1), "y": round(y, 1), "width": round(bar - 1, 1),
                         "height": round(h, 1), "fill": colour, "value": row[series],
                         "text_y": round(y - 3, 1), "text_x": round(x + bar / 2, 1),
                         "title": f"{row['label']} — {name} : {row[series]}"})
        labels.append({"x": round(left + i * group + group / 2, 1), "text": row["short"],
                       "year": str(row["year"]) if i == 0 or row["short"] == "janv." else ""})
    ticks = [{"y": round(top + plot_h - plot_h * k / 4, 1), "value": ceiling * k // 4}
             for k in range(5)]
    return {"width": width, "height": height, "left": left, "right": width - right,
            "baseline": top + plot_h, "bars": bars, "labels": labels, "ticks": ticks,
            "label_y": top + plot_h + 16, "year_y": top + plot_h + 32,
            "legend": [(name, colour) for _, name, colour in SERIES]}


@view_config(context=Admin, name="activite", permission="admin",
             renderer="conseils_site:templates/admin/activity.pt")
def activity(context, request):
    catalog = request.root.catalog
    bounds = month_bounds()
    rows = monthly_counts(catalog, request, bounds)
    filled, empty = councils_by_fiche(catalog, request)
    request.response.cache_control = "no-store"
    return {"title": "Activité de la plate-forme", "rows": rows, "chart": bar_chart(rows),
            "totals": {s: sum(r[s] for r in rows) for s, _, _ in SERIES},
            "top": top_departements(catalog, request, bounds[0][0]),
            "filled": len(filled), "empty": len(empty),
            "colours": {"filled": FILLED_COLOUR, "empty": EMPTY_COLOUR},
            "period": f"de {rows[0]['label']} à {rows[-1]['label']}"}


@view_config(context=Admin, name="fiches.json", permission="admin", renderer="json")
def fiches_json(context, request):
    """The councils on the animators' map, each saying whether its fiche is filled."""
    catalog = request.root.catalog
    filled, empty = councils_by_fiche(catalog, request)
    request.response.cache_control = "private, no-store"

    def point(council, is_filled):
        return {"nom": council.title, "commune": council.commune_name,
                "departement": council.departement_code, "url": request.resource_path(council),
                "lat": council.latitude, "lon": council.longitude, "fiche": is_filled}

    return {"filled": len(filled), "empty": len(empty),
            "councils": [point(c, True) for c in filled] + [point(c, False) for c in empty]}
