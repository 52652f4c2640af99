"""Shared fixtures. No test reaches real AWS: credentials are fake and metadata lookups are off."""

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = Path(__file__).resolve().parent / "events"
for path in (ROOT, ROOT / "layers" / "common", ROOT / "training", ROOT / "scripts"):
    sys.path.insert(0, str(path))

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)


def load_handler(function: str):
    """Import lambda_functions/<function>/app.py under a unique name, its folder on sys.path as in Lambda."""
    folder = ROOT / "lambda_functions" / function
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(f"handler_{function}", folder / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def aws_client():
    """The handlers' own cached clients (pipeline_common.aws.client), shared by every test of a worker: a client holds
    no AWS state (each test's mock_aws starts empty), and each costs ~50 ms to make."""
    from pipeline_common import aws

    return aws.client


@pytest.fixture(scope="module")
def teststate_sfn():
    """A Step Functions client whose TestState the emulator answers (local_aws/teststate.py), on the emulated clock."""
    from datetime import UTC, datetime

    import boto3
    from moto import mock_aws

    from local_aws.clock import Clock
    from local_aws.lambdas import Runtime
    from local_aws.stepfunctions import emulated_time
    from local_aws.teststate import emulated_test_state

    with mock_aws(config={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}):
        runtime = Runtime({"AWS_REGION": "us-east-1"})
        with runtime.installed(), emulated_test_state(runtime), emulated_time(Clock(datetime.now(UTC))):
            yield boto3.client("stepfunctions", region_name="us-east-1")
