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
import os
import queue
import signal
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import SAWarning
from tqdm.auto import tqdm

from descentlab.course import NOTEBOOKS

from . import report, sandbox, totals
from .batch import CELL_TIMEOUT, Batch
from .collect import read_submission
from .intake import lms_pattern, read_roster, take_in
from .records import Settings, file_digest, grader_version
from .wire import clean_text
from .workers import JOB_TIMEOUT, Worker, run_job, stop_all


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
            record["mistakes"] = {name: entry.mistakes
                                  for name, entry in result.notebooks.items()}
            batch.records.write(student, record)  # after the grades are committed
            outcome.graded.append(student)
    except BaseException:
        stop_all()
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
