"""The quality gate: is the new model good enough to replace the one serving?"""

from dataclasses import asdict, dataclass

MAXIMIZE = "Maximize"
MINIMIZE = "Minimize"


@dataclass(frozen=True)
class Decision:
    approved: bool
    metric: str
    candidate: float | None
    current: float | None
    floor: float | None
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)


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
    than the serving model (not worse, with the default 0). With no serving model, the floor alone decides."""
    if direction not in (MAXIMIZE, MINIMIZE):
        raise ValueError(f"metric direction {direction!r} is not {MAXIMIZE} or {MINIMIZE}")
    def decide(approved: bool, reason: str) -> Decision:
        return Decision(approved, metric, candidate, current, floor, reason)

    if floor is not None and not _better_or_equal(candidate, floor, direction):
        return decide(False, f"{metric} {candidate:g} misses the floor {floor:g} ({direction})")
    if current is None:
        return decide(True, f"{metric} {candidate:g} meets the floor; no model is serving yet")
    required = current + min_improvement if direction == MAXIMIZE else current - min_improvement
    if not _better_or_equal(candidate, required, direction):
        return decide(False, f"{metric} {candidate:g} is not better than the serving model's {current:g}")
    return decide(True, f"{metric} {candidate:g} vs serving model's {current:g}: better or equal")
