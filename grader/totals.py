"""One row per student: ``OUT/totals.csv``, the grades an LMS imports.

nbgrader's own export (``OUT/grades.csv``) has a row per student and notebook and
counts a written answer nobody has graded yet as 0. This file has one row per
student, a column per notebook, the late penalty and the total; a notebook with
answers still to grade by hand is *pending*: its column and the total are left
empty (an LMS reads an empty cell as "not graded", never as 0) and ``pending``
names what is left to grade.

``OUT/canvas.csv`` holds the same grades as Canvas's gradebook import reads them
(Grades > Import): the first columns of Canvas's own gradebook export
(``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``), a
``Points Possible`` row, then a column per notebook; Canvas creates an assignment
for each column it does not know, and imports no score from an empty cell.
Canvas finds each student by ``ID`` (its user id, the id in the file names of its
"Download Submissions", so with ``LMS=canvas``) or else by ``SIS User ID``.
"""

import csv
from dataclasses import dataclass, field

from nbgrader.api import Gradebook, MissingEntry

from descentlab.course import NOTEBOOKS

#: How a notebook the grader's machinery failed to grade is listed as pending.
NOT_GRADED = "(not graded yet)"


@dataclass
class Total:
    """One student's grades over the course."""

    student: str
    #: Notebook -> points after its late penalty, or None while it is pending.
    scores: dict = field(default_factory=dict)
    #: ``"<notebook> <cell>"`` of every answer still to be graded by hand.
    pending: list = field(default_factory=list)
    #: Notebooks the grader's machinery failed to grade: the next run grades them.
    not_graded: list = field(default_factory=list)
    penalty: float = 0.0

    @property
    def total(self):
        """The sum of the notebooks' points, or None while anything is pending."""
        return None if self.pending or self.not_graded else sum(self.scores.values())

    def waiting(self):
        """Everything that keeps a notebook pending, as ``totals.csv`` lists it."""
        return [*self.pending, *(f"{name} {NOT_GRADED}" for name in self.not_graded)]


def totals(db_url, students, ungraded=None):
    """A :class:`Total` for each of ``students``, from the gradebook at ``db_url``.

    ``ungraded`` maps students to notebooks not graded yet (the grader's machinery
    failed): pending, whatever the gradebook holds.
    """
    found = []
    with Gradebook(db_url) as gradebook:
        for student in students:
            total = Total(student)
            for name in NOTEBOOKS:
                if name in (ungraded or {}).get(student, ()):
                    total.scores[name] = None
                    total.not_graded.append(name)
                    continue
                try:
                    submission = gradebook.find_submission(name, student)
                except MissingEntry:
                    total.scores[name] = 0.0
                    continue
                waiting = [f"{name} {grade.name}" for notebook in submission.notebooks
                           for grade in notebook.grades if grade.needs_manual_grade]
                penalty = submission.late_submission_penalty or 0.0
                total.penalty += penalty
                total.pending += waiting
                total.scores[name] = None if waiting else max(0.0, submission.score - penalty)
            found.append(total)
    return found


def maximum(db_url):
    """``{notebook: max points}`` and their sum, for the header row's reader."""
    with Gradebook(db_url) as gradebook:
        return {name: gradebook.find_assignment(name).max_score for name in NOTEBOOKS}


#: Canvas's identifying columns, in the order of its gradebook export.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: The name of a notebook's assignment in Canvas.
CANVAS_ASSIGNMENT = "Descent Lab {}"


def write(path, found, tops):
    """Write ``path`` (totals.csv): student, a column per notebook, late penalty, total,
    pending; ``found`` from :func:`totals`, ``tops`` from :func:`maximum`."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["student_id", *(f"{name} (of {tops[name]:g})" for name in NOTEBOOKS),
                      "late_penalty", f"total (of {sum(tops.values()):g})", "pending"])
        for total in found:
            out.writerow([total.student, *(_number(total.scores[name]) for name in NOTEBOOKS),
                          _number(total.penalty), _number(total.total),
                          "; ".join(total.waiting())])


def write_canvas(path, found, tops, names, canvas_ids):
    """Write ``path`` (canvas.csv) for Canvas's gradebook import.

    Parameters
    ----------
    found, tops
        From :func:`totals` and :func:`maximum`.
    names : dict
        Student id -> ``"Last, First"`` (Canvas's ``Student`` column), where known.
    canvas_ids : bool
        The student ids are Canvas user ids (``ID``); otherwise SIS user ids.
    """
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow([*CANVAS_COLUMNS, *(CANVAS_ASSIGNMENT.format(name) for name in NOTEBOOKS)])
        out.writerow(["Points Possible", "", "", "", "",
                      *(f"{tops[name]:g}" for name in NOTEBOOKS)])
        for total in found:
            ids = [total.student, ""] if canvas_ids else ["", total.student]
            out.writerow([names.get(total.student, ""), *ids, "", "",
                          *(_number(total.scores[name]) for name in NOTEBOOKS)])


def _number(value):
    return "" if value is None else f"{value:g}"
