"""EventBridge Scheduler schedule expressions, checked against the service's grammar at synth.

Source: EventBridge Scheduler User Guide, "Schedule types on EventBridge Scheduler"
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html) and the
``ScheduleExpression`` member of the CreateSchedule API (botocore ``scheduler`` model):

- ``rate(value unit)``: ``value`` a positive integer, ``unit`` one of minute | minutes | hour |
  hours | day | days; singular for 1 (``rate(1 day)``) and plural above (``rate(2 days)``).
- ``cron(minutes hours day-of-month month day-of-week year)``: six fields; day-of-month and
  day-of-week cannot both be given, exactly one of them is ``?``.
- ``at(yyyy-mm-ddThh:mm:ss)``: a one-time schedule.

The CloudFormation schema of ``AWS::Scheduler::Schedule.ScheduleExpression`` limits it to
1-256 characters.

    check_schedule_expression("ingestion_schedule", "cron(0 3 ? * MON-FRI *)")
"""

from __future__ import annotations

import re
from datetime import datetime

from bedrock_platform.core.validation import PlatformValidationError, is_token

SCHEDULE_RULE = (
    "rate(N minute|minutes|hour|hours|day|days) with N >= 1 and a singular unit only for 1, "
    "cron(minutes hours day-of-month month day-of-week year) with one of the two day fields '?', "
    "or at(yyyy-mm-ddThh:mm:ss) (EventBridge Scheduler schedule types)"
)
MAX_LENGTH = 256
RATE_UNITS = ("minute", "hour", "day")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


class _Field:
    def __init__(self, name: str, low: int, high: int, names: tuple[str, ...] = (), extra: str = "") -> None:
        self.name, self.low, self.high, self.names, self.extra = name, low, high, names, extra

    def value(self, text: str) -> int | None:
        if text.isdigit():
            number = int(text)
            return number if self.low <= number <= self.high else None
        if text.upper() in self.names:
            return self.names.index(text.upper()) + self.low
        return None

    def rule(self) -> str:
        names = f" or {self.names[0]}-{self.names[-1]}" if self.names else ""
        return f"{self.name} takes {self.low}-{self.high}{names}, ',', '-', '*', '/'{self.extra}"

    def valid(self, text: str) -> bool:
        for part in text.split(","):
            if not self._valid_part(part):
                return False
        return True

    def _valid_part(self, part: str) -> bool:
        base, slash, step = part.partition("/")
        if slash and (not step.isdigit() or int(step) < 1):
            return False
        if base == "*":
            return True
        if "-" in base:
            start, _, end = base.partition("-")
            return self.value(start) is not None and self.value(end) is not None
        return self.value(base) is not None


_MINUTES = _Field("minutes", 0, 59)
_HOURS = _Field("hours", 0, 23)
_DAY_OF_MONTH = _Field("day-of-month", 1, 31, extra=", '?', 'L', 'W' (e.g. 15W, L)")
_MONTH = _Field("month", 1, 12, _MONTHS)
_DAY_OF_WEEK = _Field("day-of-week", 1, 7, _DAYS, extra=", '?', 'L', '#' (e.g. 6L, MON#2)")
_YEAR = _Field("year", 1970, 2199)


def _day_of_month(text: str) -> bool:
    if text in ("?", "L", "LW"):
        return True
    if re.fullmatch(r"\d{1,2}W", text):
        return _DAY_OF_MONTH.value(text[:-1]) is not None
    return _DAY_OF_MONTH.valid(text)


def _day_of_week(text: str) -> bool:
    if text in ("?", "L"):
        return True
    if re.fullmatch(r"[A-Za-z0-9]{1,3}L", text):
        return _DAY_OF_WEEK.value(text[:-1]) is not None
    day, hash_, nth = text.partition("#")
    if hash_:
        return _DAY_OF_WEEK.value(day) is not None and nth in ("1", "2", "3", "4", "5")
    return _DAY_OF_WEEK.valid(text)


def _fail(field: str, value: str, why: str) -> PlatformValidationError:
    return PlatformValidationError(field, value, f"is not a valid schedule: {why}. Allowed: {SCHEDULE_RULE}")


def _check_rate(field: str, value: str, body: str) -> None:
    match = re.fullmatch(r"(\d+) ([a-z]+)", body)
    if match is None:
        raise _fail(field, value, "a rate is 'rate(N unit)', e.g. rate(1 day) or rate(12 hours)")
    number, unit = int(match.group(1)), match.group(2)
    if number < 1:
        raise _fail(field, value, f"the rate value must be a positive integer, got {number}")
    singular = unit.removesuffix("s")
    if singular not in RATE_UNITS:
        raise _fail(field, value, f"'{unit}' is not a rate unit (minute(s), hour(s), day(s))")
    expected = singular if number == 1 else f"{singular}s"
    if unit != expected:
        raise _fail(field, value, f"the unit must be '{expected}' for {number} (singular for 1, plural above)")


def _check_cron(field: str, value: str, body: str) -> None:
    parts = body.split()
    if len(parts) != 6:
        raise _fail(
            field, value, f"a cron expression has six fields (minutes hours day-of-month month day-of-week year), got {len(parts)}"
        )
    minutes, hours, day_of_month, month, day_of_week, year = parts
    for spec, text in ((_MINUTES, minutes), (_HOURS, hours), (_MONTH, month), (_YEAR, year)):
        if not spec.valid(text):
            raise _fail(field, value, f"'{text}' is not valid in the {spec.name} field ({spec.rule()})")
    if not _day_of_month(day_of_month):
        raise _fail(field, value, f"'{day_of_month}' is not valid in the day-of-month field ({_DAY_OF_MONTH.rule()})")
    if not _day_of_week(day_of_week):
        raise _fail(field, value, f"'{day_of_week}' is not valid in the day-of-week field ({_DAY_OF_WEEK.rule()})")
    if (day_of_month == "?") == (day_of_week == "?"):
        raise _fail(
            field, value, "exactly one of day-of-month and day-of-week must be '?' (e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON *))"
        )


def _check_at(field: str, value: str, body: str) -> None:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", body) is None:
        raise _fail(field, value, "a one-time schedule is at(yyyy-mm-ddThh:mm:ss), e.g. at(2027-01-31T09:00:00)")
    try:
        datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise _fail(field, value, f"{body} is not a calendar date and time") from None


def check_schedule_expression(field: str, value: str) -> None:
    """Raise :class:`PlatformValidationError` unless ``value`` is a valid EventBridge Scheduler expression
    (a deploy-time token passes: its placeholder text is not the value)."""
    if is_token(value):
        return
    if not isinstance(value, str):
        raise PlatformValidationError(field, value, f"is not a schedule expression: {SCHEDULE_RULE}")
    if not 1 <= len(value) <= MAX_LENGTH:
        raise _fail(field, value, f"it has {len(value)} characters, allowed 1-{MAX_LENGTH}")
    match = re.fullmatch(r"(rate|cron|at)\((.*)\)", value, flags=re.DOTALL)
    if match is None:
        raise _fail(field, value, "it must be rate(...), cron(...) or at(...)")
    kind, body = match.groups()
    {"rate": _check_rate, "cron": _check_cron, "at": _check_at}[kind](field, value, body)
