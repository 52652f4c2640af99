"""Errors the handlers raise on purpose.

Lambda reports an exception's class name as the error type, so these names are what the
state machine's Retry and Catch clauses match and what the failure message shows.
"""


class PipelineError(Exception):
    """A failure the operator must act on; never retried."""


class ConfigError(PipelineError):
    """An environment variable set by the template is missing or malformed."""


class InvalidInput(PipelineError):
    """The execution input or a state's payload is malformed."""


class AwsThrottled(Exception):
    """An AWS API throttled us; the state machine retries it with backoff."""


class AwsUnavailable(Exception):
    """An AWS API failed transiently (5xx, connection reset); the state machine retries it."""


class EndpointNotReady(Exception):
    """The endpoint is busy or being deleted; the state machine retries until it can be deployed to."""


class ResourceConflict(PipelineError):
    """A SageMaker resource is in a state that forbids the next step."""


class ResourceVanished(PipelineError):
    """A resource the pipeline started or relies on no longer exists."""


class JobNotStarted(PipelineError):
    """SageMaker refused to create a stage's job, and no job of that name exists."""


class DataAccessDenied(PipelineError):
    """The pipeline may not read its own data."""


class BucketMissing(PipelineError):
    """The data bucket does not exist."""


class SlackDeliveryFailed(Exception):
    """Slack did not accept a message after the client's own retries."""


class DataInvalid(PipelineError):
    """The day's files break the data contract (header, text, columns, labels): caught before any training job."""
