"""What the endpoint's state means for today's deployment, decided once for StartTraining and DeployModel."""

from typing import Any

from .errors import ResourceConflict

BUSY = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})
RECREATE = "Failed"


def _reason(endpoint: dict[str, Any]) -> str:
    reason = endpoint.get("FailureReason")
    return f" (FailureReason: {reason})" if reason else " (SageMaker gave no FailureReason)"


def operator_must_act(name: str, endpoint: dict[str, Any] | None) -> str:
    """Why no model can be deployed to the endpoint until someone acts, or "" when it can be."""
    if endpoint is None:
        return ""
    status = endpoint.get("EndpointStatus", "")
    delete = f"aws sagemaker delete-endpoint --endpoint-name {name}"
    if status == "UpdateRollbackFailed":
        return (
            f"endpoint {name} is UpdateRollbackFailed{_reason(endpoint)}: SageMaker could neither apply nor roll back its last update, "
            f"so it cannot be updated. Inspect it (aws sagemaker describe-endpoint --endpoint-name {name}), then restore its variants "
            f"with update-endpoint-weights-and-capacities or delete it ({delete}); the next run then deploys again"
        )
    if status == "OutOfService":
        return (
            f"endpoint {name} is OutOfService{_reason(endpoint)}: it serves no traffic and cannot be updated. "
            f"Delete it ({delete}); the next run creates it again"
        )
    return ""


def check_deployable(name: str, endpoint: dict[str, Any] | None) -> None:
    problem = operator_must_act(name, endpoint)
    if problem:
        raise ResourceConflict(problem)
