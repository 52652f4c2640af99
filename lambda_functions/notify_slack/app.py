"""Notify: one Block Kit message to the team's Slack incoming webhook.

The webhook URL is a secret: it never appears in a log line, a result or an error (errors
carry the HTTP status, never Slack's response body, which a gateway may use to echo the URL).
Waits between retries never outlast the invocation: a Retry-After longer than the time left
is not waited for.
"""

import json
import re
import time
from collections.abc import Callable
from typing import Any

import digest
from aws_lambda_powertools.utilities import parameters
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

import messages
from pipeline_common import config, events, targets
from pipeline_common.aws import client
from pipeline_common.errors import ConfigError, InvalidInput, SlackDeliveryFailed
from pipeline_common.log import logger

log = logger("notify_slack")

STEP = "Notify"
SECRET_CACHE_SECONDS = 300
REQUEST_TIMEOUT_SECONDS = 10
DEFAULT_BUDGET_SECONDS = 30.0
DIGEST = "digest"
MAX_RESULT_TEXT = 600          # the message's text in the result: with many targets each run keeps it for the digest
_WEBHOOK_PATH = re.compile(r"(/services/)[^\s\"'<>]+")


def redact(text: str) -> str:
    """Text with every webhook path (/services/T…/B…/token) replaced."""
    return _WEBHOOK_PATH.sub(r"\1***", text)


def webhook_url(secret_id: str) -> str:
    """The webhook URL from Secrets Manager: the secret is the URL itself or {"webhook_url": URL}."""
    value: Any = parameters.get_secret(secret_id, max_age=SECRET_CACHE_SECONDS)
    if isinstance(value, bytes):
        value = value.decode()
    value = value.strip()
    if value.startswith("{"):
        try:
            value = json.loads(value)["webhook_url"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ConfigError(f"secret {secret_id} is JSON without a webhook_url key: expected the URL or {{\"webhook_url\": URL}}") from None
        if not isinstance(value, str):
            raise ConfigError(f"secret {secret_id} has a webhook_url that is a {type(value).__name__}, not a string: expected an https:// URL")
    if not value.startswith(("https://", "http://")):
        raise ConfigError(f"secret {secret_id} does not hold an http(s) URL (value not shown): expected a Slack incoming-webhook URL")
    return value


class Budgeted(RetryHandler):
    """Wraps a slack_sdk retry handler: retry only when the wait and one more request fit in the
    time left, and count the retries really made."""

    def __init__(self, inner: RetryHandler, seconds_left: Callable[[], float], retries: list[str]) -> None:
        super().__init__(max_retry_count=inner.max_retry_count)
        self.inner, self.seconds_left, self.retries = inner, seconds_left, retries

    def _wait_seconds(self, state, response) -> float:
        if isinstance(self.inner, RateLimitErrorRetryHandler) and response is not None:
            for key, values in response.headers.items():
                if key.lower() == "retry-after":
                    try:
                        return float(values[0]) + 1
                    except (TypeError, ValueError, IndexError):
                        return 2.0
            return 2.0
        return self.inner.interval_calculator.calculate_sleep_duration(state.current_attempt)

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if not self.inner.can_retry(state=state, request=request, response=response, error=error):
            return False
        fits = self._wait_seconds(state, response) + REQUEST_TIMEOUT_SECONDS < self.seconds_left()
        if not fits:
            log.warning("not retrying Slack: the wait would outlast the invocation",
                        extra={"wait_seconds": self._wait_seconds(state, response), "seconds_left": round(self.seconds_left(), 1)})
        return fits

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        self.retries.append(f"HTTP {response.status_code}" if response is not None else type(error).__name__)
        self.inner.prepare_for_next_attempt(state=state, request=request, response=response, error=error)


def send(url: str, message: dict[str, Any], max_retries: int, seconds_left: Callable[[], float] | None = None) -> list[str]:
    """Deliver with slack_sdk's retries (connection errors, 429 with Retry-After, 5xx); returns the retries made."""
    deadline = time.monotonic() + DEFAULT_BUDGET_SECONDS
    left = seconds_left or (lambda: deadline - time.monotonic())
    retries: list[str] = []
    client = WebhookClient(
        url,
        timeout=REQUEST_TIMEOUT_SECONDS,
        retry_handlers=[
            Budgeted(handler(max_retry_count=max_retries), left, retries)
            for handler in (ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, ServerErrorRetryHandler)
        ],
    )
    try:
        response = client.send(text=message["text"], blocks=message["blocks"])
    except Exception as error:
        raise SlackDeliveryFailed(f"Slack webhook unreachable ({type(error).__name__}) {_after(retries)}") from None
    if response.status_code != 200:
        raise SlackDeliveryFailed(f"Slack webhook answered HTTP {response.status_code} {_after(retries)}")
    return retries


def _after(retries: list[str]) -> str:
    return f"after {len(retries)} {'retry' if len(retries) == 1 else 'retries'} ({', '.join(retries)})" if retries else "with no retry"


def _seconds_left(context: Any) -> Callable[[], float] | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return (lambda: remaining() / 1000) if callable(remaining) else None


def deliver(kind: str, event: dict[str, Any]) -> bool:
    """One target's run of many: its messages go out as fan_out.slack_per_target says (the digest repeats them)."""
    if "target" not in event:
        return True
    policy = config.optional("SLACK_PER_TARGET", "all")
    return policy == "all" or (policy == "failures" and kind == "failed")


@targets.for_target
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    kind = events.read(event, "kind", str, STEP)
    if kind not in messages.KINDS + (DIGEST,):
        raise InvalidInput(f"notification kind {kind!r} is not one of {', '.join(messages.KINDS + (DIGEST,))}")
    state = events.read(event, "state", dict, STEP, default={})
    execution = events.read(event, "execution", str, STEP, default="unknown")
    region, stack = config.required("AWS_REGION"), config.required("STACK_NAME")
    failed: list[str] = []
    if kind == DIGEST:
        message, failed = digest.build(client("stepfunctions"), state, execution, region, stack,
                                       events.read(event, "pipeline", str, STEP, default=""))
    else:
        target = config.optional("TARGET") if "target" in event else ""
        message = messages.build(kind, state, execution, region, f"{stack} · {target}" if target else stack)
    result: dict[str, Any] = {"kind": kind}
    if kind == DIGEST or "target" in event:
        result.update(text=redact(message["text"])[:MAX_RESULT_TEXT], **({"failed": failed} if kind == DIGEST else {}))
    secret_id = config.optional("SLACK_WEBHOOK_SECRET_ARN")
    if not deliver(kind, event):
        return {**result, "delivered": False, "withheld": "fan_out.slack_per_target: the digest says it"}
    if not secret_id:
        log.warning("no Slack webhook configured; message logged only", extra={"kind": kind, "text": redact(message["text"])})
        return {**result, "delivered": False}
    retries = send(webhook_url(secret_id), message, config.required_int("SLACK_MAX_RETRIES"), _seconds_left(context))
    log.info("Slack message delivered", extra={"kind": kind, "text": redact(message["text"]), "retries": retries})
    return {**result, "delivered": True, "retries": len(retries)}
