"""The released notebooks, as a student runs them: with stubs and when solved."""

import re
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from descentlab.course import EDITIONS, NOTEBOOKS, notebook_path
from descentlab.i18n import MARKER
from grader import REPO, SOLUTIONS
from grader.assemble import assemble, kernel_env, solved_modules
from grader.demos import demo_sources, without_demo_cells
from grader.fixtures import student_notebook

#: Both editions: the English and the Chinese (built from the English and its catalogues).
LANGUAGES = list(EDITIONS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_solved_student_notebook_runs_cleanly_under_nbval_lax(name, language, tmp_path):
    """The released notebook, its solution cells and exercise modules solved."""
    package_dir = assemble(tmp_path / "solved", solved_modules())
    path = tmp_path / name / f"{name}.ipynb"
    path.parent.mkdir()
    if language != "en":  # the edition's folder names its language, as notebooks-zh/ does
        (tmp_path / MARKER).write_text(language)
    nbformat.write(student_notebook(name, solved=True, language=language), path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "--nbval-lax", "-q", str(path)],
        cwd=tmp_path, env=kernel_env(package_dir), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_with_stubs_only_graded_cells_fail_and_they_say_what_to_write(name, language, tmp_path):
    package_dir = assemble(tmp_path / "stubs", {})
    path = REPO / notebook_path(name, language)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}
                   ).execute(env=kernel_env(package_dir))

    failed, graded = [], []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        role = cell.metadata.get("nbgrader", {})
        if role.get("grade"):
            graded.append(role["grade_id"])
        for output in cell.outputs:
            if output.output_type != "error":
                continue
            if role.get("solution"):  # nbgrader's own stub in a notebook solution cell
                assert output.ename == "NotImplementedError"
                continue
            failed.append(role.get("grade_id", cell.source))
            assert output.ename == "ExerciseNotWritten"
            name = output.evalue.split()[0]
            if language != "en":  # said in the edition's language, naming the same place
                assert re.search(r"[\u4e00-\u9fff]", output.evalue)
                assert "not written" not in output.evalue
                assert "src/descentlab/" in output.evalue or "上面" in output.evalue  # above
                continue
            assert output.evalue.startswith(f"{name} is not written yet: fill in ")
            assert f"fill in `{name}` in src/descentlab/" in output.evalue or (
                "fill in the cell above" in output.evalue)
    assert failed == graded != []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_graded_cells_need_no_demo_cell(name, tmp_path):
    """The grader leaves out the cells tagged ``demo``. What nbgrader then runs (the
    source notebook: solutions and hidden tests) still has no error at all, and the
    tagged cells are plain code cells, the same as the student's."""
    demos = demo_sources(REPO / notebook_path(name))
    source = nbformat.read(SOLUTIONS / name / f"{name}.ipynb", as_version=4)
    tagged = [c for c in source.cells if "demo" in c.metadata.get("tags", [])]
    assert len(tagged) == len(demos) > 0
    assert all(c.cell_type == "code" and "nbgrader" not in c.metadata for c in tagged)
    graded = without_demo_cells(source, demos)
    assert len(graded.cells) == len(source.cells) - len(tagged)
    package_dir = assemble(tmp_path / "solved", solved_modules())
    NotebookClient(graded, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}
                   ).execute(env=kernel_env(package_dir))
    errors = [(cell.source.splitlines()[0], out.evalue) for cell in graded.cells
              if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]
    assert errors == []


def test_the_kernel_imports_the_assembled_package_first(tmp_path):
    """PYTHONPATH beats the editable install and a descentlab/ beside the notebook."""
    package_dir = assemble(tmp_path / "solved", solved_modules())
    decoy = tmp_path / "work" / "descentlab"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise ImportError('decoy imported')")
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import descentlab.losses as m\nprint(m.__file__)")])
    NotebookClient(probe, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(decoy.parent)}}
                   ).execute(env=kernel_env(package_dir))
    printed = probe.cells[0].outputs[0].text.strip()
    assert printed == str(package_dir / "descentlab" / "losses.py")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_nbgraders_validate_fails_with_stubs_and_passes_when_solved(name, language, tmp_path,
                                                                     monkeypatch):
    """What the Validate button of the notebook toolbar runs (nbgrader's Validator); in
    the Chinese edition too, whose translated check cells carry their own checksums."""
    from nbgrader.validator import Validator

    path = tmp_path / name / f"{name}.ipynb"
    path.parent.mkdir()
    outcomes = {}
    for label, modules, solved in [("stubs", {}, False), ("solved", solved_modules(), True)]:
        nbformat.write(student_notebook(name, solved=solved, language=language), path)
        for key, value in kernel_env(assemble(tmp_path / label, modules)).items():
            monkeypatch.setenv(key, value)
        outcomes[label] = Validator().validate(str(path))
    released = nbformat.read(REPO / notebook_path(name, language), as_version=4)
    # every graded cell: the check cells and the unanswered written answer
    graded = [c.source.strip() for c in released.cells
              if c.metadata.get("nbgrader", {}).get("grade")]
    assert [cell["source"] for cell in outcomes["stubs"]["failed"]] == graded
    assert outcomes["solved"] == {}
