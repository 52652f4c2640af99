"""CheckData: has the data for the run's data date arrived, training and validation both?"""

from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from pipeline_common import config, dates, names
from pipeline_common.aws import client, error_code, throttling_is_retryable
from pipeline_common.errors import InvalidInput
from pipeline_common.log import logger

log = logger("data_checker")

COMPLETE = "complete"
ABSENT = "absent"
PARTIAL = "partial"


def object_size(s3, bucket: str, key: str) -> int | None:
    """Size of the object, or None when it does not exist."""
    try:
        with throttling_is_retryable(f"HeadObject s3://{bucket}/{key}"):
            return s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    except ClientError as error:
        if error_code(error) in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise


def check_data(s3, bucket: str, keys: dict[str, str]) -> dict[str, Any]:
    """Status of each channel's object; an empty object counts as missing."""
    present, missing = [], []
    for channel, key in keys.items():
        size = object_size(s3, bucket, key)
        (present if size else missing).append(channel)
        if size == 0:
            log.warning("empty object counts as missing", extra={"key": key})
    status = COMPLETE if not missing else ABSENT if not present else PARTIAL
    uris = {channel: f"s3://{bucket}/{key}" for channel, key in keys.items()}
    return {
        "status": status,
        "summary": "; ".join(
            [f"{channel} present ({uris[channel]})" for channel in present] + [f"{channel} missing or empty ({uris[channel]})" for channel in missing]
        ),
        "present": present,
        "missing": missing,
        "bucket": bucket,
        "keys": keys,
        "uris": uris,
    }


def resolve_dates(event: dict[str, Any], lag_days: int, tz_name: str) -> tuple[date, date]:
    run_input = event.get("input") or {}
    if not isinstance(run_input, dict):
        raise InvalidInput(f"execution input {run_input!r} is not a JSON object: expected {{\"DATE\": \"YYYY-MM-DD\"}}")
    start_time = event.get("execution_start_time")
    tz = dates.timezone(tz_name)
    run = dates.run_date(run_input.get("DATE"), start_time, tz)
    today = dates.today(start_time, tz)
    if run > today:
        raise InvalidInput(f"DATE {run_input.get('DATE')!r} is in the future (today is {today} in {tz_name}): expected a date up to today")
    return run, dates.data_date(run, lag_days)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket = config.required("BUCKET")
    run, data_day = resolve_dates(event, config.required_int("DATA_LAG_DAYS"), config.required("TIMEZONE"))
    target, file_name = config.required("TARGET"), config.required("DATA_FILE_NAME")
    keys = {
        "train": names.data_key(config.required("TRAINING_PREFIX"), data_day, target, file_name),
        "validation": names.data_key(config.required("VALIDATION_PREFIX"), data_day, target, file_name),
    }
    result = check_data(client("s3"), bucket, keys)
    result.update(run_date=run.isoformat(), data_date=data_day.isoformat())
    log.info("data checked", extra=result)
    return result
