"""Requests checked against botocore's service model in full, as AWS checks them before acting.

botocore's client checks types, required members and minimums; moto checks almost nothing. AWS also
refuses enum values, lengths, patterns, number ranges and list sizes outside the model, with a
ValidationException "N validation error(s) detected: Value … at '…' failed to satisfy constraint: …" (the wording as
SageMaker answers it: aws-samples/sagemaker-ml-workflow-with-apache-airflow#3, "2 validation errors detected: Value '…'
at 'modelName' failed to satisfy constraint: Member must have length less than or equal to 63; …").
Here every request of a JSON-protocol service (SageMaker, Step Functions, EventBridge, Secrets Manager,
Service Quotas, Application Auto Scaling) is checked before moto sees it; a request AWS would refuse
fails locally the same way. The query and REST-JSON services (IAM, CloudWatch, Lambda, EventBridge
Scheduler, …) are checked on the client's parameters instead (their bodies are not JSON): query services answer
``ValidationError`` (IAM: SWO-GS/auto-tag#90), REST-JSON ones ``ValidationException`` (Lambda:
dbuarque/repack-lambda#3), each in the same words; a service whose model names a ``ValidationException``
shape (CloudWatch is moving to one: aws/aws-sdk-js-v3#8304) answers that. S3 (REST-XML) is not checked:
it answers its own error per member, and its model constrains almost nothing the pipeline sends.
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import botocore.session
from botocore.client import BaseClient
from moto.core.botocore_stubber import BotocoreStubber

from .overrides import override

SERVICES = ("sagemaker", "stepfunctions", "events", "secretsmanager", "service-quotas", "application-autoscaling")


@cache
def _models() -> dict[str, Any]:
    """targetPrefix (the X-Amz-Target before the dot) -> service model."""
    session = botocore.session.get_session()
    models = {}
    for name in SERVICES:
        model = session.get_service_model(name)
        if model.metadata.get("protocol") == "json":
            models[model.metadata["targetPrefix"]] = model
    return models


@cache
def _pattern(pattern: str) -> re.Pattern | None:
    """The model's (Java) pattern, or None where Python's re cannot read it (then it is not checked)."""
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:
        return None


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _value_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def problems(value: Any, shape, path: str = "") -> list[str]:
    """AWS's words for every constraint of ``shape`` that ``value`` breaks."""
    found: list[str] = []

    def report(constraint: str) -> None:
        found.append(f"Value '{_value_text(value)}' at '{path}' failed to satisfy constraint: Member must {constraint}")

    metadata = shape.metadata
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            return found
        for member in shape.required_members:
            if value.get(member) is None:
                found.append(f"Value null at '{_join(path, member)}' failed to satisfy constraint: Member must not be null")
        for member, member_value in value.items():
            if member in shape.members and member_value is not None:
                found += problems(member_value, shape.members[member], _join(path, member))
        return found
    if shape.type_name in ("list", "map") and isinstance(value, list | dict):
        if "min" in metadata and len(value) < metadata["min"]:
            report(f"have length greater than or equal to {metadata['min']}")
        if "max" in metadata and len(value) > metadata["max"]:
            report(f"have length less than or equal to {metadata['max']}")
        if shape.type_name == "list":
            for index, item in enumerate(value):
                found += problems(item, shape.member, f"{path}.{index + 1}.member")
        else:
            for key, item in value.items():
                found += problems(key, shape.key, f"{path}.{key}.key") + problems(item, shape.value, f"{path}.{key}.value")
        return found
    if shape.type_name == "string" and isinstance(value, str):
        if "min" in metadata and len(value) < metadata["min"]:
            report(f"have length greater than or equal to {metadata['min']}")
        if "max" in metadata and len(value) > metadata["max"]:
            report(f"have length less than or equal to {metadata['max']}")
        if shape.enum and value not in shape.enum:
            report(f"satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = _pattern(metadata["pattern"]) if "pattern" in metadata else None
        if pattern is not None and not pattern.fullmatch(value):
            report(f"satisfy regular expression pattern: {metadata['pattern']}")
    elif shape.type_name in ("integer", "long", "float", "double") and isinstance(value, int | float) and not isinstance(value, bool):
        if "min" in metadata and value < metadata["min"]:
            report(f"have value greater than or equal to {metadata['min']}")
        if "max" in metadata and value > metadata["max"]:
            report(f"have value less than or equal to {metadata['max']}")
    return found


def _join(path: str, member: str) -> str:
    return f"{path}.{_camel(member)}" if path else _camel(member)


def check(target: str, body: bytes | str | None) -> str:
    """The ValidationException message AWS would answer for this request, or "" when AWS would accept it."""
    prefix, _, operation = target.partition(".")
    model = _models().get(prefix)
    if model is None or operation not in model.operation_names:
        return ""
    input_shape = model.operation_model(operation).input_shape
    if input_shape is None:
        return ""
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        return ""
    return _message(problems(params, input_shape))


def _message(found: list[str]) -> str:
    """AWS's words for the problems found ("" for none)."""
    return f"{len(found)} validation error{'s' if len(found) > 1 else ''} detected: " + "; ".join(found) if found else ""


def refusal_code(model) -> str | None:
    """The error code a non-JSON service answers a constraint violation with, or None when it is not checked here."""
    protocol = model.metadata.get("protocol")
    if protocol == "json" or protocol == "rest-xml":
        return None
    if "ValidationException" in model.shape_names:
        return "ValidationException"
    return "ValidationError" if protocol in ("query", "ec2") else "ValidationException"


def client_side_check(model, operation: str, params: dict[str, Any]) -> str:
    """The message for a non-JSON request's parameters, or "" (JSON requests are checked on the wire)."""
    input_shape = model.operation_model(operation).input_shape
    if refusal_code(model) is None or input_shape is None:
        return ""
    return _message(problems(params, input_shape))


@contextmanager
def validated_requests() -> Iterator[None]:
    original = BotocoreStubber.process_request
    original_call = BaseClient._make_api_call

    def make_api_call(client, operation_name, api_params):
        model = client.meta.service_model
        message = client_side_check(model, operation_name, api_params)
        if message:
            code = refusal_code(model)
            error = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}
            raise client.exceptions.from_code(code)(error, operation_name)
        return original_call(client, operation_name, api_params)

    def process_request(stubber, request):
        target = request.headers.get("X-Amz-Target")
        if target:
            target = target.decode() if isinstance(target, bytes) else target
            message = check(target, request.body)
            if message:
                return 400, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps({"__type": "ValidationException", "message": message})
        return original(stubber, request)

    with (override(BotocoreStubber, "process_request", process_request, rows=("request-validation",)),
          override(BaseClient, "_make_api_call", make_api_call, rows=("request-validation",))):
        yield
