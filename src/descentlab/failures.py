"""What a failed check says, as one kind of exception (provided code).

Every check of :mod:`descentlab.checks` fails by raising :class:`CheckFailed`,
whose fields say what was called, what came back, what was expected, which
mistake that looks like and where to fix it. The grader reads those fields
(never the text) to decide what the student's feedback shows and which
mistakes the class report counts. In a notebook the failure is shown as its
message alone: the checks' own lines of code tell a student nothing.

A named mistake is kept in English (the class report counts it whatever the
student's edition) and translated when the message is made (:mod:`descentlab.i18n`).
"""

from .i18n import _, translated


class CheckFailed(AssertionError):
    """A check found a wrong answer.

    An ``AssertionError``, so that the graded cell fails as any failed assertion
    does (nbgrader scores it 0).

    Parameters
    ----------
    exercise : str
        The function or value checked, e.g. ``"mse"`` or ``"lr"``.
    call : str, optional
        What the check ran, as code, e.g. ``"mse(y_true=..., y_pred=...)"``.
    outcome : str, optional
        What came back, e.g. ``"returned 6.0"`` or ``"raised TypeError: ..."``.
    expected : str, optional
        What was expected instead.
    mistake : str, optional
        The mistake recognised, named and explained (the class report counts it).
    where : str, optional
        Where the student fixes it, e.g. ``"`mse` in src/descentlab/losses.py"``.
    fix : str, optional
        What to do; by default, fix ``where`` and re-run the cell.  The checks say
        which edit it is: a file saved, or a notebook cell re-run.
    """

    def __init__(self, exercise, call=None, outcome=None, expected=None, mistake=None,
                 where=None, fix=None):
        self.exercise, self.call, self.outcome = exercise, call, outcome
        self.expected, self.mistake, self.where = expected, mistake, where
        self.fix = fix or _("Fix {where} and re-run this cell.").format(where=where or exercise)
        super().__init__(self.message())

    def message(self):
        """The text the student reads: call, outcome, expectation, mistake, fix."""
        expected = self.expected and _("expected {value}").format(value=self.expected)
        lines = [line for line in (self.call, self.outcome and f"  {self.outcome}",
                                   expected and f"  {expected}") if line]
        if self.mistake:
            lines.append(_("Likely mistake: {mistake}").format(mistake=translated(self.mistake)))
        return "\n".join([*lines, self.fix])

    def _render_traceback_(self):
        """What IPython shows instead of a traceback: the name and the message only."""
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


class ExerciseNotWritten(CheckFailed, NotImplementedError):
    """A check met an exercise that is still a stub.

    A :class:`CheckFailed`, so the graded cell fails as any wrong answer does,
    and a ``NotImplementedError``, so :func:`descentlab.stubs.until_written`
    treats it as the stub it is. ``exercise`` and ``where`` say what to fill in.
    """

    def __init__(self, exercise, where, text=None):
        self.text = text or _("{exercise} is not written yet: fill in {where} (replace "
                              "`raise NotImplementedError()` with your code), save the file "
                              "and re-run this cell.").format(exercise=exercise, where=where)
        super().__init__(exercise, where=where)

    @property
    def function(self):
        """The exercise to fill in (the name :func:`until_written` reports)."""
        return self.exercise

    def message(self):
        return self.text
