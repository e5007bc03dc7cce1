"""Shared fixtures. The suite runs against the solved package: ``make test``
assembles it and puts it first on ``PYTHONPATH``."""

from pathlib import Path

import pytest

import descentlab.losses

if "BEGIN SOLUTION" not in Path(descentlab.losses.__file__).read_text("utf-8"):
    raise pytest.UsageError(
        "the tests need the solved exercise modules: run them with `make test`, which "
        "assembles the solved package and puts it first on PYTHONPATH"
    )


#: Test modules of the slow kinds (whole grading batches, notebooks executed, a fresh
#: virtual environment); every test under tests/browser/ (a real Chromium) is slow too.
#: `make test-fast` leaves them out, `make test` runs everything.
SLOW_MODULES = {"test_grading.py", "test_grading_workflow.py", "test_hostile.py",
                "test_hand_grades.py", "test_handout.py", "test_student_notebooks.py",
                "test_grading_under_load.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        path = Path(str(item.fspath))
        if "browser" in path.parts or path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
