"""One structured logger for every function (Powertools), with secrets kept out of it."""

import logging

from aws_lambda_powertools import Logger

# slack_sdk logs request URLs (the webhook token) at INFO and its errors at ERROR, and botocore
# logs response bodies (a secret's value) at DEBUG: none may reach the logs, whatever LogLevel
# the stack is deployed with. The handlers report delivery failures themselves, without the URL.
logging.getLogger("slack_sdk").setLevel(logging.CRITICAL + 1)
for _noisy in ("botocore", "urllib3"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)


def logger(service: str) -> Logger:
    return Logger(service=service)
