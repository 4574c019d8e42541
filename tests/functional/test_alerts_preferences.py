"""« Mes alertes » in « Mon profil »: a frequency per channel and kind, the morning reminders,
French errors that keep what was chosen, and sensible defaults."""
import html
import json

from conseils_site.scripts import open_registry_root
from tests.functional.test_alerts import frozen, mail_server, sms_provider, world  # noqa: F401 (fixtures)


def prefs(world, who):
    with open_registry_root(world.wsgi.registry) as (root, tm):
        user = root.users[world.ids[who]]
        return dict(getattr(user, "alert_preferences", None) or {}), user.sms_alerts


def test_the_grid_shows_the_defaults_and_saves_the_choices(world):
    member = world.app("membre_a")
    page = member.get("/mon-profil")
    text = html.unescape(page.text)
    assert "Mes alertes" in text and "Les SMS sont désactivés" in text
    form = page.forms["mes-alertes"]
    assert form["email_document"].value == "immediate"
    assert form["email_group"].value == "daily"
    assert form["sms_document"].value == "never"  # no mobile: SMS off
    assert form["reminder_email"].checked and not form["reminder_sms"].checked
    event_row = text[text.index("<legend class=\"group-label\">Événements de mon conseil"):]
    assert f'<label for="{form["sms_event"].id}" class="sub-label">Par SMS</label>' in event_row
    assert [value for value, _, _ in form["email_forum"].options] == [
        "immediate", "daily", "weekly", "never"]
    assert "Résumé quotidien (7 h 30)" in text and "Résumé hebdomadaire (lundi)" in text

    form["email_document"] = "daily"
    form["email_group"] = "weekly"
    form["reminder_email"] = False
    saved = form.submit(status=303)
    assert saved.location.endswith("/mon-profil#alertes")
    page = saved.follow()
    assert "Vos préférences d'alertes sont enregistrées." in html.unescape(page.text)
    assert page.forms["mes-alertes"]["email_document"].value == "daily"
    stored, sms = prefs(world, "membre_a")
    assert stored["email:document"] == "daily" and stored["email:group"] == "weekly"
    assert stored["reminder:email"] is False and sms is False


def test_sms_choices_need_a_mobile_and_errors_keep_the_choices(world):
    member = world.app("membre_a")
    form = member.get("/mon-profil").forms["mes-alertes"]
    form["email_event"] = "weekly"
    form["sms_event"] = "immediate"
    page = form.submit(status=400)
    assert "indiquez d'abord votre numéro de mobile" in html.unescape(page.text)
    form = page.forms["mes-alertes"]
    assert form["email_event"].value == "weekly" and form["sms_event"].value == "immediate"
    assert "email:event" not in prefs(world, "membre_a")[0]  # nothing saved

    profile = page.forms["profil"]
    profile["mobile"] = "06 12 34 56 78"
    profile.submit(status=303)
    form = member.get("/mon-profil").forms["mes-alertes"]
    form["sms_event"] = "immediate"
    form["reminder_sms"] = True
    form.submit(status=303)
    stored, sms = prefs(world, "membre_a")
    assert stored["sms:event"] == "immediate" and stored["reminder:sms"] is True and sms is True

    # SMS turned off in the profile: the grid says « Jamais », as it happens.
    profile = member.get("/mon-profil").forms["profil"]
    profile["sms_alerts"] = False
    profile.submit(status=303)
    form = member.get("/mon-profil").forms["mes-alertes"]
    assert form["sms_event"].value == "never" and not form["reminder_sms"].checked


def test_someone_who_asked_for_sms_at_registration_gets_the_sms_defaults(world):
    form = world.app("autre_a").get("/mon-profil").forms["mes-alertes"]  # mobile and SMS alerts
    assert form["sms_document"].value == "immediate"
    assert form["sms_forum"].value == "never"
    assert form["reminder_sms"].checked


def test_my_data_says_my_alert_choices(world):
    member = world.app("autre_a")
    data = json.loads(member.get("/mon-profil/donnees").body.decode("utf-8"))
    alerts = data["alertes"]
    assert alerts["alertes"]["Documents de mon conseil"] == {"Par courriel": "Immédiatement",
                                                             "Par SMS": "Immédiatement"}
    assert alerts["alertes"]["Activité de mes groupes de travail"]["Par courriel"] == \
        "Immédiatement"  # chosen in the fixture
    assert alerts["rappels_du_matin"] == {"Par courriel": True, "Par SMS": True}
    assert "alert_preferences" not in json.dumps(data)
