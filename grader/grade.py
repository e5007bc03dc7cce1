"""Grade a folder of students' zips: ``make grade SUBMISSIONS=<folder> OUT=<folder>``.

For each ``<student_id>.zip`` the grader takes the student's notebooks and
exercise modules, and nothing else (:mod:`grader.collect`); assembles a
``descentlab`` package from the instructor's provided modules and the student's
exercise modules (:mod:`grader.assemble`); and runs one grading job per student
(:mod:`grader.job`), several at once, each in its own folder and process, its
kernels in the sandbox of :mod:`grader.sandbox`, with a hard time limit.

Only this process writes the batch's gradebook (``OUT/nbgrader/gradebook.db``,
through nbgrader's Gradebook API), from the jobs' plain-data results. Then it
writes ``OUT/grades.csv`` (nbgrader's CSV export), ``OUT/feedback/`` (nbgrader's
HTML feedback, hidden tests removed), ``OUT/report.html`` (:mod:`grader.report`)
and prints a summary. A broken or hostile submission gets its reason and zero for
what it broke; the batch goes on. The exit code is 0 when the batch ran,
whatever the students handed in.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.plugins import CsvExportPlugin
from sqlalchemy.exc import SAWarning
from tqdm.auto import tqdm

from descentlab.course import NOTEBOOKS

from . import REPO, SOLUTIONS, report, sandbox
from .assemble import assemble, kernel_env
from .collect import find_submissions, read_submission
from .release import course_config

#: Seconds a whole job (every notebook of one student) may take before it is killed.
JOB_TIMEOUT = 600
#: Seconds one cell may run (nbgrader interrupts it; the next cells still run).
CELL_TIMEOUT = 60
#: Bytes of memory one job process (not its kernels, which have their own limit) may use.
JOB_MEMORY = 6 * 1024**3
#: First user id given to students' kernels; student number i gets FIRST_UID + i.
FIRST_UID = 61000


class Batch:
    """The output folder of one grading run and its gradebook."""

    def __init__(self, out):
        self.out = Path(out)
        self.root = self.out / "nbgrader"
        self.private = self.out / "jobs" / ".private"
        for folder, mode in [(self.root, 0o700), (self.out / "jobs", 0o711),
                             (self.private, 0o700)]:
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(mode)
        for name in NOTEBOOKS:
            _copy_tree(SOLUTIONS / name, self.root / "source" / name)
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        api = NbGraderAPI(config=course_config(self.root))
        for name in NOTEBOOKS:
            # Registers each notebook's graded cells, hidden tests included.
            result = api.generate_assignment(name)
            if not result["success"]:
                raise RuntimeError(f"nbgrader could not register {name}:\n{result['log']}")

    def prepare_job(self, submission, number, protections, cell_timeout=CELL_TIMEOUT):
        """Write one student's job folder; returns its path."""
        student = submission.student_id
        folder = self.out / "jobs" / student
        if folder.exists():
            shutil.rmtree(folder)
        course, secret = folder / "course", self.private / student
        if secret.exists():
            shutil.rmtree(secret)
        folder.mkdir(mode=0o711)
        secret.mkdir(mode=0o700)
        # Hidden tests (source notebooks) and the job's gradebook live where the
        # student's kernel cannot read them; the course folder points there.
        _copy_tree(self.root / "source", secret / "source")
        shutil.copy(self.root / "gradebook.db", secret / "gradebook.db")
        for name, notebook in submission.notebooks.items():
            (course / "submitted" / student / name).mkdir(parents=True)
            nbformat.write(notebook, course / "submitted" / student / name / f"{name}.ipynb")
        course.mkdir(exist_ok=True)
        package = assemble(folder / "package", submission.modules)
        for sub in ("home", "runtime"):
            (folder / sub).mkdir(mode=0o700)
        uid = FIRST_UID + number if protections.separate_user else None
        if uid is not None:  # the student's own files, closed to other students
            for path in [course, *course.rglob("*"), folder / "home", folder / "runtime"]:
                os.chown(path, uid, uid)
            course.chmod(0o700)
        env = kernel_env(package)
        env["HOME"] = env["TMPDIR"] = str(folder / "home")
        sandbox.Limits(uid=uid, isolate=protections.no_network, exposed=[str(folder)],
                       hidden=[str(SOLUTIONS), str(REPO / ".git"), str(REPO / "tests")],
                       env={key: env[key] for key in ("PYTHONPATH", "OPENBLAS_NUM_THREADS",
                                                      "OMP_NUM_THREADS", "MPLBACKEND", "HOME",
                                                      "TMPDIR")},
                       ).write(folder / "limits.json")
        spec = folder / "kernels" / "python3"
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "grader.sandbox", str(folder / "limits.json"),
                     "{connection_file}"],
            "display_name": "Python 3 (sandboxed for grading)",
            "language": "python",
        }))
        (folder / "job.json").write_text(json.dumps({
            "student": student, "notebooks": sorted(submission.notebooks),
            "cell_timeout": cell_timeout, "secret": str(secret),
        }))
        return folder

    def merge(self, student, result, problems):
        """Write one job's scores into the batch's gradebook and collect its files.

        A job stopped before its trusted re-evaluation has no verified scores:
        its notebooks score 0 (failing closed), with the reason.
        """
        if result.get("notebooks") and not result.get("verified"):
            problems.append("the grading job was stopped before its scores could be "
                            "verified: every notebook scores 0; regrade with ONLY=" + student)
            result = {"notebooks": {name: {**entry, "error": "not verified"}
                                    for name, entry in result["notebooks"].items()}}
        with Gradebook(self.db_url) as gradebook:
            gradebook.update_or_create_student(student)
            for name, entry in result.get("notebooks", {}).items():
                if entry["error"]:
                    problems.append(f"{name} could not be graded: {entry['error']}")
                    continue
                try:
                    gradebook.remove_submission(name, student)
                except MissingEntry:
                    pass
                gradebook.add_submission(name, student)
                submitted = gradebook.find_submission_notebook(name, name, student)
                for grade in submitted.grades:
                    auto, top, manual = entry["cells"].get(grade.name, [0.0, None, False])
                    verdict = entry.get("trusted", {}).get(grade.name)
                    if verdict is not None and auto is not None:
                        trusted = top if verdict else 0.0
                        if trusted != auto:  # the trusted score counts; a person should look
                            problems.append(
                                f"FLAGGED for review: {name} {grade.name} scored {auto:g} in "
                                f"the notebook but {trusted:g} in the trusted re-evaluation, "
                                "which counts")
                            auto = trusted
                    grade.auto_score = auto
                    grade.needs_manual_grade = manual
                gradebook.db.commit()
        job = self.out / "jobs" / student / "course"
        for step in ("submitted", "autograded", "feedback"):
            source = job / step / student
            if source.exists():
                _copy_tree(source, self.root / step / student)

    def scores(self, student):
        """``{notebook: (score, max_score)}`` from the gradebook, 0 where not graded."""
        table = {}
        with Gradebook(self.db_url) as gradebook:
            for name in NOTEBOOKS:
                top = gradebook.find_assignment(name).max_score
                try:
                    table[name] = (gradebook.find_submission(name, student).score, top)
                except MissingEntry:
                    table[name] = (0.0, top)
        return table

    def export(self):
        """Write ``OUT/grades.csv`` with nbgrader's CSV export and copy the feedback."""
        with Gradebook(self.db_url) as gradebook:
            CsvExportPlugin(to=str(self.out / "grades.csv")).export(gradebook)
        if (self.root / "feedback").exists():
            _copy_tree(self.root / "feedback", self.out / "feedback")


def run_job(folder, timeout=JOB_TIMEOUT):
    """Run one job in its own process (group); kill it all if it overruns.

    Returns the job's result (possibly partial) and the problems it had.
    """
    private = json.loads((folder / "job.json").read_text())["secret"]
    env = {**os.environ, "JUPYTER_PATH": str(folder), "HOME": private,
           "JUPYTER_RUNTIME_DIR": str(folder / "runtime"), "PYTHONPATH": str(REPO)}
    problems = []
    process = subprocess.Popen([sys.executable, "-m", "grader.job", str(folder)], cwd=REPO,
                               env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, preexec_fn=_limit_job_memory)
    try:
        _, stderr = process.communicate(timeout=timeout)
        if process.returncode:
            problems.append(f"the grading job failed: {_last_line(stderr)}")
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        problems.append(f"the grading job took over {timeout} s and was stopped; what was "
                        "not graded by then scores 0 (look for an endless loop)")
    finally:
        sandbox.kill_user(sandbox.Limits.read(folder / "limits.json").uid)
    path = folder / "result.json"
    result = json.loads(path.read_text()) if path.exists() else {"notebooks": {}}
    return result, problems


def grade_folder(submissions, out, workers=None, allow_unsafe=False, only=None,
                 job_timeout=JOB_TIMEOUT, cell_timeout=CELL_TIMEOUT, progress=True):
    """Grade every zip in ``submissions`` into ``out``.

    Parameters
    ----------
    workers : int, optional
        Jobs run at once; default: the number of cores.
    allow_unsafe : bool, default=False
        Grade even where students' kernels cannot be isolated (no separate user
        or no network namespace), e.g. as a normal user on a laptop.
    only : collection of str, optional
        Regrade only these students; everyone else's grades are kept.
    job_timeout, cell_timeout : float
        Seconds one student's whole job, and one cell, may run.

    Returns
    -------
    dict of str to list of str
        Problems found, per student (an empty list when all went well).
    """
    zips = find_submissions(submissions)
    protections = sandbox.detect()
    print(f"Sandbox: {protections.describe()}")
    if not protections.isolated and not allow_unsafe:
        raise ValueError("students' code cannot be isolated on this machine (grade as root on "
                         "Linux with `unshare` and `setpriv`), so it could read or change other "
                         "students' grades; to grade anyway, trusting the submissions, set "
                         "ALLOW_UNSAFE=1")
    batch = Batch(out)
    report_rows, jobs = {}, {}
    for number, path in enumerate(zips):
        try:
            submission = read_submission(path)
        except ValueError as error:
            report_rows[path.name] = [str(error)]
            continue
        if only and submission.student_id not in only:
            continue
        report_rows[submission.student_id] = list(submission.problems)
        jobs[submission.student_id] = batch.prepare_job(submission, number, protections,
                                                        cell_timeout)
    mistakes = {}
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
        futures = {pool.submit(run_job, folder, job_timeout): student
                   for student, folder in jobs.items()}
        for future in tqdm(as_completed(futures), total=len(futures), desc="grading",
                           unit="student", disable=not progress):
            student = futures[future]
            result, problems = future.result()
            report_rows[student] += problems
            batch.merge(student, result, report_rows[student])
            mistakes[student] = {name: entry.get("mistakes", [])
                                 for name, entry in result.get("notebooks", {}).items()}
    batch.export()
    report.write(batch, report_rows, mistakes)
    _print_summary(batch, report_rows)
    return report_rows


def _print_summary(batch, rows):
    print(f"\nGraded {len(rows)} submissions into {batch.out}:")
    for student, problems in sorted(rows.items()):
        if student.endswith(".zip"):
            print(f"  {student}: NOT GRADED")
        else:
            text = ", ".join(f"{n} {got:g}/{top:g}" for n, (got, top) in
                             batch.scores(student).items())
            print(f"  {student}: {text}")
        for problem in problems:
            print(f"      - {problem}")
    failed = sum(1 for problems in rows.values() if problems)
    print(f"{len(rows) - failed} without problems, {failed} with problems (listed above and "
          f"in {batch.out / 'report.html'}).")
    print(f"Grades: {batch.out / 'grades.csv'}\nFeedback: {batch.out / 'feedback'}/")


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
    parser.add_argument("submissions", help="folder of <student_id>.zip files")
    parser.add_argument("--out", default="grader/out", help="output folder (default: %(default)s)")
    parser.add_argument("--workers", type=int, help="jobs at once (default: number of cores)")
    parser.add_argument("--only", help="comma-separated student ids to regrade")
    parser.add_argument("--allow-unsafe", action="store_true",
                        help="grade even if students' code cannot be isolated")
    args = parser.parse_args(argv)
    # nbgrader's own SQLAlchemy session use warns on every submission; harmless.
    warnings.filterwarnings("ignore", category=SAWarning)
    try:
        grade_folder(args.submissions, args.out, args.workers,
                     args.allow_unsafe or os.environ.get("ALLOW_UNSAFE") == "1",
                     set(args.only.split(",")) if args.only else None)
    except ValueError as error:
        sys.exit(f"make grade: {error}")


if __name__ == "__main__":
    main()
