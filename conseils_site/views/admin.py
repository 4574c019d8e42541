"""The animators' back office home and the audit log."""
from pyramid.view import view_config

from ..catalog.queries import Page, page_number
from ..resources import Admin
from .validation import queue


@view_config(context=Admin, permission="admin", renderer="conseils_site:templates/admin/index.pt")
def admin_home(context, request):
    entries = queue(request)
    return {"title": "Administration", "pending": len(entries),
            "overdue": sum(1 for e in entries if e.overdue)}


@view_config(context=Admin, name="journal", permission="admin",
             renderer="conseils_site:templates/admin/journal.pt")
def audit_journal(context, request):
    audit = request.root.audit
    size = 50
    number = page_number(request)
    entries = audit.newest(limit=size, offset=(number - 1) * size)
    return {"title": "Journal des accès et de la modération",
            "page": Page(entries, len(audit), number, size), "query_prefix": ""}
