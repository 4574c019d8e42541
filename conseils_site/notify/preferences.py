"""What each person wants to receive: per channel (email, SMS) and kind of news, a frequency;
and whether to get the morning reminder of their council's events.

Kept on the account as `user.alert_preferences` (a PersistentMapping of the choices that differ
from nothing: a new account has none and gets the defaults). SMS count only when the person gave
a mobile number, proved it with a code (notify/sms.py `verified_mobile`) and ticked « alertes
par SMS » (`user.sms_alerts`): the SMS column is a wish until then."""
from persistent.mapping import PersistentMapping

from .. import types
from .sms import verified_mobile

CHANNELS = ("email", "sms")
CHANNEL_LABELS = {"email": "Par courriel", "sms": "Par SMS"}
# Each declared kind's category (types/declarations.py), then the working groups' activity.
_ALERTING = {}  # category: the first kind declaring it
for _declared in types.all_types():
    if _declared.alert_category:
        _ALERTING.setdefault(_declared.alert_category, _declared)
CATEGORIES = (*_ALERTING, "group")
CATEGORY_LABELS = {category: t.alert_label for category, t in _ALERTING.items()}
CATEGORY_LABELS["group"] = "Activité de mes groupes de travail"
IMMEDIATE, DAILY, WEEKLY, NEVER = "immediate", "daily", "weekly", "never"
FREQUENCIES = (IMMEDIATE, DAILY, WEEKLY, NEVER)
FREQUENCY_LABELS = {
    IMMEDIATE: "Immédiatement",
    DAILY: "Résumé quotidien (7 h 30)",
    WEEKLY: "Résumé hebdomadaire (lundi)",
    NEVER: "Jamais",
}
DEFAULTS = {(channel, category): chosen for category, t in _ALERTING.items()
            for channel, chosen in t.alert_defaults}
DEFAULTS.update({("email", "group"): DAILY, ("sms", "group"): NEVER})
REMINDER_DEFAULTS = {"email": True, "sms": True}


def sms_wanted(user):
    """The person gave a mobile number and asked for SMS alerts (proved or not yet)."""
    return bool(getattr(user, "sms_alerts", False) and getattr(user, "mobile", ""))


def sms_enabled(user):
    """SMS go only to people who asked for them, to a number a code proved was theirs."""
    return sms_wanted(user) and verified_mobile(user) is not None


def _stored(user):
    return getattr(user, "alert_preferences", None) or {}


def chosen_frequency(user, channel, category):
    """What the person chose (or the default), whether or not SMS can reach them yet."""
    return _stored(user).get(f"{channel}:{category}", DEFAULTS[(channel, category)])


def frequency(user, channel, category):
    """What actually happens: SMS choices count only once SMS are possible."""
    if channel == "sms" and not sms_enabled(user):
        return NEVER
    return chosen_frequency(user, channel, category)


def chosen_reminder(user, channel):
    return bool(_stored(user).get(f"reminder:{channel}", REMINDER_DEFAULTS[channel]))


def wants_reminder(user, channel):
    if channel == "sms" and not sms_enabled(user):
        return False
    return chosen_reminder(user, channel)


def set_preferences(user, frequencies, reminders):
    """`frequencies`: {(channel, category): frequency}; `reminders`: {channel: bool}."""
    stored = getattr(user, "alert_preferences", None)
    if stored is None:
        stored = user.alert_preferences = PersistentMapping()
    for (channel, category), value in frequencies.items():
        if value not in FREQUENCIES:
            raise ValueError(value)
        stored[f"{channel}:{category}"] = value
    for channel, value in reminders.items():
        stored[f"reminder:{channel}"] = bool(value)


def reset_sms(user):
    """Back to the default SMS choices: when someone turns SMS alerts on again."""
    stored = getattr(user, "alert_preferences", None)
    if stored is not None:
        for key in [k for k in stored if k.startswith("sms:") or k == "reminder:sms"]:
            del stored[key]


def stop_email(user, what):
    """One-click unsubscribe: 'alertes' stops every email alert and digest, 'rappels' the
    morning reminders by email."""
    if what == "alertes":
        set_preferences(user, {("email", c): NEVER for c in CATEGORIES}, {})
    elif what == "rappels":
        set_preferences(user, {}, {"email": False})
    else:
        raise ValueError(what)


def summary(user):
    """The choices in French, for « Télécharger mes données »."""
    return {
        "alertes": {CATEGORY_LABELS[c]: {CHANNEL_LABELS[ch]: FREQUENCY_LABELS[
            chosen_frequency(user, ch, c)] for ch in CHANNELS} for c in CATEGORIES},
        "rappels_du_matin": {CHANNEL_LABELS[ch]: chosen_reminder(user, ch) for ch in CHANNELS},
        "sms_possibles": sms_enabled(user),
    }
