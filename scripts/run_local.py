#!/usr/bin/env python3
"""Run the whole pipeline locally: the rendered state machine and the real handlers on emulated AWS.

Exit status: 0 if the execution SUCCEEDED, 1 if it FAILED, 2 on a usage error.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from cli import use_project_venv  # noqa: E402

use_project_venv()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
from dataclasses import replace  # noqa: E402
from datetime import date  # noqa: E402

from local_aws import dataset, fan_out, runner  # noqa: E402
from local_aws.scenarios import SCENARIOS, describe, targets_of  # noqa: E402
from local_aws.template import TemplateError  # noqa: E402

INTERRUPTED = 130


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
    parser.add_argument("--data", type=Path, metavar="DIR", help="train on DIR/train.csv and DIR/validation.csv instead of the iris sample")
    parser.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE",
                        help="a template parameter for the local stack (repeatable), e.g. Hyperparameters='{...}'")
    parser.add_argument("--stages", metavar="LIST", help="optional stages to build with, comma-separated (preprocess, evaluate_first, "
                        "batch_predict; '' for none); default: the scenario's, else pipeline-config.yaml's")
    parser.add_argument("--deploy-target", choices=runner.in_use.DEPLOY_TARGETS, help="build with this deploy_target (batch: no endpoint, "
                        "needs batch_predict); default: the scenario's, else pipeline-config.yaml's")
    parser.add_argument("--targets", type=int, metavar="N", help="many targets: N targets (2..9), each with its own day of data, through "
                        "the fan-out (one timeline per target and the digest); the scenario's own targets otherwise")
    parser.add_argument("--verbose", action="store_true", help="print every poll of the loops and each function's log lines")
    args = parser.parse_args(argv)
    if args.list_scenarios:
        print(describe())
        return 0
    if args.scenario not in SCENARIOS:
        parser.print_usage(sys.stderr)
        print(f"run_local.py: error: unknown scenario {args.scenario!r}; known: {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    scenario = SCENARIOS[args.scenario]
    if args.targets is not None:
        try:
            scenario = replace(scenario, name=f"{args.targets}-targets", targets=targets_of(args.targets),
                               description=f"{args.targets} targets with their own data through the fan-out: each trains, gates and deploys; one digest")
        except ValueError as error:
            print(f"run_local.py: error: --targets {error}", file=sys.stderr)
            return 2
    problem = check_outputs(args) or (scenario.targets and fan_out_conflicts(args))
    if problem:
        print(f"run_local.py: error: {problem}", file=sys.stderr)
        return 2
    parameters = dict(item.split("=", 1) for item in args.parameter)
    try:
        data = dataset.from_directory(args.data) if args.data else None
        if data:
            parameters = dataset.own_data_parameters(data[0], args.data, parameters)
        if scenario.targets:
            summary = fan_out.run(scenario, run_date=args.date, config=args.config, verbose=args.verbose)
        else:
            summary = runner.run(scenario, run_date=args.date, config=args.config, data=data, parameters=parameters, verbose=args.verbose,
                                 stages=runner.render.parse_stages(args.stages), deploy_target=args.deploy_target)
    except (runner.render.RenderError, TemplateError, dataset.DataError) as error:
        print(f"run_local.py: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # The emulated execution runs on in moto's thread: leave without waiting for it. The training and
        # serving processes were stopped and the temporary folder removed while the run unwound.
        print("run_local.py: interrupted: stopped the training and serving processes and removed the run's temporary files", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(INTERRUPTED)
    (fan_out.report if scenario.targets else runner.report)(summary, verbose=args.verbose)
    if args.json:
        args.json.write_text(json.dumps(summary.as_dict(), indent=2, default=str))
        print(f"summary written to {args.json}")
    return 0 if summary.status == "SUCCEEDED" else 1


def fan_out_conflicts(args: argparse.Namespace) -> str:
    """What a many-target run does not take (each target has its own seeded day)."""
    given = [flag for flag, value in (("--data", args.data), ("--parameter", args.parameter), ("--stages", args.stages),
                                      ("--deploy-target", args.deploy_target)) if value]
    return f"{', '.join(given)} cannot be combined with many targets (--targets or a targets scenario)" if given else ""


def check_outputs(args: argparse.Namespace) -> str:
    """What would make the run fail only after it ran: checked first."""
    if args.json:
        folder = args.json.parent if str(args.json.parent) else Path(".")
        if not folder.is_dir():
            return f"--json {args.json}: folder {folder} does not exist"
        if not os.access(folder, os.W_OK) or (args.json.exists() and not os.access(args.json, os.W_OK)):
            return f"--json {args.json}: cannot write there"
    for item in args.parameter:
        if "=" not in item or not item.split("=", 1)[0]:
            return f"--parameter {item!r} is not KEY=VALUE"
    return ""


if __name__ == "__main__":
    sys.exit(main())
