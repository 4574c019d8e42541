"""The animators' back office home and the audit log (« le journal »): read, filtered by person,
exported as CSV."""
from urllib.parse import quote

from pyramid.response import Response
from pyramid.view import view_config

from .. import csvsafe
from ..catalog.queries import Page, page_number
from ..resources import Admin
from ..resources.content import PARIS
from .validation import queue

JOURNAL_PAGE = 50
CSV_COLUMNS = ("quand", "qui", "courriel", "action", "concerne", "courriel concerné", "détail", "où")


@view_config(context=Admin, permission="admin", renderer="conseils_site:templates/admin/index.pt")
def admin_home(context, request):
    entries = queue(request)
    return {"title": "Administration", "pending": len(entries),
            "overdue": sum(1 for e in entries if e.overdue)}


def journal_entries(request):
    """(the person typed, their account if any, the entries): everything, or what concerns one
    person as actor or as the one decided about."""
    audit = request.root.audit
    typed = request.params.get("personne", "").strip()[:254]
    if not typed:
        return typed, None, None
    user = request.root.users.find_by_email(typed)
    return typed, user, audit.about(typed, user.id if user is not None else None)


@view_config(context=Admin, name="journal", permission="admin",
             renderer="conseils_site:templates/admin/journal.pt")
def audit_journal(context, request):
    audit = request.root.audit
    number = page_number(request)
    typed, user, found = journal_entries(request)
    start = (number - 1) * JOURNAL_PAGE
    if found is None:
        page = Page(audit.newest(limit=JOURNAL_PAGE, offset=start), len(audit), number, JOURNAL_PAGE)
    else:
        page = Page(found[start:start + JOURNAL_PAGE], len(found), number, JOURNAL_PAGE)
    request.response.cache_control = "no-store"
    return {"title": "Journal des accès et de la modération", "page": page, "typed": typed,
            "person": user,
            "filter_url": lambda email: request.resource_path(context, "journal", query={"personne": email}),
            "query_prefix": f"personne={quote(typed, safe='')}&" if typed else "",
            "export": request.resource_path(context, "journal.csv",
                                             query={"personne": typed} if typed else None)}


@view_config(context=Admin, name="journal.csv", permission="admin")
def audit_journal_csv(context, request):
    """The same entries as the page (the whole journal, or one person's), oldest last, through
    the site's one safe CSV writer: a name or a message typed as « =… » stays text."""
    typed, _user, found = journal_entries(request)
    audit = request.root.audit
    entries = found if found is not None else audit.newest(limit=None)
    body = csvsafe.to_bytes(CSV_COLUMNS, (_row(e) for e in entries))
    response = Response(body=body, content_type="text/csv", charset="utf-8")
    response.content_disposition = 'attachment; filename="journal.csv"'
    response.cache_control = "no-store"
    return response


def _row(entry):
    actor, subject = entry.get("actor"), entry.get("subject") or {}
    actor = actor if isinstance(actor, dict) else {"name": str(actor or "?")}
    return (entry["when"].astimezone(PARIS).isoformat(timespec="seconds"), actor.get("name", "?"),
            actor.get("email", ""), entry["action"], subject.get("name", ""),
            subject.get("email", ""), entry.get("detail", ""), entry.get("target", ""))
