#!/usr/bin/env python3
"""The serving model's accuracy on the day's labelled data (evaluate_first), from the scoring Transform job's output.

Input: *.out files of "label,prediction" lines (the Transform job joins each validation row with
its prediction and keeps the first and last field). Output: evaluation.json
{"metrics": {"<metric name>": accuracy}, "rows": n}. Paths come as arguments: --scores DIR
--evaluation DIR --metric-name NAME.
"""

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scores", type=Path, default=Path("/opt/ml/processing/input/scores"))
    parser.add_argument("--evaluation", type=Path, default=Path("/opt/ml/processing/output/evaluation"))
    parser.add_argument("--metric-name", default="validation:accuracy")
    args = parser.parse_args(argv)
    if not args.metric_name.endswith("accuracy"):
        raise SystemExit(f"evaluate: computes accuracy; ObjectiveMetricName {args.metric_name!r} is not an accuracy metric")
    pairs = []
    for path in sorted(args.scores.rglob("*.out")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            fields = line.split(",")
            try:
                pairs.append((float(fields[0]), float(fields[-1])))
            except (ValueError, IndexError):
                raise SystemExit(f"evaluate: {path.name}:{number} is not 'label,prediction': {line[:80]!r}") from None
    if not pairs:
        raise SystemExit(f"evaluate: no scored rows under {args.scores}")
    accuracy = sum(label == prediction for label, prediction in pairs) / len(pairs)
    args.evaluation.mkdir(parents=True, exist_ok=True)
    (args.evaluation / "evaluation.json").write_text(json.dumps({"metrics": {args.metric_name: round(accuracy, 6)}, "rows": len(pairs)}))
    print(f"evaluate: {args.metric_name} = {accuracy:.4f} on {len(pairs)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
