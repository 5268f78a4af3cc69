"""Task SCHEDULE values: parsing '<n> <unit>' and 'USING CRON ...' and finding the next run time.

Every datetime exchanged with the rest of snowsim is naive UTC. Rules come from docs: sql-reference/sql/create-task
(SCHEDULE parameter, cron notes, daylight saving time notes) and sql-reference/sql/alter-task (base interval time).
Where the docs are silent we follow what was observed on real accounts and say so in a comment.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

# The one sentence Snowflake gives for any malformed schedule. Non-doc: seen in public code that handles the real
# error (a Snowpark app matching on it, and an emulator's tests said to be checked against a live account).
INVALID_SCHEDULE = "Invalid schedule was specified. Please refer to the docs on what constitutes a valid schedule."
# Non-doc (same source as above); the errno/sqlstate pairs below are NOT verified.
TOO_SHORT = "Cannot set schedule less than 10 seconds."
TOO_LONG = "Cannot set schedule greater than 11,520 minutes."
NEVER_FIRES = "No valid time could be found under the schedule and/or interval specified"
SCHEDULE_ERRNO, SCHEDULE_SQLSTATE = 3083, "22023"  # not verified

MIN_INTERVAL_SECONDS = 10  # docs: { 10 - 691200 } SECONDS
MAX_INTERVAL_SECONDS = 691_200  # docs: 8 days = 11520 MINUTES = 192 HOURS

_UNIT_SECONDS = {
    "SECONDS": 1, "SECOND": 1, "S": 1,
    "MINUTES": 60, "MINUTE": 60, "M": 60,
    "HOURS": 3600, "HOUR": 3600, "H": 3600,
}  # fmt: skip
# '<num> <unit>': docs list HOURS|MINUTES|SECONDS plus HOUR, MINUTE, SECOND, H, M, S. Observed on a real account
# (non-doc): a leading '+' is accepted, '-' is not; exactly one whitespace character separates number and unit;
# trailing whitespace is allowed, leading whitespace is not; '5M' (no separator) is refused.
_INTERVAL = re.compile(r"\+?([0-9]+)[ \t\r\n]([A-Za-z]+)[ \t\r\n]*")


class InvalidScheduleError(ValueError):
    """A SCHEDULE value Snowflake refuses; carries Snowflake's errno, sqlstate and message."""

    def __init__(self, msg: str, errno: int = SCHEDULE_ERRNO, sqlstate: str = SCHEDULE_SQLSTATE) -> None:
        super().__init__(msg)
        self.errno, self.sqlstate, self.msg = errno, sqlstate, msg


@dataclass(frozen=True)
class IntervalSchedule:
    """'<n> {HOURS|MINUTES|SECONDS}': runs every `seconds`, counted from a base time (docs: create-task)."""

    text: str  # as written; SHOW TASKS shows it back unchanged
    seconds: int

    @property
    def interval(self) -> timedelta:
        """The wait between runs."""
        return timedelta(seconds=self.seconds)

    def next_after(self, base: datetime, after: datetime) -> datetime:
        """First base + k*interval (k >= 1) strictly after `after`; `base` is the RESUME / SET SCHEDULE time."""
        # docs: alter-task: '10 MINUTES' resumed at 9:03 runs 9:13, 9:23, ... The base itself is not a run time.
        if after < base:
            return base + self.interval
        k = (after - base) // self.interval + 1
        return base + k * self.interval


@dataclass(frozen=True)
class CronSchedule:
    """'USING CRON <min> <hour> <dom> <month> <dow> <time_zone>', evaluated in that zone (docs: create-task)."""

    text: str  # as written
    expression: str  # the five fields, single-spaced
    time_zone: str  # canonical IANA name
    _rule: _CronRule = field(repr=False, compare=False)

    def next_after(self, after: datetime) -> datetime:
        """First scheduled instant strictly after `after` (naive UTC in, naive UTC out), DST as Snowflake does it.

        A wall time repeated when clocks fall back runs twice; a wall time skipped when they spring forward does not
        run (docs: create-task, daylight saving notes). Resumed during a scheduled minute -> the next occurrence.
        """
        zone = self._rule.zone
        local = after.replace(tzinfo=UTC).astimezone(zone)
        wall = local.replace(tzinfo=None)
        best = self._first_instant(_floor_minute(wall) + _MINUTE, after, limit=None)
        if _is_first_pass_of_fold(local):
            # `after` lies in the first pass of a repeated hour: the second pass repeats earlier wall times whose
            # instants are still ahead of us, so look there too and keep the earliest.
            shift = local.utcoffset() - local.replace(fold=1).utcoffset()
            second = self._first_instant(_ceil_minute(wall - shift), after, limit=wall)
            if second is not None and second < best:
                best = second
        return best

    def _first_instant(self, start: datetime, after: datetime, limit: datetime | None) -> datetime | None:
        """Earliest UTC instant > after among matching wall times >= start (and <= limit when given)."""
        rule = self._rule
        wall = rule.next_wall(start)
        while limit is None or wall <= limit:
            for instant in _instants(wall, rule.zone):
                if instant > after:
                    return instant
            wall = rule.next_wall(wall + _MINUTE)
        return None


Schedule = IntervalSchedule | CronSchedule


def parse_schedule(text: str) -> Schedule:
    """Parse a SCHEDULE string value (the text inside the quotes); raises InvalidScheduleError like Snowflake."""
    words = text.split()
    if len(words) >= 2 and words[0].upper() == "USING" and words[1].upper() == "CRON":
        return _parse_cron(text, words[2:])
    match = _INTERVAL.fullmatch(text)
    if match is None or match.group(2).upper() not in _UNIT_SECONDS:
        raise InvalidScheduleError(INVALID_SCHEDULE)
    count = int(match.group(1))
    if count == 0 or count >= 2**63:  # docs: "positive integers only"; beyond 64 bits observed as invalid
        raise InvalidScheduleError(INVALID_SCHEDULE)
    seconds = count * _UNIT_SECONDS[match.group(2).upper()]
    if seconds < MIN_INTERVAL_SECONDS:
        raise InvalidScheduleError(TOO_SHORT)
    if seconds > MAX_INTERVAL_SECONDS:
        raise InvalidScheduleError(TOO_LONG)
    return IntervalSchedule(text=text, seconds=seconds)


# ---------------------------------------------------------------------------------------------------------------
# CRON. Why not croniter for the search: croniter cannot express Snowflake's 'nL' next to other day-of-week values
# ('1,5L') nor OR it with a day of month ('0 0 1 * 5L' fails to find a date), and its DST handling is not Snowflake's.
# The matcher below is small; tests check it against croniter wherever croniter can express the expression.
# ---------------------------------------------------------------------------------------------------------------

_MINUTE = timedelta(minutes=1)
_SEARCH_DAYS = 8 * 366 + 1  # reaches the next 29 February from any date
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_NUMBER = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class _CronRule:
    """The compiled five fields: sorted minutes/hours plus day predicates, and the zone."""

    zone: ZoneInfo
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    last_day: bool  # 'L' in day-of-month
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    last_weekdays: frozenset[int]  # 'nL' in day-of-week: the month's last such weekday
    days_restricted: bool
    weekdays_restricted: bool

    def day_matches(self, d: date) -> bool:
        """Whether the cron runs on this calendar day."""
        if d.month not in self.months:
            return False
        length = calendar.monthrange(d.year, d.month)[1]
        by_day = d.day in self.days or (self.last_day and d.day == length)
        weekday = (d.weekday() + 1) % 7
        by_weekday = weekday in self.weekdays or (weekday in self.last_weekdays and d.day + 7 > length)
        if self.days_restricted and self.weekdays_restricted:
            return by_day or by_weekday  # docs: "satisfying either the day of month or day of week"
        if self.days_restricted:
            return by_day
        if self.weekdays_restricted:
            return by_weekday
        return True

    def next_wall(self, start: datetime) -> datetime:
        """First matching local wall-clock minute >= start (naive, minute-aligned)."""
        d, hour, minute = start.date(), start.hour, start.minute
        for _ in range(_SEARCH_DAYS):
            if self.day_matches(d):
                for h in self.hours[bisect_left(self.hours, hour) :]:
                    i = bisect_left(self.minutes, minute if h == hour else 0)
                    if i < len(self.minutes):
                        return datetime.combine(d, time(h, self.minutes[i]))
            d, hour, minute = d + timedelta(days=1), 0, 0
        raise InvalidScheduleError(NEVER_FIRES)

    def can_fire(self) -> bool:
        """Whether some calendar day matches at all (e.g. '0 0 31 2 *' never does)."""
        if not self.days_restricted or self.weekdays_restricted:
            return True  # every month has every weekday, and '*' days match every day
        longest = {m: (29 if m == 2 else calendar.monthrange(2001, m)[1]) for m in self.months}
        return self.last_day or any(d <= longest[m] for m in self.months for d in self.days)


def _parse_cron(text: str, words: list[str]) -> CronSchedule:
    # Observed (non-doc): the last word is always taken as the zone, so '* * * * *' names zone '*'.
    if not words:
        raise InvalidScheduleError(INVALID_SCHEDULE)
    zone_name = _zone_names().get(words[-1].upper())
    if zone_name is None:
        raise InvalidScheduleError(
            f'Invalid schedule was specified. "{words[-1]}" is not a recognized time zone. '
            "Please specify time zones accepted by the TIMEZONE parameter."  # non-doc, seen as above
        )
    if len(words) != 6:
        raise InvalidScheduleError(INVALID_SCHEDULE)
    minute, hour, dom, month, dow = words[:5]
    days, last_day = _day_of_month(dom)
    weekdays, last_weekdays = _day_of_week(dow)
    rule = _CronRule(
        zone=ZoneInfo(zone_name),
        minutes=tuple(sorted(_field(minute, 0, 59))),
        hours=tuple(sorted(_field(hour, 0, 23))),
        days=frozenset(days),
        last_day=last_day,
        months=frozenset(_field(month, 1, 12, _MONTHS, 1)),
        weekdays=frozenset(weekdays),
        last_weekdays=frozenset(last_weekdays),
        # Observed (non-doc): only a bare '*' leaves a day field unrestricted; '*/2' counts as restricted.
        days_restricted=dom != "*",
        weekdays_restricted=dow != "*",
    )
    if not rule.can_fire():
        raise InvalidScheduleError(NEVER_FIRES)
    return CronSchedule(text=text, expression=" ".join(words[:5]), time_zone=zone_name, _rule=rule)


def _items(text: str) -> list[str]:
    items = text.split(",")
    if any(not item for item in items):  # '0,15,' or '1,,2'
        raise InvalidScheduleError(INVALID_SCHEDULE)
    return items


def _field(text: str, low: int, high: int, names: tuple[str, ...] = (), base: int = 0) -> set[int]:
    """Values of one field: '*', 'a', 'a-b', each optionally '/step' ('a/step' runs from a to the maximum)."""
    values: set[int] = set()
    for item in _items(text):
        values |= _item(item, low, high, names, base)
    return values


def _item(item: str, low: int, high: int, names: tuple[str, ...], base: int) -> set[int]:
    span, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not _NUMBER.fullmatch(step_text) or int(step_text) < 1:
            raise InvalidScheduleError(INVALID_SCHEDULE)
        step = int(step_text)
    if span == "*":
        first, last = low, high
    elif "-" in span:
        a, _, b = span.partition("-")
        first, last = _value(a, low, high, names, base), _value(b, low, high, names, base)
        if first > last:
            raise InvalidScheduleError(INVALID_SCHEDULE)
    else:
        first = _value(span, low, high, names, base)
        last = high if slash else first
    return set(range(first, last + 1, step))


def _value(text: str, low: int, high: int, names: tuple[str, ...], base: int) -> int:
    if _NUMBER.fullmatch(text):
        value = int(text)
    elif text.upper() in names:
        value = names.index(text.upper()) + base
    else:  # '?', 'W', '#', 'L-3', ... are not in Snowflake's subset
        raise InvalidScheduleError(INVALID_SCHEDULE)
    if not low <= value <= high:  # day-of-week is 0-6 only: 7 is refused (docs: create-task)
        raise InvalidScheduleError(INVALID_SCHEDULE)
    return value


def _day_of_month(text: str) -> tuple[set[int], bool]:
    """Day-of-month values plus whether 'L' (the month's last day) is listed."""
    days: set[int] = set()
    last = False
    for item in _items(text):
        if item.upper() == "L":
            last = True
        else:
            days |= _item(item, 1, 31, (), 0)
    return days, last


def _day_of_week(text: str) -> tuple[set[int], set[int]]:
    """Day-of-week values (0 = Sunday) plus the 'nL' / 'FRIL' last-weekday-of-month entries."""
    weekdays: set[int] = set()
    last: set[int] = set()
    for item in _items(text):
        if len(item) > 1 and item[-1] in "Ll":
            last.add(_value(item[:-1], 0, 6, _DAYS, 0))  # '5L', 'FRIL'; '1-5L' and '7L' are refused
        else:
            weekdays |= _item(item, 0, 6, _DAYS, 0)  # a bare 'L' is refused here
    return weekdays, last


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """IANA zone names keyed upper-case: Snowflake matches the zone without regard to case (non-doc, observed)."""
    return {name.upper(): name for name in available_timezones()}


# ---------------------------------------------------------------------------------------------------------------
# Wall clock <-> UTC
# ---------------------------------------------------------------------------------------------------------------


def _instants(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """The naive-UTC instants whose local time in `zone` is `wall`: none in a gap, two in a fold, else one."""
    found: list[datetime] = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            naive = instant.replace(tzinfo=None)
            if naive not in found:
                found.append(naive)
    return found


def _is_first_pass_of_fold(local: datetime) -> bool:
    """Whether this aware local time is the earlier of two instants sharing its wall time."""
    return local.fold == 0 and local.replace(fold=1).utcoffset() != local.utcoffset()


def _floor_minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def _ceil_minute(t: datetime) -> datetime:
    floor = _floor_minute(t)
    return floor if floor == t else floor + _MINUTE
