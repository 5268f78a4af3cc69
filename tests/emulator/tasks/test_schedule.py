"""Task SCHEDULE parsing and next-run semantics (interval and CRON, time zones, DST)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from croniter import croniter
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from snowsim.emulator.tasks.schedule import (
    INVALID_SCHEDULE,
    NEVER_FIRES,
    TOO_LONG,
    TOO_SHORT,
    CronSchedule,
    IntervalSchedule,
    InvalidScheduleError,
    parse_schedule,
)

LA = "America/Los_Angeles"


def refusal(text: str) -> str:
    with pytest.raises(InvalidScheduleError) as info:
        parse_schedule(text)
    return info.value.msg


def runs(schedule: CronSchedule, after: datetime, count: int) -> list[datetime]:
    out = []
    for _ in range(count):
        after = schedule.next_after(after)
        out.append(after)
    return out


def cron(text: str) -> CronSchedule:
    schedule = parse_schedule("USING CRON " + text)
    assert isinstance(schedule, CronSchedule)
    return schedule


# -- interval: '<num> { HOURS | MINUTES | SECONDS }' -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10 m", 600),
        ("60 M", 3600),
        ("5 MINUTES", 300),
        ("1 minute", 60),
        ("2 HOURS", 7200),
        ("1 HOUR", 3600),
        ("1 h", 3600),
        ("90 SECONDS", 90),
        ("10 SECOND", 10),
        ("90 S", 90),
    ],
)
def test_interval_units_and_notations(text: str, seconds: int) -> None:
    """docs: create-task — HOURS|MINUTES|SECONDS, also HOUR, MINUTE, SECOND and H, M, S, any case."""
    schedule = parse_schedule(text)
    assert schedule == IntervalSchedule(text=text, seconds=seconds)


@pytest.mark.parametrize("text", ["+5 M", "10\tMINUTE", "10\nMINUTE", "10 MINUTE  "])
def test_interval_accepts_plus_sign_single_whitespace_and_trailing_blanks(text: str) -> None:
    """Observed on a real account (non-doc): '+n', one tab/newline as separator, trailing blanks; text kept as written."""
    schedule = parse_schedule(text)
    assert isinstance(schedule, IntervalSchedule)
    assert schedule.text == text


@pytest.mark.parametrize(
    "text",
    ["5MINUTE", "5M", " 5 MINUTES", "5  MINUTES", "-5 MINUTES", "0 MINUTES", "+0 MINUTES", "0 H", "1 DAY", "1 MINS",
     "1 SEC", "1 HR", "1.5 HOURS", "", "MINUTES", "five MINUTES", "99999999999999999999 MINUTES"],
)  # fmt: skip
def test_malformed_intervals_get_the_invalid_schedule_sentence(text: str) -> None:
    """docs: create-task — positive integers only and the listed units; no separator/extra blanks refused (observed)."""
    assert refusal(text) == INVALID_SCHEDULE


def test_interval_range_limits() -> None:
    """docs: create-task — { 10 - 691200 } SECONDS, { 1 - 11520 } MINUTES, { 1-192 } HOURS."""
    for text in ("10 SECONDS", "691200 SECONDS", "1 MINUTE", "11520 MINUTES", "1 HOUR", "192 HOURS"):
        assert isinstance(parse_schedule(text), IntervalSchedule)
    for text in ("9 SECONDS", "1 S"):
        assert refusal(text) == TOO_SHORT
    for text in ("691201 SECONDS", "11521 MINUTES", "11521 M", "193 H", "99999999999 MINUTES"):
        assert refusal(text) == TOO_LONG


def test_interval_counts_from_the_base_time() -> None:
    """docs: alter-task / create-task — '10 MINUTES' resumed at 9:03 runs at 9:13, 9:23, and so on."""
    schedule = parse_schedule("10 MINUTES")
    base = datetime(2026, 5, 4, 9, 3)
    assert schedule.next_after(base, base) == datetime(2026, 5, 4, 9, 13)
    assert schedule.next_after(base, datetime(2026, 5, 4, 9, 13)) == datetime(2026, 5, 4, 9, 23)
    assert schedule.next_after(base, datetime(2026, 5, 4, 9, 14, 30)) == datetime(2026, 5, 4, 9, 23)
    assert schedule.next_after(base, datetime(2026, 5, 4, 8, 0)) == datetime(2026, 5, 4, 9, 13)
    seconds = parse_schedule("45 SECONDS")
    assert seconds.next_after(base, base + timedelta(hours=1)) == base + timedelta(seconds=45 * 81)


# -- CRON: parsing ---------------------------------------------------------------------------------------------


def test_cron_fields_and_zone_are_kept() -> None:
    """docs: create-task — 'USING CRON <expr> <time_zone>'; the text is kept as written, the zone in IANA spelling."""
    schedule = parse_schedule("USING CRON  0 9-17 * * SUN America/Los_Angeles")
    assert isinstance(schedule, CronSchedule)
    assert schedule.text == "USING CRON  0 9-17 * * SUN America/Los_Angeles"
    assert schedule.expression == "0 9-17 * * SUN"
    assert schedule.time_zone == LA
    assert parse_schedule("using cron 0 0 * * * utc").time_zone == "UTC"  # zone matched in any case (observed)


def test_cron_zone_must_be_a_tz_database_name() -> None:
    """docs: create-task — the zone is a tz database name; the last word is always read as the zone (observed)."""
    sentence = 'Invalid schedule was specified. "{}" is not a recognized time zone. Please specify time zones accepted by the TIMEZONE parameter.'  # noqa: E501
    assert refusal("USING CRON * * * * *") == sentence.format("*")
    assert refusal("USING CRON 0 0 * * * Mars/Phobos") == sentence.format("Mars/Phobos")
    assert refusal("USING CRON 0 0 * * * +01:00") == sentence.format("+01:00")
    assert refusal("USING CRON 0 0 * * * PST") == sentence.format("PST")


@pytest.mark.parametrize(
    "expr",
    ["0 0 ? * *", "*/0 * * * *", "10-5 * * * *", "0 0 L-3 * *", "0 24 * * *", "0 0 1 13 *", "0 0 1 0 *",
     "0 0 0 * *", "0 0 * * 1-5L", "0 0 * * 7L", "0,15, * * * *", "* * * * * *", "0 0 * * 7", "0 0 * * 1#2",
     "0 0 15W * *", "61 * * * *", "0 0 32 * *", "0 0 * * 8", "0 0 * * L", "* * *", "0 0 * FOO *", "a * * * *"],
)  # fmt: skip
def test_cron_outside_snowflakes_subset_is_refused(expr: str) -> None:
    """docs: create-task — fields minute 0-59, hour 0-23, dom 1-31 or L, month 1-12/JAN-DEC, dow 0-6/SUN-SAT or L."""
    assert refusal(f"USING CRON {expr} UTC") == INVALID_SCHEDULE


def test_cron_that_can_never_run_is_refused() -> None:
    """A well-formed expression naming no day at all (31 February) is refused (non-doc wording, observed)."""
    assert refusal("USING CRON 0 0 31 2 * UTC") == NEVER_FIRES
    assert refusal("USING CRON 0 0 31 4,6 * UTC") == NEVER_FIRES
    assert cron("0 0 29 2 * UTC").next_after(datetime(2026, 3, 1)) == datetime(2028, 2, 29)


# -- CRON: next run ---------------------------------------------------------------------------------------------

FRI = datetime(2026, 9, 11, 13, 10, 17)  # a Friday


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("* * * * * UTC", datetime(2026, 9, 11, 13, 11)),
        ("0/5 * * * * UTC", datetime(2026, 9, 11, 13, 15)),
        ("5 * * * * UTC", datetime(2026, 9, 11, 14, 5)),
        ("30 3 * * * UTC", datetime(2026, 9, 12, 3, 30)),
        ("0 6,18 * * * UTC", datetime(2026, 9, 11, 18, 0)),
        ("0 3 * * MON-FRI UTC", datetime(2026, 9, 14, 3, 0)),
        ("0 0 1 * * UTC", datetime(2026, 10, 1)),
        ("0 0 L * * UTC", datetime(2026, 9, 30)),
        ("0 3 * * * America/Los_Angeles", datetime(2026, 9, 12, 10, 0)),  # 3 a.m. PDT
        ("30 9 * * 1-5 America/Los_Angeles", datetime(2026, 9, 11, 16, 30)),
        ("0 6 * * MON-FRI Europe/Warsaw", datetime(2026, 9, 14, 4, 0)),
        ("0 0 * * * Etc/GMT+5", datetime(2026, 9, 12, 5, 0)),
        ("0 0 * * 5L UTC", datetime(2026, 9, 25)),
        ("0 0 * * fril UTC", datetime(2026, 9, 25)),
        ("0 0 1,L * * UTC", datetime(2026, 9, 30)),
        ("*/7 * * * * UTC", datetime(2026, 9, 11, 13, 14)),
        ("10-40/10 * * * * UTC", datetime(2026, 9, 11, 13, 20)),
        ("*/61 * * * * UTC", datetime(2026, 9, 11, 14, 0)),
        ("0 0 * jan-dec/2 * UTC", datetime(2026, 9, 12)),
    ],
)
def test_cron_next_run(expr: str, expected: datetime) -> None:
    """docs: create-task — the timing examples table and the field syntax (*, lists, ranges, /n, L, names)."""
    assert cron(expr).next_after(FRI) == expected


def test_slash_n_restarts_each_year() -> None:
    """docs: create-task — '4/3' in the month field runs April, July, October, and not January."""
    assert runs(cron("0 0 1 4/3 * UTC"), datetime(2026, 1, 1), 4) == [
        datetime(2026, 4, 1), datetime(2026, 7, 1), datetime(2026, 10, 1), datetime(2027, 4, 1)
    ]  # fmt: skip


def test_day_of_month_or_day_of_week() -> None:
    """docs: create-task — '0 0 10-20 * TUE,THU' runs on the 10th-20th and on any Tuesday or Thursday."""
    got = runs(cron("0 0 10-20 * TUE,THU UTC"), datetime(2026, 8, 31, 12), 14)
    expected = [datetime(2026, 9, d) for d in (1, 3, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)]
    assert got == expected
    # observed (non-doc): a stepped '*/2' day of month counts as restricted, so it is OR-ed with MON too
    assert cron("0 0 */2 * MON UTC").next_after(datetime(2026, 9, 11, 13, 14)) == datetime(2026, 9, 13)
    assert cron("0 0 1 * 5L UTC").next_after(datetime(2026, 9, 2)) == datetime(2026, 9, 25)


def test_resumed_during_the_scheduled_minute_runs_at_the_next_occurrence() -> None:
    """docs: create-task — resumed at 00:00:05 with 'USING CRON 0 0 * * *' -> first run the following midnight."""
    daily = cron("0 0 * * * UTC")
    assert daily.next_after(datetime(2026, 6, 1, 0, 0, 5)) == datetime(2026, 6, 2)
    assert daily.next_after(datetime(2026, 6, 1, 0, 0, 0)) == datetime(2026, 6, 2)
    assert daily.next_after(datetime(2026, 5, 31, 23, 59, 59, 999999)) == datetime(2026, 6, 1)


def test_fall_back_runs_a_1am_task_twice() -> None:
    """docs: create-task (DST notes) — '0 1 * * * America/Los_Angeles' runs twice on 2026-11-01 (PDT then PST)."""
    got = runs(cron("0 1 * * * America/Los_Angeles"), datetime(2026, 10, 31, 0, 0), 4)
    assert got == [
        datetime(2026, 10, 31, 8, 0),  # 1:00 PDT
        datetime(2026, 11, 1, 8, 0),  # 1:00 PDT
        datetime(2026, 11, 1, 9, 0),  # 1:00 PST, again
        datetime(2026, 11, 2, 9, 0),  # 1:00 PST
    ]


def test_spring_forward_skips_a_2am_task() -> None:
    """docs: create-task (DST notes) — '0 2 * * * America/Los_Angeles' does not run on 2026-03-08."""
    got = runs(cron("0 2 * * * America/Los_Angeles"), datetime(2026, 3, 7, 0, 0), 3)
    assert got == [
        datetime(2026, 3, 7, 10, 0),  # 2:00 PST
        datetime(2026, 3, 9, 9, 0),  # 2:00 PDT; 2026-03-08 02:00 never happened
        datetime(2026, 3, 10, 9, 0),
    ]
    half = runs(cron("30 1-3 * * * America/Los_Angeles"), datetime(2026, 3, 8, 8, 0), 3)
    assert half == [datetime(2026, 3, 8, 9, 30), datetime(2026, 3, 8, 10, 30), datetime(2026, 3, 9, 8, 30)]


def test_repeated_hour_runs_each_wall_time_twice_in_instant_order() -> None:
    """docs: create-task (DST notes) — every minute of the repeated 1 a.m. hour runs in both passes."""
    got = runs(cron("*/20 1 * * * America/Los_Angeles"), datetime(2026, 11, 1, 7, 0), 7)
    assert got == [datetime(2026, 11, 1, 8, m) for m in (0, 20, 40)] + [
        datetime(2026, 11, 1, 9, m) for m in (0, 20, 40)
    ] + [datetime(2026, 11, 2, 9, 0)]  # fmt: skip
    # from inside the first pass, the second pass's earlier wall times are still ahead
    assert cron("0 1 * * * America/Los_Angeles").next_after(datetime(2026, 11, 1, 8, 30)) == datetime(2026, 11, 1, 9)


def test_every_minute_across_both_2026_changes_is_continuous_in_utc() -> None:
    """Every-minute schedules see no gap or repeat in UTC: DST only moves wall-clock runs (docs: create-task)."""
    every = cron("* * * * * America/Los_Angeles")
    for start in (datetime(2026, 3, 8, 9, 30), datetime(2026, 11, 1, 8, 30)):
        got = runs(every, start, 90)
        assert got == [start + timedelta(minutes=i + 1) for i in range(90)]


# -- CRON: cross-check against croniter, and speed ----------------------------------------------------------------


def _field(low: int, high: int) -> st.SearchStrategy[str]:
    value = st.integers(low, high).map(str)
    # a-a ranges are left out: croniter reads a one-value day-of-week range '0-0' as every day
    span = st.tuples(st.integers(low, high - 1), st.integers(1, high - low)).map(
        lambda t: f"{t[0]}-{min(t[0] + t[1], high)}"
    )
    # '*/1' is left out: croniter reads it as a bare '*' (unrestricted day field); we treat it like '*/2' (restricted)
    stepped = st.tuples(st.sampled_from(["*", f"{low}-{high}"]), st.integers(2, 12)).map(lambda t: f"{t[0]}/{t[1]}")
    item = st.one_of(value, span, stepped)
    return st.one_of(st.just("*"), st.lists(item, min_size=1, max_size=3).map(",".join))


@settings(max_examples=150, deadline=None)
@given(
    minute=_field(0, 59), hour=_field(0, 23), dom=_field(1, 28), month=_field(1, 12), dow=_field(0, 6),
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
)  # fmt: skip
def test_utc_next_runs_match_croniter(minute, hour, dom, month, dow, start) -> None:
    """For expressions croniter also understands, UTC next runs equal croniter's (day-of-month OR day-of-week)."""
    expr = f"{minute} {hour} {dom} {month} {dow}"
    schedule = cron(expr + " UTC")
    # croniter is inconsistent when a written day-of-week list covers all seven days: leave those out
    assume(dow == "*" or len(schedule._rule.weekdays) < 7)
    ours = runs(schedule, start, 5)
    theirs = croniter(expr, start, day_or=True)
    assert ours == [theirs.get_next(datetime) for _ in range(5)]


def test_next_after_is_cheap_enough_for_a_simulated_day() -> None:
    """One next_after per fired run: a day of every-minute runs must take well under a second."""
    every = cron("* * * * * America/Los_Angeles")
    t, began = datetime(2026, 11, 1), time.perf_counter()
    for _ in range(1440):
        t = every.next_after(t)
    assert t == datetime(2026, 11, 2)
    assert time.perf_counter() - began < 1.0
