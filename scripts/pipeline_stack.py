"""Find a deployed pipeline's outputs (state machine, endpoint) from its CloudFormation stack."""

import re
from pathlib import Path

from cli import UsageError

ROOT = Path(__file__).resolve().parent.parent


def stack_name(environment: str) -> str:
    text = (ROOT / "samconfig.toml").read_text()
    match = re.search(rf'^\[{re.escape(environment)}\.deploy\.parameters\][^\[]*?^stack_name = "([^"]+)"', text, re.MULTILINE | re.DOTALL)
    if not match:
        raise UsageError(f"no stack_name for environment {environment!r} in samconfig.toml (expected dev or prod)")
    return match.group(1)


def outputs(cloudformation, stack: str) -> dict[str, str]:
    (description,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in description.get("Outputs", [])}
