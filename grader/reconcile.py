"""What a new autograde of one notebook does to its grades: a pure function.

The batch's gradebook may already hold grades for the notebook: earlier
autograded scores and the hand grades TAs gave in the formgrader. A regrade
sets every autograded score anew, never touches a hand grade, and decides which
cells need a TA's eye: an answer nobody graded by hand yet still does, and a
hand grade stands where the answer it graded is unchanged, but is flagged for
review where the answer or the autograded score changed. :mod:`grader.batch`
reads the gradebook, calls :func:`reconcile` and writes what it returns.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Stored:
    """A graded cell as the batch's gradebook holds it before the merge."""

    auto: float | None  # the autograded score (None if never autograded)
    manual: float | None  # the TA's hand grade (None if none)
    answer: str | None  # the student's answer it was last graded on (None if none)


@dataclass(frozen=True)
class Update:
    """What to write for one graded cell."""

    auto: float
    needs_manual_grade: bool | None  # None: leave the flag as it is


def reconcile(notebook, stored, scores, answers):
    """Updates for every graded cell of ``notebook`` and the problems to report.

    Parameters
    ----------
    notebook : str
        The notebook's name, for the problems' text.
    stored : dict of str to Stored
        Every graded cell (by grade id) as the batch's gradebook holds it.
    scores : dict of str to grader.jobfiles.CellScore
        The new autograde's cells. A cell missing here scores 0 (fail closed).
    answers : dict of str to str
        The new submission's graded and answer cells' sources, by grade id.

    Returns
    -------
    updates : dict of str to Update
        One per cell of ``stored``.
    problems : list of str
        The hand grades kept although their answer changed, to review.
    """
    updates, problems = {}, []
    for cell, before in stored.items():
        score = scores.get(cell)
        auto, manual = (score.auto, score.manual) if score else (0.0, False)
        changed = before.auto != auto or before.answer != answers.get(cell)
        if before.manual is None:
            needs = manual
        elif changed:
            needs = True
            problems.append(f"{notebook} {cell}: graded by hand before, and the answer "
                            "changed since; the hand grade is kept and flagged for review in "
                            "the formgrader")
        else:
            needs = None
        updates[cell] = Update(auto, needs)
    return updates, problems
