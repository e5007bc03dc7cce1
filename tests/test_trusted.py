"""How the trusted side reads a graded cell: its visible part and its hidden tests are
split exactly as nbgrader's ``ClearHiddenTests`` splits them for the student."""

import ast

import nbformat
import pytest
from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.utils import is_grade, is_solution

from descentlab.course import EXERCISES, NOTEBOOKS
from grader import SOLUTIONS, trusted
from grader.trusted import split_hidden

CELL = ("check(f)\n"
        "### BEGIN HIDDEN TESTS\n"
        "assert f(2) == 4\n"
        "### END HIDDEN TESTS\n"
        "print('after')\n")


def test_the_hidden_part_is_what_nbgrader_clears_for_the_student():
    visible, hidden = split_hidden(CELL)
    assert (visible, hidden) == ("check(f)\nprint('after')\n", "assert f(2) == 4\n")
    cell = nbformat.v4.new_code_cell(CELL, metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "t", "points": 1, "schema_version": 3}})
    cleared, _ = ClearHiddenTests().preprocess_cell(cell, {}, 0)
    assert cleared.source.split() == visible.split()  # what the student sees


def test_a_cell_without_hidden_tests_is_all_visible():
    assert split_hidden("check(f)\n") == ("check(f)\n", "")


def _defined(code):
    """Names a cell's top-level statements define."""
    names = set()
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        for target in getattr(node, "targets", []):
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_graded_cells_see_provided_modules_the_context_and_the_students_cells_only(name):
    """A name a graded cell uses comes from the provided modules, the exercise modules,
    the notebook's context cells (run by the trusted side itself) or the student's own
    solution cells. A variable of any other cell would be taken from the student's
    notebook, which the student controls: tag its cell ``context`` instead."""
    source = nbformat.read(SOLUTIONS / name / f"{name}.ipynb", as_version=4)
    student = set().union(*[_defined(cell.source) for cell in source.cells
                            if cell.cell_type == "code" and is_solution(cell)])
    context = trusted.context(name)
    allowed = set(trusted.PROVIDED) | set(EXERCISES) | set(context) | student
    for cell in source.cells:
        if cell.cell_type == "code" and is_grade(cell):
            assert trusted.free_names(cell.source) <= allowed, cell.metadata.nbgrader["grade_id"]
    for cell in source.cells:  # context cells only assign: the trusted side runs them
        if trusted.CONTEXT_TAG in cell.metadata.get("tags", []):
            assert all(isinstance(node, ast.Assign) for node in ast.parse(cell.source).body)
    assert set(context) == set().union(*[_defined(cell.source) for cell in source.cells
                                         if trusted.CONTEXT_TAG in cell.metadata.get("tags", [])])


def test_the_context_is_made_anew_for_each_cell():
    first, second = trusted.context("01_loss")["data"], trusted.context("01_loss")["data"]
    assert first is not second and (first.X == second.X).all()
