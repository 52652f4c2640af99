"""The quality gate: is the new model good enough to replace the one serving?"""

import math
from dataclasses import asdict, dataclass

MAXIMIZE = "Maximize"
MINIMIZE = "Minimize"
PAIRED_INTERVAL = "PairedInterval"
POOLED_EVIDENCE = "PooledEvidence"
PLAIN_COMPARISON = "PlainComparison"
RULES = (POOLED_EVIDENCE, PAIRED_INTERVAL, PLAIN_COMPARISON)
#: Training channels holding the validation rows of the last days (today included), one pool each.
POOLED_WINDOWS = ("pooled-short", "pooled-long")
SAME_DATA, RECORDED, NONE = "same-data", "recorded", "none"
ROWS_METRIC = "validation:rows"


def champion_metric(metric: str) -> str:
    """The container contract's name for the champion's score on the same rows."""
    return f"champion:{metric}"


def paired_metric(metric: str, part: str, window: str = "") -> str:
    """The contract's paired difference (new - champion) on the same rows: part is diff, lower or upper;
    with ``window``, on that pooled channel's rows."""
    return f"{window}:paired:{metric}:{part}" if window else f"paired:{metric}:{part}"


def rows_metric(window: str = "") -> str:
    return f"{window}:{ROWS_METRIC}" if window else ROWS_METRIC


@dataclass(frozen=True)
class Pooled:
    """One pooled channel's paired test: the validation rows of the last ``days`` days."""

    window: str
    days: int
    rows: float | None
    diff: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Decision:
    approved: bool
    metric: str
    candidate: float | None
    current: float | None
    floor: float | None
    reason: str
    comparison: str = NONE
    rows: float | None = None
    diff: float | None = None
    lower: float | None = None
    upper: float | None = None
    evidence: str = ""

    def as_dict(self) -> dict:
        """JSON-safe: a non-finite number becomes its name ("NaN"), never a bare NaN token."""
        return {key: json_safe(value) if isinstance(value, float) else value for key, value in asdict(self).items()}


def json_safe(value: float | int | str | None) -> float | int | str | None:
    """Metric values as handlers return them: JSON has no NaN or Infinity, so those travel as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def metric_value(raw: object) -> float | None:
    """A metric as a float (NaN and ±Infinity included), None when it is not a number at all."""
    if isinstance(raw, bool):
        return None
    try:
        return float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _better_or_equal(a: float, b: float, direction: str) -> bool:
    return a >= b if direction == MAXIMIZE else a <= b


def evaluate(
    metric: str,
    direction: str,
    candidate: float,
    current: float | None,
    floor: float | None,
    min_improvement: float = 0.0,
) -> Decision:
    """Approve when the candidate meets the floor and is at least ``min_improvement`` better
    than the serving model (not worse, with the default 0). With no serving model, the floor alone
    decides. A NaN or infinite candidate is never approved: no comparison with it means anything."""
    if direction not in (MAXIMIZE, MINIMIZE):
        raise ValueError(f"metric direction {direction!r} is not {MAXIMIZE} or {MINIMIZE}")

    def decide(approved: bool, reason: str) -> Decision:
        return Decision(approved, metric, candidate, current, floor, reason, NONE if current is None else RECORDED)

    if not math.isfinite(candidate):
        return decide(False, f"{metric} is {json_safe(candidate)}: a model whose metric is not a finite number is never deployed")
    if floor is not None and not _better_or_equal(candidate, floor, direction):
        return decide(False, f"{metric} {candidate:g} misses the floor {floor:g} ({direction})")
    if current is None or not math.isfinite(current):
        return decide(True, f"{metric} {candidate:g} meets the floor; no model is serving yet" if current is None
                      else f"{metric} {candidate:g} meets the floor; the serving model's {json_safe(current)} cannot be compared")
    required = current + min_improvement if direction == MAXIMIZE else current - min_improvement
    if not _better_or_equal(candidate, required, direction):
        return decide(False, f"{metric} {candidate:g} is not better than the serving model's {current:g}")
    return decide(True, f"{metric} {candidate:g} vs serving model's {current:g}: better or equal")


def evaluate_same_data(
    metric: str,
    direction: str,
    candidate: float,
    champion: float,
    interval: tuple[float, float, float] | None,
    floor: float | None,
    min_improvement: float,
    rule: str,
    rows: float | None,
    pooled: tuple[Pooled, ...] = (),
    pooled_min_improvement: float = 0.0,
) -> Decision:
    """Challenger and champion scored on the same rows by the same training job.

    PairedInterval ships only when the whole 95 % interval of (new - champion) on today's rows clears
    ``min_improvement`` (its lower bound for Maximize, its upper bound below minus it for Minimize):
    a lucky day cannot ship a worse model. PooledEvidence also ships when the interval on the rows of
    the last days (a pooled channel) clears ``pooled_min_improvement`` (typically a small negative
    margin: at least as good): 45 rows a day cannot show a small real improvement, weeks of rows can.
    PlainComparison, or a container that reports no interval, compares the two numbers.
    """
    diff, lower, upper = interval if interval else (candidate - champion, None, None)
    today = f"today's {rows:g} rows" if rows else "today's rows"

    def decide(approved: bool, reason: str, evidence: str = today, values: tuple = (rows, diff, lower, upper)) -> Decision:
        return Decision(approved, metric, candidate, champion, floor, reason, SAME_DATA, *values, evidence=evidence)

    on = f" on the same {rows:g} rows" if rows else " on the same rows"
    if not math.isfinite(candidate):
        return decide(False, f"{metric} is {json_safe(candidate)}: a model whose metric is not a finite number is never deployed")
    if floor is not None and not _better_or_equal(candidate, floor, direction):
        return decide(False, f"{metric} {candidate:g} misses the floor {floor:g} ({direction})")
    if rule in (PAIRED_INTERVAL, POOLED_EVIDENCE) and interval:
        approved, text = _clears(direction, diff, lower, upper, min_improvement, "MinImprovement")
        reason = f"{metric} {candidate:g} vs champion {champion:g}{on}: {text}"
        if approved or rule == PAIRED_INTERVAL:
            return decide(approved, reason)
        for pool in pooled:
            pool_approved, pool_text = _clears(direction, pool.diff, pool.lower, pool.upper, pooled_min_improvement, "PooledMinImprovement")
            pool_rows = f"{pool.rows:g} rows" if pool.rows else "rows"
            evidence = f"the last {pool.days} days' {pool_rows} ({pool.window})"
            reason += f"; on {evidence}: {pool_text}"
            if pool_approved:
                return decide(True, reason, evidence, (pool.rows, pool.diff, pool.lower, pool.upper))
        return decide(False, reason if pooled else f"{reason} (no pooled rows: the container reported none)")
    required = champion + min_improvement if direction == MAXIMIZE else champion - min_improvement
    approved = _better_or_equal(candidate, required, direction)
    why = "" if interval or rule == PLAIN_COMPARISON else " (the container reported no paired interval: plain comparison)"
    return decide(approved, f"{metric} {candidate:g} vs champion {champion:g}{on}: {'better or equal' if approved else 'worse'}{why}")


def _clears(direction: str, diff: float, lower: float, upper: float, margin: float, name: str) -> tuple[bool, str]:
    """Whether the interval of (new - champion) clears ``margin`` in the metric's direction, and the words for it."""
    if direction == MAXIMIZE:
        approved, bound, side = lower > margin, lower, "lower bound"
    else:
        approved, bound, side = upper < -margin, upper, "upper bound"
    verdict = ("better" if margin >= 0 else "at least as good") if approved else ("not clearly better" if margin >= 0 else "possibly worse")
    return approved, (f"difference {diff:+.4g}, 95% interval [{lower:+.4g}, {upper:+.4g}], {side} {bound:+.4g} "
                      f"vs {name} {margin:g}: {verdict}")
