"""The whole loop, end to end: students' zips in, exact grades and feedback out.

The fixture submissions are built from the repository itself: the released
notebooks (with their solution cells filled in from the source notebooks, or
left blank) and the solved or stub exercise modules, with one change each.
"""

import csv

import pytest
from nbgrader.api import Gradebook

from descentlab.course import EXERCISES, NOTEBOOKS, module_path, notebook_path
from grader import REPO, sandbox
from grader.fixtures import write_submission
from grader.grade import grade_folder

SOLVED = {m: (REPO / "solutions" / "descentlab" / f"{m}.py").read_text("utf-8") for m in EXERCISES}
STUBS = {m: (REPO / module_path(m)).read_text("utf-8") for m in EXERCISES}


def broken(module, right, wrong):
    """The solved module with one line of one function changed."""
    assert SOLVED[module].count(right) == 1, right
    return {**SOLVED, module: SOLVED[module].replace(right, wrong)}


MSE_AS_SUM = broken("losses", "return float(np.mean((y_pred - y_true) ** 2))",
                    "return float(np.sum((y_pred - y_true) ** 2))")
HALF_LINEAR_GRAD = broken("losses", "return X.T @ mse_grad(y, X @ w)",
                          "return X.T @ mse_grad(y, X @ w) / 2")
GD_ASCENT = broken("optimizers", "- lr * np.asarray(grad, dtype=float)",
                   "+ lr * np.asarray(grad, dtype=float)")
SMALLEST_EIGENVALUE = broken("schedules", "2.0 / eigenvalues.max()", "2.0 / eigenvalues.min()")
DECAY_PER_STEP = broken("schedules", "exponent = step / decay_steps", "exponent = step")
EMA_MOMENTUM = broken("optimizers", "dtype=float) + np.asarray(grad, dtype=float)",
                      "dtype=float) + (1 - beta) * np.asarray(grad, dtype=float)")
ADAM_NO_CORRECTION = broken("optimizers", "m_hat = m / (1 - beta1**t)", "m_hat = m")
NO_ONE_HOT = broken("network", "dZ2[np.arange(n), y] -= 1.0", "pass")
BATCHES_IN_ORDER = broken("batches", "order = rng.permutation(n)", "order = np.arange(n)")
CHECKS_THAT_FAIL = "def __getattr__(name):\n    raise AssertionError('always fails')\n"
CHECKS_THAT_PASS = "def __getattr__(name):\n    return lambda *args: print('✔ passed')\n"

#: Autograded points per notebook when everything is right.
FULL = {"01_loss": 6, "02_gradient_descent": 5, "03_learning_rate": 6, "04_sgd": 5,
        "05_momentum": 3, "06_adam": 3, "07_training": 9}

#: student -> (what the zip holds, autograded score per notebook it must get)
FIXTURES = {
    "perfect": ({"modules": SOLVED}, FULL),
    "blank": ({"modules": STUBS, "solved": False}, {}),
    # each function wrong on its own: its points go, and those of cells that use it
    "mse_wrong": ({"modules": MSE_AS_SUM}, {**FULL, "01_loss": 4, "04_sgd": 2}),
    "linear_grad_wrong": ({"modules": HALF_LINEAR_GRAD},
                          {**FULL, "01_loss": 4, "02_gradient_descent": 2, "04_sgd": 2}),
    "gd_step_wrong": ({"modules": GD_ASCENT}, {**FULL, "02_gradient_descent": 0, "04_sgd": 2}),
    "max_lr_wrong": ({"modules": SMALLEST_EIGENVALUE}, {**FULL, "03_learning_rate": 4}),
    "decay_wrong": ({"modules": DECAY_PER_STEP}, {**FULL, "03_learning_rate": 4}),
    "batches_wrong": ({"modules": BATCHES_IN_ORDER}, {**FULL, "04_sgd": 0}),
    "momentum_wrong": ({"modules": EMA_MOMENTUM}, {**FULL, "05_momentum": 0}),
    # the capstone trains with the student's Adam: without the first-moment correction
    # it still trains the network past 95%, so only notebook 06's points go
    "adam_wrong": ({"modules": ADAM_NO_CORRECTION}, {**FULL, "06_adam": 0}),
    "network_wrong": ({"modules": NO_ONE_HOT}, {**FULL, "07_training": 0}),
    # what students hand in beyond their own functions changes nothing
    "test_cell_forced": ({"modules": MSE_AS_SUM, "notebooks": ["01_loss"],
                          "cells": {"mse_matches_definition": "assert True"}}, {"01_loss": 4}),
    "own_failing_checks": ({"modules": SOLVED, "notebooks": ["01_loss"],
                            "extra": {"src/descentlab/checks.py": CHECKS_THAT_FAIL}},
                           {"01_loss": 6}),
    "own_passing_checks": ({"modules": STUBS, "notebooks": ["01_loss"], "solved": False,
                            "extra": {"src/descentlab/checks.py": CHECKS_THAT_PASS}},
                           {"01_loss": 0}),
    "no_modules": ({"modules": {}}, {"03_learning_rate": 2}),
}
MAX_SCORE = {name: points + 2 for name, points in FULL.items()}  # + a written answer
@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    submissions = tmp_path_factory.mktemp("submissions")
    for student, (spec, _) in FIXTURES.items():
        write_submission(submissions / f"{student}.zip", **spec)
    (submissions / "corrupt.zip").write_bytes(b"not a zip at all")
    out = tmp_path_factory.mktemp("out")
    report = grade_folder(submissions, out, allow_unsafe=not sandbox.detect().isolated,
                          progress=False).problems
    with open(out / "grades.csv", newline="") as handle:
        rows = {(row["student_id"], row["assignment"]): row for row in csv.DictReader(handle)}
    return out, report, rows


@pytest.mark.parametrize("student", FIXTURES)
def test_each_fixture_gets_its_exact_scores(graded, student):
    _, report, rows = graded
    expected = {name: FIXTURES[student][1].get(name, 0) for name in NOTEBOOKS}
    got = {name: float(rows[student, name]["score"]) for name in NOTEBOOKS}
    assert got == expected, report[student]
    assert all(float(rows[student, n]["max_score"]) == MAX_SCORE[n] for n in NOTEBOOKS)


def test_csv_has_nbgraders_export_columns_and_a_row_per_student_and_notebook(graded):
    out, _, rows = graded
    header = (out / "grades.csv").read_text().splitlines()[0]
    assert header == ("assignment,duedate,timestamp,student_id,last_name,first_name,email,"
                      "raw_score,late_submission_penalty,score,max_score")
    assert set(rows) == {(s, n) for s in [*FIXTURES, "corrupt"] for n in NOTEBOOKS}


def test_a_corrupt_zip_gets_zero_and_a_reason_and_the_batch_goes_on(graded):
    _, report, rows = graded
    assert all(float(rows["corrupt", n]["score"]) == 0 for n in NOTEBOOKS)
    assert any("the zip cannot be read" in p for p in report["corrupt"])
    assert report["perfect"] == []


def test_missing_files_are_reported(graded):
    _, report, _ = graded
    assert report["no_modules"] == [f"{module_path(m)} is missing: graded as not written"
                                    for m in EXERCISES]
    assert f"{notebook_path('02_gradient_descent')} is missing: it scores 0" in report[
        "test_cell_forced"]


def test_per_cell_scores_and_manual_grading_in_the_gradebook(graded):
    out, _, _ = graded
    with Gradebook(f"sqlite:///{out / 'nbgrader' / 'gradebook.db'}") as gradebook:
        perfect = gradebook.find_submission_notebook("01_loss", "01_loss", "perfect")
        cells = {g.name: g for g in perfect.grades}
        for grade_id in ["mse_matches_definition", "mse_grad_matches_derivative",
                         "linear_mse_grad_matches_chain_rule"]:
            assert cells[grade_id].auto_score == cells[grade_id].max_score == 2
        assert cells["why_mean_not_sum"].needs_manual_grade
        wrong = gradebook.find_submission_notebook("01_loss", "01_loss", "mse_wrong")
        assert {g.name: g.auto_score for g in wrong.grades}["mse_matches_definition"] == 0


def test_feedback_is_written_per_student_and_notebook(graded):
    out, _, _ = graded
    for name in NOTEBOOKS:
        assert (out / "feedback" / "perfect" / name / f"{name}.html").is_file()
    mistake = (out / "feedback" / "mse_wrong" / "01_loss" / "01_loss.html").read_text()
    assert "sum instead of mean" in mistake
