"""``make grade`` against plain nbgrader on the same class, measured side by side.

``python -m benchmarks.grading [N]`` builds N synthetic submissions (default 30;
every third one with a wrong ``mse``, every fifth with a wrong ``gd_step``) of the
real course notebooks, then grades them twice on this machine:

- plain ``nbgrader autograde``, one notebook after another in one process
  (through nbgrader's own API, so without its 3-4 s start-up per command), each
  student's exercise modules first on ``PYTHONPATH`` as the grader arranges;
- ``make grade``'s :func:`grader.grade.grade_folder`, with the default workers
  and the sandbox on (which, unlike plain nbgrader, leaves out the cells tagged
  ``demo``: pictures and experiments that decide no score).

It prints both wall times, the seconds per notebook and their ratio, and checks
that both give every student the same scores. Against ``make grade`` it also
prints the floor any grader of these notebooks can reach on this machine: the
graded path's own compute (each source notebook without its demo cells, run
again in a warm kernel, so that imports and data are already loaded), plus one
bare kernel start per student, spread over the cores; and where the rest of
``make grade``'s time goes: per notebook, nbgrader's autograde (of which the
sandbox: starting it and running the student's code), the feedback page, and in
the batch's own process the job folders, the gradebook merges and the exports.
"""

import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from sqlalchemy.exc import SAWarning

from descentlab.course import EXERCISES, NOTEBOOKS
from grader import SOLUTIONS, grade, sandbox
from grader.assemble import assemble, kernel_env, solved_modules
from grader.batch import Batch
from grader.course_config import course_config
from grader.demos import demo_sources, without_demo_cells
from grader.fixtures import write_submission
from grader.jobfiles import JobResult, JobSpec

from .notebooks import run

WRONG = {
    "losses": ("return float(np.mean((y_pred - y_true) ** 2))",
               "return float(np.sum((y_pred - y_true) ** 2))"),
    "optimizers": ("- lr * np.asarray(grad, dtype=float)", "+ lr * np.asarray(grad, dtype=float)"),
}


def class_of(n, folder):
    """Write n submissions; returns ``{student: modules}``."""
    solved = solved_modules()
    students = {}
    for i in range(n):
        modules = dict(solved)
        for module, every in (("losses", 3), ("optimizers", 5)):
            if i % every == 1:
                right, wrong = WRONG[module]
                modules[module] = modules[module].replace(right, wrong)
        students[f"s{i:03d}"] = modules
        write_submission(folder / f"s{i:03d}.zip", modules)
    return students


def plain_nbgrader(students, root):
    """Grade with nbgrader's autograde, sequentially, in this process."""
    for name in NOTEBOOKS:
        shutil.copytree(SOLUTIONS / name, root / "source" / name)
    api = NbGraderAPI(config=course_config(root))
    for name in NOTEBOOKS:
        api.generate_assignment(name)
    from grader.collect import read_submission
    for student, modules in students.items():
        submission = read_submission(root.parent / "zips" / f"{student}.zip", student)
        for name, notebook in submission.notebooks.items():
            (root / "submitted" / student / name).mkdir(parents=True)
            nbformat.write(notebook, root / "submitted" / student / name / f"{name}.ipynb")
        package = assemble(root / "packages" / student, {m: modules[m] for m in EXERCISES})
        saved = dict(os.environ)
        os.environ.update(kernel_env(package))
        try:
            for name in NOTEBOOKS:
                api.autograde(name, student)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return scores(f"sqlite:///{root / 'gradebook.db'}", students)


def scores(db_url, students):
    with Gradebook(db_url) as gradebook:
        return {(s, n): gradebook.find_submission(n, s).score for s in students for n in NOTEBOOKS}


def graded_path_seconds(tmp):
    """The bare kernel start (an empty notebook, best of 3) and, per notebook, the graded
    path's compute: the source notebook without its demo cells, run a second time in
    the kernel that ran it once (imports and data warm)."""
    env = kernel_env(assemble(Path(tmp) / "floor", solved_modules()))
    start = min(run(nbformat.v4.new_notebook(), tmp, env) for _ in range(3))
    compute = {}
    for name in NOTEBOOKS:
        path = SOLUTIONS / name / f"{name}.ipynb"
        notebook = without_demo_cells(nbformat.read(path, as_version=4), demo_sources(path))
        client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        with client.setup_kernel(env=env):
            for _ in range(2):  # the second run, warm, is the one measured
                began = time.perf_counter()
                for index, cell in enumerate(notebook.cells):
                    client.execute_cell(cell, index)
            compute[name] = time.perf_counter() - began
    return start, compute


class Stopwatch:
    """Wall seconds spent in chosen functions, by name (wrapped in place, restored after)."""

    def __init__(self, targets):
        self.targets, self.seconds, self.saved = targets, {}, []

    def __enter__(self):
        for owner, name in self.targets:
            function = getattr(owner, name)
            self.saved.append((owner, name, function))
            setattr(owner, name, self._timed(name, function))
        return self

    def _timed(self, name, function):
        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - began
        return timed

    def __exit__(self, *exc):
        for owner, name, function in self.saved:
            setattr(owner, name, function)


def job_phases(out):
    """Seconds per phase summed over every job's notebooks (``result.json``'s records)."""
    total = {}
    for folder in (out / "jobs").iterdir():
        if (folder / "job.json").exists():
            result = JobResult.read(folder, JobSpec.read(folder))
            for entry in result.notebooks.values():
                for phase, seconds in entry.seconds.items():
                    total[phase] = total.get(phase, 0.0) + seconds
    return total


def main():
    warnings.filterwarnings("ignore", category=SAWarning)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "zips").mkdir()
        students = class_of(n, tmp / "zips")
        notebooks = n * len(NOTEBOOKS)
        kernel_start, compute = graded_path_seconds(tmp)

        start = time.perf_counter()
        plain = plain_nbgrader(students, tmp / "plain")
        plain_seconds = time.perf_counter() - start

        start = time.perf_counter()
        with Stopwatch([(Batch, "prepare_job"), (Batch, "merge"), (grade, "_finish")]) as parent:
            grade.grade_folder(tmp / "zips", tmp / "ours",
                               allow_unsafe=not sandbox.detect().isolated, progress=False)
        ours_seconds = time.perf_counter() - start
        ours = scores(f"sqlite:///{tmp / 'ours' / 'nbgrader' / 'gradebook.db'}", students)
        phases = job_phases(tmp / "ours")

    cores = os.cpu_count()
    per = ours_seconds / notebooks
    print(f"\n{n} students x {len(NOTEBOOKS)} notebooks = {notebooks} notebooks, {cores} cores")
    print(f"plain nbgrader autograde, one process: {plain_seconds:8.1f} s "
          f"({plain_seconds / notebooks:.2f} s per notebook)")
    print(f"make grade, {cores} workers, sandbox on: {ours_seconds:8.1f} s "
          f"({per:.2f} s per notebook)")
    print(f"ratio make grade / plain: {ours_seconds / plain_seconds:.2f}")
    mean_compute = sum(compute.values()) / len(compute)
    floor = (mean_compute + kernel_start / len(NOTEBOOKS)) / cores
    print("graded path's own compute per notebook (no demo cells, warm kernel): "
          + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in compute.items()))
    print(f"floor per notebook, (mean compute {mean_compute:.2f} s + one bare kernel start "
          f"{kernel_start:.2f} s per {len(NOTEBOOKS)} notebooks) / {cores} cores: {floor:.2f} s; "
          f"make grade's {per:.2f} s is {per / floor:.1f}x that")
    print("where make grade's time goes, seconds per notebook (job phases are in the "
          "workers, in parallel; the rest is the batch's own process):")
    autograde, sandboxed = phases.get("autograde", 0.0), phases.get("sandbox", 0.0)
    rows = [("autograde in the job (nbgrader + trusted checks)", autograde - sandboxed),
            ("  of it, the sandbox: its start and the student's code", sandboxed),
            ("feedback page in the job", phases.get("feedback", 0.0)),
            ("job folders (batch)", parent.seconds.get("prepare_job", 0.0)),
            ("gradebook merges (batch)", parent.seconds.get("merge", 0.0)),
            ("late policy, exports, report (batch)", parent.seconds.get("_finish", 0.0))]
    accounted = autograde + phases.get("feedback", 0.0)
    for label, seconds in rows:
        print(f"  {label:<58}{seconds / notebooks:6.2f}")
    rest = ours_seconds * cores - accounted - sum(parent.seconds.values()) * cores
    print(f"  {'the rest (worker starts, imports, waiting), cores x wall':<58}"
          f"{rest / notebooks:6.2f}")
    same = plain == ours
    print(f"identical grades for every student and notebook: {same}")
    if not same:
        for key in plain:
            if plain[key] != ours[key]:
                print(f"  {key}: plain {plain[key]}, make grade {ours[key]}")


if __name__ == "__main__":
    main()
