"""A TA's term in the formgrader, in a real browser: ``make formgrade`` serves the class,
the Autograde button is refused, a written answer gets points and a comment, and the
next ``make grade`` puts them into grades.csv, totals.csv and the student's feedback."""

import csv
import json
import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from nbgrader.api import Gradebook

from grader import REPO, formgrade, sandbox
from grader.assemble import solved_modules
from grader.fixtures import write_submission
from grader.grade import grade_folder

from .conftest import SCREENSHOTS
from .lab import started_url

NOTEBOOK, ANSWER = "01_loss", "why_mean_not_sum"
COMMENT = "Good: the mean keeps the learning rate independent of n."
UNSAFE = not sandbox.detect().isolated


@pytest.fixture
def page(browser):
    """A page whose cookies (this server's) are gone afterwards, so that they cannot
    reach the JupyterLab servers of the other browser tests (same host)."""
    page = browser.new_page()
    yield page
    page.close()
    browser.clear_cookies()


@pytest.fixture
def graded(tmp_path):
    submissions, out = tmp_path / "submissions", tmp_path / "out"
    submissions.mkdir()
    write_submission(submissions / "ada.zip", solved_modules(), notebooks=[NOTEBOOK])
    grade_folder(submissions, out, allow_unsafe=UNSAFE, progress=False)
    return submissions, out


@pytest.fixture
def server(graded, tmp_path):
    """``make formgrade``'s server on the graded class; yields (url, token)."""
    root = formgrade.prepare(graded[1])
    token, home = secrets.token_hex(16), tmp_path / "home"
    env = dict(os.environ, PYTHONPATH=str(REPO), HOME=str(home),
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "rt"))
    log = tmp_path / "formgrader.log"
    with open(log, "wb") as handle:  # port 0: the system picks a free port
        process = subprocess.Popen(formgrade.command(root, 0, token), cwd=root, env=env,
                                   stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = started_url(home / "rt", process, log)
    urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=30)
    yield url, token
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_the_autograde_button_is_refused_and_changes_nothing(graded, server):
    url, token = server
    autograded = graded[1] / "nbgrader" / "autograded" / "ada" / NOTEBOOK / f"{NOTEBOOK}.ipynb"
    before = autograded.read_bytes()
    request = urllib.request.Request(f"{url}/formgrader/api/submission/{NOTEBOOK}/ada/autograde",
                                     method="POST", data=b"",
                                     headers={"Authorization": f"token {token}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
    assert "make grade" in json.loads(refused.value.read())["error"]
    assert autograded.read_bytes() == before


def test_a_hand_grade_given_in_the_formgrader_reaches_grades_and_feedback(graded, server,
                                                                          page):
    submissions, out = graded
    url, token = server
    with Gradebook(f"sqlite:///{out / 'nbgrader' / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(NOTEBOOK, NOTEBOOK, "ada").id
    # Log in as a TA does (the formgrader's own requests need the login cookie).
    page.goto(f"{url}/login")
    page.locator("#password_input").fill(token)
    page.locator("#password_input").press("Enter")
    page.wait_for_url("**/formgrader**", timeout=60_000)
    page.goto(f"{url}/formgrader/submissions/{submission}/")
    score = page.locator(f"input.score#{ANSWER}")
    score.wait_for(timeout=60_000)
    score.fill("1.5")
    score.press("Tab")
    comment = page.locator(f"textarea#{ANSWER}-comment")
    comment.fill(COMMENT)
    comment.press("Tab")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "formgrader-hand-grade.png"))
    deadline = time.monotonic() + 30
    while True:  # the formgrader saves in the background
        with Gradebook(f"sqlite:///{out / 'nbgrader' / 'gradebook.db'}") as gradebook:
            grade = gradebook.find_grade(ANSWER, NOTEBOOK, NOTEBOOK, "ada")
            saved = gradebook.find_comment(ANSWER, NOTEBOOK, NOTEBOOK, "ada").manual_comment
            if grade.manual_score == 1.5 and saved == COMMENT:
                break
        assert time.monotonic() < deadline, (grade.manual_score, saved)
        time.sleep(0.5)

    outcome = grade_folder(submissions, out, allow_unsafe=UNSAFE, progress=False)
    assert outcome.graded == []  # nobody regraded
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["assignment"]: row for row in csv.DictReader(handle)}
    assert float(rows[NOTEBOOK]["score"]) == 7.5
    with open(out / "totals.csv", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row["pending"] == "" and next(v for k, v in row.items() if k.startswith("total")) \
        == "7.5"
    assert COMMENT in (out / "feedback" / "ada" / NOTEBOOK / f"{NOTEBOOK}.html").read_text()
