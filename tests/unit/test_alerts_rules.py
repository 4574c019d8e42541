"""The rules of notifications, one by one: quiet hours, one SMS, digests' moments, preferences,
what alerts and what does not, the letter's revue de presse, signed links."""
import datetime
from types import SimpleNamespace

import pytest

from conseils_site.forms.newsletter import parse_departements, parse_press, press_text
from conseils_site.notify import clock
from conseils_site.notify.alerts import alert_family, item_key, signature
from conseils_site.notify.digests import periods_due
from conseils_site.notify.links import read_unsubscribe_token, unsubscribe_token
from conseils_site.notify.mail import list_headers
from conseils_site.notify.preferences import (
    DAILY,
    IMMEDIATE,
    NEVER,
    WEEKLY,
    frequency,
    set_preferences,
    stop_email,
    wants_reminder,
)
from conseils_site.notify.sms import fit_sms, gsm_length, gsm_text
from conseils_site.notify.store import AlertCenter, DigestEntry, PendingAlert
from conseils_site.resources.content import PARIS
from conseils_site.security.tokens import TokenError

UTC = datetime.UTC


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS).astimezone(UTC)


@pytest.mark.parametrize("hour, minute, quiet", [
    (20, 59, False), (21, 0, True), (23, 30, True), (0, 0, True), (7, 59, True), (8, 0, False),
    (12, 0, False)])
def test_quiet_hours_are_21_to_8_in_paris(hour, minute, quiet):
    assert clock.is_quiet(paris(2031, 6, 4, hour, minute)) is quiet
    assert clock.is_quiet(paris(2031, 1, 15, hour, minute)) is quiet  # winter time too


def test_held_sms_leave_at_the_next_8_oclock():
    assert clock.end_of_quiet(paris(2031, 6, 4, 22, 0)) == paris(2031, 6, 5, 8, 0)
    assert clock.end_of_quiet(paris(2031, 6, 5, 6, 0)) == paris(2031, 6, 5, 8, 0)
    noon = paris(2031, 6, 5, 12, 0)
    assert clock.end_of_quiet(noon) == noon
    assert clock.end_of_quiet(paris(2031, 3, 29, 23, 0)) == paris(2031, 3, 30, 8, 0)  # DST night


def test_months_and_days_are_paris_ones():
    assert clock.month_key(paris(2031, 7, 1, 0, 30)) == "2031-07"  # 22:30 UTC on June 30
    start, end = clock.day_bounds(datetime.date(2031, 6, 4))
    assert (start, end) == (paris(2031, 6, 4, 0, 0), paris(2031, 6, 5, 0, 0))


def test_an_sms_is_one_gsm_message():
    assert gsm_text("« Fête » à l'école — c'est ça…") == '"Fete" à l\'école - c\'est ca...'
    assert gsm_length("[1€]") == 7  # the extension table counts twice
    short = fit_sms("Réunion ce soir", "https://x.fr/i/abc")
    assert short == "Réunion ce soir https://x.fr/i/abc"
    link = "https://conseils-citoyens.fr/i/0123456789ab"
    text = fit_sms("Conseil des Tilleuls : nouveau document " + "très long titre " * 20, link)
    assert gsm_length(text) <= 160 and text.endswith("... " + link)
    assert "très long titre" in text
    with pytest.raises(ValueError):
        fit_sms("x", "https://" + "l" * 160)


def test_preferences_defaults_and_sms_only_with_a_mobile():
    user = SimpleNamespace(mobile="", sms_alerts=False)
    assert frequency(user, "email", "document") == IMMEDIATE
    assert frequency(user, "email", "group") == DAILY
    assert frequency(user, "sms", "document") == NEVER
    assert wants_reminder(user, "email") and not wants_reminder(user, "sms")
    user.mobile, user.sms_alerts = "+33612345678", True
    assert frequency(user, "sms", "document") == NEVER  # a number nobody proved yet
    user.mobile_verified = "+33612345678"
    assert frequency(user, "sms", "document") == IMMEDIATE
    assert frequency(user, "sms", "forum") == NEVER
    set_preferences(user, {("sms", "forum"): WEEKLY}, {"sms": False})
    assert frequency(user, "sms", "forum") == WEEKLY and not wants_reminder(user, "sms")
    with pytest.raises(ValueError):
        set_preferences(user, {("email", "event"): "toujours"}, {})
    stop_email(user, "alertes")
    assert {frequency(user, "email", c) for c in ("document", "forum", "group")} == {NEVER}
    assert frequency(user, "sms", "document") == IMMEDIATE  # SMS untouched
    stop_email(user, "rappels")
    assert not wants_reminder(user, "email")


def test_digests_leave_after_07_30_daily_and_on_mondays():
    center = AlertCenter()
    wednesday = paris(2031, 6, 4, 7, 29)
    assert [p for p, _, _ in periods_due(center, wednesday)] == [WEEKLY]  # Monday's, missed
    due = periods_due(center, paris(2031, 6, 4, 7, 30))
    assert [(p, d) for p, d, _ in due] == [(DAILY, "2031-06-04"), (WEEKLY, "2031-06-02")]
    assert due[1][2] == datetime.datetime(2031, 6, 2, 7, 30, tzinfo=PARIS)  # its cutoff
    center.digest_runs[DAILY], center.digest_runs[WEEKLY] = "2031-06-04", "2031-06-02"
    assert periods_due(center, paris(2031, 6, 4, 18, 0)) == []
    assert [p for p, _, _ in periods_due(center, paris(2031, 6, 9, 7, 31))] == [DAILY, WEEKLY]
    assert [p for p, _, _ in periods_due(center, paris(2031, 6, 9, 7, 0))] == []


def test_changes_to_an_item_join_one_pending_alert_and_one_digest_line():
    first = paris(2031, 6, 4, 10, 0)
    pending = PendingAlert("id:x", object(), True, first, "u1")
    pending.merge(False, first + datetime.timedelta(minutes=5), "u2")
    pending.merge(False, first + datetime.timedelta(minutes=9), "u1")
    assert pending.added and pending.changes == 3 and pending.actor_ids == ("u1", "u2")
    center = AlertCenter()
    for _ in range(2):
        center.add_to_digest("u3", "email", DAILY, DigestEntry("id:x", None, "document", True,
                                                               first))
    assert len(center.digests[("u3", "email", DAILY)]) == 1
    center.count_sms("u3", "2031-05")
    center.count_sms("u3", "2031-06")
    center.forget_sms_counts("2031-06")
    assert list(center.sms_counts.items()) == [(("2031-06", "u3"), 1)]


def test_what_alerts():
    assert alert_family(SimpleNamespace(kind="document", council_id="c1")) == "council"
    assert alert_family(SimpleNamespace(kind="forum_reply")) == "forum"
    assert alert_family(SimpleNamespace(kind="forum_topic", group_id="g1", author_id="u")) == \
        "group"
    assert alert_family(SimpleNamespace(kind="forum_topic", group_id=None, author_id="u")) is None
    assert alert_family(SimpleNamespace(kind="user")) is None
    assert alert_family(SimpleNamespace(kind=None)) is None
    assert alert_family(SimpleNamespace(kind="group", council_ids=())) is None
    assert item_key(SimpleNamespace(id="abc")) == "id:abc"
    assert item_key(SimpleNamespace(_docid=12)) == "doc:12"


def test_only_visible_changes_change_the_signature():
    doc = SimpleNamespace(title="A", visibility="conseil", description="<p>x</p>", body="v1",
                          attachments=lambda: [])
    before = signature(doc)
    doc.body = "v2"  # a collaborative text being typed
    assert signature(doc) == before
    doc.visibility = "public"
    assert signature(doc) != before


def test_the_revue_de_presse_as_typed():
    links = parse_press("https://a.fr/1\nTitre un\nUn commentaire\nsur deux lignes.\n\n\n"
                        "http://b.fr/2\r\n\r\nhttps://c.fr/3\nTitre trois")
    assert links == [
        {"url": "https://a.fr/1", "title": "Titre un",
         "comment": "Un commentaire sur deux lignes."},
        {"url": "http://b.fr/2", "title": "", "comment": ""},
        {"url": "https://c.fr/3", "title": "Titre trois", "comment": ""}]
    assert parse_press(press_text(links)) == links
    assert parse_press("") == []
    with pytest.raises(ValueError, match="Lien 2 : « Titre » n'est pas une adresse web"):
        parse_press("https://a.fr\n\nTitre\nhttps://b.fr")


def test_departements_as_typed():
    assert parse_departements("42, 69 2a;974") == ["42", "69", "2A", "974"]
    assert parse_departements("1, 01") == ["01"]
    with pytest.raises(ValueError, match="Départements inconnus : 99, 20"):
        parse_departements("99 42 20")


def test_unsubscribe_tokens_are_signed_and_scoped():
    settings = {"conseils.session_secret": "s"}
    token = unsubscribe_token(settings, "lettre", "camille@exemple.org")
    assert read_unsubscribe_token(settings, token) == ("lettre", "camille@exemple.org")
    with pytest.raises(TokenError):
        read_unsubscribe_token({"conseils.session_secret": "autre"}, token)
    with pytest.raises(TokenError):
        read_unsubscribe_token(settings, token[:-2])
    with pytest.raises(ValueError):
        unsubscribe_token(settings, "tout", "x")


def test_list_headers_are_one_click():
    assert list_headers("https://x.fr/desabonnement?jeton=a") == {
        "List-Unsubscribe": "<https://x.fr/desabonnement?jeton=a>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    for bad in ("mailto:x@y.fr", "https://x.fr/a b", "https://x.fr/é"):
        with pytest.raises(ValueError):
            list_headers(bad)
