"""The student edition: everything a graded class needs, and no solution or hidden test.

Built with ``make handout``, installed as a student would (``make submit``
creates its own virtual environment), used (a notebook runs, one module is
solved, the zip is made) and graded with ``make grade``'s code.
"""

import csv
import subprocess
import sys

import nbformat
import pytest

from descentlab.course import EXERCISES, NOTEBOOKS
from grader import REPO, SOLUTIONS, sandbox
from grader.assemble import solved_modules
from grader.grade import grade_folder
from grader.handout import write

UNSAFE = not sandbox.detect().isolated


def secret_lines():
    """Lines of the instructor's solutions and hidden tests that students must not get."""
    lines = set()
    for name in NOTEBOOKS:
        notebook = nbformat.read(SOLUTIONS / name / f"{name}.ipynb", as_version=4)
        for cell in notebook.cells:
            hidden = cell.source.partition("### BEGIN HIDDEN TESTS")[2]
            lines.update(line.strip() for line in hidden.splitlines())
    for source in solved_modules().values():
        for region in source.split("### BEGIN SOLUTION")[1:]:
            lines.update(line.strip() for line in region.split("### END SOLUTION")[0]
                         .splitlines())
    # Lines the provided modules hold anyway (training.py shuffles its batches too).
    provided = "\n".join(path.read_text() for path in (REPO / "src" / "descentlab").glob("*.py")
                         if path.stem not in EXERCISES)
    provided = {line.strip() for line in provided.splitlines()}
    return {line for line in lines if len(line) > 25 and line not in provided}


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    dest = tmp_path_factory.mktemp("class") / "descentlab-class"
    subprocess.run(["make", "handout", f"DEST={dest}"], cwd=REPO, check=True,
                   capture_output=True)
    return dest


def test_it_holds_what_students_need_and_nothing_of_the_instructors(handout):
    assert sorted(path.name for path in handout.iterdir()) == [
        "Makefile", "README.md", "environment.yml", "jupyter", "jupyter-zh", "notebooks",
        "notebooks-zh", "pyproject.toml", "src"]
    for name in NOTEBOOKS:
        assert (handout / "notebooks" / name / f"{name}.ipynb").is_file()
        assert (handout / "notebooks-zh" / name / f"{name}.ipynb").is_file()
    assert (handout / "notebooks-zh" / ".descentlab-language").read_text().strip() == "zh_CN"
    assert (handout / "src" / "descentlab" / "locale" / "zh_CN" / "LC_MESSAGES" /
            "descentlab.mo").is_file()
    for module in EXERCISES:
        assert "raise NotImplementedError()" in (
            handout / "src" / "descentlab" / f"{module}.py").read_text()
    secrets = secret_lines()
    assert len(secrets) > 100  # the scan below has something to find
    for path in handout.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "### BEGIN" not in text, path
            if path.suffix == ".ipynb":
                text = "\n".join(cell.source for cell in nbformat.reads(text, 4).cells)
            found = secrets & {line.strip() for line in text.splitlines()}
            assert found == set(), (path, sorted(found)[:3])


@pytest.mark.parametrize("dest, message", [("here", "is inside the course repository"),
                                           ("full", "is not empty")])
def test_a_folder_that_could_lose_work_is_refused(tmp_path, dest, message):
    if dest == "here":
        target = REPO / "notebooks" / "class"
    else:
        target = tmp_path / "full"
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=message):
        write(target)
    assert not (REPO / "notebooks" / "class").exists()
    if dest == "full":
        assert (target / "notes.txt").read_text() == "mine"


def test_students_install_it_work_in_it_and_their_zip_is_graded(handout, tmp_path):
    # A student solves the module of notebook 01 and hands in.
    (handout / "src" / "descentlab" / "losses.py").write_text(solved_modules()["losses"])
    made = subprocess.run(["make", "submit", "STUDENT=ada"], cwd=handout,
                          capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stdout + made.stderr
    python = handout / ".venv" / "bin" / "python"
    ran = subprocess.run(
        [str(python), "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--allow-errors", "--output", str(tmp_path / "ran.ipynb"),
         str(handout / "notebooks" / "01_loss" / "01_loss.ipynb")],
        cwd=handout / "notebooks" / "01_loss", capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr
    cells = nbformat.read(tmp_path / "ran.ipynb", as_version=4).cells
    assert any("✔ mse passed" in output.get("text", "") for cell in cells
               if cell.cell_type == "code" for output in cell.outputs)
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (handout / "ada.zip").rename(submissions / "ada.zip")
    outcome = grade_folder(submissions, tmp_path / "out", allow_unsafe=UNSAFE, progress=False)
    assert not any("could not be graded" in problem for problem in outcome.problems["ada"])
    with open(tmp_path / "out" / "grades.csv", newline="") as handle:
        scores = {row["assignment"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert scores == {name: 6.0 if name == "01_loss" else 0.0 for name in NOTEBOOKS}
    assert sys.executable != str(python)  # graded by the instructor's, not the student's
