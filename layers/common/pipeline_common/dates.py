"""The execution input's DATE, the data date derived from it, and durations as the operator reads them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError, InvalidInput

EXPECTED = "expected YYYY-MM-DD or an ISO-8601 timestamp such as 2026-11-24T06:00:00Z"


def timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone {name!r} is not an IANA timezone name (e.g. Europe/Paris, UTC)") from None


def _parse_timestamp(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"DATE {text!r} is not a date: {EXPECTED}") from None


ABSENT = object()


def run_date(raw: object, execution_start_time: str | None, tz: ZoneInfo) -> date:
    """The calendar date of the run, in the pipeline's timezone.

    A plain date is taken as given; a timestamp (EventBridge Scheduler's scheduled time) is
    converted to ``tz`` first. Only an absent DATE (``ABSENT``) means "use the execution's start
    time": an explicit null or empty DATE is a caller's mistake, not a request for today.
    """
    if raw is ABSENT:
        if not execution_start_time:
            raise InvalidInput(f"no DATE in the input and no execution start time: {EXPECTED}")
        raw = execution_start_time
    elif raw is None or (isinstance(raw, str) and not raw.strip()):
        raise InvalidInput(f"DATE is {raw!r}: {EXPECTED}, or leave DATE out to use the execution's start time")
    if not isinstance(raw, str):
        raise InvalidInput(f"DATE {raw!r} is a {type(raw).__name__}, not a string: {EXPECTED}")
    text = raw.strip()
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InvalidInput(f"DATE {raw!r} is not a date: {EXPECTED}") from None
    moment = _parse_timestamp(text)
    if moment.tzinfo is None:
        raise InvalidInput(f"DATE {raw!r} has no UTC offset: {EXPECTED}")
    try:
        return moment.astimezone(tz).date()
    except OverflowError:
        raise InvalidInput(f"DATE {raw!r} is out of range in timezone {tz.key}: {EXPECTED}") from None


def data_date(run: date, lag_days: int) -> date:
    try:
        return run - timedelta(days=lag_days)
    except OverflowError:
        raise InvalidInput(f"DATE {run.isoformat()} minus the {lag_days}-day data lag is before year 1: expected a real run date") from None


def today(execution_start_time: str | None, tz: ZoneInfo) -> date:
    if execution_start_time:
        return _parse_timestamp(execution_start_time).astimezone(tz).date()
    return datetime.now(tz).date()


def duration_text(seconds: float) -> str:
    """"45 s", "12 min 05 s", "2 h 03 min"."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {seconds % 60:02d} s"
