"""Grade a folder of students' zips: ``make grade SUBMISSIONS=<folder> OUT=<folder>``.

For each ``<student_id>.zip`` the grader

1. takes the student's notebooks and exercise modules, and nothing else
   (:mod:`grader.collect`);
2. assembles a ``descentlab`` package from the instructor's provided modules and
   the student's exercise modules (:mod:`grader.assemble`), first on the kernel's
   ``PYTHONPATH``, so the student's functions run against the instructor's checks;
3. autogrades each notebook with nbgrader, which restores every graded test cell
   (hidden tests included) from the instructor's source notebook;
4. writes nbgrader's HTML feedback.

Then it exports ``OUT/grades.csv`` (nbgrader's CSV export: one row per student
and notebook) and prints a summary. nbgrader's working course folder, with its
``gradebook.db``, is ``OUT/nbgrader/``. A broken submission gets a reason and zero
for what it broke; the other students are graded as usual. The exit code is 0
when the batch ran, whatever the students handed in.
"""

import argparse
import contextlib
import os
import shutil
import sys
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.plugins import CsvExportPlugin
from sqlalchemy.exc import SAWarning

from descentlab.course import NOTEBOOKS

from . import SOLUTIONS
from .assemble import assemble, kernel_env
from .collect import find_submissions, read_submission
from .release import course_config


class Course:
    """nbgrader's course folder under ``OUT/nbgrader``, with the assignments registered."""

    def __init__(self, out):
        self.out = Path(out)
        self.root = self.out / "nbgrader"
        for name in NOTEBOOKS:
            source = self.root / "source" / name
            if source.exists():
                shutil.rmtree(source)
            shutil.copytree(SOLUTIONS / name, source,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        self.api = NbGraderAPI(config=course_config(self.root))
        for name in NOTEBOOKS:
            # Registers the notebook's graded cells (with their hidden tests) in the
            # gradebook: autograde restores test cells from there.
            _require(self.api.generate_assignment(name), f"registering {name}")

    def grade(self, submission):
        """Autograde one submission and write its feedback; returns problems found."""
        problems = list(submission.problems)
        student = submission.student_id
        with Gradebook(self.db_url) as gradebook:
            # Listed in grades.csv even if nothing of theirs could be graded.
            gradebook.update_or_create_student(student)
        package_dir = assemble(self.root / "packages" / student, submission.modules)
        for name, notebook in submission.notebooks.items():
            folder = self.root / "submitted" / student / name
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            nbformat.write(notebook, folder / f"{name}.ipynb")
            with _environ(kernel_env(package_dir)):
                result = self.api.autograde(name, student)
            if not result["success"]:
                problems.append(f"{name} could not be autograded: {_last_error(result)}")
                continue
            result = self.api.generate_feedback(name, student)
            if not result["success"]:
                problems.append(f"{name}: no feedback written: {_last_error(result)}")
        return problems

    def scores(self, student):
        """``{notebook: (score, max_score)}`` from the gradebook, 0 where not graded."""
        table = {}
        with Gradebook(self.db_url) as gradebook:
            for name in NOTEBOOKS:
                assignment = gradebook.find_assignment(name)
                try:
                    got = gradebook.find_submission(name, student).score
                except MissingEntry:
                    got = 0.0
                table[name] = (got, assignment.max_score)
        return table

    def export(self):
        """Write ``OUT/grades.csv`` with nbgrader's CSV export and copy the feedback."""
        with Gradebook(self.db_url) as gradebook:
            CsvExportPlugin(to=str(self.out / "grades.csv")).export(gradebook)
        feedback = self.out / "feedback"
        if feedback.exists():
            shutil.rmtree(feedback)
        if (self.root / "feedback").exists():
            shutil.copytree(self.root / "feedback", feedback)


def grade_folder(submissions, out):
    """Grade every zip in ``submissions`` into ``out``; returns ``{student: problems}``."""
    zips = find_submissions(submissions)
    Path(out).mkdir(parents=True, exist_ok=True)
    course = Course(out)
    report = {}
    for path in zips:
        try:
            submission = read_submission(path)
        except ValueError as error:
            report[path.name] = [str(error)]
            continue
        report[submission.student_id] = course.grade(submission)
    course.export()
    _print_summary(course, report)
    return report


def _print_summary(course, report):
    print(f"\nGraded {len(report)} submissions into {course.out}:")
    for student, problems in report.items():
        if student.endswith(".zip"):
            print(f"  {student}: NOT GRADED")
        else:
            scores = course.scores(student)
            text = ", ".join(f"{n} {got:g}/{top:g}" for n, (got, top) in scores.items())
            print(f"  {student}: {text}")
        for problem in problems:
            print(f"      - {problem}")
    print(f"Grades: {course.out / 'grades.csv'}\nFeedback: {course.out / 'feedback'}/")


@contextlib.contextmanager
def _environ(env):
    """Run the block with ``os.environ`` replaced by ``env``: kernels inherit it."""
    saved = os.environ.copy()
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _require(result, what):
    if not result["success"]:
        raise RuntimeError(f"nbgrader failed while {what}:\n{result.get('log', '')}")


def _last_error(result):
    lines = [line for line in result.get("log", "").splitlines() if line.startswith("[ERROR]")]
    return lines[-1].removeprefix("[ERROR] ") if lines else "see nbgrader's log"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", help="folder of <student_id>.zip files")
    parser.add_argument("--out", default="grader/out", help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    # nbgrader's own SQLAlchemy session use warns on every submission; harmless.
    warnings.filterwarnings("ignore", category=SAWarning)
    try:
        grade_folder(args.submissions, args.out)
    except ValueError as error:
        sys.exit(f"make grade: {error}")


if __name__ == "__main__":
    main()
