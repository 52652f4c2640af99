"""The one table that classifies every SageMaker status the pipeline polls.

The ASL Choice states branch on the phase names below (render.py passes them to the
template), the get_status function returns them, and a test compares the tables with
botocore's own enums so that a status added by AWS cannot slip through unclassified.
"""

RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
UNKNOWN = "unknown"

PHASES = (RUNNING, SUCCEEDED, FAILED)

TRAINING_JOB = {
    "InProgress": RUNNING,
    "Stopping": RUNNING,
    "Completed": SUCCEEDED,
    "Failed": FAILED,
    "Stopped": FAILED,
    "Deleting": FAILED,
}

ENDPOINT = {
    "Creating": RUNNING,
    "Updating": RUNNING,
    "SystemUpdating": RUNNING,
    "RollingBack": RUNNING,
    "InService": SUCCEEDED,
    "OutOfService": FAILED,
    "Deleting": FAILED,
    "Failed": FAILED,
    "UpdateRollbackFailed": FAILED,
}

# Processing and Transform jobs (the optional stages) share SageMaker's job lifecycle.
PROCESSING_JOB = {
    "InProgress": RUNNING,
    "Stopping": RUNNING,
    "Completed": SUCCEEDED,
    "Failed": FAILED,
    "Stopped": FAILED,
}

TRANSFORM_JOB = dict(PROCESSING_JOB)

TABLES = {"training_job": TRAINING_JOB, "endpoint": ENDPOINT, "processing_job": PROCESSING_JOB, "transform_job": TRANSFORM_JOB}


def classify(kind: str, status: str) -> str:
    """Phase of a status; UNKNOWN for one the table lacks, which the ASL routes to failure."""
    if kind not in TABLES:
        raise ValueError(f"unknown resource kind {kind!r}: expected one of {sorted(TABLES)}")
    return TABLES[kind].get(status, UNKNOWN)
