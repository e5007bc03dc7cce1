"""Grades do not depend on how busy the machine is.

A class is graded while the same machine runs another grading batch and two
processes that keep every core busy, as on a shared server. Correct code must
get every point, wrong code exactly the points it gets on an idle machine, and
nothing may be reported as the machinery's failure.
"""

import csv
import multiprocessing
import subprocess
import sys

from grader import REPO, sandbox
from grader.assemble import solved_modules
from grader.fixtures import write_submission
from grader.grade import grade_folder

NOTEBOOKS = ["01_loss", "07_training"]
SOLVED = solved_modules()
RIGHT = "return float(np.mean((y_pred - y_true) ** 2))"
MSE_AS_SUM = {**SOLVED, "losses": SOLVED["losses"].replace(
    RIGHT, "return float(np.sum((y_pred - y_true) ** 2))")}
#: What an idle machine gives (tests/test_grading.py): mse's cell and the one after it.
EXPECTED = {("perfect", "01_loss"): 6, ("perfect", "07_training"): 12,
            ("mse_wrong", "01_loss"): 4, ("mse_wrong", "07_training"): 12}


def _spin(seconds):
    """Keep one core busy for ``seconds`` of wall time."""
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_loaded_machine_changes_no_grade(tmp_path):
    submissions, other = tmp_path / "class", tmp_path / "other_class"
    submissions.mkdir()
    other.mkdir()
    write_submission(submissions / "perfect.zip", SOLVED, notebooks=NOTEBOOKS)
    write_submission(submissions / "mse_wrong.zip", MSE_AS_SUM, notebooks=NOTEBOOKS)
    for student in ("a", "b", "c", "d"):
        write_submission(other / f"{student}.zip", SOLVED, notebooks=NOTEBOOKS)
    unsafe = not sandbox.detect().isolated
    hogs = [multiprocessing.Process(target=_spin, args=(1800,), daemon=True) for _ in range(2)]
    for hog in hogs:
        hog.start()
    batch = subprocess.Popen(
        [sys.executable, "-m", "grader.grade", str(other), "--out", str(tmp_path / "other_out"),
         *(["--allow-unsafe"] if unsafe else [])],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        problems = grade_folder(submissions, tmp_path / "out", allow_unsafe=unsafe,
                                progress=False).problems
    finally:
        batch.terminate()  # as a scheduler stops it: the batch stops its own workers
        try:
            batch.wait(timeout=120)
        except subprocess.TimeoutExpired:
            batch.kill()
            batch.wait()
        for hog in hogs:
            hog.kill()
    with open(tmp_path / "out" / "grades.csv", newline="") as handle:
        scores = {(row["student_id"], row["assignment"]): float(row["score"])
                  for row in csv.DictReader(handle) if row["assignment"] in NOTEBOOKS}
    assert scores == EXPECTED, problems
    # nothing but the notebooks left out on purpose
    for student in ("perfect", "mse_wrong"):
        assert all(line.endswith("is missing: it scores 0") for line in problems[student]), problems
