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

It prints both wall times, the seconds per notebook, their ratio, the bare cost
of a kernel running an empty notebook (the floor), and checks that both give
every student the same scores.
"""

import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from sqlalchemy.exc import SAWarning

from descentlab.course import EXERCISES, NOTEBOOKS
from grader import SOLUTIONS, sandbox
from grader.assemble import assemble, kernel_env, solved_modules
from grader.course_config import course_config
from grader.fixtures import write_submission
from grader.grade import grade_folder

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


def execution_seconds(tmp):
    """The floor (an empty notebook on a new kernel) and the mean time of a course notebook."""
    env = kernel_env(assemble(Path(tmp) / "floor", solved_modules()))
    floor = min(run(nbformat.v4.new_notebook(), tmp, env) for _ in range(3))
    own = [run(nbformat.read(SOLUTIONS / n / f"{n}.ipynb", as_version=4), SOLUTIONS / n, env)
           for n in NOTEBOOKS]
    return floor, sum(own) / len(own)


def main():
    warnings.filterwarnings("ignore", category=SAWarning)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "zips").mkdir()
        students = class_of(n, tmp / "zips")
        notebooks = n * len(NOTEBOOKS)
        floor, own = execution_seconds(tmp)

        start = time.perf_counter()
        plain = plain_nbgrader(students, tmp / "plain")
        plain_seconds = time.perf_counter() - start

        start = time.perf_counter()
        grade_folder(tmp / "zips", tmp / "ours", allow_unsafe=not sandbox.detect().isolated,
                     progress=False)
        ours_seconds = time.perf_counter() - start
        ours = scores(f"sqlite:///{tmp / 'ours' / 'nbgrader' / 'gradebook.db'}", students)

    cores = os.cpu_count()
    print(f"\n{n} students x {len(NOTEBOOKS)} notebooks = {notebooks} notebooks, {cores} cores")
    print(f"bare kernel + empty notebook (floor): {floor:.2f} s")
    print(f"plain nbgrader autograde, one process: {plain_seconds:8.1f} s "
          f"({plain_seconds / notebooks:.2f} s per notebook)")
    print(f"make grade, {cores} workers, sandbox on: {ours_seconds:8.1f} s "
          f"({ours_seconds / notebooks:.2f} s per notebook)")
    print(f"ratio make grade / plain: {ours_seconds / plain_seconds:.2f} (target <= 0.55)")
    ideal = (own + floor) / cores
    print(f"ideal per notebook, (own execution {own:.2f} s + floor) / cores: {ideal:.2f} s; "
          f"make grade's is {ours_seconds / notebooks / ideal:.2f}x that (target <= 1.3)")
    same = plain == ours
    print(f"identical grades for every student and notebook: {same}")
    if not same:
        for key in plain:
            if plain[key] != ours[key]:
                print(f"  {key}: plain {plain[key]}, make grade {ours[key]}")


if __name__ == "__main__":
    main()
