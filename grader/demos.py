"""The course's demo cells: pictures and experiments that grading leaves out.

A source notebook tags such code cells ``demo``; no graded cell depends on them (a
test runs every notebook without them), so a submitted notebook is graded without
the ones the student left as the course wrote them.
"""

import nbformat


def demo_sources(path):
    """Sources of the notebook's cells tagged ``demo``: pictures and experiments that no
    graded cell depends on (a test runs every notebook without them)."""
    return {cell.source for cell in nbformat.read(path, as_version=4).cells
            if "demo" in cell.metadata.get("tags", [])}


def without_demo_cells(notebook, demos):
    """The notebook without the course's demo cells, which grading need not run.

    A cell is left out only if its source is exactly the course's: a demo cell the
    student changed runs, in case later cells use what the change defines.
    """
    kept = [cell for cell in notebook.cells
            if not (cell.cell_type == "code" and cell.source in demos
                    and not cell.metadata.get("nbgrader"))]
    return nbformat.from_dict({**notebook, "cells": kept})
