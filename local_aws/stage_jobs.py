"""Processing and Transform jobs run for real: the processing script as a subprocess in an
/opt/ml/processing layout, the batch transform through the model's serving code.

Each job runs when it is created (as training does) and then reports InProgress for its
emulated duration; SageMaker's DataProcessing filters (InputFilter, JoinSource, OutputFilter)
are applied to CSV records as SageMaker applies them.
"""

import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .containers import ModelServer, children, download, split_s3_uri, upload

PROCESSING_ROOT = "/opt/ml/processing"
LOCAL_JOB_TIMEOUT_SECONDS = 300
PROCESSING_FAILURE = "AlgorithmError: See job logs for more information"


@dataclass
class JobResult:
    ok: bool
    seconds: float
    failure_reason: str = ""
    exit_message: str = ""


def run_processing(s3, request: dict[str, Any], workdir: Path) -> JobResult:
    """The container's entrypoint with every /opt/ml/processing path moved under a temporary root."""
    root = Path(tempfile.mkdtemp(dir=workdir, prefix=f"{request['ProcessingJobName']}-"))

    def local(path: str) -> str:
        return str(root) + path[len(PROCESSING_ROOT):] if path.startswith(PROCESSING_ROOT) else path

    for source in request.get("ProcessingInputs", []):
        download(s3, source["S3Input"]["S3Uri"], Path(local(source["S3Input"]["LocalPath"])))
    outputs = request.get("ProcessingOutputConfig", {}).get("Outputs", [])
    for output in outputs:
        Path(local(output["S3Output"]["LocalPath"])).mkdir(parents=True, exist_ok=True)
    app = request["AppSpecification"]
    command = [local(part) for part in app.get("ContainerEntrypoint", []) + app.get("ContainerArguments", [])]
    if command and command[0] in ("python", "python3"):
        command[0] = sys.executable
    started = time.monotonic()
    process = children.start(command, cwd=root, env={"PATH": "/usr/bin:/bin"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = process.communicate(timeout=LOCAL_JOB_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    finally:
        children.forget(process)
    seconds = time.monotonic() - started
    if process.returncode != 0:
        last = [line for line in stderr.splitlines() if line.strip()][-1:] or [f"exit code {process.returncode}"]
        return JobResult(False, seconds, PROCESSING_FAILURE, last[0][:1000])
    for output in outputs:
        upload(s3, Path(local(output["S3Output"]["LocalPath"])), output["S3Output"]["S3Uri"])
    return JobResult(True, seconds)


_SELECTOR = re.compile(r"^\$(?:\[(?P<body>[^\]]*)\])?$")


def select(fields: list[str], selector: str) -> list[str]:
    """A DataProcessing JSONPath on a CSV record: $, $[i], $[i,j], $[a:b] (negative indexes count from the end)."""
    match = _SELECTOR.match(selector.strip())
    if not match:
        raise ValueError(f"filter {selector!r} is not one the emulator knows ($, $[i,j], $[a:b])")
    body = match.group("body")
    if body is None:
        return fields
    if ":" in body:
        start, _, stop = body.partition(":")
        return fields[int(start) if start else None:int(stop) if stop else None]
    return [fields[int(index)] for index in body.split(",")]


def run_transform(s3, request: dict[str, Any], model_data_url: str, workdir: Path) -> JobResult:
    """Each input object as one MultiRecord request; the output object is INPUT.out, one line per record."""
    processing = request.get("DataProcessing") or {}
    input_filter, output_filter = processing.get("InputFilter", "$"), processing.get("OutputFilter", "$")
    join = processing.get("JoinSource", "None") == "Input"
    source = request["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"]
    bucket, prefix = split_s3_uri(source)
    out_bucket, out_prefix = split_s3_uri(request["TransformOutput"]["S3OutputPath"])
    started = time.monotonic()
    server = ModelServer(s3, model_data_url, workdir)
    try:
        healthy, why = server.healthy()
        if not healthy:
            return JobResult(False, time.monotonic() - started, f"ClientError: the model container did not start: {why}")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                records = [line.split(",") for line in s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode().splitlines() if line.strip()]
                if not records:
                    continue
                try:
                    body = "".join(",".join(select(record, input_filter)) + "\n" for record in records)
                except (IndexError, ValueError) as error:
                    return JobResult(False, time.monotonic() - started, f"ClientError: InputFilter {input_filter!r} on {item['Key']}: {error}")
                status, answer, _ = server.invoke(body.encode(), "text/csv")
                if status != 200:
                    return JobResult(False, time.monotonic() - started,
                                     f"ClientError: See job logs for more information (the model answered {status} for {item['Key']}: "
                                     f"{answer.decode(errors='replace')[:300]})")
                predictions = answer.decode().splitlines()
                lines = [",".join(select((record if join else []) + prediction.split(","), output_filter))
                         for record, prediction in zip(records, predictions, strict=False)]
                name = item["Key"][len(prefix):].lstrip("/") or Path(item["Key"]).name
                s3.put_object(Bucket=out_bucket, Key=f"{out_prefix.rstrip('/')}/{name}.out", Body=("\n".join(lines) + "\n").encode())
    finally:
        server.stop()
    return JobResult(True, time.monotonic() - started)
