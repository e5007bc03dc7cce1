"""Grade a folder of students' zips: ``make grade SUBMISSIONS=<folder> OUT=<folder>``.

:mod:`grader.intake` decides whose each file is and which one counts (LMS file
names, re-submissions, roster). For each student the grader takes the notebooks
and exercise modules, and nothing else (:mod:`grader.collect`); assembles a
``descentlab`` package from the instructor's provided modules and the student's
exercise modules (:mod:`grader.assemble`); and runs one grading job per student
(:mod:`grader.job`), several at once, each in its own folder and process, with
a hard time limit; the student's code runs only in the job's sandbox
(:mod:`grader.sandbox`), and every score is decided outside it (:mod:`grader.trusted`).

Only this process writes the batch's gradebook (``OUT/nbgrader/gradebook.db``,
through nbgrader's Gradebook API), from the jobs' plain-data results, then
applies the late policy with nbgrader's own ``AssignLatePenalties``. It writes
``OUT/grades.csv`` (nbgrader's CSV export), ``OUT/totals.csv`` and
``OUT/canvas.csv`` (:mod:`grader.totals`), ``OUT/feedback/`` (HTML feedback,
hidden tests removed, :mod:`grader.feedback`), ``OUT/report.html``
(:mod:`grader.report`) and prints a summary. A broken or hostile submission gets
its reason and zero for what it broke; the batch goes on. A failure of the
grader's own machinery is never a score: that notebook is not graded yet, and
the next run grades it. A student already graded from the same file by the
same grader is not graded again (:mod:`grader.records`), so an interrupted
batch goes on where it stopped. The exit code is 0 when the batch ran, whatever
the students handed in.
"""

import argparse
import json
import os
import queue
import resource
import shutil
import signal
import subprocess
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.plugins import CsvExportPlugin
from nbgrader.preprocessors import AssignLatePenalties
from sqlalchemy.exc import SAWarning
from tqdm.auto import tqdm

from descentlab.course import NOTEBOOKS, notebook_path

from . import REPO, SOLUTIONS, report, sandbox, totals
from .assemble import assemble
from .collect import read_submission
from .intake import LMS_PATTERNS, lms_pattern, read_roster, take_in
from .records import Records, Settings, file_digest, grader_version
from .release import course_config
from .wire import LineReader, clean_text

#: Seconds a whole job (every notebook of one student) may take before it is killed.
JOB_TIMEOUT = 600
#: Seconds one cell may run (nbgrader interrupts it; the next cells still run).
CELL_TIMEOUT = 60
#: Bytes of memory one job process (not its sandbox, which has its own limit) may use.
JOB_MEMORY = 6 * 1024**3


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
        (folder / "job.json").write_text(json.dumps({
            "student": student, "notebooks": sorted(submission.notebooks),
            "cell_timeout": cell_timeout, "sandbox": protections.sandbox,
            "separate_user": protections.separate_user,
        }))
        return folder

    def merge(self, student, result, problems, timestamp=None):
        """Write one job's scores into the batch's gradebook and collect its files.

        Where the grader's machinery failed (a job stopped before it finished, an
        evaluation that could not start, was killed from outside or stalled) there
        is no score, not even 0: those notebooks keep what they had, are reported
        as not graded yet, and are returned, for the next run to grade again. Hand
        grades and comments that TAs entered (nbgrader's formgrader) are kept: they
        stand where the answer they grade is unchanged, and are flagged for review
        where it changed.
        """
        if not result.get("verified"):
            planned = json.loads((self.out / "jobs" / student / "job.json").read_text())
            result = {"notebooks": {name: {"error": "not graded yet: the grading job stopped "
                                                    "before it finished", "retry": True}
                                    for name in planned["notebooks"]}}
        problems += [f"while grading: {incident}" for incident in result.get("problems", [])]
        retry = sorted(name for name, entry in result["notebooks"].items() if entry.get("retry"))
        if retry:
            problems.append(f"not graded yet ({', '.join(retry)}): the grader's machinery "
                            "failed, not the student's code; they are graded again by the "
                            "next `make grade` (no score until then)")
        job = self.out / "jobs" / student / "course"
        with Gradebook(self.db_url) as gradebook:
            gradebook.update_or_create_student(student)
            for name, entry in result.get("notebooks", {}).items():
                if entry["error"]:
                    problems.append(f"{name} could not be graded: {entry['error']}")
                    continue
                before = answers(self.root / "submitted" / student / name / f"{name}.ipynb")
                after = answers(job / "submitted" / student / name / f"{name}.ipynb")
                gradebook.update_or_create_submission(name, student, timestamp=timestamp)
                submitted = gradebook.find_submission_notebook(name, name, student)
                for grade in submitted.grades:
                    auto, _, manual = entry["cells"].get(grade.name, [0.0, None, False])
                    changed = grade.auto_score != auto or before.get(grade.name) != after.get(
                        grade.name)
                    grade.auto_score = auto
                    if grade.manual_score is None:
                        grade.needs_manual_grade = manual
                    elif changed:
                        grade.needs_manual_grade = True
                        problems.append(f"{name} {grade.name}: graded by hand before, and the "
                                        "answer changed since; the hand grade is kept and "
                                        "flagged for review in the formgrader")
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


def demo_sources(path):
    """Sources of the notebook's cells tagged ``demo``: pictures and experiments that no
    graded cell depends on (a test runs every notebook without them)."""
    return {cell.source for cell in nbformat.read(path, as_version=4).cells
            if "demo" in cell.metadata.get("tags", [])}


def without_demo_cells(notebook, demos):
    """The notebook without the course's demo cells, which grading need not run.

    A cell is left out only if its source is exactly the course's: a demo cell the
    student changed runs, in case later cells use what the change defines.
    """
    kept = [cell for cell in notebook.cells
            if not (cell.cell_type == "code" and cell.source in demos
                    and not cell.metadata.get("nbgrader"))]
    return nbformat.from_dict({**notebook, "cells": kept})


#: Worker processes running now, so that an interrupted batch can stop them all.
_RUNNING = set()
_RUNNING_LOCK = threading.Lock()


class Worker:
    """A job process that grades one student after another (``python -m grader.job``).

    Starting Python and importing nbgrader costs about as much as grading a small
    notebook; a worker pays it once for many students. The worker is the grader's
    own code (student code runs only in the sandboxed evaluators it starts), so it
    may serve many students. A job that overruns its time is
    stopped by killing the whole worker and all it started; the next job gets a
    new worker.
    """

    def __init__(self, log):
        self.log, self.process = Path(log), None

    def run(self, folder, timeout):
        """Grade the job in ``folder``; returns the problems the job itself had."""
        if self.process is None:
            self._start()
        self.process.stdin.write(f"{folder}\n".encode())
        self.process.stdin.flush()
        reply = self._reply(timeout)
        if reply is None:
            self.stop()
            return [f"the grading job took over {timeout:g} s of wall time and was stopped"]
        if reply == "":
            self.stop()
            return [f"the grading job failed: {_last_line(self.log.read_bytes())}"]
        return [] if reply == "ok" else [f"the grading job failed: {reply}"]

    def _start(self):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "grader.job"], cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)}, start_new_session=True,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                preexec_fn=_limit_job_memory)
        self.answers = LineReader(self.process.stdout)
        with _RUNNING_LOCK:
            _RUNNING.add(self.process)

    def _reply(self, timeout):
        """The worker's next line; "" if it died, None if it did not answer in time."""
        try:
            line = self.answers.line(timeout)
        except TimeoutError:
            return None
        except EOFError:
            return ""
        return line.decode(errors="replace").strip() or "no message"

    def stop(self):
        """Stop the worker and everything it started."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()
        with _RUNNING_LOCK:
            _RUNNING.discard(self.process)
        self.process = None


def run_job(folder, worker, timeout=JOB_TIMEOUT):
    """Run one job on ``worker``; returns the job's result (possibly partial) and its problems."""
    problems = worker.run(folder, timeout)
    path = folder / "result.json"
    result = json.loads(path.read_text()) if path.exists() else {"notebooks": {}}
    return result, problems


@dataclass
class Outcome:
    """What a run of :func:`grade_folder` did."""

    #: Student id (or, for a file graded as nobody's, its name) -> problems found,
    #: for the whole class graded into ``OUT``, earlier runs included.
    problems: dict = field(default_factory=dict)
    #: Students graded in this run.
    graded: list = field(default_factory=list)
    #: Students skipped because they were graded before from the same file.
    resumed: list = field(default_factory=list)
    #: File name or student id -> why it was not graded.
    refused: dict = field(default_factory=dict)
    #: Roster students who handed in nothing.
    missing: list = field(default_factory=list)


def grade_folder(submissions, out, workers=None, allow_unsafe=False, only=None,
                 job_timeout=JOB_TIMEOUT, cell_timeout=CELL_TIMEOUT, progress=True,
                 pattern=None, roster=None, deadline=None, late=None):
    """Grade every student's newest zip in ``submissions`` into ``out``.

    Parameters
    ----------
    workers : int, optional
        Jobs run at once; default: the number of cores.
    allow_unsafe : bool, default=False
        Grade even where students' code cannot be sandboxed (no bubblewrap, or
        no namespaces allowed), trusting the submissions.
    only : collection of str, optional
        Regrade only these students (even if graded before); everyone else's
        grades are kept.
    job_timeout, cell_timeout : float
        Seconds one student's whole job, and one cell, may run.
    pattern, roster, deadline, late : str, optional
        File-name pattern (:mod:`grader.intake`), roster CSV, deadline and late
        policy (``'none'`` or ``'zero'``); when not given, those of the last run
        on ``out`` (:class:`grader.records.Settings`).

    Returns
    -------
    Outcome

    Raises
    ------
    ValueError
        When the batch cannot run (bad settings, no submissions, no isolation).
    KeyboardInterrupt
        After an interruption, once the jobs are stopped and what was finished
        is exported; running the same command again goes on from there.
    """
    settings = Settings.load(out, pattern=pattern, roster=roster, deadline=deadline, late=late)
    class_list = read_roster(settings.roster) if settings.roster else None
    intake = take_in(submissions, settings.pattern, class_list)
    unknown = sorted(set(only or ()) - set(intake.handins))
    if unknown:
        known = sorted(intake.handins)
        listed = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
        raise ValueError(f"ONLY={','.join(unknown)}: no file in {submissions} that counts is "
                         f"theirs, so nobody would be regraded (check the spelling; students "
                         f"with a file: {listed or 'none'})")
    protections = sandbox.detect()
    print(f"Sandbox: {protections.describe()}")
    if not protections.isolated and not allow_unsafe:
        raise ValueError("students' code cannot be isolated on this machine (install Debian's "
                         "bubblewrap: apt-get install bubblewrap), so it could read or change "
                         "other students' grades; to grade anyway, trusting the submissions, "
                         "set ALLOW_UNSAFE=1")
    print(f"Settings: {settings.describe()}")
    batch = Batch(out, settings, class_list)
    outcome = Outcome(refused=intake.refused, missing=intake.missing)
    version, jobs = grader_version(), {}
    for student, handin in sorted(intake.handins.items()):
        if only and student not in only:
            continue
        digest = file_digest(handin.path)
        record = batch.records.read(student)
        # The same bytes under a new name (a later, perhaps late, upload) are graded
        # again: the name carries the hand-in's time.
        if not only and record and not record.get("retry") and (
                record["sha256"], record["grader"], record["file"]) == (
                digest, version, handin.path.name):
            outcome.resumed.append(student)
            continue
        submission = read_submission(handin.path, student)
        timestamp = handin.timestamp
        if handin.late:
            if settings.deadline:  # after the deadline is all the LMS says
                timestamp = datetime.fromisoformat(settings.deadline) + timedelta(seconds=1)
            submission.problems.append(
                "the LMS marked this hand-in LATE (its file name holds no time): counted as "
                "handed in after the deadline" if settings.deadline else
                "the LMS marked this hand-in LATE; give DEADLINE= (and LATE=) to apply a "
                "late policy")
        if handin.earlier:
            submission.problems.append(f"graded {handin.path.name}, the newest; not graded: "
                                       + ", ".join(handin.earlier))
        record = {"file": handin.path.name, "sha256": digest, "grader": version,
                  "timestamp": str(timestamp) if timestamp else None,
                  "problems": submission.problems}
        jobs[student] = (batch.prepare_job(submission, protections, cell_timeout),
                         timestamp, record)
    if outcome.resumed:
        print(f"Resuming: {len(outcome.resumed)} students already graded from the same files "
              "are kept (ONLY=<ids> regrades chosen students).")
    try:
        _run_jobs(batch, jobs, workers, job_timeout, progress, outcome)
    except KeyboardInterrupt:
        print(f"\nInterrupted: {len(outcome.graded)} of {len(jobs)} students graded in this "
              "run. Run the same command again to grade the rest.")
        raise
    finally:
        _finish(batch, outcome)
    return outcome


def _run_jobs(batch, jobs, workers, job_timeout, progress, outcome):
    """Run the jobs on a pool of workers, merging each result as it comes (only here)."""
    count = max(1, min(workers or os.cpu_count(), len(jobs)))
    idle = queue.Queue()
    for number in range(count):
        idle.put(Worker(batch.out / "jobs" / f"worker{number}.log"))

    def on_a_worker(folder):
        worker = idle.get()
        try:
            return run_job(folder, worker, job_timeout)
        finally:
            idle.put(worker)

    pool = ThreadPoolExecutor(max_workers=count)
    try:
        futures = {pool.submit(on_a_worker, folder): student
                   for student, (folder, _, _) in jobs.items()}
        for future in tqdm(as_completed(futures), total=len(futures), desc="grading",
                           unit="student", disable=not progress):
            student = futures[future]
            _, timestamp, record = jobs[student]
            result, problems = future.result()
            record["problems"] += problems
            record["retry"] = batch.merge(student, result, record["problems"], timestamp)
            record["mistakes"] = {name: entry.get("mistakes", [])
                                  for name, entry in result.get("notebooks", {}).items()}
            batch.records.write(student, record)  # after the grades are committed
            outcome.graded.append(student)
    except BaseException:
        with _RUNNING_LOCK:
            for process in _RUNNING:
                os.killpg(process.pid, signal.SIGKILL)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown()
        while not idle.empty():
            idle.get().stop()


def _finish(batch, outcome):
    """Late penalties, CSV, report and summary for the whole class in ``OUT``."""
    batch.apply_late_policy()
    batch.refresh_feedback(batch.records.all())
    batch.export()
    records = batch.records.all()
    outcome.problems = {student: record["problems"] for student, record in records.items()}
    outcome.problems.update({name: [why] for name, why in outcome.refused.items()})
    mistakes = {student: record.get("mistakes", {}) for student, record in records.items()}
    late = {student: batch.lateness(student) for student in records}
    report.write(batch, outcome, mistakes, late)
    _print_summary(batch, outcome, records, late)


def _print_summary(batch, outcome, records, lateness):
    found = {total.student: total
             for total in totals.totals(batch.db_url, records, batch.ungraded())}
    tops = totals.maximum(batch.db_url)
    print(f"\n{len(records)} students graded into {batch.out} ({len(outcome.graded)} in this run, "
          f"{len(outcome.resumed)} kept from before):")
    for student, record in records.items():
        scores = found[student].scores
        text = ", ".join(f"{name} {'pending' if scores[name] is None else f'{scores[name]:g}'}"
                         f"/{tops[name]:g}" for name in NOTEBOOKS)
        print(f"  {one_line(student)}: {text}")
        late, penalty = lateness[student]
        if late:
            print(f"      - late by {_duration(late)} (policy {batch.settings.late!r}: "
                  f"{penalty:g} points taken off)")
        for problem in record["problems"]:
            print(f"      - {one_line(problem)}")
        if found[student].pending:
            print(f"      - to grade by hand: {', '.join(found[student].pending)}")
    if outcome.refused:
        print(f"NOT GRADED ({len(outcome.refused)}):")
        for name, why in outcome.refused.items():
            print(f"  {one_line(name)}: {one_line(why)}")
    if outcome.missing:
        print(f"No submission from {len(outcome.missing)} roster students (0 in grades.csv): "
              + one_line(", ".join(outcome.missing)))
    troubled = sum(1 for record in records.values() if record["problems"])
    print(f"{len(records) - troubled} without problems, {troubled} with problems (listed above "
          f"and in {batch.out / 'report.html'}).")
    print(f"Grades: {batch.out / 'totals.csv'} (a row per student; pending answers left "
          f"empty), {batch.out / 'canvas.csv'} (Canvas's gradebook import), "
          f"{batch.out / 'grades.csv'} (nbgrader's export)\n"
          f"Feedback: {batch.out / 'feedback'}/")


def one_line(text):
    """Student-derived text (ids from file names, messages) as one printable line: no
    terminal escape sequences or line breaks that could forge the summary."""
    return clean_text(str(text).replace("\n", " "), 2000)


def _duration(seconds):
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"


def _limit_job_memory():
    # A job holds a student's outputs in memory: a flood of output must fail that
    # job alone, never the machine.
    resource.setrlimit(resource.RLIMIT_AS, (JOB_MEMORY, JOB_MEMORY))


def _copy_tree(source, dest):
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))


def _last_line(stderr):
    lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", help="folder of the students' zips")
    parser.add_argument("--out", default="grader/out", help="output folder (default: %(default)s)")
    parser.add_argument("--workers", type=int, help="jobs at once (default: number of cores)")
    parser.add_argument("--only", help="comma-separated student ids to regrade")
    parser.add_argument("--pattern", help="regular expression for file names, with a "
                        "(?P<student_id>...) and optionally a (?P<timestamp>...) group")
    parser.add_argument("--lms", help="the LMS the zips were downloaded from (canvas, moodle "
                        "or gradescope): its file names, instead of --pattern")
    parser.add_argument("--roster", help="CSV of the class: id[,first_name,last_name,email]")
    parser.add_argument("--deadline", help="due date and time of every notebook (UTC)")
    parser.add_argument("--late", help="late policy: none (record only) or zero")
    parser.add_argument("--allow-unsafe", action="store_true",
                        help="grade even if students' code cannot be isolated")
    args = parser.parse_args(argv)
    # nbgrader's own SQLAlchemy session use warns on every submission; harmless.
    warnings.filterwarnings("ignore", category=SAWarning)
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a scheduler: as Ctrl-C
    try:
        if args.lms:
            if args.pattern:
                raise ValueError("give LMS= or PATTERN=, not both")
            args.pattern = lms_pattern(args.lms)
        grade_folder(args.submissions, args.out, args.workers,
                     args.allow_unsafe or os.environ.get("ALLOW_UNSAFE") == "1",
                     set(args.only.split(",")) if args.only else None,
                     pattern=args.pattern, roster=args.roster, deadline=args.deadline,
                     late=args.late)
    except ValueError as error:
        sys.exit(f"make grade: {error}")
    except KeyboardInterrupt:
        sys.exit(130)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
