"""The Chinese edition (``notebooks-zh/``), built from the English one and the catalogues.

Each notebook of ``notebooks/`` is copied with every piece of English replaced by
its translation (:mod:`grader.segments`, :mod:`grader.catalogues`); its code,
maths, cell ids and grading metadata are the English notebook's. The folder sits
beside ``notebooks/`` at the same depth, so every relative link (to
``src/descentlab/``, to the next notebook) works unchanged, and it holds
:data:`MARKER`, which tells the package's checks to speak Chinese to notebooks
run there (:mod:`descentlab.i18n`).
"""

import ast

import nbformat
from nbgrader.utils import compute_checksum

from descentlab.course import EDITIONS, EXERCISES, NOTEBOOKS, notebook_path
from descentlab.i18n import MARKER

from . import catalogues, navigation, segments

LANGUAGE = catalogues.LOCALE
FOLDER = EDITIONS[LANGUAGE]


def notebook(name, english_text):
    """The Chinese edition of notebook ``name`` from the English released notebook's text."""
    translated = segments.replace_in_notebook(nbformat.reads(english_text, as_version=4),
                                              catalogues.translate(name))
    for cell in translated.cells:
        role = cell.metadata.get("nbgrader", {})
        if "checksum" in role:
            # A translated check cell is the released one for nbgrader's Validate, which
            # compares a locked cell with its checksum; grading replaces the cell's text
            # by the source notebook's anyway.
            role["checksum"] = compute_checksum(cell)
    translated.metadata["descentlab"] = {"language": LANGUAGE}
    return nbformat.writes(translated) + "\n"


def pages():
    """The Chinese welcome and glossary pages, by file name."""
    translate = catalogues.translate(catalogues.PAGES_DOMAIN)
    out = {}
    for name, text in navigation.english_pages().items():
        text = segments.replace_in_markdown(text, translate)
        out[name] = text.replace(navigation.TO_CHINESE, navigation.TO_ENGLISH)
    return out


#: The heading of the Chinese part of an exercise docstring.
DOCSTRING_HEADING = "中文说明\n--------"


def with_chinese_docstrings(stub, module):
    """The stub of exercise module ``module`` with each docstring followed by its Chinese.

    Both editions share the exercise files (a student of either edits the same
    ``src/descentlab/<module>.py``), so the module's and each exercise function's
    docstring carries the English and, under :data:`DOCSTRING_HEADING`, the Chinese.
    """
    translate = catalogues.translate(catalogues.PACKAGE_DOMAIN)
    tree = ast.parse(stub)
    nodes = [tree] + [node for node in tree.body if isinstance(node, ast.FunctionDef)
                      and node.name in EXERCISES[module]]
    lines = stub.split("\n")
    for node in sorted(nodes, key=lambda n: n.body[0].end_lineno, reverse=True):
        literal = node.body[0]
        english = ast.get_docstring(node)
        chinese = translate(segments.Piece("docstring", english))
        indent = " " * (literal.col_offset if node is not tree else 0)
        raw = lines[literal.lineno - 1].lstrip().lower().startswith(("r", "ur"))
        if not raw:
            chinese = chinese.replace("\\", "\\\\")
        block = f"{DOCSTRING_HEADING}\n{chinese}".split("\n")
        closing = literal.end_lineno - 1  # the line of the closing quotes
        lines[closing:closing] = ["", *[f"{indent}{line}".rstrip() for line in block]]
    return "\n".join(lines)


def files(english_notebooks):
    """Every file of the Chinese edition, by repository-relative path.

    ``english_notebooks`` maps ``notebooks/<name>/<name>.ipynb`` to the released text.
    """
    out = {f"{FOLDER}/{MARKER}": LANGUAGE + "\n"}
    out.update({f"{FOLDER}/{name}": text for name, text in pages().items()})
    for name in NOTEBOOKS:
        english = english_notebooks[str(notebook_path(name))]
        out[str(notebook_path(name, LANGUAGE))] = notebook(name, english)
    return out
