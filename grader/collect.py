"""Read students' zips and take from them only the files that are graded.

A submission is a zip as written by ``make submit`` (whose it is, is decided by
:mod:`grader.intake` from its file name). Only the paths listed in
:mod:`descentlab.course` are read, by name, so nothing in a zip is ever
extracted to a path it chose (no zip-slip), and nothing else of the student's
(checks, helpers, test data) reaches the grader. A zip whose files sit
under one extra folder (as some LMS downloads do) is accepted too.
"""

import html
import json
import re
import zipfile
from dataclasses import dataclass, field

import nbformat
from nbconvert.preprocessors.sanitize import SanitizeHTML

from descentlab.course import EXERCISES, NOTEBOOKS, module_path, notebook_path

#: Largest graded file taken from a zip; the real ones are far smaller.
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class Submission:
    """What one student handed in, as far as grading is concerned.

    Attributes
    ----------
    student_id : str
        Whose it is (:mod:`grader.intake` reads it from the file name).
    notebooks : dict of str to nbformat.NotebookNode
        Notebook name (``'01_loss'``) to the student's notebook.
    modules : dict of str to str
        Exercise module name (``'losses'``) to its Python source.
    problems : list of str
        What was wrong or missing, in words for the instructor's report.
    """

    student_id: str
    notebooks: dict = field(default_factory=dict)
    modules: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)


def read_submission(path, student_id):
    """Read one student's zip into a :class:`Submission`; never raises for bad content."""
    submission = Submission(student_id)
    try:
        with zipfile.ZipFile(path) as archive:
            members = _graded_members(archive, submission.problems)
            for name in NOTEBOOKS:
                data = _read(archive, members, notebook_path(name), submission.problems)
                notebook = _parse_notebook(data, notebook_path(name), submission.problems)
                if notebook is not None:
                    submission.notebooks[name] = notebook
            for module in EXERCISES:
                data = _read(archive, members, module_path(module), submission.problems)
                if data is not None:
                    _take_module(submission, module, data)
    except (zipfile.BadZipFile, OSError) as error:
        submission.problems.append(f"the zip cannot be read ({error}); nothing was graded")
    return submission


def _graded_members(archive, problems):
    """Map each graded repository path to the zip member that holds it."""
    wanted = [*map(notebook_path, NOTEBOOKS), *map(module_path, EXERCISES)]
    members = {}
    for info in archive.infolist():
        if info.is_dir() or info.filename.startswith("__MACOSX/"):
            continue
        for path in wanted:
            if info.filename == str(path) or info.filename.endswith(f"/{path}"):
                if path in members:
                    problems.append(f"{path} appears twice in the zip; neither was graded")
                    members[path] = None
                else:
                    members[path] = info
    return members


def _read(archive, members, path, problems):
    """Bytes of the member holding ``path``, or None (with the reason in ``problems``)."""
    if path not in members:
        what = "it scores 0" if path.suffix == ".ipynb" else "graded as not written"
        problems.append(f"{path} is missing: {what}")
        return None
    info = members[path]
    if info is None:
        return None
    with archive.open(info) as member:  # reads at most one byte past the limit
        data = member.read(MAX_FILE_BYTES + 1)
    if info.file_size > MAX_FILE_BYTES or len(data) > MAX_FILE_BYTES:
        problems.append(f"{info.filename} is over the {MAX_FILE_BYTES} bytes allowed (a zip "
                        "bomb?); not graded")
        return None
    return data


def _parse_notebook(data, path, problems):
    if data is None:
        return None
    try:
        version = json.loads(data.decode("utf-8")).get("nbformat")
        if version != 4:
            problems.append(f"{path} is an old (nbformat {version}) notebook, not the one "
                            "handed out; it scores 0. Hand in the course's notebook.")
            return None
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError, nbformat.reader.NotJSONError,
            nbformat.ValidationError, ValueError, AttributeError) as error:
        problems.append(f"{path} is not a readable notebook ({type(error).__name__}); it "
                        "scores 0. Open it in JupyterLab to repair it.")
        return None
    # Written answers and outputs are shown to TAs (formgrader) and in feedback:
    # HTML in them is made harmless once, here, with nbconvert's sanitiser, and
    # links that would run script when clicked are shown as plain text.
    notebook, _ = SanitizeHTML().preprocess(notebook, {})
    for cell in notebook.cells:
        if cell.cell_type in ("markdown", "raw"):
            cell.source = defuse_links(cell.source)
    return notebook


#: URL schemes that run code or load content when a link or image is followed.
UNSAFE_SCHEME = re.compile(r"(?:java|vb|live)script:|data:\w+/|file:", re.IGNORECASE)


def defuse_links(markdown):
    """``markdown`` unchanged, or, if it holds a link to an unsafe scheme, as literal text.

    Markdown link targets may spell the scheme with entities, escapes or spaces
    (``javascript&#58;``), which the renderer undoes: they are undone here too
    before looking. A cell with such a link is shown verbatim in a fenced block,
    so the TA still reads every character of it.
    """
    seen = re.sub(r"[\x00-\x20\\]", "", html.unescape(html.unescape(markdown)))
    if not UNSAFE_SCHEME.search(seen):
        return markdown
    fence = "~" * max(3, 1 + max((len(run) for run in re.findall("~+", markdown)), default=0))
    return f"{fence}text\n{markdown}\n{fence}"


def _take_module(submission, module, data):
    try:
        submission.modules[module] = data.decode("utf-8")
    except UnicodeDecodeError:
        submission.problems.append(f"{module_path(module)} is not UTF-8 text; graded as "
                                   "not written")
