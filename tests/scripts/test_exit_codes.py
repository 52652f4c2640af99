"""Every operator script alike: 0 success, 1 the pipeline or endpoint answered a failure, 2 a usage or
setup error; every message starts with the script's name. (run_local.py's 0 and 1 for SUCCEEDED and FAILED
are pinned in-process by tests/statemachine/test_scenarios.py.)"""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REGION = {"AWS_DEFAULT_REGION": "eu-west-1"}
CREDENTIALS = {**REGION, "AWS_ACCESS_KEY_ID": "AKIATEST", "AWS_SECRET_ACCESS_KEY": "secret"}

CASES = [
    # (command, environment, exit status, the message's last line starts with)
    (["scripts/start-execution", "--env", "nope", "--date", "2026-11-20"], REGION, 2, "start-execution: no stack_name for environment 'nope'"),
    (["scripts/start-execution", "--from", "2026-11-20", "--to", "2026-11-10"], REGION, 2, "start-execution: --to 2026-11-10 is before --from 2026-11-20"),
    (["scripts/start-execution", "--date", "nope"], REGION, 2, "start-execution: error: argument --date: 'nope' is not a date"),
    (["scripts/start-execution", "--date", "2026-11-20"], {}, 2, "start-execution: no AWS region"),
    (["scripts/start-execution", "--date", "2026-11-20"], REGION, 2, "start-execution: no AWS credentials"),
    (["scripts/invoke-endpoint", "--file", "/missing"], REGION, 2, "invoke-endpoint: /missing: cannot read it (No such file or directory)"),
    (["scripts/rollback", "--env", "nope", "--reason", "x"], REGION, 2, "rollback: no stack_name for environment 'nope'"),
    (["scripts/model-history", "--env", "nope"], REGION, 2, "model-history: no stack_name for environment 'nope'"),
    (["scripts/approve-model", "--env", "nope", "3"], REGION, 2, "approve-model: no stack_name for environment 'nope'"),
    (["scripts/aws-check"], CREDENTIALS, 2, "aws-check: set BUCKET and TRAINING_IMAGE as for create-stack.sh"),
    (["scripts/run_local.py", "--scenario", "nope"], {}, 2, "run_local.py: error: unknown scenario 'nope'"),
]


@pytest.mark.parametrize(("command", "environment", "status", "message"), CASES, ids=[" ".join(case[0]) for case in CASES])
def test_exit_status_and_message(command, environment, status, message, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), **environment}
    result = subprocess.run([str(ROOT / command[0]), *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == status, result.stderr[-1500:]
    assert result.stderr.strip().splitlines()[-1].startswith(message), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("script", ["start-execution", "invoke-endpoint", "rollback", "model-history", "approve-model", "aws-check", "runs",
                                    "stop-run"])
def test_every_help_names_the_env_default(script):
    result = subprocess.run([str(ROOT / "scripts" / script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "(default: dev)" in " ".join(result.stdout.split())


STACK_SCRIPT_CASES = [
    (["create-stack.sh", "staging"], {}, "create-stack.sh: unknown argument 'staging': usage: ./create-stack.sh [dev|prod] [--region REGION] (default: dev)"),
    (["create-stack.sh", "dev"], REGION, "create-stack.sh: set BUCKET to the S3 bucket"),
    (["create-stack.sh", "dev"], {"BUCKET": "b", "TRAINING_IMAGE": "i"}, "create-stack.sh: no AWS region: set AWS_DEFAULT_REGION or AWS_REGION"),
    (["create-stack.sh", "dev", "--region", "eu-west-1"], {"BUCKET": "b", "TRAINING_IMAGE": "i"}, "create-stack.sh: no AWS credentials"),
    (["delete-stack.sh", "--region"], {}, "delete-stack.sh: --region needs a value"),
    (["delete-stack.sh", "prod"], {}, "delete-stack.sh: no AWS region"),
    (["delete-stack.sh", "prod", "--region=eu-west-1", "--yes"], {}, "delete-stack.sh: no AWS credentials"),
]


@pytest.mark.parametrize(("command", "environment", "message"), STACK_SCRIPT_CASES, ids=[" ".join(case[0]) for case in STACK_SCRIPT_CASES])
def test_the_stack_scripts_check_arguments_region_and_credentials_first(command, environment, message, tmp_path):
    import time

    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), **environment}
    started = time.monotonic()
    result = subprocess.run([str(ROOT / command[0]), *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and result.stderr.strip().splitlines()[-1].startswith(message), result.stderr
    assert time.monotonic() - started < 5, "before rendering, building or deleting anything"
    assert not (tmp_path / ".aws-sam").exists()
