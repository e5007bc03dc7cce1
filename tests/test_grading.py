"""The whole loop, end to end: students' zips in, exact grades and feedback out.

The fixture submissions are built from the repository itself: the released
notebooks (with their solution cells filled in from the source notebooks, or
left blank) and the solved or stub exercise modules, with one change each.
"""

import csv
import html
import json

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.utils import is_grade

from descentlab.checks import SUM_NOT_MEAN
from descentlab.course import EXERCISES, NOTEBOOKS, module_path, notebook_path
from grader import REPO, catalogues, sandbox
from grader.fixtures import write_submission
from grader.grade import grade_folder
from grader.trusted import HIDDEN_FAILURE

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
NO_ONE_HOT = broken("network", "dZ[np.arange(n), y] -= 1.0", "pass")
# (the batches module imports no numpy: the student sorts the order back)
BATCHES_IN_ORDER = broken("batches", "order = rng.permutation(n)",
                          "order = rng.permutation(n)\n    order.sort()")
MSE_8_DIGITS = broken("losses", "return float(np.mean((y_pred - y_true) ** 2))",
                      'return float(f"{np.mean((y_pred - y_true) ** 2):.8g}")')
#: Every exercise function wrong, each with a mistake its check names, the way
#: students get them wrong (one line each).
ALL_WRONG = dict(SOLVED)
for _module, _right, _wrong in [
        ("losses", "return float(np.mean((y_pred - y_true) ** 2))",
         "return float(np.sum((y_pred - y_true) ** 2))"),
        ("losses", "return 2.0 * (y_pred - y_true) / y_pred.size",
         "return (y_pred - y_true) / y_pred.size"),
        ("optimizers", "- lr * np.asarray(grad, dtype=float)",
         "+ lr * np.asarray(grad, dtype=float)"),
        ("optimizers", "dtype=float) + np.asarray(grad, dtype=float)",
         "dtype=float) + (1 - beta) * np.asarray(grad, dtype=float)"),
        ("optimizers", "m_hat = m / (1 - beta1**t)", "m_hat = m"),
        ("optimizers", "v_hat = v / (1 - beta2**t)", "v_hat = v"),
        ("schedules", "2.0 / eigenvalues.max()", "2.0 / eigenvalues.min()"),
        ("schedules", "exponent = step / decay_steps", "exponent = step"),
        ("batches", "order = rng.permutation(n)", "order = rng.permutation(n)\n    order.sort()"),
        ("network", "db = dZ.sum(axis=0)", "db = dZ.mean(axis=0)"),
        ("network", "dtype=float) * (np.asarray(Z, dtype=float) > 0)",
         "dtype=float) * (np.asarray(dA, dtype=float) > 0)"),
        ("network", "dZ[np.arange(n), y] -= 1.0", "pass")]:
    assert ALL_WRONG[_module].count(_right) == 1, _right
    ALL_WRONG[_module] = ALL_WRONG[_module].replace(_right, _wrong)
#: ... and the notebooks' own code: a loop that drops gd_step's result, a rate too big.
WRONG_CELLS = {
    "train_loop": "def train(w0, X, y, lr, steps):\n"
                  "    w = np.array(w0, dtype=float)\n"
                  "    history = [losses.mse(y, X @ w)]\n"
                  "    for _ in range(steps):\n"
                  "        optimizers.gd_step(w, losses.linear_mse_grad(w, X, y), lr)\n"
                  "        history.append(losses.mse(y, X @ w))\n"
                  "    return w, history\n",
    "chosen_lr": "lr = 10.0\n",
}
CHECKS_THAT_FAIL = "def __getattr__(name):\n    raise AssertionError('always fails')\n"
CHECKS_THAT_PASS = "def __getattr__(name):\n    return lambda *args: print('✔ passed')\n"

#: Autograded points per notebook when everything is right.
FULL = {"01_loss": 6, "02_gradient_descent": 5, "03_learning_rate": 6, "04_sgd": 5,
        "05_momentum": 3, "06_adam": 3, "07_training": 12}

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
    # the softmax's gradient wrong: the dense and ReLU layers keep their points
    "network_wrong": ({"modules": NO_ONE_HOT}, {**FULL, "07_training": 3}),
    "all_wrong": ({"modules": ALL_WRONG, "cells": WRONG_CELLS}, {}),
    # right on the visible cases, 8 digits only: the hidden tests ask for 1e-9
    "mse_hidden_fails": ({"modules": MSE_8_DIGITS, "notebooks": ["01_loss"]}, {"01_loss": 4}),
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
    # the Chinese edition's notebooks: the same code, the same scores
    "perfect_zh": ({"modules": SOLVED, "language": "zh_CN"}, FULL),
    "blank_zh": ({"modules": STUBS, "solved": False, "language": "zh_CN"}, {}),
    "all_wrong_zh": ({"modules": ALL_WRONG, "cells": WRONG_CELLS, "language": "zh_CN"}, {}),
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
        # a written answer left as released is "No response.", 0, in either edition
        for student in ("blank", "blank_zh"):
            blank = gradebook.find_submission_notebook("01_loss", "01_loss", student)
            answer = {g.name: g for g in blank.grades}["why_mean_not_sum"]
            assert answer.auto_score == 0 and not answer.needs_manual_grade, student
        wrong = gradebook.find_submission_notebook("01_loss", "01_loss", "mse_wrong")
        assert {g.name: g.auto_score for g in wrong.grades}["mse_matches_definition"] == 0


def test_feedback_is_written_per_student_and_notebook(graded):
    out, _, _ = graded
    for name in NOTEBOOKS:
        assert (out / "feedback" / "perfect" / name / f"{name}.html").is_file()
    mistake = (out / "feedback" / "mse_wrong" / "01_loss" / "01_loss.html").read_text()
    assert "sum instead of mean" in mistake
    # a Chinese-edition notebook's feedback speaks Chinese
    chinese = (out / "feedback" / "all_wrong_zh" / "01_loss" / "01_loss.html").read_text()
    sum_not_mean = catalogues.translations(catalogues.PACKAGE_DOMAIN)[(None, SUM_NOT_MEAN)]
    assert html.escape(sum_not_mean, quote=False) in chinese
    assert "sum instead of mean" not in chinese


def test_every_failed_check_shows_its_own_message_and_is_counted(graded):
    """Each graded cell of every notebook fails for all_wrong: its feedback shows the
    check's own message (never the hidden-test notice), and the class report counts
    each mistake a check named."""
    out, _, _ = graded
    record = json.loads((out / "records" / "all_wrong.json").read_text())
    unnamed = []
    for name in NOTEBOOKS:
        graded_nb = nbformat.read(out / "nbgrader" / "autograded" / "all_wrong" / name /
                                  f"{name}.ipynb", as_version=4)
        graded_cells = [cell for cell in graded_nb.cells
                        if cell.cell_type == "code" and is_grade(cell)]
        failures = {cell.metadata.nbgrader["grade_id"]: output for cell in graded_cells
                    for output in cell.outputs if output.output_type == "error"}
        assert len(failures) == len(graded_cells) >= 1, name
        named = []
        for cell, error in failures.items():
            assert error.ename == "CheckFailed", (cell, error.ename, error.evalue)
            assert error.evalue.splitlines()[-1].startswith(("Fix ", "Choose ")), error.evalue
            assert HIDDEN_FAILURE not in error.evalue
            if "\nLikely mistake: " in error.evalue:
                named.append(error.evalue.split("Likely mistake: ")[1].split("\n")[0])
            else:
                unnamed.append(cell)
        assert sorted(record["mistakes"][name]) == sorted(named), name
    # its loop compounds the wrong gd_step, mse and batches: no single mistake fits
    assert unnamed == ["sgd_loop_trains_the_line"]
    # the class report counts a mistake as one, whichever edition it was made in
    chinese = json.loads((out / "records" / "all_wrong_zh.json").read_text())
    assert chinese["mistakes"] == record["mistakes"]
    report = (out / "report.html").read_text()
    assert "lr above the stability edge" in report and "does not learn" in report


def test_a_failed_hidden_test_shows_one_line_only(graded):
    out, _, _ = graded
    graded_nb = nbformat.read(out / "nbgrader" / "autograded" / "mse_hidden_fails" / "01_loss" /
                              "01_loss.ipynb", as_version=4)
    errors = [(cell.metadata.nbgrader["grade_id"], output) for cell in graded_nb.cells
              if cell.cell_type == "code" for output in cell.get("outputs", [])
              if output.output_type == "error"]
    assert [(cell, e.ename, e.evalue) for cell, e in errors] == [
        ("mse_matches_definition", "HiddenTestFailed", HIDDEN_FAILURE)]
    record = json.loads((out / "records" / "mse_hidden_fails.json").read_text())
    assert record["mistakes"]["01_loss"] == []
