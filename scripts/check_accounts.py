"""Where the account check runs: your AWS account (through create-stack.sh), or the local emulator."""

import json
import os
import subprocess
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 20
EXECUTION_TIMEOUT_SECONDS = 90 * 60


class AwsAccount:
    """The caller's account: the stack deployed with create-stack.sh, executions polled every 20 s."""

    def __init__(self, session, environment: str, bucket: str, printer) -> None:
        self.session, self.environment, self.bucket, self.printer = session, environment, bucket, printer
        self.clients = {name: session.client(name) for name in ("s3", "sagemaker", "stepfunctions", "cloudformation")}
        self.name = f"account {session.client('sts').get_caller_identity()['Account']}, region {session.region_name}"
        self.state_machine = ""

    def deploy(self, stack: str, parameters: dict[str, str]) -> dict[str, str]:
        environment = {**os.environ, "STACK_NAME": stack, "BUCKET": self.bucket, "AWS_DEFAULT_REGION": self.session.region_name,
                       "PARAMETERS": " ".join(f"{key}={value}" for key, value in parameters.items())}
        subprocess.run([str(ROOT / "create-stack.sh"), self.environment], env=environment, check=True)
        (description,) = self.clients["cloudformation"].describe_stacks(StackName=stack)["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}
        self.state_machine = outputs.get("StateMachineArn", "")
        return outputs

    def run(self, run_input: dict[str, Any]) -> dict[str, Any]:
        sfn = self.clients["stepfunctions"]
        arn = sfn.start_execution(stateMachineArn=self.state_machine, name=f"aws-check-{uuid.uuid4().hex[:12]}",
                                  input=json.dumps(run_input))["executionArn"]
        self.printer(f"  execution {arn.rsplit(':', 1)[-1]} started with {json.dumps(run_input)}")
        deadline = time.monotonic() + EXECUTION_TIMEOUT_SECONDS
        while (description := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            if time.monotonic() > deadline:
                sfn.stop_execution(executionArn=arn, error="AwsCheck.Timeout", cause="the account check waited 90 min")
                continue
            time.sleep(POLL_SECONDS)
        description["history"] = [event for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
                                  for event in page["events"]]
        return description

    def delete_stack(self, stack: str) -> None:
        self.clients["cloudformation"].delete_stack(StackName=stack)
        self.clients["cloudformation"].get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig={"Delay": 15, "MaxAttempts": 120})

    def stack_exists(self, stack: str) -> bool:
        try:
            (description,) = self.clients["cloudformation"].describe_stacks(StackName=stack)["Stacks"]
        except ClientError as error:
            # ValidationError "Stack with id NAME does not exist" (docs/aws-behaviours.md, cloudformation-stack-missing)
            if error.response["Error"].get("Code") == "ValidationError" and "does not exist" in error.response["Error"].get("Message", ""):
                return False
            raise
        return description["StackStatus"] != "DELETE_COMPLETE"


class EmulatedAccount:
    """The local emulator (local_aws): the same check, on the emulated clock, in this process.

    The check's jobs train on 150 iris rows: on AWS that is minutes, mostly the instance starting, so
    each emulated job lasts ``TRAINING_SECONDS`` of emulated time (the emulator's default is two hours).
    """

    TRAINING_SECONDS = 5 * 60

    name = "the local emulator"

    def __init__(self, printer) -> None:
        from local_aws.runner import BUCKET

        self.bucket, self.printer = BUCKET, printer
        self.clients: dict[str, Any] = {}
        self._stack = ExitStack()
        self._account = None

    def __enter__(self) -> "EmulatedAccount":
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()

    def deploy(self, stack: str, parameters: dict[str, str]) -> dict[str, str]:
        from local_aws import runner
        from local_aws.scenarios import SCENARIOS
        from local_aws.template import TemplateError

        self._account = self._stack.enter_context(runner.emulated_account(SCENARIOS["happy"], printer=self.printer,
                                                                          parameters=parameters, stack_name=stack))
        pipeline = self._account.pipeline
        self.clients = pipeline.clients
        # Waiters (endpoint deleted, …) wait on the emulated clock, as the state machine's Wait states do.
        self._stack.enter_context(mock.patch("botocore.waiter.time", SimpleNamespace(sleep=self._account.clock.advance)))
        pipeline.training_seconds = self.TRAINING_SECONDS
        outputs = {}
        for key, output in pipeline.stack.template.get("Outputs", {}).items():
            try:
                outputs[key] = str(pipeline.stack.resolver.resolve(output["Value"]))
            except TemplateError:
                continue
        return outputs

    def run(self, run_input: dict[str, Any]) -> dict[str, Any]:
        from local_aws.scenarios import Run

        return self._account.pipeline.execute(Run(), run_input)

    def delete_stack(self, stack: str) -> None:
        """What CloudFormation deletes: the state machine, the functions, the schedules."""
        sfn, lambdas, scheduler = self.clients["stepfunctions"], self.clients["lambda"], self.clients["scheduler"]
        sfn.delete_state_machine(stateMachineArn=self._account.pipeline.stack.state_machine_arn)
        for function in lambdas.list_functions()["Functions"]:
            lambdas.delete_function(FunctionName=function["FunctionName"])
        for schedule in scheduler.list_schedules()["Schedules"]:
            scheduler.delete_schedule(Name=schedule["Name"], GroupName=schedule.get("GroupName", "default"))

    def stack_exists(self, stack: str) -> bool:
        machines = self.clients["stepfunctions"].list_state_machines()["stateMachines"]
        return any(m["stateMachineArn"] == self._account.pipeline.stack.state_machine_arn for m in machines)
