"""Run the example container's entry points for real, as subprocesses in an /opt/ml layout.

Training downloads the job's channels from emulated S3, runs `training/train`, applies the
job's MetricDefinitions to its output and uploads model.tar.gz where SageMaker would.
Serving extracts the model and starts `training/serve` on a free 127.0.0.1 port.
"""

import io
import json
import re
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTAINER = ROOT / "training"


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def apply_metric_definitions(output: str, definitions: list[dict[str, str]]) -> dict[str, float]:
    """SageMaker's rule: each regex's first group, last match in the log wins."""
    metrics = {}
    for definition in definitions:
        matches = re.findall(definition["Regex"], output)
        if matches:
            last = matches[-1]
            metrics[definition["Name"]] = float(last[0] if isinstance(last, tuple) else last)
    return metrics


@dataclass
class TrainingResult:
    exit_code: int
    seconds: float
    output: str
    failure_reason: str
    metrics: dict[str, float]
    model_uri: str


def run_training(s3, request: dict[str, Any], workdir: Path) -> TrainingResult:
    ml = workdir / request["training_job_name"] / "opt" / "ml"
    (ml / "input" / "config").mkdir(parents=True)
    (ml / "input" / "config" / "hyperparameters.json").write_text(json.dumps(request["hyper_parameters"] or {}))
    (ml / "input" / "config" / "inputdataconfig.json").write_text(
        json.dumps({c["ChannelName"]: {"ContentType": c.get("ContentType", "text/csv")} for c in request["input_data_config"]})
    )
    for channel in request["input_data_config"]:
        bucket, prefix = split_s3_uri(channel["DataSource"]["S3DataSource"]["S3Uri"])
        target = ml / "input" / "data" / channel["ChannelName"]
        target.mkdir(parents=True)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                relative = item["Key"][len(prefix):].lstrip("/") or Path(item["Key"]).name
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                (target / relative).write_bytes(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, str(CONTAINER / "train")],
        cwd=CONTAINER, env={"ML_ROOT": str(ml), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(CONTAINER)},
        capture_output=True, text=True, timeout=600,
    )
    seconds = time.monotonic() - started
    output = process.stdout + process.stderr
    failure_file = ml / "output" / "failure"
    if process.returncode != 0:
        reason = failure_file.read_text().strip() if failure_file.exists() else f"AlgorithmError: exit code {process.returncode}, no failure file"
        return TrainingResult(process.returncode, seconds, output, reason, {}, "")
    definitions = request["algorithm_specification"].get("MetricDefinitions", [])
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted((ml / "model").iterdir()):
            archive.add(path, arcname=path.name)
    bucket, prefix = split_s3_uri(request["output_data_config"]["S3OutputPath"])
    key = f"{prefix.rstrip('/')}/{request['training_job_name']}/output/model.tar.gz"
    s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())
    return TrainingResult(0, seconds, output, "", apply_metric_definitions(output, definitions), f"s3://{bucket}/{key}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ModelServer:
    """The serving entry point of one model, on 127.0.0.1."""

    def __init__(self, s3, model_data_url: str, workdir: Path) -> None:
        self.directory = Path(tempfile.mkdtemp(dir=workdir, prefix="endpoint-"))
        model_dir = self.directory / "opt" / "ml" / "model"
        model_dir.mkdir(parents=True)
        bucket, key = split_s3_uri(model_data_url)
        with tarfile.open(fileobj=io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()), mode="r:gz") as archive:
            archive.extractall(model_dir, filter="data")
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(CONTAINER / "serve")],
            cwd=CONTAINER,
            env={"ML_ROOT": str(self.directory / "opt" / "ml"), "SAGEMAKER_BIND_TO_PORT": str(self.port), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(CONTAINER)},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self, timeout: float = 20.0) -> tuple[bool, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False, f"serve exited with code {self.process.returncode}: {self.process.stderr.read()[-500:]}"
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=1) as response:
                    if response.status == 200:
                        return True, ""
            except OSError:
                time.sleep(0.05)
        return False, f"GET /ping did not answer 200 within {timeout:.0f} s"

    def invoke(self, body: bytes, content_type: str) -> tuple[int, bytes, str]:
        request = urllib.request.Request(f"{self.url}/invocations", data=body, headers={"Content-Type": content_type}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("Content-Type", "text/plain")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.process.stderr:
            self.process.stderr.close()
