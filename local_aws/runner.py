"""The local run: render, deploy into emulated AWS, run a scenario, report what happened."""

import json
import logging
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

from . import dataset, warm
from .clock import Clock
from .cloudwatch import strict_describe_alarms
from .containers import children, run_training
from .deploy import ACCOUNT, REGION, Stack, deploy
from .eventbridge import delivering_to_state_machines
from .lambdas import Runtime
from .s3 import S3Emulator
from .sagemaker import SPOT_BILLABLE_SHARE, SPOT_RESTART_SECONDS, SageMakerEmulator, TrainingOutcome
from .scenarios import BOTH, EMPTY_VALIDATION, NONE, TRAINING_ONLY, Run, Scenario
from .servicequotas import applied_quotas
from .serving import Router
from .slack_receiver import Receiver, text_of
from .stage_jobs import run_processing, run_transform
from .stepfunctions import emulated_time, parsed_once
from .teststate import emulated_test_state
from .timeline import Printer, Timeline

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import render  # noqa: E402
from pipeline_common import dates, history, in_use, names, registry  # noqa: E402  (on sys.path through render)
from pipeline_common.endpoint import predict  # noqa: E402

STACK = "retrain-local"
BUCKET = "retrain-local-data"
TRAINING_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/retrain-model:local"
WALL_TIMEOUT_SECONDS = 120
SERVICES = ("s3", "iam", "lambda", "stepfunctions", "scheduler", "secretsmanager", "sagemaker", "sagemaker-runtime", "events", "cloudwatch", "service-quotas")
OPERATOR = "local-operator"


class ExecutionTimedOut(Exception):
    pass


@dataclass
class Summary:
    scenario: str
    status: str
    error: str = ""
    cause: str = ""
    run_input: dict[str, Any] = field(default_factory=dict)
    states: list[str] = field(default_factory=list)
    deployment: dict[str, Any] = field(default_factory=dict)
    slack: list[dict[str, Any]] = field(default_factory=list)
    slack_rejected: list[int] = field(default_factory=list)
    resources: dict[str, Any] = field(default_factory=dict)
    predictions: list[str] = field(default_factory=list)
    prediction_error: str = ""
    earlier_runs: list[str] = field(default_factory=list)
    later_actions: list[str] = field(default_factory=list)
    throttled_calls: list[str] = field(default_factory=list)
    failed_calls: list[str] = field(default_factory=list)
    deployment_configs: list[dict[str, Any]] = field(default_factory=list)
    training_events: list[str] = field(default_factory=list)
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)   # many targets: each one's execution, states and deployment
    wall_seconds: float = 0.0
    emulated_seconds: float = 0.0
    logs: dict[str, list[str]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Everything but the raw execution history (the --json summary)."""
        return {key: value for key, value in asdict(self).items() if key != "history"}

    @property
    def headlines(self) -> list[str]:
        return [message["headline"] for message in self.slack]


def task_result(history: list[dict[str, Any]], state: str, key: str) -> dict[str, Any]:
    """``key`` of the state output the last time Task ``state`` exited, from the execution history (e.g. what DeployModel
    decided: action, quality gate, model package; what StartTraining started)."""
    for event in reversed(history):
        details = event.get("stateExitedEventDetails") or {}
        if event["type"] == "TaskStateExited" and details.get("name") == state:
            return json.loads(details["output"]).get(key, {})
    return {}


def slack_entry(message: dict[str, Any]) -> dict[str, Any]:
    lines = text_of(message.get("blocks", []))
    headline = lines[0].split(" — ")[0] if lines else message.get("text", "")
    return {"headline": headline, "text": message.get("text", ""), "lines": lines}


class LocalPipeline:
    """One emulated account with the pipeline deployed; runs executions on it."""

    def __init__(self, clients: dict[str, Any], stack: Stack, emulator: SageMakerEmulator, clock: Clock, workdir: Path,
                 data: tuple[bytes, bytes] | None = None) -> None:
        self.clients, self.stack, self.emulator, self.clock, self.workdir = clients, stack, emulator, clock, workdir
        self.data = data
        self.started_by_rules: list[str] = []
        self.training_events: list[str] = []
        self.timezone = dates.timezone(stack.parameters["ScheduleTimezone"])
        self.lag = int(stack.parameters["DataLagDays"])
        self.training_seconds = TrainingOutcome.duration_seconds   # how long a job that trains for real lasts, at least

    def today(self) -> date:
        """Today where the schedule runs; Step Functions stamps executions with the real time."""
        return dates.today(None, self.timezone)

    def data_key(self, prefix_parameter: str, run_date: date, target: str = "") -> str:
        p = self.stack.parameters
        return names.data_key(p[prefix_parameter], dates.data_date(run_date, self.lag), target or p["Target"], p["DataFileName"])

    def seed(self, run: Run, run_date: date, target: str = "") -> None:
        """The day's files of ``run`` for ``target`` (default: the stack's Target parameter)."""
        training, validation = self.data or dataset.training_and_validation(run.seed, run.label_noise, run.drift, run.validation)
        if run.corrupt_champion:
            self.corrupt_serving_artifact()
        if run.champion_gone:
            self.corrupt_serving_artifact(delete=True)
        if run.alarm_deleted:
            cloudwatch = self.clients["cloudwatch"]
            cloudwatch.delete_alarms(AlarmNames=[a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]
                                                 if a["AlarmName"].endswith(f"-{run.alarm_deleted}")])
        if run.malformed:
            training = dataset.with_text_cell(training)
        if run.validation_column_dropped:
            validation = b"".join(line.rsplit(b",", 1)[0] + b"\n" for line in validation.splitlines())
        p = self.stack.parameters
        if "PredictionInputPrefix" in p and run.prediction_input != "none":
            rows = (dataset.features_of(validation) if self.data else dataset.prediction_rows(run.seed)) if run.prediction_input == "rows" \
                else b"5.1,3.5\n6.2,2.9\n"
            key = names.data_key(p["PredictionInputPrefix"], dates.data_date(run_date, self.lag), target or p["Target"], "rows.csv")
            self.clients["s3"].put_object(Bucket=BUCKET, Key=key, Body=rows)
        if "RawPrefix" in p:
            if run.data != NONE:
                self.clients["s3"].put_object(Bucket=BUCKET, Key=self.data_key("RawPrefix", run_date, target),
                                              Body=dataset.raw(run.seed, run.drift, broken=run.raw_broken))
            return
        files = {
            BOTH: {"TrainingPrefix": training, "ValidationPrefix": validation},
            TRAINING_ONLY: {"TrainingPrefix": training},
            EMPTY_VALIDATION: {"TrainingPrefix": training, "ValidationPrefix": b""},
            NONE: {},
        }[run.data]
        for prefix_parameter, body in files.items():
            self.clients["s3"].put_object(Bucket=BUCKET, Key=self.data_key(prefix_parameter, run_date, target), Body=body)

    def corrupt_serving_artifact(self, delete: bool = False) -> None:
        """Overwrite the serving model's model.tar.gz with bytes no container can load (or delete it)."""
        sm, name = self.clients["sagemaker"], self.stack.parameters["EndpointName"]
        config = sm.describe_endpoint_config(EndpointConfigName=sm.describe_endpoint(EndpointName=name)["EndpointConfigName"])
        artifact = sm.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])["PrimaryContainer"]["ModelDataUrl"]
        bucket, key = artifact.removeprefix("s3://").split("/", 1)
        if delete:
            self.clients["s3"].delete_object(Bucket=bucket, Key=key)
        else:
            self.clients["s3"].put_object(Bucket=bucket, Key=key, Body=b"not a gzip archive (emulated corruption)")

    def training_for(self, run: Run) -> Callable[[str, dict[str, Any]], TrainingOutcome]:
        if run.training is not None:
            return lambda name, request: run.training

        def train(name: str, request: dict[str, Any]) -> TrainingOutcome:
            result = run_training(self.clients["s3"], request, self.workdir, interrupt=run.spot_interruption)
            self.training_events += result.interruptions
            duration = max(self.training_seconds, int(result.seconds) + 1)
            if result.exit_code != 0:
                return TrainingOutcome(status="Failed", duration_seconds=duration, failure_reason=result.failure_reason, metrics={})
            spot = bool(request.get("enable_managed_spot_training"))
            return TrainingOutcome(status="Completed", duration_seconds=duration + (SPOT_RESTART_SECONDS if result.interruptions else 0),
                                   metrics=result.metrics, billable_share=SPOT_BILLABLE_SHARE if spot else 1.0,
                                   interrupted_at=duration // 2 if result.interruptions else None)

        return train

    def scheduled_input(self) -> dict[str, Any]:
        """The input EventBridge Scheduler sends: the template's Input with the scheduled time filled in."""
        template = self.stack.schedules[0]["Target"]["Input"]
        scheduled = self.clock.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        return json.loads(template.replace("<aws.scheduler.scheduled-time>", scheduled))

    @property
    def group(self) -> str:
        return f"{self.stack.parameters['ResourcePrefix']}-{self.stack.parameters['Target']}"

    @property
    def history(self) -> history.Location:
        return history.Location(BUCKET, self.stack.parameters["DeploymentHistoryPrefix"], self.group)

    def act(self, run: Run) -> dict[str, Any] | None:
        """An operator's action, done as scripts/approve-model and scripts/rollback do it; the execution it starts, if any."""
        sm = self.clients["sagemaker"]
        versions = registry.packages(sm, self.group)
        self.emulator.endpoint = run.endpoint
        if run.kind in ("approve", "reject"):
            package = registry.latest_pending(versions)
            approved = run.kind == "approve"
            registry.set_approval(sm, package["ModelPackageArn"], approved, f"{'approved' if approved else 'rejected'} by {OPERATOR}: {run.reason}")
            if not approved:
                return None
            if not self.started_by_rules:
                raise ExecutionTimedOut(f"approving version {package['Version']} started no execution: the approval rule did not fire")
            return self.wait(self.started_by_rules.pop())
        if run.kind == "rollback":
            s3 = self.clients["s3"]
            serving = in_use.of_stack(sm, s3, self.stack.deploy_target, self.stack.parameters.get("EndpointName", ""), self.history)
            target = registry.rollback_target(versions, history.records(s3, self.history), serving["model_package_arn"])
            return self.execute(run, registry.deployment_input(target["ModelPackageArn"], "rollback", OPERATOR, run.reason))
        raise ValueError(f"run kind {run.kind!r} is not daily, approve, reject or rollback")

    def execute(self, run: Run, run_input: dict[str, Any]) -> dict[str, Any]:
        self.emulator.training = self.training_for(run)
        self.emulator.endpoint = run.endpoint
        return self.start(self.stack.state_machine_arn, run_input)

    def start(self, state_machine_arn: str, run_input: dict[str, Any]) -> dict[str, Any]:
        arn = self.clients["stepfunctions"].start_execution(
            stateMachineArn=state_machine_arn, name=f"local-{uuid.uuid4().hex[:12]}", input=json.dumps(run_input)
        )["executionArn"]
        return self.wait(arn)

    def running_pipelines(self) -> int:
        """Executions of the pipeline now running: the emulated clock moves once all of them wait."""
        backend = stepfunctions_backend(ACCOUNT, REGION)
        return sum(1 for execution in backend._get_executions() if execution.state_machine_arn == self.stack.state_machine_arn
                   and getattr(execution.exec_status, "value", "RUNNING") == "RUNNING")

    def wait(self, arn: str) -> dict[str, Any]:
        """The execution's description and history once it ended. The status is read from moto's backend
        while it runs: a DescribeExecution every few milliseconds would take the CPU the execution needs."""
        sfn = self.clients["stepfunctions"]
        execution = stepfunctions_backend(ACCOUNT, REGION).describe_execution(arn)
        deadline = time.monotonic() + WALL_TIMEOUT_SECONDS
        while getattr(execution.exec_status, "value", "RUNNING") == "RUNNING":
            if time.monotonic() > deadline:
                raise ExecutionTimedOut(f"execution {arn} still RUNNING after {WALL_TIMEOUT_SECONDS} s of wall time")
            time.sleep(0.005)
        description = sfn.describe_execution(executionArn=arn)
        description["history"] = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        return description

    def run_stage_job(self, kind: str, request: dict[str, Any], model_data: str):
        if kind == "processing_job":
            return run_processing(self.clients["s3"], request, self.workdir)
        return run_transform(self.clients["s3"], request, model_data, self.workdir)

    def upload_processing_code(self) -> None:
        """What create-stack.sh does with processing/: the stage jobs' scripts, in the bucket."""
        prefix = self.stack.parameters.get("ProcessingCodePrefix")
        if prefix:
            for script in sorted((ROOT / "processing").glob("*.py")):
                self.clients["s3"].put_object(Bucket=BUCKET, Key=f"{prefix.strip('/')}/{script.name}", Body=script.read_bytes())

    @property
    def groups(self) -> list[str]:
        """Every target's model package group: the stack's one, or with many targets each one the runs created."""
        if not self.stack.fan_out_arn:
            return [self.group]
        listed = self.clients["sagemaker"].list_model_package_groups(NameContains=f"{self.stack.parameters['ResourcePrefix']}-")
        return sorted(g["ModelPackageGroupName"] for g in listed["ModelPackageGroupSummaryList"])

    def resources(self) -> dict[str, Any]:
        sm = self.clients["sagemaker"]
        serving = []
        for summary in sm.list_endpoints()["Endpoints"]:
            endpoint = sm.describe_endpoint(EndpointName=summary["EndpointName"])
            serving.append({"name": endpoint["EndpointName"], "status": endpoint["EndpointStatus"], "config": endpoint["EndpointConfigName"]})
        records = [entry for group in self.groups for entry in
                   history.records(self.clients["s3"], history.Location(BUCKET, self.stack.parameters["DeploymentHistoryPrefix"], group))]
        packages = []
        for group in sm.list_model_package_groups()["ModelPackageGroupSummaryList"]:
            for summary in sm.list_model_packages(ModelPackageGroupName=group["ModelPackageGroupName"])["ModelPackageSummaryList"]:
                package = registry.describe(sm, summary["ModelPackageArn"])
                packages.append({"arn": summary["ModelPackageArn"], "approval": package["ModelApprovalStatus"],
                                 "description": package.get("ApprovalDescription", ""),
                                 "metadata": package.get("CustomerMetadataProperties", {}),
                                 "deployments": [{"at": entry["at"], "record": history.describe(entry)}
                                                 for entry in records if entry["model_package_arn"] == summary["ModelPackageArn"]]})
        in_use_now = {self.group: records[-1]["model_package_arn"]} if records and self.stack.deploy_target == in_use.BATCH else {}
        return {
            "training_jobs": [{"name": j["TrainingJobName"], "status": j["TrainingJobStatus"]} for j in sm.list_training_jobs()["TrainingJobSummaries"]],
            "processing_jobs": [{"name": n, "status": sm.describe_processing_job(ProcessingJobName=n)["ProcessingJobStatus"]}
                                for n in sorted(j["ProcessingJobName"] for j in sm.list_processing_jobs()["ProcessingJobSummaries"])],
            "transform_jobs": [{"name": n, "status": sm.describe_transform_job(TransformJobName=n)["TransformJobStatus"]}
                               for n in sorted(j["TransformJobName"] for j in sm.list_transform_jobs()["TransformJobSummaries"])],
            "endpoints": serving,
            "endpoint_configs": sorted(c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]),
            "hosting": {c["EndpointConfigName"]: sm.describe_endpoint_config(EndpointConfigName=c["EndpointConfigName"])["ProductionVariants"][0]
                        for c in sm.list_endpoint_configs()["EndpointConfigs"]},
            "models": sorted(m["ModelName"] for m in sm.list_models()["Models"]),
            "model_packages": packages,
            "in_use": in_use_now,        # deploy_target batch: the version of the last deployment recorded
        }

    def sample_rows(self, run_date: date) -> list[str]:
        """A few feature rows (label dropped) from the day's validation data."""
        key = self.data_key("ValidationPrefix", run_date)
        try:
            lines = self.clients["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read().decode().splitlines()[:4]
        except self.clients["s3"].exceptions.NoSuchKey:
            return []
        return [line.split(",", 1)[1] for line in lines if "," in line]

@cache
def _client(service: str):
    """One client per service for every run of this process: a client holds no AWS state (each run's
    mock_aws starts empty), and creating eleven costs half a second."""
    return boto3.client(service, region_name=REGION)


def _parameters(scenario: Scenario, secret_arn: str) -> dict[str, str]:
    return {"Bucket": BUCKET, "TrainingImage": TRAINING_IMAGE, "SlackWebhookSecretArn": secret_arn, "LogLevel": "WARNING", **scenario.parameters}


@dataclass
class Account:
    """An emulated AWS account with the pipeline deployed, and the emulators behind it."""

    pipeline: LocalPipeline
    receiver: Receiver
    runtime: Runtime
    emulator: SageMakerEmulator
    s3_emulator: S3Emulator
    router: Router
    timeline: Timeline
    clock: Clock

    @property
    def clients(self) -> dict[str, Any]:
        return self.pipeline.clients


@contextmanager
def emulated_account(scenario: Scenario, config: Path = render.DEFAULT_CONFIG, printer: Printer = print,
                     data: tuple[bytes, bytes] | None = None, parameters: dict[str, str] | None = None,
                     verbose: bool = False, stages: list[str] | None = None, deploy_target: str | None = None,
                     stack_name: str = STACK, fan_out: dict[str, Any] | None = None) -> Iterator[Account]:
    """Render, start emulated AWS (empty, in this process), deploy the stack into it; gone on exit."""
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    clock = Clock(datetime.now(UTC).replace(second=0, microsecond=0))
    timeline = Timeline(clock, printer, verbose)
    receiver = Receiver(mode=scenario.receiver, printer=lambda line: timeline.enabled and printer(line))
    children.reset()
    warm.zygote.prestart()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="retrain-local-", ignore_cleanup_errors=True)))
        rendered = render.render(config, out_dir=workdir / "build", enabled_stages=stages if stages is not None else (list(scenario.stages) or None),
                                 deploy_target=deploy_target or scenario.deploy_target, fan_out=fan_out)
        stack.callback(children.stop_all)
        stack.enter_context(mock_aws(config={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}))
        clients = {service: _client(service) for service in SERVICES}
        stack.enter_context(receiver)
        clients["s3"].create_bucket(Bucket=BUCKET)
        secret_arn = clients["secretsmanager"].create_secret(Name=f"{STACK}/slack-webhook", SecretString=receiver.url)["ARN"]
        runtime = Runtime({"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "POWERTOOLS_LOG_LEVEL": "WARNING"})
        emulator = SageMakerEmulator(clock)
        router = stack.enter_context(Router(clients["s3"], workdir).installed())
        emulator.start_serving = router.start_serving
        stack.enter_context(runtime.installed())
        stack.enter_context(emulator.installed())
        s3_emulator = stack.enter_context(S3Emulator(scenario.s3_denied, scenario.s3_put_denied).installed())
        stack.enter_context(strict_describe_alarms())
        stack.enter_context(applied_quotas(scenario.quotas, scenario.quota_refusal))
        stack.enter_context(emulated_time(clock, timeline))
        stack.enter_context(parsed_once())
        stack.enter_context(emulated_test_state(runtime))
        deployed = deploy(rendered[render.TEMPLATE], stack_name, {**_parameters(scenario, secret_arn), **(parameters or {})}, clients, runtime, code_root=ROOT)
        pipeline = LocalPipeline(clients, deployed, emulator, clock, workdir, data)
        clock.active = pipeline.running_pipelines
        emulator.run_stage_job = pipeline.run_stage_job
        pipeline.upload_processing_code()
        stack.enter_context(delivering_to_state_machines(pipeline.started_by_rules))
        yield Account(pipeline, receiver, runtime, emulator, s3_emulator, router, timeline, clock)


def run(scenario: Scenario, run_date: date | None = None, config: Path = render.DEFAULT_CONFIG, printer: Printer = print,
        rows: list[str] | None = None, data: tuple[bytes, bytes] | None = None, parameters: dict[str, str] | None = None,
        verbose: bool = False, stages: list[str] | None = None, deploy_target: str | None = None) -> Summary:
    """Run ``scenario`` end to end on emulated AWS and return what happened.

    ``data`` replaces the seeded iris files (training, validation); ``parameters`` override the
    template's; ``stages`` and ``deploy_target`` replace the scenario's build. When an endpoint ends up serving, ``rows``
    (default: a few validation rows) are sent to it.
    The emulated clock starts at the run's own time: the minute the schedule fires (now).
    """
    started = time.monotonic()
    with emulated_account(scenario, config, printer, data, parameters, verbose, stages, deploy_target) as account:
        pipeline, receiver, emulator, timeline = account.pipeline, account.receiver, account.emulator, account.timeline
        clients, deployed, s3_emulator, runtime, clock = account.clients, pipeline.stack, account.s3_emulator, account.runtime, account.clock
        base_date = run_date or pipeline.today()

        earlier = []
        for back in range(scenario.earlier_data_days, 0, -1):
            pipeline.seed(Run(seed=100 + back), base_date - timedelta(days=back))
        for before in scenario.before:
            day = base_date + timedelta(days=before.day_offset)
            if before.kind != "daily":
                acted = pipeline.act(before)
                earlier.append(f"{before.kind}: {acted['status'] if acted else 'done'}")
                continue
            pipeline.seed(before, day)
            result = pipeline.execute(before, {"DATE": day.isoformat()})
            earlier.append(f"{day.isoformat()}: {result['status']}")

        main = scenario.main
        day = base_date + timedelta(days=main.day_offset)
        if main.kind == "daily":
            pipeline.seed(main, day)
        if main.kind != "daily":
            run_input = {"operator": main.kind}
        elif main.date_input is not None:
            run_input = {"DATE": main.date_input}
        elif run_date is not None:
            run_input = {"DATE": run_date.isoformat()}
        else:
            run_input = pipeline.scheduled_input()
        emulator.throttle = dict(scenario.throttle)
        emulator.unavailable = {operation: list(plan) for operation, plan in scenario.unavailable.items()}
        emulator.failed_calls.clear()
        emulator.deployment_configs.clear()
        receiver.messages.clear()
        receiver.rejected.clear()
        printer(f"scenario {scenario.name}: {scenario.description}")
        for line in earlier:
            printer(f"  earlier run {line}")
        printer(f"operator: {main.kind} ({main.reason})" if main.kind != "daily" else f"starting execution with input {json.dumps(run_input)}")
        printer("  wall     emulated    state")
        timeline.start()
        result = pipeline.execute(main, run_input) if main.kind == "daily" else pipeline.act(main)
        timeline.stop()
        if result is None:
            raise ValueError(f"scenario {scenario.name}: its main step {main.kind!r} starts no execution")
        run_input = json.loads(result.get("input") or "{}")
        later = []
        for after in scenario.after:
            acted = pipeline.act(after)
            later.append(f"{after.kind}: {acted['status'] if acted else 'done'}")

        summary = Summary(
            scenario=scenario.name,
            status=result["status"],
            error=result.get("error", ""),
            cause=result.get("cause", ""),
            run_input=run_input,
            states=[e["stateEnteredEventDetails"]["name"] for e in result["history"] if e["type"].endswith("StateEntered")],
            deployment=task_result(result["history"], "DeployModel", "deployment"),
            slack=[slack_entry(m) for m in receiver.messages],
            slack_rejected=list(receiver.rejected),
            resources=pipeline.resources(),
            earlier_runs=earlier,
            later_actions=later,
            throttled_calls=list(emulator.throttled_calls),
            failed_calls=list(emulator.failed_calls) + list(s3_emulator.denied_calls),
            deployment_configs=list(emulator.deployment_configs),
            training_events=list(pipeline.training_events),
            emulated_seconds=clock.elapsed() - timeline.origin,
            history=result["history"],
            logs={name.removeprefix(f"{STACK}-"): list(function.logs) for name, function in runtime.functions.items() if function.logs},
        )
        if account.router.servers:
            try:
                summary.predictions = predict(clients["sagemaker-runtime"], deployed.parameters["EndpointName"], rows or pipeline.sample_rows(day))
            except ClientError as error:
                summary.prediction_error = f"{error.response['Error'].get('Code')}: {error.response['Error'].get('Message')}"
    summary.wall_seconds = round(time.monotonic() - started, 2)
    return summary


def report(summary: Summary, printer: Printer = print, verbose: bool = False) -> None:
    if verbose:
        for function, lines in summary.logs.items():
            printer(f"log of {function}:")
            for line in lines:
                printer(f"  {line}")
    printer("")
    printer(f"result: {summary.status}" + (f" ({summary.error})" if summary.error else ""))
    gate = summary.deployment.get("gate")
    if gate:
        verdict = "passed" if gate["approved"] else "rejected"
        printer(f"quality gate {verdict}: {gate['reason']}")
    printer(f"slack messages: {len(summary.slack)} delivered" + (f", {len(summary.slack_rejected)} answered {sorted(set(summary.slack_rejected))}" if summary.slack_rejected else ""))
    resources = summary.resources
    for endpoint in resources.get("endpoints", []):
        printer(f"endpoint {endpoint['name']}: {endpoint['status']} on {endpoint['config']}")
    jobs = ", ".join(f"{job['name']} ({job['status']})" for job in resources.get("training_jobs", []))
    printer(f"training jobs: {jobs or 'none'}")
    for kind in ("processing_jobs", "transform_jobs"):
        if resources.get(kind):
            printer(f"{kind.replace('_', ' ')}: " + ", ".join(f"{job['name']} ({job['status']})" for job in resources[kind]))
    for package in resources.get("model_packages", []):
        metadata = package["metadata"]
        printer(f"model package {package['arn'].split('/', 1)[1]}: {package['approval']} ({metadata.get('metric_name')} = {metadata.get('metric_value')})")
    for group, arn in resources.get("in_use", {}).items():
        printer(f"in use for batch predictions: {group} version {registry.version_of(arn)} (no endpoint: deploy_target batch)")
    if summary.prediction_error:
        printer(f"the local endpoint answered an error: {summary.prediction_error}")
    if summary.predictions:
        printer("predictions from the local endpoint:")
        for line in summary.predictions:
            printer(f"  {line}")
    printer(f"wall time {summary.wall_seconds:.1f} s, emulated time {timedelta(seconds=int(summary.emulated_seconds))}")
