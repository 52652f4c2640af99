#!/usr/bin/env python3
"""Render template.yaml.j2 and statemachine/*.asl.json.j2 into what `sam deploy` ships.

Build-time structure (polling, retries, limits) comes from a YAML config file; deploy-time
values stay CloudFormation parameters and `${...}` DefinitionSubstitutions.
"""

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import jinja2
import yaml

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "layers" / "common"))

from pipeline_common import errors, in_use, names, polling, registry, rollout, stages, statuses, targets  # noqa: E402

DEFAULT_CONFIG = ROOT / "pipeline-config.yaml"
TEMPLATE = "template.yaml.j2"
STATE_MACHINE_TEMPLATE = "statemachine/pipeline.asl.json.j2"
FAN_OUT_TEMPLATE = "statemachine/fanout.asl.json.j2"
OUTPUTS = {TEMPLATE: "template.yaml", STATE_MACHINE_TEMPLATE: "statemachine/pipeline.asl.json", FAN_OUT_TEMPLATE: "statemachine/fanout.asl.json"}
PIPELINE_SUBSTITUTION = "RetrainStateMachineArn"
MAX_CONCURRENCY = 10000     # a Distributed Map's child executions at once (docs/aws-behaviours.md, sfn-distributed-map)

_POLL = {"initial_wait_seconds": int, "max_wait_seconds": int, "backoff_rate": (int, float)}
SCHEMA: dict[str, Any] = {
    "polling": {
        "training_job": {**_POLL, "grace_seconds": int},
        "endpoint": {**_POLL, "timeout_seconds": int},
        "processing_job": {**_POLL, "grace_seconds": int},
        "transform_job": {**_POLL, "timeout_seconds": int},
    },
    "stages": {stage: bool for stage in stages.STAGES},
    "deploy_target": str,
    "max_processing_runtime_seconds": int,
    "retry": {
        "interval_seconds": int,
        "max_attempts": int,
        "backoff_rate": (int, float),
        "max_delay_seconds": int,
        "jitter": str,
    },
    "endpoint_busy_retry": {
        "interval_seconds": int,
        "max_attempts": int,
        "backoff_rate": (int, float),
        "max_delay_seconds": int,
    },
    "max_training_runtime_seconds": int,
    "fan_out": {"targets": list, "max_concurrency": int, "slack_per_target": str},
    "log_retention_days": int,
    "lambda_timeout_seconds": int,
}
# Errors every Task retries: Lambda's own transient failures, and AWS throttling or 5xx as the handlers raise them.
TRANSIENT_ERRORS = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException",
                    errors.AwsThrottled.__name__, errors.AwsUnavailable.__name__]
# A SageMaker job created by the state machine's optimized integration: SageMaker's throttling and faults arrive named as
# Step Functions names them (docs/aws-behaviours.md, sfn-sagemaker-integration-errors).
SAGEMAKER_INTEGRATION_ERRORS = ["SageMaker.AmazonSageMakerException"]
# DeployModel also waits, longer, for an endpoint that is busy or being deleted.
ENDPOINT_BUSY_ERRORS = [errors.EndpointNotReady.__name__]
# The alarms that roll an endpoint update back (the stack creates them; users add their own by name).
ENDPOINT_ALARMS = rollout.ALARMS
# Pauses between states, not counted by the task and loop bounds, that the execution timeout must still cover.
TIMEOUT_MARGIN_SECONDS = 900
LOG_RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}


class RenderError(Exception):
    pass


def validate(config: Any, schema: dict[str, Any], source: str, path: str = "") -> None:
    if not isinstance(config, dict):
        raise RenderError(f"{source}: {path or 'the file'} must be a mapping, got {type(config).__name__}")
    for key in config:
        if key not in schema:
            raise RenderError(f"{source}: unknown config key '{path}{key}' (expected one of: {', '.join(schema)})")
    for key, expected in schema.items():
        if key not in config:
            raise RenderError(f"{source}: missing config key '{path}{key}'")
        value = config[key]
        if isinstance(expected, dict):
            validate(value, expected, source, f"{path}{key}.")
        elif expected is bool and not isinstance(value, bool):
            raise RenderError(f"{source}: config key '{path}{key}' is {value!r}, expected true or false")
        elif expected is not bool and (isinstance(value, bool) or not isinstance(value, expected)):
            names_ = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
            raise RenderError(f"{source}: config key '{path}{key}' is {value!r}, expected {names_}")


def check_values(config: dict[str, Any], source: str) -> None:
    for loop, settings in config["polling"].items():
        if settings["initial_wait_seconds"] < 1 or settings["max_wait_seconds"] < settings["initial_wait_seconds"]:
            raise RenderError(f"{source}: polling.{loop} needs 1 <= initial_wait_seconds <= max_wait_seconds")
        if settings["backoff_rate"] < 1:
            raise RenderError(f"{source}: polling.{loop}.backoff_rate is {settings['backoff_rate']}, expected >= 1")
    for section in ("retry", "endpoint_busy_retry"):
        settings = config[section]
        if settings["interval_seconds"] < 1 or settings["max_attempts"] < 0 or settings["backoff_rate"] < 1 or settings["max_delay_seconds"] < 1:
            raise RenderError(f"{source}: {section} needs interval_seconds >= 1, max_attempts >= 0, backoff_rate >= 1, max_delay_seconds >= 1")
    if config["retry"]["jitter"] not in ("FULL", "NONE"):
        raise RenderError(f"{source}: config key 'retry.jitter' is {config['retry']['jitter']!r}, expected FULL or NONE")
    if config["log_retention_days"] not in LOG_RETENTION_DAYS:
        raise RenderError(f"{source}: config key 'log_retention_days' is {config['log_retention_days']}, expected one of {sorted(LOG_RETENTION_DAYS)}")
    if not 1 <= config["max_processing_runtime_seconds"] <= 777600:
        raise RenderError(f"{source}: max_processing_runtime_seconds must be 1..777600 (SageMaker Processing's 9 days)")
    if not 1 <= config["max_training_runtime_seconds"] <= 2419200:
        raise RenderError(f"{source}: max_training_runtime_seconds must be 1..2419200 (SageMaker's 28 days)")
    check_fan_out(config, source)
    check_build(config, source)


def check_fan_out(config: dict[str, Any], source: str) -> None:
    """Each target becomes {"name", "overrides"}; a bad one fails the build, named (the targets file's are skipped at run time)."""
    fan_out = config["fan_out"]
    entries = [{"name": t} if isinstance(t, str) else t for t in fan_out["targets"]]
    for entry in entries:
        found = targets.problems(entry, prefix="p")
        if found or "enabled" in entry:
            raise RenderError(f"{source}: fan_out.targets: " + "; ".join(found or [f"target {entry['name']!r}: 'enabled' belongs in the targets file"]))
    duplicates = sorted({e["name"] for e in entries if [x["name"] for x in entries].count(e["name"]) > 1})
    if duplicates:
        raise RenderError(f"{source}: fan_out.targets lists {', '.join(duplicates)} more than once")
    if len(entries) > targets.MAX_TARGETS:
        raise RenderError(f"{source}: fan_out.targets lists {len(entries)} targets, at most {targets.MAX_TARGETS} a stack (the fan-out's state "
                          "holds every target's outcome, within Step Functions' 256 KiB): split them across stacks with their own ResourcePrefix")
    if len(entries) == 1:
        raise RenderError(f"{source}: fan_out.targets lists one target ({entries[0]['name']}): one target needs no fan-out; "
                          "leave the list empty and set the Target parameter")
    if not 1 <= fan_out["max_concurrency"] <= MAX_CONCURRENCY:
        raise RenderError(f"{source}: fan_out.max_concurrency is {fan_out['max_concurrency']}, expected 1..{MAX_CONCURRENCY} "
                          "(a Distributed Map's child executions at once)")
    if fan_out["slack_per_target"] not in targets.SLACK_PER_TARGET:
        raise RenderError(f"{source}: fan_out.slack_per_target is {fan_out['slack_per_target']!r}, expected one of {', '.join(targets.SLACK_PER_TARGET)}")
    fan_out["targets"] = [{"name": e["name"], "overrides": e.get("overrides", {})} for e in entries]


def with_build(config: dict[str, Any], enabled: list[str] | None = None, deploy_target: str | None = None,
               fan_out: dict[str, Any] | None = None) -> dict[str, Any]:
    """The config with exactly ``enabled`` stages on, ``deploy_target`` and ``fan_out`` settings (targets, max_concurrency)
    over the config's, each when given; checked as a whole."""
    if enabled is not None:
        unknown = sorted(set(enabled) - set(stages.STAGES))
        if unknown:
            raise RenderError(f"unknown stage {', '.join(unknown)}: expected any of {', '.join(stages.STAGES)}")
        config = {**config, "stages": {stage: stage in enabled for stage in stages.STAGES}}
    if deploy_target is not None:
        config = {**config, "deploy_target": deploy_target}
    if fan_out is not None:
        config = {**config, "fan_out": {**config["fan_out"], **fan_out}}
        check_fan_out(config, "the build")
    check_build(config)
    return config


def check_build(config: dict[str, Any], source: str = "the build") -> None:
    target = config["deploy_target"]
    if target not in in_use.DEPLOY_TARGETS:
        raise RenderError(f"{source}: deploy_target is {target!r}, expected one of {', '.join(in_use.DEPLOY_TARGETS)}")
    if target == in_use.BATCH and not config["stages"]["batch_predict"]:
        raise RenderError(f"{source}: deploy_target batch needs the batch_predict stage (stages.batch_predict: true): "
                          "without an endpoint, batch predictions are where the model is used")


def enabled_jobs(config: dict[str, Any]) -> list[stages.Job]:
    return [job for job in stages.JOBS.values() if config["stages"][job.stage]]


def job_budget_seconds(config: dict[str, Any], job: stages.Job) -> int:
    """How long a stage job's loop polls: Processing to its MaxRuntime plus grace, Transform to its timeout."""
    settings = config["polling"][job.kind]
    if job.kind == stages.PROCESSING_JOB:
        return config["max_processing_runtime_seconds"] + settings["grace_seconds"]
    return settings["timeout_seconds"]


def load_config(path: Path) -> dict[str, Any]:
    try:
        config = yaml.safe_load(path.read_text())
    except OSError as error:
        raise RenderError(f"{path}: cannot read config ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise RenderError(f"{path}: not valid YAML ({error})") from None
    validate(config, SCHEMA, str(path))
    check_values(config, str(path))
    return config


def policy(settings: dict[str, Any]) -> dict[str, Any]:
    return {key: settings[key] for key in ("initial_wait_seconds", "max_wait_seconds", "backoff_rate")}


def retry_policies(config: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The Retry entries every Task gets, and the one DeployModel adds for a busy endpoint."""
    transient = {"errors": TRANSIENT_ERRORS, **config["retry"]}
    busy = {"errors": ENDPOINT_BUSY_ERRORS, **config["endpoint_busy_retry"], "jitter": config["retry"]["jitter"]}
    return [transient], busy


def _retry_policy(entry: dict[str, Any]) -> polling.RetryPolicy:
    return polling.RetryPolicy(entry["interval_seconds"], entry["max_attempts"], entry["backoff_rate"], entry["max_delay_seconds"])


def state_machine_timeout(config: dict[str, Any]) -> int:
    """Longer than the slowest run can take, so a loop's own (notified) timeout always comes first.

    Every Task at its worst (every attempt to the Lambda timeout, every retry pause at its
    longest): CheckData, StartTraining, two notifications, DeployModel with its busy-endpoint
    retries, RecordDeployment and the last notification, plus both loops from their first Wait to
    the GetStatus that sees the budget spent.
    """
    transient, busy = retry_policies(config)
    lambda_timeout = config["lambda_timeout_seconds"]
    task = polling.worst_task_seconds([_retry_policy(transient[0])], lambda_timeout)
    deploy = polling.worst_task_seconds([_retry_policy(transient[0]), _retry_policy(busy)], lambda_timeout)
    training = config["polling"]["training_job"]
    loops = polling.worst_loop_seconds(polling.Policy(**policy(training)), config["max_training_runtime_seconds"] + training["grace_seconds"], task)
    if config["deploy_target"] == in_use.ENDPOINT:
        loops += endpoint_loop_seconds(config)
    # Each stage job: prepare, create (or adopt after a failed create), its loop; each stage one notification.
    for job in enabled_jobs(config):
        loops += 3 * task + polling.worst_loop_seconds(polling.Policy(**policy(config["polling"][job.kind])), job_budget_seconds(config, job), task)
    loops += task * sum(config["stages"].values())
    return int(6 * task + deploy + loops + TIMEOUT_MARGIN_SECONDS)


def endpoint_loop_seconds(config: dict[str, Any]) -> int:
    """The endpoint loop at its worst (deploy_target endpoint only)."""
    endpoint = config["polling"]["endpoint"]
    task = polling.worst_task_seconds([_retry_policy(retry_policies(config)[0][0])], config["lambda_timeout_seconds"])
    return polling.worst_loop_seconds(polling.Policy(**policy(endpoint)), endpoint["timeout_seconds"], task)


def context(config: dict[str, Any]) -> dict[str, Any]:
    """Everything the templates may use: the config plus the shared tables and names."""
    training, endpoint = config["polling"]["training_job"], config["polling"]["endpoint"]
    training_budget_max = config["max_training_runtime_seconds"] + training["grace_seconds"]
    transient, busy = retry_policies(config)
    return {
        "config": config,
        "phases": {"running": statuses.RUNNING, "succeeded": statuses.SUCCEEDED, "failed": statuses.FAILED},
        "functions": [{"folder": folder, "logical_id": logical_id, "substitution": names.substitution_key(logical_id)} for folder, logical_id in names.FUNCTIONS.items()],
        "fn_substitution": {folder: names.substitution_key(logical_id) for folder, logical_id in names.FUNCTIONS.items()},
        "fn": {folder: "${" + names.substitution_key(logical_id) + "}" for folder, logical_id in names.FUNCTIONS.items()},
        "training_policy": policy(training),
        "endpoint_policy": policy(endpoint),
        "training_max_polls": polling.max_polls(polling.Policy(**policy(training)), training_budget_max),
        "endpoint_max_polls": polling.max_polls(polling.Policy(**policy(endpoint)), endpoint["timeout_seconds"]),
        "state_machine_timeout_seconds": state_machine_timeout(config),
        "retry_policies": transient,
        "endpoint_busy_policy": busy,
        "stages": config["stages"],
        "batch_target": config["deploy_target"] == in_use.BATCH,
        "role_substitution": stages.ROLE_SUBSTITUTION,
        "jobs": {job.key: job for job in enabled_jobs(config)},
        "job_policies": {kind: policy(config["polling"][kind]) for kind in (stages.PROCESSING_JOB, stages.TRANSFORM_JOB)},
        "create_job_policies": [{"errors": SAGEMAKER_INTEGRATION_ERRORS, **config["retry"]}],
        "job_budgets": {job.key: job_budget_seconds(config, job) for job in enabled_jobs(config)},
        "tag_pipeline": names.TAG_PIPELINE,
        "deploy_package_key": registry.DEPLOY_PACKAGE,
        "variant_name": names.VARIANT,
        "endpoint_alarms": ENDPOINT_ALARMS,
        # With many targets each run names its own endpoint's alarms (pipeline_common.targets.alarm_names).
        "rollback_alarms": "!Ref ExtraRollbackAlarms" if config["fan_out"]["targets"] else
                           "!Join [\",\", [!Ref " + ", !Ref ".join(a.logical_id for a in ENDPOINT_ALARMS) + ", !Ref ExtraRollbackAlarms]]",
        "extra_alarms_max": rollout.ALARM_LIST_MAX - len(ENDPOINT_ALARMS),
        "rollout_limits": {"wait": rollout.WAIT_INTERVAL_SECONDS, "linear": rollout.LINEAR_STEP_PERCENT, "canary": rollout.CANARY_PERCENT},
        "fan_out": config["fan_out"],
        "target_in_input": bool(config["fan_out"]["targets"]),
        "pipeline_substitution": PIPELINE_SUBSTITUTION,
        "plan_paths": ["$.plan.targets", "$.plan.skipped", "$.plan.max_concurrency", "$.plan.run_input.DATE"],
        "alarm_suffixes": rollout.ALARM_SUFFIXES,
    }


def environment(root: Path = ROOT) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tojson"] = lambda value: json.dumps(value)
    return env


def render_file(env: jinja2.Environment, name: str, values: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(**values)
    except jinja2.UndefinedError as error:
        raise RenderError(f"{name}: undefined value in template: {error.message}") from None
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(f"{error.filename or name}:{error.lineno}: template syntax error: {error.message}") from None
    except jinja2.TemplateNotFound as error:
        raise RenderError(f"{name}: template not found: {error.name}") from None


def render(config_path: Path = DEFAULT_CONFIG, root: Path = ROOT, out_dir: Path | None = None,
           enabled_stages: list[str] | None = None, deploy_target: str | None = None, fan_out: dict[str, Any] | None = None) -> dict[str, Path]:
    """Render every template (with exactly ``enabled_stages``, ``deploy_target`` and the targets ``fan_out``, when given);
    returns the written paths (the fan-out state machine only with targets). Writes nothing unless all render."""
    values = context(with_build(load_config(config_path), enabled_stages, deploy_target, fan_out))
    env = environment(root)
    names_ = [TEMPLATE, STATE_MACHINE_TEMPLATE] + ([FAN_OUT_TEMPLATE] if values["target_in_input"] else [])
    rendered = {name: render_file(env, name, {**values, "target_in_input": values["target_in_input"] and name != FAN_OUT_TEMPLATE})
                for name in names_}
    for name in names_[1:]:
        try:
            json.loads(rendered[name])
        except json.JSONDecodeError as error:
            raise RenderError(f"{name}: renders to invalid JSON: {error}") from None
    out_dir = out_dir or root
    written = {}
    for name, text in rendered.items():
        target = out_dir / OUTPUTS[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        written[name] = target
    if FAN_OUT_TEMPLATE not in rendered:
        (out_dir / OUTPUTS[FAN_OUT_TEMPLATE]).unlink(missing_ok=True)
    return written


def every_build() -> list[tuple[list[str], str]]:
    """Every combination of the optional stages with an endpoint, and each one with batch_predict also without one."""
    combinations = [list(c) for n in range(len(stages.STAGES) + 1) for c in itertools.combinations(stages.STAGES, n)]
    return [(c, in_use.ENDPOINT) for c in combinations] + [(c, in_use.BATCH) for c in combinations if stages.BATCH_PREDICT in c]


def parse_stages(text: str | None) -> list[str] | None:
    return None if text is None else [stage.strip() for stage in text.split(",") if stage.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help=f"build-time config (default {DEFAULT_CONFIG.name})")
    parser.add_argument("--out-dir", type=Path, default=None, help="where to write the rendered files (default: next to the templates)")
    parser.add_argument("--diagram", type=Path, metavar="PAGE", help="also write the state machine's diagram between the page's markers "
                        "(docs/how-it-works.md)")
    parser.add_argument("--stages", default=None, help=f"comma-separated stages to enable instead of the config's ({', '.join(stages.STAGES)}; '' for none)")
    parser.add_argument("--deploy-target", default=None, choices=in_use.DEPLOY_TARGETS,
                        help="where the approved model goes instead of the config's: an endpoint, or batch predictions only (needs batch_predict)")
    args = parser.parse_args(argv)
    try:
        written = render(args.config, out_dir=args.out_dir, enabled_stages=parse_stages(args.stages), deploy_target=args.deploy_target)
    except RenderError as error:
        print(f"render.py: error: {error}", file=sys.stderr)
        return 1
    if args.diagram:
        from statemachine import diagram

        try:
            changed = diagram.replace_in(args.diagram, written[STATE_MACHINE_TEMPLATE])
        except (OSError, ValueError) as error:
            print(f"render.py: error: {error}", file=sys.stderr)
            return 1
        print(f"{'updated' if changed else 'unchanged'}: the diagram in {args.diagram}")
    for path in written.values():
        print(f"rendered {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
