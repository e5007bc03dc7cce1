"""Students' grading jobs, one after another: ``python -m grader.job`` reads job
folders on standard input, one per line (``echo <folder> | python -m grader.job``
grades one by hand).

The batch (:mod:`grader.batch`) prepares the job folders and :mod:`grader.workers`
runs a few such worker processes, one job per worker at a time. A worker is the grader's own,
trusted code: it runs no student code itself. A job owns a private nbgrader
course (a copy of the batch's gradebook, the source notebooks, the student's
submitted notebooks as parsed from the zip) and autogrades each notebook with
nbgrader, whose ``Execute`` step is replaced by :class:`grader.trusted.TrustedExecute`:
graded cells are decided here, and the student's functions are called in the
student's sandbox (:mod:`grader.sandbox`, :mod:`grader.evaluate`). It writes the
feedback with hidden tests removed and reports, in ``result.json`` (plain data,
rewritten after every notebook), the score of every graded cell. It never
writes the batch's gradebook: the batch merges the results.

The job folder's files and the result's format are :mod:`grader.jobfiles`' records.
"""

import contextlib
import os
import sys
import time
import warnings
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    LimitOutput,
    SaveAutoGrades,
)
from nbgrader.utils import is_grade
from sqlalchemy.exc import SAWarning

from descentlab.course import EDITIONS

from . import sandbox, trusted
from .course_config import course_config
from .jobfiles import CellScore, JobResult, JobSpec, NotebookResult


def run(folder):
    """Grade every notebook of the job in ``folder``; write and return its
    :class:`~grader.jobfiles.JobResult`."""
    folder = Path(folder)
    spec = JobSpec.read(folder)
    course = folder / "course"
    config = course_config(course)
    config.CourseDirectory.db_url = f"sqlite:///{folder / 'gradebook.db'}"
    config.Autograde.autograde_preprocessors = [
        trusted.TrustedExecute, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
        CheckCellMetadata]
    result = JobResult(spec.student)
    claim = sandbox.claim_uid() if spec.separate_user else contextlib.nullcontext()
    with claim as uid:
        limits = sandbox.Limits(uid=uid, isolate=spec.sandbox)
        evaluator = trusted.Evaluator(folder / "package", limits, spec.cell_timeout)
        config.TrustedExecute.evaluator = evaluator
        config.TrustedExecute.mistakes = mistakes = trusted.NamedMistakes()
        api = NbGraderAPI(config=config)
        try:
            for name in spec.notebooks:
                entry = grade_with_retry(api, course, folder, name, spec.student, evaluator)
                entry.mistakes = mistakes.by_notebook.pop(name, [])
                result.notebooks[name] = entry
                result.write(folder)
        finally:
            evaluator.stop()
    result.problems = list(dict.fromkeys(evaluator.incidents))
    result.verified = True
    result.write(folder)
    return result


def grade_with_retry(api, course, folder, name, student, evaluator, attempts=2):
    """:func:`grade_notebook`, again on a new evaluator when the grader's machinery
    failed (:class:`grader.trusted.MachineryFailed`); if it fails every time, the
    entry says so and asks for a retry (never a score)."""
    for _ in range(attempts):
        failures = len(evaluator.machinery)
        entry = grade_notebook(api, course, folder, name, student, evaluator)
        if len(evaluator.machinery) == failures:
            return entry
    return NotebookResult(error=f"not graded yet: {evaluator.machinery[-1]}", retry=True)


def language_of(submitted):
    """The edition a submitted notebook comes from, by its metadata: a key of
    :data:`descentlab.course.EDITIONS` (anything else is English)."""
    try:
        notebook = nbformat.read(submitted, as_version=4)
        language = notebook.metadata.get("descentlab", {}).get("language")
    except Exception:  # nbgrader reports an unreadable notebook itself
        return "en"
    return language if language in EDITIONS else "en"


@contextlib.contextmanager
def speaking(language):
    """The checks' messages in ``language`` meanwhile (:mod:`descentlab.i18n`)."""
    before = os.environ.get("DESCENTLAB_LANG")
    os.environ["DESCENTLAB_LANG"] = language
    try:
        yield
    finally:
        if before is None:
            del os.environ["DESCENTLAB_LANG"]
        else:
            os.environ["DESCENTLAB_LANG"] = before


def grade_notebook(api, course, folder, name, student, evaluator):
    """Autograde one notebook and write its feedback; its :class:`NotebookResult`.

    The checks speak the notebook's edition: a Chinese-edition notebook gets its
    feedback in Chinese (the mistakes counted for the class report stay the same)."""
    submitted = course / "submitted" / student / name / f"{name}.ipynb"
    began, busy = time.monotonic(), evaluator.busy
    with speaking(language_of(submitted)):
        outcome = api.autograde(name, student)
    seconds = {"autograde": time.monotonic() - began, "sandbox": evaluator.busy - busy}
    graded = course / "autograded" / student / name / f"{name}.ipynb"
    if not (outcome["success"] and graded.exists()):
        return NotebookResult(error=last_error(outcome), seconds=seconds)
    hide_hidden_tests(graded)
    entry = NotebookResult(cells=cell_scores(folder / "gradebook.db", name, student),
                           seconds=seconds)
    began = time.monotonic()
    if not api.generate_feedback(name, student)["success"]:
        entry.error = "no feedback written"
    seconds["feedback"] = time.monotonic() - began
    return entry


def hide_hidden_tests(graded):
    """Clear the hidden tests from an autograded notebook before feedback is made from it.

    Its graded cells hold the instructor's code (nbgrader restored it) and the
    trusted outputs; nbgrader's own ``ClearHiddenTests`` removes the hidden part.
    """
    notebook = nbformat.read(graded, as_version=4)
    clearer = ClearHiddenTests()
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and is_grade(cell):
            clearer.preprocess_cell(cell, {}, index)
    # nbgrader leaves autograded files read-only (444), which binds every user but root
    graded.chmod(0o644)
    nbformat.write(notebook, graded)


def cell_scores(database, name, student):
    """``{grade_id: CellScore}`` from the job's gradebook."""
    with Gradebook(f"sqlite:///{database}") as gradebook:
        submission = gradebook.find_submission_notebook(name, name, student)
        return {grade.name: CellScore(grade.auto_score, grade.max_score,
                                      bool(grade.needs_manual_grade))
                for grade in submission.grades}


def last_error(outcome):
    lines = [line for line in outcome.get("log", "").splitlines() if line.startswith("[ERROR]")]
    return lines[-1].removeprefix("[ERROR] ") if lines else "nbgrader could not grade it"


def serve():
    """Grade the job folders named on standard input, one per line, answering each
    with one line on standard output: ``ok``, or ``failed <reason>``.

    Everything else written to standard output (by nbgrader) goes to standard
    error, so it cannot be taken for an answer.
    """
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    for line in sys.stdin:
        try:
            run(Path(line.strip()))
        except Exception as error:  # reported for this student; the worker goes on
            first = str(error).splitlines()[0] if str(error) else ""
            answers.write(f"failed {type(error).__name__}: {first}\n")
        else:
            answers.write("ok\n")


def main():
    warnings.filterwarnings("ignore", category=SAWarning)
    serve()


if __name__ == "__main__":
    main()
