"""Each operator script run exactly as the README writes it (a subprocess, its own shebang), on a
machine set up wrongly: one line saying what is missing and how to set it, never a traceback."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(120)


def bare_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No AWS settings at all: no region, no profile, no credentials, no instance metadata."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(home / "no-config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"), **extra}


def run(command: list[str], env: dict[str, str], timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in text
    return lines[0]


PYTHON_SCRIPTS = [["scripts/start-execution", "--env", "prod", "--date", "2026-11-24"], ["scripts/invoke-endpoint", "--env", "prod"],
                  ["scripts/approve-model", "--env", "prod", "3"], ["scripts/rollback", "--env", "prod", "--reason", "x"],
                  ["scripts/model-history", "--env", "prod"]]


@pytest.mark.parametrize("command", PYTHON_SCRIPTS, ids=lambda c: c[0])
def test_without_a_region_the_script_says_how_to_set_one(tmp_path, command):
    result = run(command, bare_environment(tmp_path))
    assert result.returncode == 2
    assert one_line(result.stderr) == (f"{Path(command[0]).name}: no AWS region: set AWS_DEFAULT_REGION or AWS_REGION "
                                       "(or `region` in ~/.aws/config for your profile), or pass --region")


@pytest.mark.parametrize("region_variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
@pytest.mark.parametrize("command", PYTHON_SCRIPTS, ids=lambda c: c[0])
def test_without_credentials_the_script_says_how_to_set_them(tmp_path, command, region_variable):
    result = run(command, bare_environment(tmp_path, **{region_variable: "eu-west-1"}))
    assert result.returncode == 2
    assert one_line(result.stderr).startswith(f"{Path(command[0]).name}: no AWS credentials: set AWS_PROFILE")


@pytest.mark.parametrize("script", ["scripts/start-execution", "scripts/invoke-endpoint", "scripts/approve-model", "scripts/rollback",
                                    "scripts/model-history", "scripts/runs", "scripts/stop-run", "scripts/build-and-push-image.sh",
                                    "scripts/lambda-python-dir", "create-stack.sh", "delete-stack.sh", "scripts/run_local.py"])
def test_every_script_has_help(tmp_path, script):
    command = [f"./{script}", "--help"] if os.access(ROOT / script, os.X_OK) else [sys.executable, script, "--help"]
    result = run(command, bare_environment(tmp_path))
    assert result.returncode == 0 and result.stdout.strip() and not result.stderr.strip()


def fake_tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/usr/bin/env bash\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def fake_aws(tmp_path) -> Path:
    """An AWS CLI that knows no region and no credentials, and a docker that is never reached."""
    tools = tmp_path / "bin"
    tools.mkdir()
    fake_tool(tools, "aws", 'case "$1 $2" in "configure get") exit 1 ;; "sts get-caller-identity") '
                            'echo "Unable to locate credentials. You can configure credentials by running \\"aws configure\\"." >&2; exit 255 ;; esac; exit 3')
    fake_tool(tools, "docker", "echo docker must not be reached >&2; exit 9")
    return tools


def test_build_and_push_without_a_region_says_how_to_set_one(tmp_path, fake_aws):
    env = bare_environment(tmp_path)
    env["PATH"] = f"{fake_aws}:{env['PATH']}"
    result = run(["scripts/build-and-push-image.sh"], env)
    assert result.returncode == 2
    assert one_line(result.stderr) == "build-and-push-image.sh: no AWS region: set AWS_DEFAULT_REGION or AWS_REGION (or region in ~/.aws/config for your profile)"


def test_build_and_push_without_credentials_says_how_to_set_them(tmp_path, fake_aws):
    env = bare_environment(tmp_path, AWS_REGION="eu-west-1")
    env["PATH"] = f"{fake_aws}:{env['PATH']}"
    result = run(["scripts/build-and-push-image.sh", "team/model", "v1"], env)
    assert result.returncode == 2
    assert one_line(result.stderr).startswith("build-and-push-image.sh: no usable AWS credentials: set AWS_PROFILE")


@pytest.mark.parametrize(("arguments", "message"), [
    (["--help-me"], "unknown option '--help-me'"),
    (["Bad_Name"], "repository name 'Bad_Name' is not a valid ECR name"),
    (["repo", "tag", "extra"], "too many arguments"),
])
def test_build_and_push_rejects_bad_arguments_before_touching_aws(tmp_path, fake_aws, arguments, message):
    env = bare_environment(tmp_path)
    env["PATH"] = f"{fake_aws}:{env['PATH']}"
    result = run(["scripts/build-and-push-image.sh", *arguments], env)
    assert result.returncode == 2 and message in one_line(result.stderr)


def test_build_and_push_without_the_aws_cli_says_to_install_it(tmp_path):
    result = run(["scripts/build-and-push-image.sh"], bare_environment(tmp_path))
    assert result.returncode == 2 and "needs the AWS CLI" in one_line(result.stderr)


def test_sam_build_python_missing_is_one_line_saying_what_to_install(tmp_path):
    result = run(["scripts/lambda-python-dir"], bare_environment(tmp_path, PYENV_ROOT=str(tmp_path / "no-pyenv")))
    assert result.returncode == 2
    assert one_line(result.stderr).startswith("sam build needs Python 3.13 (the Lambda runtime) and none was found: install it")


def test_run_local_refuses_an_unwritable_json_path_before_running(tmp_path):
    started = time.monotonic()
    result = run([sys.executable, "scripts/run_local.py", "--json", str(tmp_path / "no" / "such" / "dir" / "x.json")], bare_environment(tmp_path))
    assert result.returncode == 2 and "folder" in one_line(result.stderr) and "does not exist" in result.stderr
    assert "scenario happy" not in result.stdout and time.monotonic() - started < 30


def test_run_local_rejects_a_data_folder_without_its_files(tmp_path):
    result = run([sys.executable, "scripts/run_local.py", "--data", str(tmp_path)], bare_environment(tmp_path))
    assert result.returncode == 2 and "train.csv: cannot read it" in one_line(result.stderr)


def test_run_local_sets_num_class_from_the_users_labels_and_names_a_label_that_is_not_a_class_index(tmp_path, capsys):
    from scripts import run_local

    five = "".join(f"{label},{label + 0.1 * i:.2f},{i % 7}\n" for i in range(60) for label in [i % 5])
    for name in ("train.csv", "validation.csv"):
        (tmp_path / name).write_text(five)
    assert run_local.main(["--data", str(tmp_path)]) == 0
    assert "Hyperparameters: num_class=5, objective=multi:softmax" in capsys.readouterr().out
    (tmp_path / "train.csv").write_text("species,length\nsetosa,5.1\n")
    assert run_local.main(["--data", str(tmp_path)]) == 2
    assert "train.csv line 1: label 'species' is not a class index: the data contract has the label first as 0, 1, 2, … and no header row" \
        in capsys.readouterr().err


def test_make_local_with_13_feature_data_and_batch_predict_deploys_and_predicts_on_the_users_rows(tmp_path):
    """The README's `make local DATA=path/to/day ARGS='--stages batch_predict'`, on wine (13 features, not iris)."""
    from sklearn.datasets import load_wine

    wine = load_wine()
    rows = [",".join([str(int(label))] + [f"{value:g}" for value in features]) for features, label in zip(wine.data, wine.target, strict=True)]
    (tmp_path / "train.csv").write_text("\n".join(rows[0::2]) + "\n")
    (tmp_path / "validation.csv").write_text("\n".join(rows[1::2]) + "\n")
    result = run(["make", "--no-print-directory", "local", f"DATA={tmp_path}", "ARGS=--stages batch_predict"], bare_environment(tmp_path))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "result: SUCCEEDED" in result.stdout and "Predictions written" in result.stdout
    assert "24 predictions for" in result.stdout and "/multiclass/data.csv" in result.stdout, "stored as data.csv, not iris.csv"
    endpoint_rows = [line for line in result.stdout.splitlines() if " -> " in line]
    assert endpoint_rows and all(line.split(" -> ")[0].count(",") == 12 for line in endpoint_rows), "the user's 13 features"


def retrain_processes(marker: Path) -> list[int]:
    """Processes whose environment points into ``marker`` (the run's TMPDIR): its training and serving children."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if str(marker).encode() in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def slow_training_data(folder: Path) -> Path:
    """Noise no forest fits quickly (several seconds of training), so Ctrl-C always lands while training runs."""
    import random

    folder.mkdir()
    rows = random.Random(7)
    (folder / "train.csv").write_text("".join(f"{rows.randrange(3)},{','.join(f'{rows.random():.4f}' for _ in range(4))}\n" for _ in range(20000)))
    (folder / "validation.csv").write_text("0,0.1,0.2,0.3,0.4\n1,0.5,0.6,0.7,0.8\n2,0.9,0.1,0.2,0.3\n")
    return folder


def test_ctrl_c_stops_children_removes_temporary_files_and_exits_130_with_one_line(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**bare_environment(tmp_path), "TMPDIR": str(scratch)}
    data = slow_training_data(tmp_path / "data")
    # As from a terminal: Ctrl-C's SIGINT at its default, whatever this test inherited (a shell's background job ignores it).
    process = subprocess.Popen([sys.executable, "scripts/run_local.py", "--scenario", "happy", "--data", str(data)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(scratch.glob("retrain-local-*/*/opt/ml/input")):
        time.sleep(0.05)
    assert any(scratch.glob("retrain-local-*")), "the run should be training by now"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert one_line(err).startswith("run_local.py: interrupted: stopped the training and serving processes")
    time.sleep(0.5)
    assert list(scratch.glob("retrain-local-*")) == []
    assert [pid for pid in retrain_processes(scratch) if pid != process.pid] == []


def test_a_rejection_without_a_reason_is_refused_before_touching_aws(tmp_path):
    result = run(["scripts/approve-model", "--env", "prod", "3", "--reject"], bare_environment(tmp_path))
    assert result.returncode == 2 and "--reject needs --reason" in result.stderr and "Traceback" not in result.stderr


def test_make_local_targets_3_prints_a_timeline_per_target_and_the_digest(tmp_path):
    """The README's `make local TARGETS=3`: three targets, each with its own day of data, through the fan-out."""
    result = run(["make", "--no-print-directory", "local", "TARGETS=3"], bare_environment(tmp_path))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout
    for name in ("iris-a", "iris-b", "iris-c"):
        timeline = out.split(f"target {name}: SUCCEEDED\n", 1)[1].split("\n\n", 1)[0]
        assert "CheckData" in timeline and "poll Training" in timeline and timeline.rstrip().endswith("Deployed"), timeline
        assert f"target {name}: SUCCEEDED (created retrain-{name})" in out
    assert "slack: Daily run of 3 targets — retrain-local\n       3 deployed." in out
    assert "result: SUCCEEDED" in out and "training jobs: 3, at most 3 at once" in out
    refused = run(["make", "--no-print-directory", "local", "TARGETS=12"], bare_environment(tmp_path))
    assert refused.returncode == 2 and "--targets is 12: expected 2..9 targets" in refused.stderr
