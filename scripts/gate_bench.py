"""make gate-bench: replay the quality gate day by day and measure what it ships.

Each regime is a world of three Gaussian classes in four features (iris-like means, wider spread so
models trained on 105 rows differ by a few points). Every day the world gives 105 training rows
(stationary: some days with noisier labels), validation rows (45 or 450) and 2,000 fresh rows that
measure each model's true accuracy. A challenger is trained every day with the example container's
own ``fit``; each gate rule keeps its own serving model and decides with the container's
``paired_interval`` and the pipeline's ``gate.evaluate_same_data``. Deterministic (seeded).

Printed per regime, validation size and rule: ships %, worse shipped % (true accuracy lower by more than
1 point), better kept out % (higher by more than 1 point), mean and max gap to the best model available
(the best of the serving model and the last 30 challengers, in accuracy points), days after the shift until a
model trained on shifted data serves (or the old one is still within 1 point of the best), mean serving age in days.
"""

import argparse
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "training"), str(ROOT / "layers" / "common")]

from pipeline_common import gate  # noqa: E402
from retrain_model.champion import paired_interval  # noqa: E402
from retrain_model.train import fit  # noqa: E402

REGIMES = ("stationary", "drift", "shift")
VALIDATION_SIZES = (45, 450)
TRAINING_ROWS = 105
TRUTH_ROWS = 2000
WINDOW = 30
SHIFT_DAY = 60
GAP = 0.01
FLOOR = 0.8
MEANS = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
SPREAD = np.array([[0.35, 0.38, 0.17, 0.10], [0.52, 0.31, 0.47, 0.20], [0.64, 0.32, 0.55, 0.27]]) * 1.8
PARAMS = {"objective": "multi:softmax", "num_class": 3, "n_estimators": 100, "max_depth": None, "seed": 0}


class World:
    """Where the data of each day comes from."""

    def __init__(self, regime: str, seed: int) -> None:
        self.regime = regime
        rng = np.random.default_rng(seed)
        self.direction = rng.normal(size=MEANS.shape)
        self.direction /= np.linalg.norm(self.direction, axis=1, keepdims=True)
        self.noise = {day: (rng.uniform(0.1, 0.4) if rng.random() < 0.4 else 0.0) for day in range(1000)} if regime == "stationary" else {}

    def means(self, day: int) -> np.ndarray:
        if self.regime == "drift":
            return MEANS + self.direction * 0.055 * day
        if self.regime == "shift" and day >= SHIFT_DAY:
            return MEANS + self.direction * 0.5
        return MEANS

    def sample(self, day: int, rows: int, rng: np.random.Generator, label_noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, 3, size=rows)
        features = self.means(day)[labels] + rng.normal(size=(rows, 4)) * SPREAD[labels]
        noisy = labels.copy()
        flip = rng.random(rows) < label_noise
        noisy[flip] = (noisy[flip] + rng.integers(1, 3, size=flip.sum())) % 3
        return features, noisy


@dataclass
class Evidence:
    """What the gate sees on a day: the challenger's own score, today's paired test, the pooled one."""

    candidate: float
    today: tuple[float, float, float]
    today_rows: int
    pooled: dict[int, tuple[float, float, float]]    # days pooled (today and the days before) -> paired interval


Rule = Callable[[Evidence], bool]


def _decide(evidence: Evidence, rule: str, pools: dict[int, str], margin: float) -> bool:
    """The pipeline's own gate on the day's evidence (``pools``: days -> pooled channel name)."""
    pooled = tuple(gate.Pooled(window, days, None, *evidence.pooled[days]) for days, window in pools.items())
    decision = gate.evaluate_same_data("validation:accuracy", gate.MAXIMIZE, evidence.candidate, evidence.candidate - evidence.today[0],
                                       evidence.today, FLOOR, 0.0, rule, evidence.today_rows, pooled, -margin)
    return decision.approved


def today_only(evidence: Evidence) -> bool:
    """GateRule=PairedInterval: today's whole interval above MinImprovement 0."""
    return _decide(evidence, gate.PAIRED_INTERVAL, {}, 0.0)


def pooled_evidence(margin: float, *windows: int) -> Rule:
    """GateRule=PooledEvidence with these pools and PooledMinImprovement = -margin."""
    def rule(evidence: Evidence) -> bool:
        return _decide(evidence, gate.POOLED_EVIDENCE, {days: f"pooled-{days}d" for days in windows}, margin)
    return rule


def run_regime(regime: str, days: int, seed: int, rule_names: list[str]) -> list[dict]:
    world = World(regime, seed)
    rng = np.random.default_rng(seed + 1)
    models, validation, truth_rows = [], [], []
    for day in range(days):
        x, y = world.sample(day, TRAINING_ROWS, rng, world.noise.get(day, 0.0))
        models.append(fit(PARAMS, x, y))
        validation.append(world.sample(day, max(VALIDATION_SIZES), rng))
        truth_rows.append(world.sample(day, TRUTH_ROWS, rng))
    truth: dict[tuple[int, int], float] = {}

    def true_accuracy(model: int, day: int) -> float:
        if (model, day) not in truth:
            x, y = truth_rows[day]
            truth[(model, day)] = float((models[model].predict(x) == y).mean())
        return truth[(model, day)]

    correct: dict[tuple[int, int], np.ndarray] = {}

    def right(model: int, day: int) -> np.ndarray:
        if (model, day) not in correct:
            x, y = validation[day]
            correct[(model, day)] = models[model].predict(x) == y
        return correct[(model, day)]

    results = []
    for size in VALIDATION_SIZES:
        for name in rule_names:
            rule, pool = RULES[name]
            results.append(_replay(name, rule, pool, size, days, regime, true_accuracy, right))
    return results


def _replay(name: str, rule: Rule, pool: tuple[int, ...], size: int, days: int, regime: str, true_accuracy, right) -> dict:
    serving = 0
    shipped = worse = better_out = 0
    gaps, ages = [], []
    recovered = None
    for day in range(1, days):
        challenger_right = right(day, day)[:size]
        champion_right = right(serving, day)[:size]
        today = paired_interval(challenger_right, champion_right)
        pooled = {}
        for k in pool:
            first = max(1, day - k + 1)
            new = np.concatenate([right(day, d)[:size] for d in range(first, day + 1)])
            old = np.concatenate([right(serving, d)[:size] for d in range(first, day + 1)])
            pooled[k] = paired_interval(new, old)
        evidence = Evidence(float(challenger_right.mean()), today, size, pooled)
        ships = rule(evidence)
        delta = true_accuracy(day, day) - true_accuracy(serving, day)
        if ships:
            shipped += 1
            worse += delta < -GAP
            serving = day
        else:
            better_out += delta > GAP
        best = max([true_accuracy(m, day) for m in range(max(0, day - WINDOW + 1), day + 1)] + [true_accuracy(serving, day)])
        gaps.append(best - true_accuracy(serving, day))
        ages.append(day - serving)
        if regime == "shift" and recovered is None and day >= SHIFT_DAY and (serving >= SHIFT_DAY or gaps[-1] <= GAP):
            recovered = day - SHIFT_DAY
    count = days - 1
    return {"regime": regime, "rows": size, "rule": name, "ships": 100 * shipped / count, "worse": 100 * worse / count,
            "better_out": 100 * better_out / count, "mean_gap": 100 * float(np.mean(gaps)), "max_gap": 100 * float(np.max(gaps)),
            "recover": recovered, "age": float(np.mean(ages))}


DEFAULT = "PooledEvidence 3|14 d at -0.005"
RULES: dict[str, tuple[Rule, tuple[int, ...]]] = {
    "PairedInterval (today only)": (today_only, ()),
    "pooled 7 d at -0.01 (issue 19)": (pooled_evidence(0.01, 7), (7,)),
    "PooledEvidence 3|7 d at -0.01": (pooled_evidence(0.01, 3, 7), (3, 7)),
    DEFAULT: (pooled_evidence(0.005, 3, 14), (3, 14)),
}


def table(results: list[dict]) -> list[str]:
    header = f"{'regime':<11} {'rows':>4}  {'rule':<34} {'ships':>6} {'worse':>6} {'better out':>10} {'gap':>5} {'max':>5} {'recover':>7} {'age':>5}"
    lines = [header, "-" * len(header)]
    for r in results:
        recover = "-" if r["regime"] != "shift" else ("never" if r["recover"] is None else f"{r['recover']} d")
        lines.append(f"{r['regime']:<11} {r['rows']:>4}  {r['rule']:<34} {r['ships']:>5.1f}% {r['worse']:>5.1f}% {r['better_out']:>9.1f}% "
                     f"{r['mean_gap']:>5.2f} {r['max_gap']:>5.1f} {recover:>7} {r['age']:>5.1f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=150, help="days replayed per regime (default 150)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rules", default=",".join(RULES), help=f"comma-separated rules (default: all): {', '.join(RULES)}")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.rules.split(",") if n.strip()]
    unknown = [n for n in names if n not in RULES]
    if unknown or args.days < SHIFT_DAY + 10:
        parser.error(f"unknown rules {unknown}: expected some of {list(RULES)}" if unknown else f"--days {args.days}: at least {SHIFT_DAY + 10}")
    started = time.monotonic()
    with ProcessPoolExecutor() as pool:
        runs = [pool.submit(run_regime, regime, args.days, args.seed + n, names) for n, regime in enumerate(REGIMES)]
        results = [row for run in runs for row in run.result()]
    for line in table(sorted(results, key=lambda r: (REGIMES.index(r["regime"]), r["rows"]))):
        print(line)
    print(f"{args.days} days per regime, seed {args.seed}, {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
