"""The pooled channels of the PooledEvidence gate: the validation rows of the last days, today's included.

Each pool is a SageMaker manifest (S3DataType ManifestFile: a prefix, then keys relative to it;
botocore sagemaker ``S3DataSource.S3Uri``) listing the days whose validation file exists, written
beside the day's model output. The container scores champion and challenger on each pool's rows.
"""

import json
from datetime import date, timedelta
from typing import Any

import stage_jobs

from pipeline_common import config, gate, names
from pipeline_common.aws import retryable_errors

MANIFEST = "ManifestFile"


def windows() -> dict[str, int]:
    """Pool channel -> days, for the PooledEvidence rule only (0 days: no such pool)."""
    if config.required("GATE_RULE") != gate.POOLED_EVIDENCE:
        return {}
    days = {gate.POOLED_WINDOWS[0]: config.required_int("POOLED_SHORT_DAYS"), gate.POOLED_WINDOWS[1]: config.required_int("POOLED_LONG_DAYS")}
    return {window: count for window, count in days.items() if count > 0}


def existing_days(s3, bucket: str, prefix: str, target: str, file_name: str, data_day: date, days: int) -> list[str]:
    """The keys (relative to ``prefix``) of the validation files of the last ``days`` days that exist, oldest first."""
    keys = []
    for back in range(days - 1, -1, -1):
        key = names.data_key(prefix, data_day - timedelta(days=back), target, file_name)
        if stage_jobs.has_objects(s3, f"s3://{bucket}/{key}"):
            keys.append(key.removeprefix(prefix.strip("/") + "/"))
    return keys


def write_manifests(s3, data_day: date, output_path: str) -> dict[str, dict[str, Any]]:
    """One manifest per pool with at least two days of rows (one day is today's test again), and no two alike."""
    bucket, prefix = config.required("BUCKET"), config.required("VALIDATION_PREFIX").strip("/")
    wanted = windows()
    if not wanted:
        return {}
    keys = existing_days(s3, bucket, prefix, config.required("TARGET"), config.required("DATA_FILE_NAME"), data_day, max(wanted.values()))
    pools, seen = {}, set()
    for window, days in wanted.items():
        first = (data_day - timedelta(days=days - 1)).isoformat()
        chosen = [key for key in keys if key.split("/", 1)[0] >= first]
        if len(chosen) < 2 or tuple(chosen) in seen:
            continue
        seen.add(tuple(chosen))
        uri = f"{output_path}/{window}.manifest"
        out_bucket, _, out_key = uri.removeprefix("s3://").partition("/")
        with retryable_errors(f"PutObject {uri}"):
            s3.put_object(Bucket=out_bucket, Key=out_key, Body=json.dumps([{"prefix": f"s3://{bucket}/{prefix}/"}, *chosen]).encode(),
                          ContentType="application/json")
        pools[window] = {"days": len(chosen), "uri": uri}
    return pools


def of_job(s3, job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The pools an existing job was given (a rerun adopts it): read back from its manifests."""
    pools = {}
    for channel in job.get("InputDataConfig", []):
        source = channel["DataSource"]["S3DataSource"]
        if channel["ChannelName"] in gate.POOLED_WINDOWS and source["S3DataType"] == MANIFEST:
            bucket, _, key = source["S3Uri"].removeprefix("s3://").partition("/")
            with retryable_errors(f"GetObject {source['S3Uri']}"):
                entries = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            pools[channel["ChannelName"]] = {"days": len(entries) - 1, "uri": source["S3Uri"]}
    return pools
