"""Atom feeds (RFC 4287): what feed readers poll, built the same for everyone who asks.

A feed reader has no session, so feeds show what an anonymous visitor may see; the query still
goes through `allowed_query`, with anonymous principals. Every address in a feed is the public
one (`addresses`), whatever Host asked for it."""
import datetime
import hashlib
import re

# ElementTree writes the feeds; no received XML is ever parsed.
import xml.etree.ElementTree as ET  # nosec B405

from . import types
from .addresses import path_url, public_host, public_url, resource_url
from .calendar import ANONYMOUS
from .catalog.queries import allowed_query
from .security.sanitize import html_to_text

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml"
FEED_SIZE = 30
SUMMARY_LENGTH = 600
TAG_DATE = "2026"  # the tag URIs' date (RFC 4151): fixed forever, so ids never change
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def latest(catalog, query, size=FEED_SIZE):
    """The last `size` items published, as an anonymous visitor may see them."""
    results = allowed_query(catalog, ANONYMOUS, query).execute(resolver=catalog.get)
    ordered = results.sort(catalog.indexes["created"], reverse=True, limit=size)
    return [catalog.get(docid) for docid in ordered.all(resolve=False)]


def tag_uri(request, specific):
    """A stable, unique id: the site's host and an id that never changes (not the URL)."""
    return f"tag:{public_host(request.registry.settings)},{TAG_DATE}:{specific}"


def rfc3339(value):
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def shorten(text, limit=SUMMARY_LENGTH):
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _modified(obj):
    return getattr(obj, "modified", None) or getattr(obj, "created", None) or EPOCH


def summary_of(obj):
    """Plain text: what the kind's declaration puts first (an event's dates and place, a
    report's day), then the words."""
    declared = types.of(obj)
    lead = declared.feed_lead(obj) if declared is not None else ""
    parts = [lead] if lead else []
    for attr in ("summary", "description", "text", "body"):
        text = html_to_text(getattr(obj, attr, "") or "")
        if text:
            parts.append(text)
            break
    return shorten(" ".join(parts))


def _text(parent, tag, value, **attrs):
    element = ET.SubElement(parent, tag, attrs)
    element.text = _NOT_XML.sub("", value or "")
    return element


class Feed:
    """One feed: its head, its entries, the bytes, and the validators (ETag, Last-Modified)."""

    def __init__(self, request, feed_id, title, page_url, items, subtitle=""):
        self.request = request
        self.feed_id = feed_id
        self.title = title
        self.page_url = page_url
        self.items = items
        self.subtitle = subtitle

    @property
    def updated(self):
        dates = [_modified(obj) for obj in self.items]
        return max(dates) if dates else EPOCH

    @property
    def etag(self):
        """Changes when an entry comes, goes or changes; the same bytes give the same tag."""
        digest = hashlib.sha256(self.feed_id.encode())
        for obj in self.items:
            digest.update(f"|{obj.id}:{_modified(obj).timestamp()}".encode())
        digest.update(self.title.encode())
        return digest.hexdigest()[:32]

    def entry(self, feed, obj):
        request = self.request
        entry = ET.SubElement(feed, "entry")
        _text(entry, "title", obj.title, type="text")
        _text(entry, "id", tag_uri(request, f"{obj.kind}/{obj.id}"))
        _text(entry, "updated", rfc3339(_modified(obj)))
        declared = types.of(obj)
        published = getattr(obj, declared.published if declared else "created", None)
        if isinstance(published, datetime.datetime):
            _text(entry, "published", rfc3339(published))
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html",
                                      "href": resource_url(request, obj)})
        label = types.label(obj.kind)
        ET.SubElement(entry, "category", {"term": obj.kind, "label": label})
        for tag in getattr(obj, "tags", ()):
            ET.SubElement(entry, "category", {"term": tag})
        council = obj.__parent__ if declared is not None and declared.council_item else None
        if council is not None and getattr(council, "kind", None) == "council":
            author = ET.SubElement(entry, "author")
            _text(author, "name", council.title)
            _text(author, "uri", resource_url(request, council))
        summary = summary_of(obj)
        if summary:
            _text(entry, "summary", summary, type="text")

    def to_bytes(self):
        request = self.request
        site_name = request.registry.settings.get("conseils.site_name", "Conseils citoyens")
        feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "fr"})
        _text(feed, "title", self.title, type="text")
        if self.subtitle:
            _text(feed, "subtitle", self.subtitle, type="text")
        _text(feed, "id", self.feed_id)
        _text(feed, "updated", rfc3339(self.updated))
        ET.SubElement(feed, "link", {"rel": "self", "type": CONTENT_TYPE,
                                     "href": path_url(request)})
        ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html",
                                     "href": self.page_url})
        author = ET.SubElement(feed, "author")
        _text(author, "name", site_name)
        _text(author, "uri", public_url(request.registry.settings) + "/")
        _text(feed, "generator", site_name)
        for obj in self.items:
            self.entry(feed, obj)
        return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
