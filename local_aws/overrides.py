"""The one way the emulator replaces part of moto: ``override`` names the rows of docs/aws-behaviours.md
that say what AWS does and where AWS says it. tests/emulator/test_behaviour_sources.py reads every
call (they must name their rows as literals) and fails on a row that is not in the table."""

from pathlib import Path
from typing import Any
from unittest import mock

BEHAVIOURS = Path(__file__).resolve().parent.parent / "docs" / "aws-behaviours.md"


def override(target: Any, attribute: str, replacement: Any, rows: tuple[str, ...], create: bool = False):
    """``mock.patch.object(target, attribute, replacement)``, for the AWS behaviours ``rows`` of docs/aws-behaviours.md."""
    if not rows:
        raise ValueError(f"override of {getattr(target, '__name__', target)}.{attribute} names no row of {BEHAVIOURS.name}")
    return mock.patch.object(target, attribute, replacement, create=create)
