#!/usr/bin/env python3
"""Run the whole pipeline locally: the rendered state machine and the real handlers on emulated AWS.

Exit status: 0 if the execution SUCCEEDED, 1 if it FAILED, 2 on a usage error.
"""

import argparse
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local_aws import runner  # noqa: E402
from local_aws.scenarios import SCENARIOS, describe  # noqa: E402


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: expected YYYY-MM-DD") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="happy", help="fault to inject (default: happy); see --list-scenarios")
    parser.add_argument("--list-scenarios", action="store_true", help="print the scenarios, one line each, and exit")
    parser.add_argument("--date", type=parse_date, help="run for this DATE (YYYY-MM-DD) instead of firing the daily schedule now")
    parser.add_argument("--config", type=Path, default=runner.render.DEFAULT_CONFIG, help="build-time config for render.py")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write a summary: status, states, Slack messages, resources left")
    args = parser.parse_args(argv)
    if args.list_scenarios:
        print(describe())
        return 0
    if args.scenario not in SCENARIOS:
        parser.print_usage(sys.stderr)
        print(f"run_local.py: error: unknown scenario {args.scenario!r}; known: {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    try:
        summary = runner.run(SCENARIOS[args.scenario], run_date=args.date, config=args.config)
    except runner.render.RenderError as error:
        print(f"run_local.py: error: {error}", file=sys.stderr)
        return 2
    runner.report(summary)
    if args.json:
        args.json.write_text(json.dumps(summary.as_dict(), indent=2, default=str))
        print(f"summary written to {args.json}")
    return 0 if summary.status == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
