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


def use_tools_of_this_python():
    """Put this Python's ``bin`` folder first on ``PATH``, once.

    nbgrader's Gradebook runs the ``alembic`` command found on ``PATH``; when a tool
    is started as ``.venv/bin/python -m grader...`` without activating the venv,
    the venv's alembic (and jupyter) must be the ones found.
    """
    folder = str(Path(sys.executable).parent)
    if folder not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([folder, os.environ.get("PATH", "")])


def tool_env():
    """The environment of the grader's own helper processes (the grading jobs, the
    formgrader): this repository importable, this Python's tools first on ``PATH``."""
    use_tools_of_this_python()
    return {**os.environ, "PYTHONPATH": str(REPO)}
