"""Home, map and directory search."""
from urllib.parse import urlencode

from pyramid.view import view_config

from ..catalog.queries import councils_query, items_query, page_number, paginate
from ..directory import get_snapshot
from ..geography import get_geography
from ..resources import SiteRoot
from .cache import anonymous_page_cache


@view_config(context=SiteRoot, renderer="conseils_site:templates/home.pt",
             decorator=anonymous_page_cache)
def home(request):
    snapshot = get_snapshot(request)
    catalog = request.root.catalog  # the three newest news items a visitor may read
    news = paginate(catalog, request, items_query(catalog, kinds=("news",)), "newest", size=3)
    return {"title": "Accueil", "council_count": len(snapshot.entries), "news": news.items}


@view_config(context=SiteRoot, name="carte", renderer="conseils_site:templates/carte.pt",
             decorator=anonymous_page_cache)
def carte(request):
    geo = get_geography()
    snapshot = get_snapshot(request)
    departement = geo.departements.get(request.params.get("departement", ""))
    region = geo.regions.get(request.params.get("region", ""))
    if departement is not None:
        region = geo.regions.get(departement.region_code)
    departements = sorted(
        (d for d in geo.departements.values() if region is None or d.region_code == region.code),
        key=lambda d: d.code,
    )
    return {
        "title": "Carte des conseils citoyens",
        "region": region,
        "departement": departement,
        "departements": departements,
        "snapshot": snapshot,
        "councils": snapshot.in_departement(departement.code) if departement else [],
    }


@view_config(context=SiteRoot, name="conseils", renderer="conseils_site:templates/conseils.pt",
             decorator=anonymous_page_cache)
def conseils(request):
    q = request.params.get("q", "").strip()[:200]
    catalog = request.root.catalog
    page = paginate(catalog, request, councils_query(catalog, text=q), "sort_commune",
                    number=page_number(request))
    return {"title": f"Recherche « {q} »" if q else "Tous les conseils", "q": q, "page": page,
            "query_prefix": urlencode({"q": q}) + "&" if q else ""}

