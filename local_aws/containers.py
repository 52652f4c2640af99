"""Run the example container's entry points for real, as processes in an /opt/ml layout (forked from
a warm interpreter: local_aws.warm).

Training downloads the job's channels from emulated S3, runs `training/train`, applies the
job's MetricDefinitions to its output and uploads model.tar.gz where SageMaker would.
Serving extracts the model and starts `training/serve` on a free 127.0.0.1 port.
"""

import io
import json
import re
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import warm

ROOT = Path(__file__).resolve().parent.parent
CONTAINER = ROOT / "training"


LOCAL_TRAINING_TIMEOUT_SECONDS = 600


class Stopped(Exception):
    """The local run is being interrupted: no new container process starts."""


class _Children:
    """Every container process the local run started, so an interrupted run can stop them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processes: set[subprocess.Popen] = set()
        self.stopping = False

    def start(self, *args: Any, **kwargs: Any) -> subprocess.Popen:
        return self._track(lambda: subprocess.Popen(*args, **kwargs))

    def entry_point(self, name: str, env: dict[str, str], logs: Path) -> warm.Job:
        """The container's ``train`` or ``serve``, run in the container's folder with exactly ``env``."""
        return self._track(lambda: warm.zygote.start(CONTAINER / name, CONTAINER, env, logs))

    def _track(self, start: Callable[[], Any]) -> Any:
        with self._lock:
            if self.stopping:
                raise Stopped("the local run was interrupted")
            process = start()
            self._processes.add(process)
            return process

    def forget(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._processes.discard(process)

    def stop_all(self) -> None:
        with self._lock:
            self.stopping = True
            processes = list(self._processes)
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)

    def reset(self) -> None:
        with self._lock:
            self.stopping = False


children = _Children()


def extract(archive: tarfile.TarFile, target: Path) -> None:
    """Extract model.tar.gz refusing links, devices and paths that leave ``target``.

    tarfile's ``filter="data"`` does exactly that but exists only from Python 3.11.4 (Debian 12
    ships 3.11.2); the check here is the same rule, so every 3.11 behaves alike.
    """
    if hasattr(tarfile, "data_filter"):
        archive.extractall(target, filter="data")
        return
    root = target.resolve()
    for member in archive.getmembers():
        destination = (root / member.name).resolve()
        if not (member.isfile() or member.isdir()) or not destination.is_relative_to(root):
            raise tarfile.TarError(f"model.tar.gz member {member.name!r} is not a plain file inside the archive")
    archive.extractall(target)


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def apply_metric_definitions(output: str, definitions: list[dict[str, str]]) -> dict[str, float]:
    """SageMaker's rule: each regex is searched in each log line (so ^ anchors a line); its first
    group is the value; the last match in the log wins."""
    metrics = {}
    for line in output.splitlines():
        for definition in definitions:
            match = re.search(definition["Regex"], line)
            if match:
                metrics[definition["Name"]] = float(match.group(1))
    return metrics


@dataclass
class TrainingResult:
    exit_code: int
    seconds: float
    output: str
    failure_reason: str
    metrics: dict[str, float]
    model_uri: str
    interruptions: list[str] = field(default_factory=list)


def download(s3, uri: str, target: Path) -> int:
    """Every object under ``uri`` into ``target``, as SageMaker's File mode copies an S3Prefix (a URI
    naming one object lands under the object's own name); returns the files copied."""
    bucket, prefix = split_s3_uri(uri)
    target.mkdir(parents=True, exist_ok=True)
    copied = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            path = target / (item["Key"][len(prefix):].lstrip("/") or Path(item["Key"]).name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
            copied += 1
    return copied


def download_manifest(s3, uri: str, target: Path) -> int:
    """Every object a manifest lists (S3DataType ManifestFile: a prefix, then keys relative to it; botocore
    sagemaker ``S3DataSource.S3Uri``) into ``target``, under its relative key (where SageMaker puts them is
    not documented: the example container reads a channel's files wherever they are); returns the files copied."""
    bucket, key = split_s3_uri(uri)
    prefix, *relative = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    source_bucket, source_prefix = split_s3_uri(prefix["prefix"])
    for name in relative:
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(s3.get_object(Bucket=source_bucket, Key=f"{source_prefix}{name}")["Body"].read())
    return len(relative)


def upload(s3, local: Path, uri: str) -> int:
    """Every file under ``local`` to ``uri``, keeping relative paths; returns the files copied."""
    bucket, prefix = split_s3_uri(uri)
    files = sorted(p for p in local.rglob("*") if p.is_file())
    for path in files:
        s3.put_object(Bucket=bucket, Key=f"{prefix.rstrip('/')}/{path.relative_to(local)}", Body=path.read_bytes())
    return len(files)


def sync_checkpoints(s3, uri: str, local: Path, to_s3: bool) -> int:
    """SageMaker's checkpoint sync between CheckpointConfig.S3Uri (a folder) and the local path; returns the files moved."""
    folder = uri.rstrip("/") + "/"
    return upload(s3, local, folder) if to_s3 else download(s3, folder, local)


def run_training(s3, request: dict[str, Any], workdir: Path, interrupt: bool = False) -> TrainingResult:
    """One training job; with managed spot and ``interrupt``, the instance is reclaimed after the first
    checkpoint and the job restarts on a new one, resuming from the checkpoints synced to S3."""
    checkpoint = (request.get("checkpoint_config") or {}).get("S3Uri") if request.get("enable_managed_spot_training") else None
    if not checkpoint:
        return _run_once(s3, request, workdir / request["training_job_name"], None, False)
    first = _run_once(s3, request, workdir / request["training_job_name"], checkpoint, interrupt)
    if not interrupt or first.exit_code == 0:
        return first
    trees = re.findall(r"checkpoint: (\d+/\d+) trees", first.output)
    second = _run_once(s3, request, workdir / f"{request['training_job_name']}-restart", checkpoint, False)
    second.seconds += first.seconds
    second.interruptions = [f"{request['training_job_name']}: spot capacity reclaimed after {trees[-1] if trees else 'no'} trees; "
                            f"restarted from {checkpoint}"]
    return second


def _run_once(s3, request: dict[str, Any], root: Path, checkpoint: str | None, interrupt: bool) -> TrainingResult:
    ml = root / "opt" / "ml"
    (ml / "input" / "config").mkdir(parents=True)
    if checkpoint:
        (ml / "checkpoints").mkdir(parents=True)
        sync_checkpoints(s3, checkpoint, ml / "checkpoints", to_s3=False)
    (ml / "input" / "config" / "hyperparameters.json").write_text(json.dumps(request["hyper_parameters"] or {}))
    (ml / "input" / "config" / "inputdataconfig.json").write_text(
        json.dumps({c["ChannelName"]: {"ContentType": c.get("ContentType", "text/csv")} for c in request["input_data_config"]})
    )
    for channel in request["input_data_config"]:
        source = channel["DataSource"]["S3DataSource"]
        fetch = download_manifest if source.get("S3DataType") == "ManifestFile" else download
        fetch(s3, source["S3Uri"], ml / "input" / "data" / channel["ChannelName"])
    started = time.monotonic()
    process = children.entry_point(
        "train", {"ML_ROOT": str(ml), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(CONTAINER),
                  **({"RETRAIN_STOP_AFTER_CHECKPOINTS": "1"} if interrupt else {})}, root / "logs")
    try:
        stdout, stderr = process.communicate(timeout=LOCAL_TRAINING_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        stderr += f"\nAlgorithmError: training did not finish within the local run's {LOCAL_TRAINING_TIMEOUT_SECONDS} s"
        process.returncode = process.returncode or 1
    finally:
        children.forget(process)
    if children.stopping:
        raise Stopped("the local run was interrupted during training")
    seconds = time.monotonic() - started
    output = stdout + stderr
    if checkpoint:
        sync_checkpoints(s3, checkpoint, ml / "checkpoints", to_s3=True)
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
            extract(archive, model_dir)
        self.port = free_port()
        self.process = children.entry_point(
            "serve", {"ML_ROOT": str(self.directory / "opt" / "ml"), "SAGEMAKER_BIND_TO_PORT": str(self.port), "PATH": "/usr/bin:/bin",
                      "PYTHONPATH": str(CONTAINER)}, self.directory / "logs")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self, timeout: float = 20.0) -> tuple[bool, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False, f"serve exited with code {self.process.returncode}: {self.process.output()[1][-500:]}"
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
        children.forget(self.process)
