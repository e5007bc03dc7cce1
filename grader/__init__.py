"""Instructor tooling around nbgrader: release, assembly of packages, grading.

Run the tools through the Makefile (``make release``, ``make grade``) or as
``python -m grader.<tool>`` from the repository root.

Modules, by what they are for (``tests/test_project.py`` keeps this map and the
files in step):

What students receive
    - ``release``: ``make release``: notebooks/ and the exercise stubs from solutions/
    - ``navigation``: each notebook's navigation cell, the welcome and glossary pages
    - ``segments``: the pieces of English a student reads, cut out and put back
    - ``catalogues``: ``make catalogues``: the Chinese edition's gettext catalogues,
      merged with the English and checked for what a translation must keep
    - ``edition``: the Chinese edition, ``notebooks-zh/``, and the exercise
      docstrings' Chinese
    - ``expectations``: the checks' expected answers, ``src/descentlab/expected.json``
    - ``execute``: ``make execute``: the source notebooks run, their outputs stored
    - ``handout``: ``make handout``: the student edition of a class
    - ``assemble``: a ``descentlab`` package from the provided modules and chosen
      exercise modules; the environment of kernels that use it
    - ``course_config``: nbgrader's configuration of the course

Grading, from the command inwards (``make grade``)
    - ``grade``: the command: which students to grade, the pool of jobs, the summary
    - ``intake``: whose each file is and which one counts (LMS file names, roster)
    - ``collect``: a submission's notebooks and exercise modules, read from its zip
    - ``records``: ``OUT/batch.json`` and each student's record, for resuming
    - ``batch``: ``OUT``'s gradebook: job folders, merging results, late policy, exports
    - ``reconcile``: what a regrade does to stored grades (a pure function)
    - ``jobfiles``: the job folder's typed records, ``job.json`` and ``result.json``
    - ``workers``: the job processes, from the batch's side
    - ``job``: one job process: nbgrader's autograde with trusted checks, feedback
    - ``demos``: the demo cells grading leaves out
    - ``trusted``: every graded cell decided where student code cannot reach
    - ``sandbox``: bubblewrap, resource limits and user ids for student code
    - ``evaluate``: the untrusted side: runs the student's code in the sandbox
    - ``wire``: what crosses the sandbox's boundary, as data
    - ``feedback``: the feedback pages, formulas as MathML
    - ``totals``: ``OUT/totals.csv`` and ``OUT/canvas.csv``
    - ``report``: ``OUT/report.html``
    - ``formgrade``: ``make formgrade``: nbgrader's formgrader for the TAs
    - ``fixtures``: submissions as ``make submit`` writes them, for tests and benchmarks

Files that are not modules: ``nbgrader_config.py`` (nbgrader's configuration file),
``templates/feedback/`` (the feedback page's template), ``jupyter/`` (the course's
JupyterLab defaults), ``jupyter-zh/`` (added for the Chinese edition: JupyterLab in
Chinese), ``nbval_sanitize.cfg`` (nbval's rules for volatile output).
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
