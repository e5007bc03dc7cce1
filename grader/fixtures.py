"""Students' work made from the course itself, for the tests and the benchmarks.

A solved submission is the released notebooks with their solution cells filled
from the source notebooks, and the solved exercise modules; tests and
benchmarks change one thing in it at a time.
"""

import re
import zipfile

import nbformat

from descentlab.course import NOTEBOOKS, module_path, notebook_path

from . import REPO

SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\n", flags=re.MULTILINE)


def student_notebook(name, solved=True, cells=None, language="en"):
    """The released notebook as a student hands it in.

    With ``solved`` its solution cells (code written in the notebook, written
    answers) hold the source notebook's solutions; ``cells`` replaces the source
    of cells by ``grade_id``; ``language`` is the edition (``"zh_CN"``: the Chinese).
    """
    notebook = nbformat.read(REPO / notebook_path(name, language), as_version=4)
    source = nbformat.read(REPO / "solutions" / name / f"{name}.ipynb", as_version=4)
    answers = {c.metadata.nbgrader["grade_id"]: SOLUTION_MARKER.sub("", c.source)
               for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if solved and grade_id in answers:
            cell.source = answers[grade_id]
        if cells and grade_id in cells:
            cell.source = cells[grade_id]
    return notebook


def write_submission(path, modules, notebooks=NOTEBOOKS, solved=True, cells=None, extra=None,
                     replaced=None, language="en"):
    """Write a ``<student_id>.zip`` as ``make submit`` would, with the given content.

    ``replaced`` maps notebook names to notebooks handed in instead of the built ones;
    ``language`` is the edition the student worked in.
    """
    replaced = replaced or {}
    with zipfile.ZipFile(path, "w") as archive:
        for name in notebooks:
            notebook = replaced.get(name) or student_notebook(name, solved, cells, language)
            archive.writestr(str(notebook_path(name)), nbformat.writes(notebook))
        for module, text in modules.items():
            archive.writestr(str(module_path(module)), text)
        for member, text in (extra or {}).items():
            archive.writestr(member, text)
    return path
