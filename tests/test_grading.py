"""The whole loop, end to end: students' zips in, exact grades and feedback out.

The fixture submissions are built from the repository itself: the released
notebook and the solved or stub exercise modules, with one change each.
"""

import csv
import zipfile

import nbformat
import pytest
from nbgrader.api import Gradebook

from descentlab.course import module_path, notebook_path
from grader import REPO
from grader.grade import grade_folder

NOTEBOOK = "01_loss"
SOLVED = (REPO / "solutions" / "descentlab" / "losses.py").read_text("utf-8")
STUB = (REPO / module_path("losses")).read_text("utf-8")
RIGHT_MSE = "return float(np.mean((y_pred - y_true) ** 2))"
assert RIGHT_MSE in SOLVED
MSE_AS_SUM = SOLVED.replace(RIGHT_MSE, "return float(np.sum((y_pred - y_true) ** 2))")
CHECKS_THAT_FAIL = "def __getattr__(name):\n    raise AssertionError('always fails')\n"
CHECKS_THAT_PASS = ("def __getattr__(name):\n    return lambda *args: print('✔ passed')\n")


def released_notebook(answer="The mean keeps the gradient's size independent of n.",
                      cell_sources=None):
    notebook = nbformat.read(REPO / notebook_path(NOTEBOOK), as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "why_mean_not_sum":
            cell.source = answer
        if cell_sources and grade_id in cell_sources:
            cell.source = cell_sources[grade_id]
    return nbformat.writes(notebook)


#: student -> (files in the zip, autograded score it must get)
FIXTURES = {
    "perfect": ({"losses": SOLVED}, 6),
    "blank": ({"losses": STUB, "answer": "YOUR ANSWER HERE"}, 0),
    "mse_wrong": ({"losses": MSE_AS_SUM}, 4),
    "test_cell_forced": ({"losses": MSE_AS_SUM,
                          "cells": {"mse_matches_definition": "assert True"}}, 4),
    "own_failing_checks": ({"losses": SOLVED, "checks": CHECKS_THAT_FAIL}, 6),
    "own_passing_checks": ({"losses": STUB, "checks": CHECKS_THAT_PASS}, 0),
    "no_module": ({}, 0),
}
MAX_SCORE = 8  # 6 autograded + 2 for the written answer, graded by hand


def write_fixture(folder, student, spec):
    with zipfile.ZipFile(folder / f"{student}.zip", "w") as archive:
        archive.writestr(str(notebook_path(NOTEBOOK)), released_notebook(
            **({"answer": spec["answer"]} if "answer" in spec else {}),
            cell_sources=spec.get("cells")))
        if "losses" in spec:
            archive.writestr(str(module_path("losses")), spec["losses"])
        if "checks" in spec:
            archive.writestr("src/descentlab/checks.py", spec["checks"])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    submissions = tmp_path_factory.mktemp("submissions")
    for student, (spec, _) in FIXTURES.items():
        write_fixture(submissions, student, spec)
    (submissions / "corrupt.zip").write_bytes(b"not a zip at all")
    out = tmp_path_factory.mktemp("out")
    report = grade_folder(submissions, out)
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    return out, report, rows


@pytest.mark.parametrize("student", FIXTURES)
def test_each_fixture_gets_its_exact_score(graded, student):
    _, _, rows = graded
    assert float(rows[student]["score"]) == FIXTURES[student][1]
    assert float(rows[student]["max_score"]) == MAX_SCORE
    assert rows[student]["assignment"] == NOTEBOOK


def test_csv_has_nbgraders_export_columns_and_a_row_per_student(graded):
    out, _, rows = graded
    header = (out / "grades.csv").read_text().splitlines()[0]
    assert header == ("assignment,duedate,timestamp,student_id,last_name,first_name,email,"
                      "raw_score,late_submission_penalty,score,max_score")
    assert set(rows) == set(FIXTURES) | {"corrupt"}


def test_a_corrupt_zip_gets_zero_and_a_reason_and_the_batch_goes_on(graded):
    _, report, rows = graded
    assert float(rows["corrupt"]["score"]) == 0
    assert any("the zip cannot be read" in p for p in report["corrupt"])
    assert report["perfect"] == []


def test_missing_module_is_reported(graded):
    _, report, _ = graded
    assert report["no_module"] == ["src/descentlab/losses.py is missing: graded as not written"]


def test_per_cell_scores_and_manual_grading_in_the_gradebook(graded):
    out, _, _ = graded
    with Gradebook(f"sqlite:///{out / 'nbgrader' / 'gradebook.db'}") as gradebook:
        perfect = gradebook.find_submission_notebook(NOTEBOOK, NOTEBOOK, "perfect")
        cells = {g.name: g for g in perfect.grades}
        for grade_id in ["mse_matches_definition", "mse_grad_matches_derivative",
                         "linear_mse_grad_matches_chain_rule"]:
            assert cells[grade_id].auto_score == cells[grade_id].max_score == 2
        assert cells["why_mean_not_sum"].needs_manual_grade
        wrong = gradebook.find_submission_notebook(NOTEBOOK, NOTEBOOK, "mse_wrong")
        assert {g.name: g.auto_score for g in wrong.grades}["mse_matches_definition"] == 0


def test_feedback_is_written_per_student(graded):
    out, _, _ = graded
    for student in FIXTURES:
        page = out / "feedback" / student / NOTEBOOK / f"{NOTEBOOK}.html"
        assert page.is_file()
    mistake = (out / "feedback" / "mse_wrong" / NOTEBOOK / f"{NOTEBOOK}.html").read_text()
    assert "sum instead of mean" in mistake
