"""Names and tags of everything the pipeline creates, defined once."""

import re
from datetime import date

TAG_PIPELINE = "retrain-pipeline"
TAG_DATA_DATE = "retrain-pipeline:data-date"
TAG_EXECUTION = "retrain-pipeline:execution"
TAG_TRAINING_JOB = "retrain-pipeline:training-job"
TAG_MODEL_PACKAGE = "retrain-pipeline:model-package"

MAX_NAME_LENGTH = 63
VARIANT = "AllTraffic"   # the endpoint's one production variant: alarms, autoscaling and metrics name it
_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")

FUNCTIONS = {
    "data_checker": "DataCheckerFunction",
    "start_training": "StartTrainingFunction",
    "get_status": "GetStatusFunction",
    "deploy_model": "DeployModelFunction",
    "notify_slack": "NotifySlackFunction",
}


def data_key(prefix: str, day: date, target: str, file_name: str) -> str:
    """The data contract: PREFIX/YYYY-MM-DD/TARGET/FILE."""
    return f"{prefix.strip('/')}/{day.isoformat()}/{target}/{file_name}"


def substitution_key(logical_id: str) -> str:
    """The DefinitionSubstitutions key under which a function's ARN reaches the ASL."""
    return f"{logical_id}Arn"


def training_job_name(prefix: str, target: str, data_date: date, attempt: int) -> str:
    """Deterministic per data date, so a retried or repeated run finds the job it started.

    A later attempt for the same date (after a failed or stopped job) gets a suffix.
    """
    return job_name(prefix, target, data_date, attempt)


def job_name(prefix: str, target: str, data_date: date, attempt: int, suffix: str = "") -> str:
    """A SageMaker job of the run for ``data_date``: training without ``suffix``, a stage's job with it."""
    base = f"{prefix}-{target}-{data_date:%Y%m%d}" + (f"-{suffix}" if suffix else "")
    name = base if attempt == 1 else f"{base}-a{attempt}"
    if len(name) > MAX_NAME_LENGTH or not _NAME_PATTERN.match(name):
        raise ValueError(
            f"job name {name!r} is not a valid SageMaker name (letters, digits and hyphens, "
            f"at most {MAX_NAME_LENGTH} characters): shorten ResourcePrefix or Target"
        )
    return name


def tags(stack: str, data_date: str, execution: str) -> list[dict[str, str]]:
    return [
        {"Key": TAG_PIPELINE, "Value": stack},
        {"Key": TAG_DATA_DATE, "Value": data_date},
        {"Key": TAG_EXECUTION, "Value": execution[-256:]},
    ]
