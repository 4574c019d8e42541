"""« Mes alertes » in « Mon profil »: a frequency per channel and kind of news, and the morning
reminders. The grid is one deform mapping (templates/profile_alerts_choices.pt), a fieldset per kind:
a select per channel, each with its own label."""
import colander
import deform

from ..notify.preferences import (
    CATEGORIES,
    CATEGORY_LABELS,
    CHANNELS,
    FREQUENCIES,
    FREQUENCY_LABELS,
    frequency,
    wants_reminder,
)
from .render import CSRFSchema

GRID = "conseils_site:templates/profile_alerts_choices.pt"
CELL_CHANNELS = {"email": "par courriel", "sms": "par SMS"}


def cell_name(channel, category):
    return f"{channel}_{category}"


def frequency_grid():
    grid = colander.SchemaNode(colander.Mapping(), name="frequencies", title="Quand me prévenir",
                               widget=deform.widget.MappingWidget(template=GRID))
    for category in CATEGORIES:
        for channel in CHANNELS:
            grid.add(colander.SchemaNode(
                colander.String(), name=cell_name(channel, category),
                title=f"{CATEGORY_LABELS[category]} — {CELL_CHANNELS[channel]}",
                missing=None, validator=colander.OneOf(FREQUENCIES),
                widget=deform.widget.SelectWidget(
                    values=[(f, FREQUENCY_LABELS[f]) for f in FREQUENCIES])))
    return grid


class AlertsSchema(CSRFSchema):
    frequencies = frequency_grid()
    reminder_email = colander.SchemaNode(
        colander.Boolean(), missing=False, widget=deform.widget.CheckboxWidget(),
        title="Le matin d'un événement de mon conseil, un rappel par courriel (7 h 30)")
    reminder_sms = colander.SchemaNode(
        colander.Boolean(), missing=False, widget=deform.widget.CheckboxWidget(),
        title="Le matin d'un événement de mon conseil, un rappel par SMS (8 h)")


def initial_alerts(user):
    """What actually happens: the SMS column says « Jamais » while SMS cannot reach the person,
    so saving the grid never turns SMS on behind their back."""
    return {"frequencies": {cell_name(channel, category): frequency(user, channel, category)
                            for category in CATEGORIES for channel in CHANNELS},
            "reminder_email": wants_reminder(user, "email"),
            "reminder_sms": wants_reminder(user, "sms")}


def chosen(appstruct):
    """({(channel, category): frequency}, {channel: bool}) from the validated form; a cell left
    empty (a hand-made post) keeps the current choice."""
    frequencies = {}
    for category in CATEGORIES:
        for channel in CHANNELS:
            value = appstruct["frequencies"].get(cell_name(channel, category))
            if value:
                frequencies[(channel, category)] = value
    return frequencies, {"email": appstruct["reminder_email"], "sms": appstruct["reminder_sms"]}
