"""The record of deployments: one JSON object per model going live, in S3 under the stack's history prefix.

``s3://BUCKET/PREFIX/GROUP/<UTC time, ms>-v<VERSION>.json``: keys sort by time, so the last one names the model in use
for batch predictions, and ``model-history`` and ``rollback`` read the whole story from one listing.

Why S3 and not the registry (docs/aws-behaviours.md): a model package in a group "uses the tags
associated with the model group" and takes no tags of its own (CreateModelPackage ``Tags``), and
tagging a versioned package is refused in public reports; UpdateModelPackage would emit another "Model
Package State Change" event, which in Manual approval mode starts deployments. A record is written with
``If-None-Match: *`` (PutObject ``IfNoneMatch``: "Uploads the object only if the object key name does
not already exist ... Otherwise, Amazon S3 returns a 412 Precondition Failed"), so a second copy of
the same going-live (SageMaker may send a state change event more than once) keeps the first record.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from . import config, registry
from .aws import error_code, retryable_errors
from .errors import InvalidInput

BATCH_PREDICTIONS = "batch predictions"


@dataclass(frozen=True)
class Location:
    bucket: str
    prefix: str
    group: str

    @property
    def folder(self) -> str:
        return f"{self.prefix.strip('/')}/{self.group}/" if self.prefix.strip("/") else f"{self.group}/"

    def key(self, at: str, version: int | None) -> str:
        return f"{self.folder}{at}-v{version if version is not None else 'unversioned'}.json"

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.folder}"


def location() -> Location:
    """This function's stack: the data bucket, the history prefix and the model package group."""
    return Location(config.required("BUCKET"), config.required("DEPLOYMENT_HISTORY_PREFIX"), config.required("MODEL_PACKAGE_GROUP"))


def moment(when: datetime) -> str:
    """UTC to the millisecond, fixed width, so that keys sort by time."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def version_of(arn: str) -> int | None:
    """The version of a versioned package ARN; None for anything else (a package registered outside a group)."""
    try:
        return registry.version_of(arn or "")
    except InvalidInput:
        return None


def record(s3, where: Location, package_arn: str, endpoint: str, execution: str, replaced: str, origin: str,
           live_since: datetime | None = None) -> str:
    """Record that ``package_arn`` went live at ``live_since`` (the endpoint's LastModifiedTime once it serves
    it; now for batch predictions) on ``endpoint`` ("" for batch predictions), by which execution, replacing
    what. Returns the record's time; a record of the same version at the same moment is kept, not written again."""
    at, version = moment(live_since or datetime.now(UTC)), version_of(package_arn)
    body = {"at": at, "model_package_arn": package_arn, "version": version, "target": endpoint or BATCH_PREDICTIONS,
            "origin": origin, "replaced": replaced, "execution": execution.rsplit(":", 1)[-1]}
    try:
        with retryable_errors(f"PutObject s3://{where.bucket}/{where.key(at, version)}"):
            s3.put_object(Bucket=where.bucket, Key=where.key(at, version), Body=json.dumps(body, indent=1).encode(), ContentType="application/json",
                          IfNoneMatch="*")
    except ClientError as error:
        if error_code(error) != "PreconditionFailed":
            raise
    return at


def records(s3, where: Location) -> list[dict[str, Any]]:
    """Every deployment recorded for the group, oldest first."""
    return [_read(s3, where, key) for key in _keys(s3, where)]


def latest(s3, where: Location) -> dict[str, Any] | None:
    """The last deployment recorded (the model in use for batch predictions), or None."""
    keys = _keys(s3, where)
    return _read(s3, where, keys[-1]) if keys else None


def _keys(s3, where: Location) -> list[str]:
    """The group's record keys, in time order (their names start with the time)."""
    with retryable_errors(f"ListObjectsV2 {where.uri}"):
        return sorted(item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=where.bucket, Prefix=where.folder)
                      for item in page.get("Contents", []) if item["Key"].endswith(".json"))


def _read(s3, where: Location, key: str) -> dict[str, Any]:
    with retryable_errors(f"GetObject s3://{where.bucket}/{key}"):
        return json.loads(s3.get_object(Bucket=where.bucket, Key=key)["Body"].read())


def describe(entry: dict[str, Any]) -> str:
    """One line: where, why, what it replaced and which execution."""
    replaced = entry.get("replaced") or ""
    replaced_text = "nothing" if not replaced else f"version {version_of(replaced)}" if version_of(replaced) else replaced
    where = f"endpoint={entry['target']}" if entry.get("target") != BATCH_PREDICTIONS else "target=batch predictions"
    return f"{where}; origin={entry.get('origin')}; replaced={replaced_text}; execution={entry.get('execution')}"
