"""One structured logger for every function (Powertools), with secrets kept out of it."""

import logging

from aws_lambda_powertools import Logger

# slack_sdk logs request URLs at DEBUG; an incoming-webhook URL is a secret.
logging.getLogger("slack_sdk").setLevel(logging.WARNING)


def logger(service: str) -> Logger:
    return Logger(service=service)
