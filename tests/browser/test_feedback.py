"""A written answer full of HTML and script, graded, then opened as a student opens its
feedback and as a TA opens it in nbgrader's formgrader: no script of the student's runs."""

import pytest
from nbgrader.api import Gradebook

from descentlab.course import EXERCISES
from grader import REPO, sandbox
from grader.fixtures import student_notebook, write_submission
from grader.grade import grade_folder

from .conftest import SCREENSHOTS
from .lab import LabServer

NOTEBOOK = "01_loss"
#: Each part sets ``window.pwned`` if it runs, whether as a tag, an attribute or a link.
ANSWER = ("Answer: <script>window.pwned = 'script'</script>"
          "<img src=x onerror=\"window.pwned = 'onerror'\">"
          "<svg onload=\"window.pwned = 'svg'\"></svg>"
          "<iframe srcdoc=\"<script>parent.pwned = 'iframe'</script>\"></iframe>"
          "[a link](javascript:window.pwned='link') and $x^2$")


@pytest.fixture(scope="module")
def graded(chromium, tmp_path_factory):
    notebook = student_notebook(NOTEBOOK)
    answer = next(c for c in notebook.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "why_mean_not_sum")
    answer.source = ANSWER
    folder = tmp_path_factory.mktemp("submissions")
    solved = {m: (REPO / "solutions" / "descentlab" / f"{m}.py").read_text("utf-8")
              for m in EXERCISES}
    write_submission(folder / "mallory.zip", solved, notebooks=[NOTEBOOK],
                     replaced={NOTEBOOK: notebook})
    out = tmp_path_factory.mktemp("out")
    grade_folder(folder, out, allow_unsafe=not sandbox.detect().isolated, progress=False)
    return out


@pytest.fixture
def page(browser):
    """A page whose cookies (the formgrader's server's) are gone afterwards, so that
    they cannot reach the JupyterLab server of the other browser tests (same host)."""
    page = browser.new_page()
    yield page
    page.close()
    browser.clear_cookies()


def no_script_ran(page):
    page.wait_for_timeout(1500)  # time for onload/onerror handlers, had they been kept
    return page.evaluate("typeof window.pwned") == "undefined"


def test_the_feedback_runs_no_script_of_the_students(graded, page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto((graded / "feedback" / "mallory" / NOTEBOOK / f"{NOTEBOOK}.html").as_uri())
    page.get_by_text("Answer:", exact=False).first.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "feedback-hostile-answer.png"))
    assert no_script_ran(page) and dialogs == []
    assert page.get_by_text("Answer:", exact=False).count() >= 1  # the answer is shown, as text
    for link in page.locator("a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")


def test_the_formgrader_runs_no_script_of_the_students(graded, page, tmp_path):
    with Gradebook(f"sqlite:///{graded / 'nbgrader' / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(NOTEBOOK, NOTEBOOK, "mallory").id
    with LabServer(graded / "nbgrader", tmp_path) as lab:
        page.goto(f"{lab.url}/formgrader/submissions/{submission}/?token={lab.token}")
        page.get_by_text("Answer:", exact=False).first.wait_for(timeout=60_000)
        page.screenshot(path=str(SCREENSHOTS / "formgrader-hostile-answer.png"))
        assert no_script_ran(page)


def test_the_feedback_reads_offline_with_its_formulas_drawn(graded, page):
    """Nothing is fetched (every request off the file is refused and recorded) and
    each formula of the course is drawn by the browser. (This answer's ``$x^2$`` is
    shown as typed: a cell with a script link is shown verbatim.)"""
    fetched = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        "file:") else (fetched.append(route.request.url), route.abort()))
    page.goto((graded / "feedback" / "mallory" / NOTEBOOK / f"{NOTEBOOK}.html").as_uri())
    formulas = page.locator("math")
    assert formulas.count() >= 20
    sizes = formulas.evaluate_all("all => all.map(m => m.getBoundingClientRect())"
                                  ".map(r => [r.width, r.height])")
    assert all(width > 0 and height > 0 for width, height in sizes)
    assert "$" not in page.locator(".text_cell_render").first.inner_text()
    page.locator("math").nth(3).scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "feedback-offline-formulas.png"))
    assert fetched == []
