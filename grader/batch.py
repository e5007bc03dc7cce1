"""The output folder of a class's grading runs: its gradebook, records and exports.

Only the batch writes the batch's gradebook (``OUT/nbgrader/gradebook.db``,
through nbgrader's Gradebook API): it prepares each student's job folder
(:mod:`grader.jobfiles`), merges each job's result (:mod:`grader.reconcile`
decides what a regrade does to the stored grades), applies the late policy with
nbgrader's own ``AssignLatePenalties``, rewrites feedback when hand grades change
and writes ``OUT/grades.csv`` (nbgrader's CSV export), ``OUT/totals.csv`` and
``OUT/canvas.csv`` (:mod:`grader.totals`).
"""

import shutil
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.plugins import CsvExportPlugin
from nbgrader.preprocessors import AssignLatePenalties

from descentlab.course import NOTEBOOKS, notebook_path

from . import REPO, SOLUTIONS, totals
from .assemble import assemble
from .course_config import course_config
from .demos import demo_sources, without_demo_cells
from .intake import LMS_PATTERNS
from .jobfiles import JobSpec
from .reconcile import Stored, reconcile
from .records import Records

#: Seconds of CPU time one call into the student's code may take.
CELL_TIMEOUT = 60


class Batch:
    """The output folder of a class's grading runs, its gradebook and its records."""

    def __init__(self, out, settings, roster=None):
        self.out = Path(out)
        self.settings = settings
        self.records = Records(self.out)
        self.root = self.out / "nbgrader"
        # Everything in OUT (grades, feedback, records, jobs) is the instructor's alone.
        for folder in (self.out, self.root, self.out / "jobs"):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o700)
        for name in NOTEBOOKS:
            _copy_tree(SOLUTIONS / name, self.root / "source" / name)
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        self.demos = {name: demo_sources(REPO / notebook_path(name)) for name in NOTEBOOKS}
        api = NbGraderAPI(config=course_config(self.root))
        for name in NOTEBOOKS:
            # Registers each notebook's graded cells, hidden tests included.
            result = api.generate_assignment(name)
            if not result["success"]:
                raise RuntimeError(f"nbgrader could not register {name}:\n{result['log']}")
        with Gradebook(self.db_url) as gradebook:
            if settings.deadline:
                for name in NOTEBOOKS:
                    gradebook.update_or_create_assignment(name, duedate=settings.deadline)
            for student, fields in (roster or {}).items():
                gradebook.update_or_create_student(student, **fields)
        settings.save(self.out)

    def prepare_job(self, submission, protections, cell_timeout=CELL_TIMEOUT):
        """Write one student's job folder (the grader's alone); returns its path.

        Everything in it is written here, from the parsed submission: no file of
        the student's is copied, and the student's code never writes here (it runs
        in a sandbox whose files live in memory).
        """
        student = submission.student_id
        folder = self.out / "jobs" / student
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(mode=0o700)
        course = folder / "course"
        _copy_tree(self.root / "source", course / "source")
        shutil.copy(self.root / "gradebook.db", folder / "gradebook.db")
        for name, notebook in submission.notebooks.items():
            (course / "submitted" / student / name).mkdir(parents=True)
            nbformat.write(without_demo_cells(notebook, self.demos[name]),
                           course / "submitted" / student / name / f"{name}.ipynb")
        # The sandbox reads the package as the student's user: world-readable, and
        # reachable only through the bind mount (the job folder itself is closed).
        package = assemble(folder / "package", submission.modules)
        for path in [package, *package.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        JobSpec(student, tuple(sorted(submission.notebooks)), cell_timeout,
                protections.sandbox, protections.separate_user).write(folder)
        return folder

    def merge(self, student, result, problems, timestamp=None):
        """Write one job's :class:`~grader.jobfiles.JobResult` into the batch's gradebook
        and collect its files; returns the notebooks not graded yet.

        Where the grader's machinery failed (a job stopped before it finished, an
        evaluation that could not start, was killed from outside or stalled) there
        is no score, not even 0: those notebooks keep what they had, are reported
        as not graded yet, and are returned, for the next run to grade again. Hand
        grades and comments that TAs entered (nbgrader's formgrader) are kept
        (:func:`grader.reconcile.reconcile`).
        """
        problems += [f"while grading: {incident}" for incident in result.problems]
        retry = result.retry()
        if retry:
            problems.append(f"not graded yet ({', '.join(retry)}): the grader's machinery "
                            "failed, not the student's code; they are graded again by the "
                            "next `make grade` (no score until then)")
        job = self.out / "jobs" / student / "course"
        with Gradebook(self.db_url) as gradebook:
            gradebook.update_or_create_student(student)
            for name, entry in result.notebooks.items():
                if entry.error:
                    problems.append(f"{name} could not be graded: {entry.error}")
                    continue
                before = answers(self.root / "submitted" / student / name / f"{name}.ipynb")
                gradebook.update_or_create_submission(name, student, timestamp=timestamp)
                submitted = gradebook.find_submission_notebook(name, name, student)
                stored = {grade.name: Stored(grade.auto_score, grade.manual_score,
                                             before.get(grade.name))
                          for grade in submitted.grades}
                updates, review = reconcile(name, stored, entry.cells, answers(
                    job / "submitted" / student / name / f"{name}.ipynb"))
                problems += review
                for grade in submitted.grades:
                    update = updates[grade.name]
                    grade.auto_score = update.auto
                    if update.needs_manual_grade is not None:
                        grade.needs_manual_grade = update.needs_manual_grade
                gradebook.db.commit()
        for step in ("submitted", "autograded", "feedback"):
            source = job / step / student
            if source.exists():
                _copy_tree(source, self.root / step / student)
        return retry

    def ungraded(self):
        """``{student: notebooks not graded yet}`` (the machinery failed), from the records."""
        return {student: record.get("retry", [])
                for student, record in self.records.all().items() if record.get("retry")}

    def hand_grades(self, student):
        """What TAs entered for ``student`` in the formgrader, as plain data:
        ``{notebook: {cell: [manual score, extra credit, comment]}}``, cells with
        nothing entered left out."""
        entered = {}
        with Gradebook(self.db_url) as gradebook:
            for name in NOTEBOOKS:
                try:
                    notebook = gradebook.find_submission_notebook(name, name, student)
                except MissingEntry:
                    continue
                comments = {comment.name: comment.manual_comment for comment in notebook.comments}
                cells = {grade.name: [grade.manual_score, grade.extra_credit,
                                      comments.get(grade.name)] for grade in notebook.grades}
                cells = {cell: values for cell, values in cells.items()
                         if any(value is not None for value in values)}
                if cells:
                    entered[name] = cells
        return entered

    def refresh_feedback(self, records):
        """Rewrite the feedback of every student whose hand grades changed since it was
        written, from the batch's gradebook, so that feedback and grades agree."""
        api = NbGraderAPI(config=course_config(self.root))
        for student, record in records.items():
            entered = self.hand_grades(student)
            if entered == record.get("hand_grades", {}):
                continue
            for name in NOTEBOOKS:
                if (self.root / "autograded" / student / name).exists():
                    result = api.generate_feedback(name, student)
                    if not result["success"]:
                        record["problems"].append(f"{name}: the feedback could not be "
                                                  "rewritten with the hand grades")
            record["hand_grades"] = entered
            self.records.write(student, record)

    def apply_late_policy(self):
        """Set every notebook's late penalty with nbgrader's ``AssignLatePenalties``.

        Run over the whole class at the end of each run, so penalties always follow
        the batch's current deadline and policy, resumed students included.
        """
        with Gradebook(self.db_url) as gradebook:
            targets = [(name, s.student.id) for name in NOTEBOOKS
                       for s in gradebook.assignment_submissions(name)
                       if s.total_seconds_late > 0 or s.late_submission_penalty]
        config = course_config(self.root)
        config.LateSubmissionPlugin.penalty_method = self.settings.late
        for assignment, student in targets:
            penalties = AssignLatePenalties(config=config)
            resources = {"nbgrader": {"notebook": assignment, "assignment": assignment,
                                      "student": student, "db_url": self.db_url}}
            penalties.preprocess(nbformat.v4.new_notebook(), resources)

    def lateness(self, student):
        """``(seconds late, points taken off)`` over the student's notebooks."""
        with Gradebook(self.db_url) as gradebook:
            late = penalty = 0.0
            for name in NOTEBOOKS:
                try:
                    submission = gradebook.find_submission(name, student)
                except MissingEntry:
                    continue
                late = max(late, submission.total_seconds_late)
                penalty += submission.late_submission_penalty or 0.0
        return late, penalty

    def export(self):
        """Write ``OUT/grades.csv`` (nbgrader's CSV export), ``OUT/totals.csv`` and
        ``OUT/canvas.csv`` (:mod:`grader.totals`), and copy the feedback."""
        with Gradebook(self.db_url) as gradebook:
            CsvExportPlugin(to=str(self.out / "grades.csv")).export(gradebook)
            names = {student.id: ", ".join(filter(None, (student.last_name,
                                                         student.first_name)))
                     for student in gradebook.students}
        found = totals.totals(self.db_url, sorted(names), self.ungraded())
        tops = totals.maximum(self.db_url)
        totals.write(self.out / "totals.csv", found, tops)
        totals.write_canvas(self.out / "canvas.csv", found, tops, names,
                            canvas_ids=self.settings.pattern == LMS_PATTERNS["canvas"])
        if (self.root / "feedback").exists():
            _copy_tree(self.root / "feedback", self.out / "feedback")


def answers(path):
    """``{grade_id: source}`` of the graded and answer cells of a submitted notebook
    (the grader's own copy, written from the parsed zip); empty if there is none."""
    if not path.exists():
        return {}
    return {cell.metadata.nbgrader["grade_id"]: cell.source
            for cell in nbformat.read(path, as_version=4).cells
            if cell.metadata.get("nbgrader", {}).get("grade_id")}


def _copy_tree(source, dest):
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
