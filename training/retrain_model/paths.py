"""SageMaker's container layout under /opt/ml (ML_ROOT moves it, for local runs and tests)."""

import os
from pathlib import Path


def ml_root() -> Path:
    return Path(os.environ.get("ML_ROOT", "/opt/ml"))


def hyperparameters_file() -> Path:
    return ml_root() / "input" / "config" / "hyperparameters.json"


def channel_dir(channel: str) -> Path:
    return ml_root() / "input" / "data" / channel


def model_dir() -> Path:
    return ml_root() / "model"


def failure_file() -> Path:
    return ml_root() / "output" / "failure"


def checkpoint_dir() -> Path:
    """SageMaker syncs it with CheckpointConfig.S3Uri (managed spot training); it exists only then."""
    return ml_root() / "checkpoints"
