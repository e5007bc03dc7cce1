"""Let exploration cells run before the exercises are written (provided code).

Plots and demos in the notebooks call the student's functions. Until a function
is written it raises ``NotImplementedError``; inside :func:`until_written` that
becomes one line saying what to fill in, so the rest of the notebook still runs
and only the graded check cells fail.
"""

import contextlib
import traceback
from pathlib import Path

from .course import EXERCISES, module_path
from .failures import ExerciseNotWritten
from .i18n import _


def stub_location(error):
    """``(function, path)`` of the exercise stub that raised ``error``, or None."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        module = Path(frame.filename).stem
        if module in EXERCISES and frame.name in EXERCISES[module]:
            return frame.name, module_path(module)
    return None


@contextlib.contextmanager
def until_written():
    """Run the block; if it reaches an unwritten exercise, say which and carry on.

    Other errors, including ``NotImplementedError`` raised outside the exercise
    modules, propagate unchanged.
    """
    try:
        yield
    except NotImplementedError as error:
        if isinstance(error, ExerciseNotWritten):
            print(_("(This cell shows its result once {where} is written.)").format(
                where=error.where))
            return
        location = stub_location(error)
        if location is None:
            raise
        function, path = location
        print(_("(This cell shows its result once `{function}` in {path} is written.)").format(
            function=function, path=path))
