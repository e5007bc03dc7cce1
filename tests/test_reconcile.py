"""What a regrade does to stored grades, and the job folder's records, without a batch."""

import pytest

from grader.jobfiles import UNFINISHED, CellScore, JobResult, JobSpec, NotebookResult
from grader.reconcile import Stored, Update, reconcile

ANSWER, NEW_ANSWER = "Because the mean does not grow with n.", "Because I say so."


def test_a_first_grade_takes_the_jobs_scores_and_flags():
    stored = {"check": Stored(None, None, None), "why": Stored(None, None, None)}
    scores = {"check": CellScore(2.0, 2.0, False), "why": CellScore(None, 2.0, True)}
    updates, problems = reconcile("01_loss", stored, scores, {"why": ANSWER})
    assert updates == {"check": Update(2.0, False), "why": Update(None, True)}
    assert problems == []


def test_a_cell_the_job_did_not_score_gets_zero():
    updates, _ = reconcile("01_loss", {"check": Stored(2.0, None, "code")}, {}, {})
    assert updates == {"check": Update(0.0, False)}


def test_a_hand_grade_on_an_unchanged_answer_stands_unflagged():
    stored = {"why": Stored(None, 1.5, ANSWER)}
    updates, problems = reconcile("01_loss", stored, {"why": CellScore(None, 2.0, True)},
                                  {"why": ANSWER})
    assert updates == {"why": Update(None, None)} and problems == []


@pytest.mark.parametrize(("answer", "auto"), [(NEW_ANSWER, None), (ANSWER, 1.0)])
def test_a_hand_grade_whose_answer_or_score_changed_is_kept_and_flagged(answer, auto):
    stored = {"why": Stored(None, 1.5, ANSWER)}
    updates, problems = reconcile("01_loss", stored, {"why": CellScore(auto, 2.0, True)},
                                  {"why": answer})
    assert updates == {"why": Update(auto, True)}
    assert problems == ["01_loss why: graded by hand before, and the answer changed since; "
                        "the hand grade is kept and flagged for review in the formgrader"]


def test_job_records_round_trip(tmp_path):
    spec = JobSpec("ana", ("01_loss", "02_gradient_descent"), 60, True, False)
    spec.write(tmp_path)
    assert JobSpec.read(tmp_path) == spec
    result = JobResult("ana", {
        "01_loss": NotebookResult({"check": CellScore(2.0, 2.0, False)}, ["sum_not_mean"]),
        "02_gradient_descent": NotebookResult(error="not graded yet: killed", retry=True)},
        ["an incident"], verified=True)
    result.write(tmp_path)
    assert JobResult.read(tmp_path, spec) == result
    assert result.retry() == ["02_gradient_descent"]


@pytest.mark.parametrize("written", [None, "{not json", '{"student": "ana", "verified": false}'])
def test_a_job_that_did_not_finish_leaves_every_notebook_not_graded_yet(tmp_path, written):
    spec = JobSpec("ana", ("01_loss", "07_training"), 60, True, False)
    if written is not None:
        (tmp_path / "result.json").write_text(written)
    result = JobResult.read(tmp_path, spec)
    assert not result.verified and result.retry() == ["01_loss", "07_training"]
    assert all(entry.error == UNFINISHED and entry.cells == {}
               for entry in result.notebooks.values())
