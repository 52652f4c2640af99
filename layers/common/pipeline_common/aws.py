"""Lazily created boto3 clients and the translation of throttling into a retryable error."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .errors import AwsThrottled

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "ProvisionedThroughputExceededException",
    }
)

# One attempt per call: retries belong to the state machine, where they are visible in the
# execution history, use the configured backoff and cost no Lambda time.
_CLIENT_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 1}, user_agent_extra="sagemaker-retrain-pipeline")


@cache
def client(service: str):
    return boto3.client(service, config=_CLIENT_CONFIG)


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


@contextmanager
def throttling_is_retryable(action: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        if error_code(error) in THROTTLING_CODES:
            raise AwsThrottled(f"{action} was throttled by AWS ({error_code(error)}); the state machine retries it") from error
        raise
