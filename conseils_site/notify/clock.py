"""The one clock of notifications, in UTC, and the Paris hours that decide when things leave.

Everything here reads `now()` at call time, so a test moves time by replacing it:
`monkeypatch.setattr(clock, "now", lambda: ...)`. Stored times are aware UTC datetimes; the
rules (quiet hours, digests at 07:30, months of the SMS cap) are about Paris time."""
import datetime

from ..resources.content import PARIS

UTC = datetime.UTC
QUIET_START = datetime.time(21, 0)  # no SMS from 21:00 ...
QUIET_END = datetime.time(8, 0)  # ... to 08:00, Paris time: they are held until 08:00
DIGEST_TIME = datetime.time(7, 30)  # daily digests, and the weekly one on Mondays


def now():
    return datetime.datetime.now(UTC)


def paris(moment=None):
    return (moment or now()).astimezone(PARIS)


def is_quiet(moment=None):
    """Whether an SMS must wait: between 21:00 and 08:00 in Paris."""
    local = paris(moment).time()
    return local >= QUIET_START or local < QUIET_END


def end_of_quiet(moment=None):
    """When held SMS may leave: the next 08:00 in Paris (as UTC); `moment` itself if not quiet."""
    moment = moment or now()
    if not is_quiet(moment):
        return moment
    local = paris(moment)
    day = local.date() if local.time() < QUIET_END else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, QUIET_END, PARIS).astimezone(UTC)


def month_key(moment=None):
    """The Paris month a moment falls in, « 2030-06 »: the period of the SMS cap."""
    return paris(moment).strftime("%Y-%m")


def paris_day(moment=None):
    return paris(moment).date()


def day_bounds(day):
    """[start, end) of a Paris calendar day, as UTC datetimes."""
    start = datetime.datetime.combine(day, datetime.time(0), PARIS)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), PARIS)
    return start.astimezone(UTC), end.astimezone(UTC)
