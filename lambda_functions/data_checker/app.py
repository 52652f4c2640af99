"""CheckData: has the data for the run's data date arrived, training and validation both (or, with preprocessing, the raw data)?"""

from datetime import date
from typing import Any

import contents
import plan
from botocore.exceptions import ClientError

from pipeline_common import config, dates, events, names, targets
from pipeline_common.aws import client, error_code, http_status, is_not_found, retryable_errors
from pipeline_common.errors import BucketMissing, DataAccessDenied, InvalidInput
from pipeline_common.log import logger

log = logger("data_checker")

STEP = "CheckData"
COMPLETE = "complete"
ABSENT = "absent"
PARTIAL = "partial"
_DENIED_CODES = {"403", "AccessDenied", "Forbidden"}


def _denied(error: ClientError) -> bool:
    return error_code(error) in _DENIED_CODES or http_status(error) == 403


def object_size(s3, bucket: str, key: str) -> int | None:
    """Size of the object, or None when it does not exist."""
    try:
        with retryable_errors(f"HeadObject s3://{bucket}/{key}"):
            return s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    except ClientError as error:
        if _denied(error):
            raise DataAccessDenied(
                f"reading s3://{bucket}/{key} was denied (HeadObject answered 403): the DataChecker role needs s3:GetObject on "
                f"arn:aws:s3:::{bucket}/{key.split('/', 1)[0]}/* and s3:ListBucket on arn:aws:s3:::{bucket}, and the bucket policy "
                "and any KMS key must allow it"
            ) from None
        if is_not_found(error):
            return None
        raise


def ensure_bucket_exists(s3, bucket: str) -> None:
    """S3 answers HEAD on a key in a missing bucket with the same bodiless 404 as a missing key:
    only HeadBucket tells "no data yet" from "no bucket"."""
    try:
        with retryable_errors(f"HeadBucket {bucket}"):
            s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if _denied(error):
            raise DataAccessDenied(f"HeadBucket on {bucket} was denied (403): the DataChecker role needs s3:ListBucket on arn:aws:s3:::{bucket}") from None
        if is_not_found(error):
            raise BucketMissing(f"bucket {bucket} does not exist (HeadBucket answered 404): check the stack's Bucket parameter") from None
        raise


def check_data(s3, bucket: str, keys: dict[str, str], num_class: int | None = None, read: bool = False) -> dict[str, Any]:
    """Status of each channel's object; an empty object counts as missing. With ``read``, complete files are also
    checked against the data contract (contents.check_files), before any job is started on them."""
    present, missing, sizes = [], [], {}
    for channel, key in keys.items():
        size = sizes[channel] = object_size(s3, bucket, key)
        (present if size else missing).append(channel)
        if size == 0:
            log.warning("empty object counts as missing", extra={"key": key})
    if missing:
        ensure_bucket_exists(s3, bucket)
    status = COMPLETE if not missing else ABSENT if not present else PARTIAL
    columns = contents.check_files(s3, bucket, keys, sizes, num_class) if read and status == COMPLETE else {}
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
        "columns": columns,
    }


def resolve_dates(event: Any, lag_days: int, tz_name: str) -> tuple[date, date]:
    run_input = events.read(event, "input", object, STEP, default={})
    if not isinstance(run_input, dict):
        raise InvalidInput(f"execution input {run_input!r} is not a JSON object: expected {{\"DATE\": \"YYYY-MM-DD\"}}")
    events.read(event, "input.PROMOTE", bool, STEP, default=True)
    start_time = events.read(event, "execution_start_time", (str, type(None)), STEP, default=None)
    tz = dates.timezone(tz_name)
    raw = run_input.get("DATE", dates.ABSENT)
    run = dates.run_date(raw, start_time, tz)
    today = dates.today(start_time, tz)
    if run > today:
        raise InvalidInput(f"DATE {raw!r} is in the future (today is {today} in {tz_name}): expected a date up to today")
    return run, dates.data_date(run, lag_days)


def num_class() -> int | None:
    """The example hyperparameters' num_class, when set (labels must be below it)."""
    value = config.required_json_object("HYPERPARAMETERS").get("num_class")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


@targets.for_target
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if isinstance(event, dict) and "plan" in event:
        run, _ = resolve_dates({"input": events.read(event, "plan.input", object, plan.STEP, default={}),
                                "execution_start_time": event["plan"].get("execution_start_time")},
                               config.required_int("DATA_LAG_DAYS"), config.required("TIMEZONE"))
        result = plan.plan(event, client("s3"), client("service-quotas"), run.isoformat())
        log.info("targets planned", extra={"targets": [t["name"] for t in result["targets"]], "skipped": result["skipped"],
                                           "max_concurrency": result["max_concurrency"], "notes": result["notes"]})
        return result
    bucket = config.required("BUCKET")
    run, data_day = resolve_dates(event, config.required_int("DATA_LAG_DAYS"), config.required("TIMEZONE"))
    target, file_name = config.required("TARGET"), config.required("DATA_FILE_NAME")
    keys = {
        "train": names.data_key(config.required("TRAINING_PREFIX"), data_day, target, file_name),
        "validation": names.data_key(config.required("VALIDATION_PREFIX"), data_day, target, file_name),
    }
    raw_prefix = config.optional("RAW_PREFIX")
    if raw_prefix:
        # With the preprocess stage the raw data is what arrives; training and validation are what preprocessing writes.
        result = check_data(client("s3"), bucket, {"raw": names.data_key(raw_prefix, data_day, target, file_name)})
        result.update(keys={**result["keys"], **keys}, uris={**result["uris"], **{channel: f"s3://{bucket}/{key}" for channel, key in keys.items()}})
    else:
        result = check_data(client("s3"), bucket, keys, num_class(), read=True)
    result.update(run_date=run.isoformat(), data_date=data_day.isoformat())
    log.info("data checked", extra=result)
    return result
