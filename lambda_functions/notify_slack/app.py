"""Notify: one Block Kit message to the team's Slack incoming webhook."""

import json
from typing import Any

from aws_lambda_powertools.utilities import parameters
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient

import messages
from pipeline_common import config
from pipeline_common.errors import ConfigError, InvalidInput, SlackDeliveryFailed
from pipeline_common.log import logger

log = logger("notify_slack")

SECRET_CACHE_SECONDS = 300


def webhook_url(secret_id: str) -> str:
    """The webhook URL from Secrets Manager: the secret is the URL itself or {"webhook_url": URL}."""
    value = parameters.get_secret(secret_id, max_age=SECRET_CACHE_SECONDS)
    if isinstance(value, bytes):
        value = value.decode()
    value = value.strip()
    if value.startswith("{"):
        try:
            value = json.loads(value)["webhook_url"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ConfigError(f"secret {secret_id} is JSON without a webhook_url key: expected the URL or {{\"webhook_url\": URL}}") from None
    if not value.startswith(("https://", "http://")):
        raise ConfigError(f"secret {secret_id} does not hold an http(s) URL (value not shown): expected a Slack incoming-webhook URL")
    return value


def send(url: str, message: dict[str, Any], max_retries: int) -> None:
    """Deliver with slack_sdk's retries (connection errors, 429 with Retry-After, 5xx); the URL never leaves this function."""
    client = WebhookClient(
        url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=max_retries),
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ServerErrorRetryHandler(max_retry_count=max_retries),
        ],
    )
    try:
        response = client.send(text=message["text"], blocks=message["blocks"])
    except Exception as error:
        raise SlackDeliveryFailed(f"Slack webhook unreachable after {max_retries} retries: {type(error).__name__}") from None
    if response.status_code != 200:
        raise SlackDeliveryFailed(f"Slack webhook answered HTTP {response.status_code} ({response.body[:200]!r}) after {max_retries} retries")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    kind = event.get("kind")
    if kind not in messages.KINDS:
        raise InvalidInput(f"notification kind {kind!r} is not one of {', '.join(messages.KINDS)}")
    state = event.get("state") or {}
    execution = str(event.get("execution") or "unknown")
    message = messages.build(kind, state, execution, config.required("AWS_REGION"), config.required("STACK_NAME"))
    secret_id = config.optional("SLACK_WEBHOOK_SECRET_ARN")
    if not secret_id:
        log.warning("no Slack webhook configured; message logged only", extra={"kind": kind, "text": message["text"]})
        return {"delivered": False, "kind": kind}
    send(webhook_url(secret_id), message, config.required_int("SLACK_MAX_RETRIES"))
    log.info("Slack message delivered", extra={"kind": kind, "text": message["text"]})
    return {"delivered": True, "kind": kind}
