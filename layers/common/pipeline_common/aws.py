"""Lazily created boto3 clients, and what an AWS error means for the pipeline.

Retries belong to the state machine (one attempt per call here), so an error is either
translated into one the ASL retries (throttling, a transient service fault) or left as is.
"Not found" is decided from the error code and the message AWS really sends, not from one
emulator's wording: SageMaker's DescribeTrainingJob answers a missing job with
ValidationException "Requested resource not found." (boto/boto3#2808), other Describe calls
with ValidationException "Could not find ..." or "... does not exist.".
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from .errors import AwsThrottled, AwsUnavailable

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
TRANSIENT_CODES = frozenset(
    {
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
# ExecutionDoesNotExist: Step Functions' DescribeExecution (botocore stepfunctions, the operation's errors).
NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException", "NotFound", "404", "NoSuchKey", "ExecutionDoesNotExist"})
_NOT_FOUND_MESSAGE = re.compile(r"requested resource not found|could not find|does not exist|not found", re.IGNORECASE)
_CONNECTION_ERRORS = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError)

_CLIENT_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 1}, user_agent_extra="sagemaker-retrain-pipeline")


@cache
def client(service: str):
    return boto3.client(service, config=_CLIENT_CONFIG)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def error_message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", "")) or str(error)


def http_status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def is_not_found(error: ClientError) -> bool:
    """A Describe/Head call's answer for a resource that does not exist, in any of AWS's wordings."""
    code = error_code(error)
    return code in NOT_FOUND_CODES or (code == "ValidationException" and bool(_NOT_FOUND_MESSAGE.search(error_message(error))))


def is_transient(error: ClientError) -> bool:
    return error_code(error) in TRANSIENT_CODES or http_status(error) >= 500


@contextmanager
def retryable_errors(action: str) -> Iterator[None]:
    """Turn throttling, 5xx and connection failures into the errors the state machine retries."""
    try:
        yield
    except ClientError as error:
        if error_code(error) in THROTTLING_CODES:
            raise AwsThrottled(f"{action} was throttled by AWS ({error_code(error)}); the state machine retries it") from error
        if is_transient(error):
            raise AwsUnavailable(
                f"{action} failed with a transient AWS error ({error_code(error) or http_status(error)}: {error_message(error)}); the state machine retries it"
            ) from error
        raise
    except _CONNECTION_ERRORS as error:
        raise AwsUnavailable(f"{action} could not reach AWS ({type(error).__name__}); the state machine retries it") from error


def describe_or_none(call: Callable[..., dict[str, Any]], action: str, **kwargs: Any) -> dict[str, Any] | None:
    """The Describe call's answer, or None when the resource does not exist."""
    try:
        with retryable_errors(action):
            return call(**kwargs)
    except ClientError as error:
        if is_not_found(error):
            return None
        raise
