"""How the trusted side reads a graded cell: its visible part and its hidden tests are
split exactly as nbgrader's ``ClearHiddenTests`` splits them for the student."""

import nbformat
from nbgrader.preprocessors import ClearHiddenTests

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
