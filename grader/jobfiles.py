"""One student's grading job on disk, as typed records, in both directions.

The batch (:mod:`grader.batch`) writes a job folder and its :class:`JobSpec`; the
job (:mod:`grader.job`) reads the spec and answers with a :class:`JobResult`. These
records are the only readers and writers of ``job.json`` and ``result.json``.

Layout of a job folder (readable by the grader's user only, except ``package/``,
which the sandbox reads)::

    job.json            JobSpec: student id, notebooks to grade, time and sandbox limits
    gradebook.db        the job's copy of the batch's gradebook
    course/             nbgrader root: source/, submitted/, autograded/, feedback/
    package/descentlab  the instructor's provided modules + the student's exercise modules
    result.json         JobResult, rewritten by the job after every notebook
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .records import write_json

#: Why every notebook of a job that did not finish is not graded yet.
UNFINISHED = "not graded yet: the grading job stopped before it finished"


@dataclass(frozen=True)
class JobSpec:
    """What one job grades, and how."""

    student: str
    notebooks: tuple  # names, in the order they are graded
    cell_timeout: float  # seconds of CPU time per call into the student's code
    sandbox: bool  # the student's code runs in bubblewrap's sandbox
    separate_user: bool  # ... under a user id of the job's own

    def write(self, folder):
        (Path(folder) / "job.json").write_text(json.dumps(asdict(self)))

    @classmethod
    def read(cls, folder):
        data = json.loads((Path(folder) / "job.json").read_text())
        return cls(**{**data, "notebooks": tuple(data["notebooks"])})


@dataclass(frozen=True)
class CellScore:
    """One graded cell as the job's gradebook scored it."""

    auto: float | None  # autograded points (None for an answer graded by hand)
    max: float  # the cell's points
    manual: bool  # it needs a grade by hand


@dataclass
class NotebookResult:
    """What grading one notebook gave."""

    cells: dict = field(default_factory=dict)  # grade_id -> CellScore
    mistakes: list = field(default_factory=list)  # the mistakes the failed checks named
    error: str | None = None  # why it has no cell scores, if it has none
    retry: bool = False  # the grader's machinery failed: no score, grade it again
    # wall seconds of each phase (for benchmarks/grading.py; never a verdict):
    # autograde (of which "sandbox": the student's code and the sandbox), feedback
    seconds: dict = field(default_factory=dict)


@dataclass
class JobResult:
    """What a job answers; ``verified`` once it has an entry for every notebook."""

    student: str
    notebooks: dict = field(default_factory=dict)  # name -> NotebookResult
    problems: list = field(default_factory=list)  # what went wrong, for the instructor
    verified: bool = False

    def write(self, folder):
        write_json(Path(folder) / "result.json", asdict(self))

    @classmethod
    def read(cls, folder, spec):
        """The result in ``folder``; a job that did not finish (no result, a result
        cut short or not verified) leaves every notebook of ``spec`` not graded yet."""
        try:
            data = json.loads((Path(folder) / "result.json").read_text())
        except (OSError, ValueError):
            data = {}
        if not data.get("verified"):
            return cls(spec.student, {name: NotebookResult(error=UNFINISHED, retry=True)
                                      for name in spec.notebooks})
        notebooks = {name: NotebookResult(**{**entry, "cells": {
            cell: CellScore(**score) for cell, score in entry["cells"].items()}})
            for name, entry in data["notebooks"].items()}
        return cls(data["student"], notebooks, data["problems"], verified=True)

    def retry(self):
        """Notebooks the grader's machinery failed to grade, sorted."""
        return sorted(name for name, entry in self.notebooks.items() if entry.retry)
