"""Students' grading jobs, one after another: ``python -m grader.job`` reads job
folders on standard input, one per line (``echo <folder> | python -m grader.job``
grades one by hand).

The parent (:mod:`grader.grade`) prepares the job folders and runs a few such
worker processes, one job per worker at a time. A job owns a private nbgrader course
(a copy of the batch's gradebook, the source notebooks, the student's submitted
notebooks), autogrades each notebook with nbgrader, its kernels started in the
sandbox of :mod:`grader.sandbox`, writes the feedback with hidden tests removed,
and reports, in ``result.json`` (plain data, rewritten after every notebook),
the score of every graded cell, nbgrader's and, where it can be decided without
running student code in this process, the trusted one (:mod:`grader.trusted`).
It never writes the batch's gradebook: the parent merges the results.

Layout of a job folder (prepared by :func:`grader.grade.prepare_job`)::

    job.json            student id, notebooks to grade
    limits.json         the sandbox's limits (grader.sandbox.Limits)
    course/             nbgrader root: submitted/, autograded/, feedback/ (the student's user)
    package/descentlab  the instructor's provided modules + the student's exercise modules
    kernels/python3     the kernel spec that starts kernels in the sandbox
    home/, runtime/     the kernel's HOME and its connection files and IPC sockets
    result.json         written by the job

and, where the student's kernel cannot read them, ``jobs/.private/<student>/``
with the job's ``gradebook.db`` and ``source/`` (the hidden tests).
"""

import json
import os
import sys
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import ClearHiddenTests
from sqlalchemy.exc import SAWarning

from . import sandbox, trusted
from .records import write_json
from .release import course_config

#: Checks' own messages start with these: they may be shown; anything else a
#: graded cell raised came from a hidden test and is not.
VISIBLE_MESSAGES = ("Fix `", "is not written yet")
HIDDEN_FAILURE = "A hidden test failed: it tries other inputs, shapes or properties."


def run(folder):
    """Grade every notebook of the job in ``folder``; write and return the result."""
    folder = Path(folder)
    job = json.loads((folder / "job.json").read_text())
    student, course = job["student"], folder / "course"
    secret = Path(job["secret"])
    config = course_config(course)
    # Hidden tests and the job's gradebook are outside the student's reach.
    config.CourseDirectory.source_directory = str(secret / "source")
    config.CourseDirectory.db_url = f"sqlite:///{secret / 'gradebook.db'}"
    # The kernel may have no network at all: it talks over IPC sockets in its own folder.
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(folder / "runtime" / "kernel")
    config.Execute.timeout = job["cell_timeout"]
    api = NbGraderAPI(config=config)
    limits = sandbox.Limits.read(folder / "limits.json")
    result = {"student": student, "notebooks": {}, "verified": False}
    to_verify, where = [], None
    for name in job["notebooks"]:
        outcome = api.autograde(name, student)
        graded = course / "autograded" / student / name / f"{name}.ipynb"
        entry = {"cells": {}, "mistakes": [], "error": None, "trusted": {}}
        if outcome["success"] and graded.exists():
            source = secret / "source" / name / graded.name
            entry["mistakes"] = hide_hidden_tests(graded, source)
            entry["cells"] = cell_scores(secret / "gradebook.db", name, student)
            to_verify += graded_cells(name, source)
            where = graded.parent
            feedback = api.generate_feedback(name, student)
            if not feedback["success"]:
                entry["error"] = "no feedback written"
        else:
            entry["error"] = last_error(outcome)
        result["notebooks"][name] = entry
        write_result(folder, result)
    # One sandboxed evaluation for all notebooks: the trusted verdicts.
    verdicts = trusted.verify(to_verify, folder / "package", limits,
                              timeout=3 * job["cell_timeout"], cwd=where)
    for (name, grade_id), verdict in verdicts.items():
        result["notebooks"][name]["trusted"][grade_id] = verdict
    result["verified"] = True
    write_result(folder, result)
    return result


def hide_hidden_tests(graded, source):
    """Remove hidden tests from an autograded notebook before feedback is made from it.

    Graded cells get the source the student saw (hidden tests cleared with
    nbgrader's own ``ClearHiddenTests``); an error that did not come from a visible
    check is replaced by one line. Returns the checks' messages that name a
    mistake, for the class report.
    """
    notebook = nbformat.read(graded, as_version=4)
    clearer = ClearHiddenTests()
    masters = {cell.metadata.nbgrader["grade_id"]: cell
               for cell in nbformat.read(source, as_version=4).cells
               if cell.metadata.get("nbgrader", {}).get("grade")}
    mistakes = []
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or grade_id not in masters:
            continue
        shown, _ = clearer.preprocess_cell(nbformat.from_dict(masters[grade_id]), {}, 0)
        cell.source = shown.source
        secret = _hidden_lines(masters[grade_id].source)
        # Keep the checks' verdict lines and errors; anything else a graded cell printed
        # may be a student's function printing its caller, the hidden tests.
        cell.outputs = [_verdict_lines(output) for output in cell.get("outputs", [])
                        if output.output_type in ("stream", "error")]
        cell.outputs = [output for output in cell.outputs if output is not None]
        for output in cell.outputs:
            if output.output_type != "error":
                continue
            if any(mark in output.evalue for mark in VISIBLE_MESSAGES):
                mistakes += [line.removeprefix("Likely mistake: ").strip()
                             for line in output.evalue.splitlines()
                             if line.startswith("Likely mistake: ")]
            else:
                output.ename, output.evalue = "HiddenTestFailed", HIDDEN_FAILURE
            if _quotes(output.evalue, secret):
                output.evalue = "(message withheld: it quoted the hidden tests)"
            # A traceback quotes the cell's lines around the error: hidden tests included.
            output.traceback = [f"{output.ename}: {output.evalue}"]
        for output in cell.outputs:
            if output.output_type == "stream" and _quotes(output.text, secret):
                output.text = "(output withheld: it quoted the hidden tests)\n"
    nbformat.write(notebook, graded)
    return mistakes


def _hidden_lines(source):
    """The substantial lines of a cell's hidden tests (what must never be shown)."""
    inside, lines = False, set()
    for line in source.splitlines():
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif inside and len(line.strip()) > 12:
            lines.add(line.strip())
    return lines


def _quotes(text, secret):
    return any(line in text for line in secret)


def _verdict_lines(output):
    """A stream output cut down to the checks' own ✔ lines (None if none are left)."""
    if output.output_type != "stream":
        return output
    lines = [line for line in output.text.splitlines(keepends=True) if line.startswith("✔")]
    if not lines:
        return None
    output.text = "".join(lines)
    return output


def graded_cells(name, source):
    """``(notebook, grade_id, code)`` of the source notebook's graded code cells."""
    return [(name, cell.metadata.nbgrader["grade_id"], cell.source)
            for cell in nbformat.read(source, as_version=4).cells
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")]


def cell_scores(database, name, student):
    """``{grade_id: [auto_score, max_score, needs_manual_grade]}`` from the job's gradebook."""
    with Gradebook(f"sqlite:///{database}") as gradebook:
        submission = gradebook.find_submission_notebook(name, name, student)
        return {grade.name: [grade.auto_score, grade.max_score, bool(grade.needs_manual_grade)]
                for grade in submission.grades}


def last_error(outcome):
    lines = [line for line in outcome.get("log", "").splitlines() if line.startswith("[ERROR]")]
    return lines[-1].removeprefix("[ERROR] ") if lines else "nbgrader could not grade it"


def write_result(folder, result):
    """Replace ``result.json`` atomically: a killed job leaves the last complete one."""
    write_json(folder / "result.json", result)


def serve():
    """Grade the job folders named on standard input, one per line, answering each
    with one line on standard output: ``ok``, or ``failed <reason>``.

    Everything else written to standard output (by nbgrader or the processes it
    starts) goes to standard error, so it cannot be taken for an answer.
    """
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    for line in sys.stdin:
        folder = Path(line.strip())
        job = json.loads((folder / "job.json").read_text())
        # What the job's nbgrader needs to find: the sandbox's kernel spec, the
        # kernel's runtime folder, and a HOME the student's kernels cannot read.
        os.environ.update(JUPYTER_PATH=str(folder), JUPYTER_RUNTIME_DIR=str(folder / "runtime"),
                          HOME=job["secret"])
        try:
            run(folder)
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
