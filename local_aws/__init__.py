"""Emulated AWS for the local run: the rendered template, the real handlers, moto underneath."""

import sys
from pathlib import Path

# pipeline_common (the layer's package) is the same module for the emulator and the functions it runs.
_LAYER = str(Path(__file__).resolve().parent.parent / "layers" / "common")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)
