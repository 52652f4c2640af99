"""One structured logger for every function (Powertools), with secrets kept out of it."""

import logging

from aws_lambda_powertools import Logger

# At DEBUG, slack_sdk logs request URLs and botocore logs response bodies (a secret's value):
# neither may reach the logs, whatever LogLevel the stack is deployed with.
for _noisy in ("slack_sdk", "botocore", "urllib3"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)


def logger(service: str) -> Logger:
    return Logger(service=service)
