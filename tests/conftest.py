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
