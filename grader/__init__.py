"""Instructor tooling around nbgrader: release, assembly of packages, grading.

Run the tools through the Makefile (``make release``, ``make grade``) or as
``python -m grader.<tool>`` from the repository root.
"""

import os
import sys
from pathlib import Path

#: The repository root: every tool works on paths relative to it.
REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
PACKAGE = REPO / "src" / "descentlab"
CONFIG = REPO / "grader" / "nbgrader_config.py"

# nbgrader's Gradebook runs the `alembic` command found on PATH; when the tools are
# started as `.venv/bin/python -m grader...` without activating the venv, put its
# bin folder first so that the venv's alembic (and jupyter) are the ones found.
_BIN = str(Path(sys.executable).parent)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([_BIN, os.environ.get("PATH", "")])
