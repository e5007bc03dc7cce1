"""Hand grades are data the grader never loses.

A TA grades a written answer in nbgrader's formgrader (here through the same
Gradebook API the formgrader uses); then the class is graded again in every
way a term brings: a plain re-run, ``ONLY=`` a regrade, a course edit that
regrades everyone, and a re-submission. The hand grade and its comment must
stand where the answer is unchanged, be flagged for review where it changed,
and reach ``grades.csv`` and the student's feedback.
"""

import csv
import re

import pytest
from nbgrader.api import Gradebook

from grader import grade, sandbox
from grader.assemble import solved_modules
from grader.fixtures import write_submission
from grader.grade import grade_folder

SOLVED = solved_modules()
UNSAFE = not sandbox.detect().isolated
NOTEBOOK, ANSWER = "01_loss", "why_mean_not_sum"
COMMENT = "Right idea: say why the size of the data set should not matter."


def hand_in(folder, student, answer=None):
    write_submission(folder / f"{student}.zip", SOLVED, notebooks=[NOTEBOOK],
                     cells={ANSWER: answer} if answer else None)


def gradebook(out):
    return Gradebook(f"sqlite:///{out / 'nbgrader' / 'gradebook.db'}")


def grade_by_hand(out, student, score, comment):
    """What the formgrader does when a TA saves a score and a comment."""
    with gradebook(out) as book:
        cell = book.find_grade(ANSWER, NOTEBOOK, NOTEBOOK, student)
        cell.manual_score, cell.needs_manual_grade = score, False
        book.find_comment(ANSWER, NOTEBOOK, NOTEBOOK, student).manual_comment = comment
        book.db.commit()


def hand_grade(out, student):
    """(manual score, flagged for review, comment) of the written answer."""
    with gradebook(out) as book:
        cell = book.find_grade(ANSWER, NOTEBOOK, NOTEBOOK, student)
        comment = book.find_comment(ANSWER, NOTEBOOK, NOTEBOOK, student).manual_comment
        return cell.manual_score, cell.needs_manual_grade, comment


def score(out, student):
    with open(out / "grades.csv", newline="") as handle:
        return next(float(row["score"]) for row in csv.DictReader(handle)
                    if (row["student_id"], row["assignment"]) == (student, NOTEBOOK))


def feedback(out, student):
    return (out / "feedback" / student / NOTEBOOK / f"{NOTEBOOK}.html").read_text()


def pending_in_feedback(out, student):
    """The written answer's score lines in the feedback (contents and heading) that
    say it is still to be graded by hand."""
    return re.findall(r"Score: to be graded by hand / [\d.]+", feedback(out, student))


@pytest.fixture
def term(tmp_path):
    """A class of two, graded once; ada's written answer then graded by hand."""
    submissions, out = tmp_path / "submissions", tmp_path / "out"
    submissions.mkdir()
    for student in ("ada", "bob"):
        hand_in(submissions, student)

    def run(**options):
        return grade_folder(submissions, out, allow_unsafe=UNSAFE, progress=False, **options)

    run()
    assert hand_grade(out, "ada") == (None, True, None)  # pending
    grade_by_hand(out, "ada", 1.5, COMMENT)
    return submissions, out, run


def totals(out):
    """``{student: (01_loss points, total, pending)}`` from totals.csv, as written."""
    with open(out / "totals.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    notebook = next(key for key in rows[0] if key.startswith(f"{NOTEBOOK} (of "))
    total = next(key for key in rows[0] if key.startswith("total (of "))
    return {row["student_id"]: (row[notebook], row[total], row["pending"]) for row in rows}


def test_pending_answers_are_pending_until_graded_then_counted(term):
    _, out, run = term
    # Graded once, before the TA's grade: pending, not zero, in totals.csv and the report.
    assert totals(out) == {"ada": ("", "", f"{NOTEBOOK} {ANSWER}"),
                           "bob": ("", "", f"{NOTEBOOK} {ANSWER}")}
    assert "<td>pending</td>" in (out / "report.html").read_text()
    assert score(out, "ada") == 6  # nbgrader's own export counts it as 0 until the next run
    for student in ("ada", "bob"):  # the feedback says what is pending, never 0
        assert pending_in_feedback(out, student) == ["Score: to be graded by hand / 2.0"] * 2
        assert "2.0 points still to be graded by hand" in feedback(out, student)
    outcome = run()  # nobody regraded: the hand grade reaches every output
    assert outcome.graded == [] and score(out, "ada") == 7.5 and score(out, "bob") == 6
    assert totals(out) == {"ada": ("7.5", "7.5", ""), "bob": ("", "", f"{NOTEBOOK} {ANSWER}")}
    with open(out / "canvas.csv", newline="") as handle:  # the same grades for Canvas
        canvas = {row["SIS User ID"]: row[f"Descent Lab {NOTEBOOK}"]
                  for row in csv.DictReader(handle)}
    assert canvas == {"": "8", "ada": "7.5", "bob": ""}  # "" is the Points Possible row
    assert COMMENT in feedback(out, "ada") and COMMENT not in feedback(out, "bob")
    assert pending_in_feedback(out, "ada") == [] and "Score: 1.5 / 2.0" in feedback(out, "ada")
    assert len(pending_in_feedback(out, "bob")) == 2


@pytest.mark.parametrize("how", ["only", "course edit"])
def test_a_regrade_keeps_the_hand_grade_of_an_unchanged_answer(term, how, monkeypatch):
    _, out, run = term
    if how == "course edit":  # the grader or solutions/ changed: everyone is regraded
        monkeypatch.setattr(grade, "grader_version", lambda: "after a course edit")
        outcome = run()
    else:
        outcome = run(only={"ada"})
    assert "ada" in outcome.graded
    assert hand_grade(out, "ada") == (1.5, False, COMMENT)
    assert score(out, "ada") == 7.5 and COMMENT in feedback(out, "ada")
    assert not any("graded by hand" in problem for problem in outcome.problems["ada"])


def test_a_changed_answer_keeps_its_hand_grade_flagged_for_review(term):
    submissions, out, run = term
    hand_in(submissions, "ada", answer="A new answer, written after the first grading.")
    outcome = run()
    assert outcome.graded == ["ada"]
    assert hand_grade(out, "ada") == (1.5, True, COMMENT)
    assert any(f"{NOTEBOOK} {ANSWER}: graded by hand before, and the answer changed" in problem
               for problem in outcome.problems["ada"])
    assert "graded by hand before" in (out / "report.html").read_text()
