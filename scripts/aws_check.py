"""The account check: deploy a throwaway copy of the pipeline, live a scripted day on it, ask Step
Functions' TestState about the definition's guards, check every outcome, and delete all of it.

The steps take an ``Account`` (AWS through scripts/aws-check, or the emulator through
``EmulatedAccount``) so the same code is exercised locally by the tests.
"""

import json
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from botocore.exceptions import ClientError, WaiterError
from cleanup_sagemaker import delete as delete_tagged
from cleanup_sagemaker import tagged
from state_tests import Case, cases_for

from local_aws import dataset
from pipeline_common import history, in_use, names, registry

CHECK_ROOT = "aws-check"
TARGET = "check"
DATA_FILE = "iris.csv"
DAYS = 3
TRAINING_INSTANCE = "ml.m5.large"
HOSTING_INSTANCE = "ml.t2.medium"
MAX_TRAINING_SECONDS = 900
#: Approximate on-demand list prices, USD per instance-hour, us-east-1 (https://aws.amazon.com/sagemaker/pricing/).
#: Other regions differ; the plan says so and shows the instance-hours they multiply.
PRICE_PER_HOUR = {("training", TRAINING_INSTANCE): 0.115, ("hosting", HOSTING_INSTANCE): 0.056}
TRAINING_JOBS = 2   # days 1 and 3: day 2's bad data is refused by CheckData before any job
ENDPOINT_HOURS_BOUND = 3.0  # ≤ 90 min of check while an endpoint exists, two instances during each blue/green update
Printer = Callable[[str], None]


class Account(Protocol):
    """Where the check runs: a real account (scripts/aws-check) or the emulator (tests)."""

    name: str
    bucket: str
    clients: dict[str, Any]

    def deploy(self, stack: str, parameters: dict[str, str]) -> dict[str, str]: ...
    def run(self, run_input: dict[str, Any]) -> dict[str, Any]: ...
    def delete_stack(self, stack: str) -> None: ...
    def stack_exists(self, stack: str) -> bool: ...


def check_parameters(prefix: str) -> dict[str, str]:
    """The throwaway stack's parameters: smallest instances, short caps, its own prefixes, no schedule."""
    return {
        "ResourcePrefix": prefix, "EndpointName": f"{prefix}-{TARGET}", "Target": TARGET, "ScheduleState": "DISABLED",
        "DataLagDays": "0", "TrainingInstanceType": TRAINING_INSTANCE, "MaxRuntimeSeconds": str(MAX_TRAINING_SECONDS),
        "HostingInstanceType": HOSTING_INSTANCE, "HostingInstanceCount": "1", "RolloutStrategy": "AllAtOnce",
        "BakingPeriodSeconds": "0", "QualityGate": "Disabled",
        "DataFileName": DATA_FILE, "TrainingPrefix": f"{CHECK_ROOT}/training", "ValidationPrefix": f"{CHECK_ROOT}/validation",
        "OutputPrefix": f"{CHECK_ROOT}/output-model", "DeploymentHistoryPrefix": f"{CHECK_ROOT}/deployment-history",
    }


def expected_cost() -> tuple[float, list[str]]:
    training_hours = TRAINING_JOBS * MAX_TRAINING_SECONDS / 3600
    lines = [f"training: {TRAINING_JOBS} jobs × ≤ {MAX_TRAINING_SECONDS // 60} min on {TRAINING_INSTANCE} = ≤ {training_hours:.2f} instance-hours",
             f"endpoint: ≤ {ENDPOINT_HOURS_BOUND:.1f} instance-hours of {HOSTING_INSTANCE} (one instance, two during each update)",
             "Lambda, Step Functions, S3, CloudWatch: a few hundred requests (cents at most)"]
    total = training_hours * PRICE_PER_HOUR[("training", TRAINING_INSTANCE)] + ENDPOINT_HOURS_BOUND * PRICE_PER_HOUR[("hosting", HOSTING_INSTANCE)]
    return total, lines


def plan(stack: str, account_name: str, bucket: str, template: dict[str, Any], cases: list[Case]) -> list[str]:
    kinds: dict[str, int] = {}
    for resource in template.get("Resources", {}).values():
        kinds[resource["Type"]] = kinds.get(resource["Type"], 0) + 1
    total, cost_lines = expected_cost()
    guards = sum(1 for case in cases if case.kind == "choice")
    lines = [
        f"stack      {stack} in {account_name}: a throwaway copy (your own stacks are not touched)",
        f"resources  {sum(kinds.values())} from the rendered template: " + ", ".join(f"{n} {k.split('::')[-1]}" for k, n in sorted(kinds.items())),
        f"data       s3://{bucket}/{CHECK_ROOT}/ (iris rows; deleted at the end)",
        "day 1      train and deploy version 1 (a new endpoint)",
        "day 2      a forced failure: training data with a text column; the run must fail, say why, and leave the endpoint alone",
        "day 3      train and deploy version 2, then roll back to version 1 (as scripts/rollback does)",
        f"TestState  {len(cases)} calls: {guards} Choice guards, {len(cases) - guards} Task Retry/Catch answers",
        f"cost       ≤ ${total:.2f} at approximate us-east-1 list prices (your region's may differ):",
        *(f"             {line}" for line in cost_lines),
        "then       deletes the stack, the endpoint, endpoint configs, models, the check's model versions and S3 objects",
        "           (training jobs stay listed: SageMaker cannot delete them; they cost nothing once stopped)",
    ]
    return lines


@dataclass
class Result:
    rows: list[tuple[str, str, bool, str]] = field(default_factory=list)
    interrupted: bool = False

    def check(self, step: str, what: str, ok: bool, detail: str = "") -> bool:
        self.rows.append((step, what, bool(ok), detail))
        return bool(ok)

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(ok for _, _, ok, _ in self.rows)

    def table(self) -> list[str]:
        width = max(len(f"{step}: {what}") for step, what, _, _ in self.rows)
        return [f"{'PASS' if ok else 'FAIL'}  {f'{step}: {what}'.ljust(width)}  {detail}".rstrip() for step, what, ok, detail in self.rows]


def _notified(execution: dict[str, Any]) -> list[dict[str, Any]]:
    """What the notify function answered in this execution ({"kind", "delivered"}), in order."""
    found = []
    for event in execution.get("history", []):
        details = event.get("taskSucceededEventDetails") or event.get("lambdaFunctionSucceededEventDetails") or {}
        try:
            output = json.loads(details.get("output") or "null")
        except ValueError:
            continue
        payload = output.get("Payload", output) if isinstance(output, dict) else None
        if isinstance(payload, dict) and "kind" in payload and "delivered" in payload:
            found.append(payload)
    return found


class Day:
    """The scripted day on the deployed check stack."""

    def __init__(self, account: Account, parameters: dict[str, str], first: date, result: Result) -> None:
        self.account, self.parameters, self.first, self.result = account, parameters, first, result
        self.group = f"{parameters['ResourcePrefix']}-{TARGET}"
        self.where = history.Location(account.bucket, parameters["DeploymentHistoryPrefix"], self.group)

    def upload(self, day: date, training: bytes, validation: bytes) -> None:
        s3 = self.account.clients["s3"]
        for prefix, body in ((self.parameters["TrainingPrefix"], training), (self.parameters["ValidationPrefix"], validation)):
            s3.put_object(Bucket=self.account.bucket, Key=names.data_key(prefix, day, TARGET, DATA_FILE), Body=body)

    def expect_serving(self, step: str, what: str, version: int) -> None:
        serving = in_use.of_endpoint(self.account.clients["sagemaker"], self.parameters["EndpointName"])
        serves = registry.version_of(serving.get("model_package_arn", "")) or None
        self.result.check(step, what, serves == version, f"serves version {serves}")

    def records(self) -> list[dict[str, Any]]:
        return history.records(self.account.clients["s3"], self.where)

    def expect_records(self, step: str, what: str, count: int) -> None:
        found = len(self.records())
        self.result.check(step, what, found == count, f"{found} record(s) under {self.where.prefix}")

    def daily(self, step: str, day: date, expect_status: str, expect_kind: str) -> dict[str, Any]:
        execution = self.account.run({"DATE": day.isoformat()})
        status = execution["status"]
        detail = f"{execution.get('error', '')}: {execution.get('cause', '')[:160]}" if status != "SUCCEEDED" else ""
        self.result.check(step, f"execution {expect_status}", status == expect_status, f"was {status} {detail}".strip())
        sent = _notified(execution)
        kinds = [n["kind"] for n in sent]
        delivered = any(n["delivered"] for n in sent if n["kind"] == expect_kind)
        self.result.check(step, f"Slack message '{expect_kind}'", expect_kind in kinds,
                          f"sent: {', '.join(kinds) or 'none'}; delivered: {'yes' if delivered else 'no (no webhook configured?)'}")
        return execution

    def run(self) -> None:
        check, days = self.result.check, [self.first + timedelta(days=n) for n in range(DAYS)]
        self.upload(days[0], *dataset.training_and_validation(seed=1))
        self.daily("day 1", days[0], "SUCCEEDED", "deployed")
        self.expect_serving("day 1", "endpoint serves version 1", 1)
        self.expect_records("day 1", "deployment recorded", 1)

        training, validation = dataset.training_and_validation(seed=2)
        self.upload(days[1], dataset.with_text_cell(training), validation)
        failed = self.daily("day 2", days[1], "FAILED", "failed")
        check("day 2", "the cause names the day's data or job", days[1].strftime("%Y%m%d") in failed.get("cause", "") or
              days[1].isoformat() in failed.get("cause", ""), failed.get("cause", "")[:160])
        self.expect_serving("day 2", "endpoint still serves version 1", 1)
        self.expect_records("day 2", "nothing recorded", 1)

        self.upload(days[2], *dataset.training_and_validation(seed=3))
        self.daily("day 3", days[2], "SUCCEEDED", "deployed")
        self.expect_serving("day 3", "endpoint serves version 2", 2)

        sagemaker = self.account.clients["sagemaker"]
        serving = in_use.of_endpoint(sagemaker, self.parameters["EndpointName"])
        target = registry.rollback_target(registry.packages(sagemaker, self.group), self.records(), serving["model_package_arn"])
        rolled = self.account.run(registry.deployment_input(target["ModelPackageArn"], "rollback", "aws-check", "scripted rollback"))
        check("rollback", "execution SUCCEEDED", rolled["status"] == "SUCCEEDED", f"was {rolled['status']} {rolled.get('cause', '')[:160]}".strip())
        self.expect_serving("rollback", "endpoint serves version 1 again", 1)
        records = self.records()
        check("rollback", "three deployments recorded, the last a rollback", len(records) == 3 and records[-1].get("origin") == "rollback",
              f"{len(records)} record(s), last: {history.describe(records[-1]) if records else 'none'}")


def ask_teststate(account: Account, definition: str, role_arn: str, cases: list[Case], result: Result) -> None:
    sfn = account.clients["stepfunctions"]
    wrong: dict[str, list[str]] = {"choice": [], "task": []}
    for case in cases:
        request = {"definition": definition, "stateName": case.state, "input": json.dumps(case.input), "roleArn": role_arn, **case.request}
        try:
            answer = sfn.test_state(**request)
        except ClientError as error:
            wrong[case.kind].append(f"{case.label}: {error.response['Error'].get('Code')}: {error.response['Error'].get('Message')}")
            continue
        got = (answer.get("status"), answer.get("nextState"))
        if got != (case.status, case.next_state):
            wrong[case.kind].append(f"{case.label}: expected {case.status} → {case.next_state}, AWS answered {got[0]} → {got[1]}")
    for kind, what in (("choice", "Choice guards"), ("task", "Task Retry/Catch")):
        total = sum(1 for case in cases if case.kind == kind)
        result.check("TestState", f"{what} ({total} calls)", total > 0 and not wrong[kind], "; ".join(wrong[kind][:3]) or "all as expected")


def _group_exists(sagemaker, group: str) -> bool:
    """Listed: what DescribeModelPackageGroup answers for a missing group is not documented."""
    pages = sagemaker.get_paginator("list_model_package_groups").paginate(NameContains=group)
    return any(summary["ModelPackageGroupName"] == group for page in pages for summary in page["ModelPackageGroupSummaryList"])


def _running(sagemaker, prefix: str) -> list[str]:
    pages = sagemaker.get_paginator("list_training_jobs").paginate(NameContains=prefix, StatusEquals="InProgress")
    return [job["TrainingJobName"] for page in pages for job in page["TrainingJobSummaries"]]


def stop_training(sagemaker, prefix: str, printer: Printer) -> list[str]:
    """Stop the check's training jobs still running (an interrupted check leaves one billing by the second)."""
    errors = []
    for name in _running(sagemaker, prefix):
        try:
            sagemaker.stop_training_job(TrainingJobName=name)
            printer(f"stopped training job {name}")
        except ClientError as error:
            if name in _running(sagemaker, prefix):
                errors.append(f"training job {name}: {error}")
    return errors


def delete_everything(account: Account, stack: str, parameters: dict[str, str], printer: Printer) -> list[str]:
    """Delete what the check created, each kind on its own so one failure leaves nothing else behind."""
    sagemaker, s3, errors = account.clients["sagemaker"], account.clients["s3"], []
    errors += stop_training(sagemaker, parameters["ResourcePrefix"], printer)
    errors += delete_tagged(sagemaker, tagged(sagemaker, stack), printer)
    try:
        sagemaker.get_waiter("endpoint_deleted").wait(EndpointName=parameters["EndpointName"], WaiterConfig={"Delay": 15, "MaxAttempts": 60})
    except WaiterError as error:
        errors.append(f"endpoint {parameters['EndpointName']}: still there after 15 min ({error})")
    try:
        account.delete_stack(stack)
        printer(f"deleted stack {stack}")
    except Exception as error:  # noqa: BLE001 - the rest is still deleted; the error is reported
        errors.append(f"stack {stack}: {error}")
    group = f"{parameters['ResourcePrefix']}-{TARGET}"
    if _group_exists(sagemaker, group):
        try:
            for package in registry.packages(sagemaker, group):
                sagemaker.delete_model_package(ModelPackageName=package["ModelPackageArn"])
            sagemaker.delete_model_package_group(ModelPackageGroupName=group)
            printer(f"deleted model package group {group} and its versions")
        except ClientError as error:
            errors.append(f"model package group {group}: {error}")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=account.bucket, Prefix=f"{CHECK_ROOT}/"):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=account.bucket, Delete={"Objects": keys, "Quiet": True})
    printer(f"deleted s3://{account.bucket}/{CHECK_ROOT}/")
    return errors


def leftovers(account: Account, stack: str, parameters: dict[str, str]) -> list[str]:
    sagemaker, s3, found = account.clients["sagemaker"], account.clients["s3"], []
    if account.stack_exists(stack):
        found.append(f"stack {stack}")
    found += [f"{kind} {name}" for kind, name, _ in tagged(sagemaker, stack)]
    found += [f"training job {name} (InProgress)" for name in _running(sagemaker, parameters["ResourcePrefix"])]
    if _group_exists(sagemaker, f"{parameters['ResourcePrefix']}-{TARGET}"):
        found.append(f"model package group {parameters['ResourcePrefix']}-{TARGET}")
    objects = s3.list_objects_v2(Bucket=account.bucket, Prefix=f"{CHECK_ROOT}/").get("KeyCount", 0)
    if objects:
        found.append(f"{objects} S3 object(s) under s3://{account.bucket}/{CHECK_ROOT}/")
    return found


def run_check(account: Account, stack: str, parameters: dict[str, str], first: date, printer: Printer) -> Result:
    """Deploy, the scripted day, TestState, then delete (also when interrupted or failed) and check what is left."""
    result = Result()
    try:
        printer(f"deploying {stack} …")
        outputs = account.deploy(stack, parameters)
        result.check("deploy", "stack deployed", bool(outputs.get("StateMachineArn")), outputs.get("StateMachineArn", "no StateMachineArn output"))
        Day(account, parameters, first, result).run()
        described = account.clients["stepfunctions"].describe_state_machine(stateMachineArn=outputs["StateMachineArn"])
        ask_teststate(account, described["definition"], described["roleArn"], cases_for(json.loads(described["definition"])), result)
    except KeyboardInterrupt:
        result.interrupted = True
        result.check("check", "ran to the end", False, "interrupted (Ctrl-C)")
    except Exception as error:  # noqa: BLE001 - whatever broke, the check's resources are deleted below
        result.check("check", "ran to the end", False, f"{type(error).__name__}: {error}")
    printer("deleting what the check created (Ctrl-C is ignored until it is done)")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        errors = delete_everything(account, stack, parameters, printer)
        left = leftovers(account, stack, parameters)
    finally:
        signal.signal(signal.SIGINT, previous)
    result.check("delete", "nothing left behind", not errors and not left, "; ".join(errors + left) or "stack, endpoint, configs, models, versions, data gone")
    return result
