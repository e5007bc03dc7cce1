"""Broken and hostile submissions, graded in one batch beside honest ones.

Each case asserts that student's exact outcome; every case also relies on the
batch completing and on the honest students' grades being exactly what they
would be alone. The corpus is built here, from the repository, with one change
per student; only notebook 01 is handed in, to keep the batch short.

Cases that need the sandbox's isolation (a separate user, no network, hidden
solutions) are skipped where the machine cannot isolate (not root on Linux).
"""

import json
import socket
import subprocess
import threading
import zipfile

import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry

from descentlab.course import EXERCISES
from grader import REPO, sandbox
from grader.collect import MAX_FILE_BYTES
from grader.fixtures import student_notebook, write_submission
from grader.grade import grade_folder
from grader.sandbox import FIRST_UID, UID_COUNT

SOLVED = {m: (REPO / "solutions" / "descentlab" / f"{m}.py").read_text("utf-8") for m in EXERCISES}
ISOLATED = sandbox.detect().isolated
NOTEBOOK = "01_loss"
RIGHT = "return float(np.mean((y_pred - y_true) ** 2))"
LISTENER = socket.socket()
LISTENER.bind(("127.0.0.1", 0))
PORT = LISTENER.getsockname()[1]


def with_mse(body):
    """The solved modules, with the body of `mse` replaced (indented 4 spaces)."""
    assert SOLVED["losses"].count(RIGHT) == 1
    return {**SOLVED, "losses": SOLVED["losses"].replace(
        RIGHT, body.strip().replace("\n", "\n    "))}


def at_import(code):
    """The solved modules, with ``code`` run when the student's losses.py is imported."""
    return {**SOLVED, "losses": SOLVED["losses"].replace(
        "import numpy as np\n", "import numpy as np\n" + code.strip() + "\n", 1)}


def cheats(code):
    """A wrong `mse` (the sum) and ``code`` run at import to make the notebook pass anyway."""
    modules = at_import(code)
    return {**modules, "losses": modules["losses"].replace(
        RIGHT, "return float(np.sum((y_pred - y_true) ** 2))")}


def notebook_with(change):
    """Notebook 01, solved, with ``change(notebook)`` applied to it."""
    notebook = student_notebook(NOTEBOOK)
    change(notebook)
    return notebook


def cell(notebook, grade_id):
    return next(c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def duplicate(notebook):
    index = notebook.cells.index(cell(notebook, "mse_matches_definition"))
    notebook.cells.insert(index, nbformat.from_dict(notebook.cells[index]))


def set_meta(key, value, grade_id="mse_matches_definition"):
    return lambda notebook: cell(notebook, grade_id).metadata.nbgrader.update({key: value})


def to_markdown(notebook):
    index = notebook.cells.index(cell(notebook, "mse_matches_definition"))
    old = notebook.cells[index]
    notebook.cells[index] = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata)


FIND_OUT = ("from pathlib import Path\nimport os\n"
            "_out = next(p for p in Path(os.getcwd()).parents if (p / 'jobs').is_dir())\n")

#: student -> (modules, notebook or None for the solved one, extra zip members,
#: autograded score in notebook 01, a problem the report must mention or None)
CASES = {
    "honest": (SOLVED, None, {}, 6, None),
    "honest_mse_wrong": (with_mse("return float(np.sum((y_pred - y_true) ** 2))"), None, {},
                         4, None),
    # code that runs too long or too big
    "infinite_loop": (with_mse("while True:\n    pass"), None, {}, 4, None),
    "memory_bomb": (with_mse("return float(np.ones(10**10).sum())"), None, {}, 4, None),
    "huge_output": (at_import("print('x' * 10**6)\nprint('y\\n' * 10**5)"), None, {}, 6, None),
    "fills_the_disk": (with_mse("open('big', 'wb').write(b'0' * 2**28)\nreturn " + RIGHT[7:]),
                       None, {}, 4, None),
    "fork_bomb": (with_mse("import os\nwhile True:\n    os.fork()"), None, {}, None, None),
    # code that kills its own kernel
    "exits": (at_import("import os\nos._exit(3)"), None, {}, 0, "01_loss could not be graded"),
    "segfault": (at_import("import ctypes\nctypes.string_at(0)"), None, {}, 0,
                 "01_loss could not be graded"),
    # broken Python
    "syntax_error": ({**SOLVED, "losses": "def mse(:\n"}, None, {}, 0, None),
    "returns_nan": (with_mse("return float('nan')"), None, {}, 4, None),
    # cheating inside the kernel changes only the kernel's verdict: the trusted one counts
    "patches_checks": (cheats("import descentlab.checks as _c\n_c.check_mse = lambda f: None\n"
                              "np.isclose = lambda *a, **k: True"), None, {}, 4,
                       "FLAGGED for review: 01_loss mse_matches_definition"),
    "patches_numpy_testing": (cheats(
        "np.testing.assert_allclose = np.testing.assert_array_equal = lambda *a, **k: None\n"
        "np.allclose = lambda *a, **k: True"), None, {}, 4, None),
    # an IPython input transformer that turns every later check cell into `pass`
    "rewrites_test_cells": (cheats(
        "import IPython\n_ip = IPython.get_ipython()\nif _ip:\n"
        "    _ip.input_transformers_post.append(\n"
        "        lambda lines: ['pass\\n'] if any('check_' in l for l in lines) else lines)"),
        None, {}, 4, "FLAGGED for review: 01_loss mse_matches_definition"),
    "hides_tracebacks": (cheats("import IPython\n_ip = IPython.get_ipython()\nif _ip:\n"
                                "    _ip.set_custom_exc((BaseException,), lambda *a, **k: None)"),
                         None, {}, 4, None),
    # a function that prints, and raises with, the source of every frame above it
    "quotes_hidden_tests": (with_mse(
        "import inspect\n_text = ''\nfor _f in inspect.stack():\n    try:\n"
        "        _text += ''.join(inspect.getsourcelines(_f.frame)[0])\n"
        "    except (OSError, TypeError):\n        pass\nprint('✔ ' + _text)\n"
        "raise TypeError(_text)"), None, {}, 4, None),
    # right in the kernel, broken only when graded outside it: the evaluation fails closed
    "detects_the_grader": (at_import("import sys\nif 'IPython' not in sys.modules:\n"
                                     "    import os\n    os._exit(0)"), None, {}, 0,
                           "FLAGGED for review: 01_loss mse_matches_definition"),
    "always_equal": (with_mse("class Any:\n    def __eq__(self, other):\n        return True\n"
                              "return Any()"), None, {}, 4, None),
    # files beyond the graded ones are never used
    "ships_numpy": (SOLVED, None, {"notebooks/01_loss/numpy.py": "raise SystemExit",
                                   "src/descentlab/numpy.py": "raise SystemExit",
                                   "conftest.py": "raise SystemExit"}, 6, None),
    "zip_slip": (SOLVED, None, {"../../escape.py": "x", "/tmp/evil.py": "x"}, 6, None),
    # tampered notebooks: nbgrader restores or refuses, for this student only
    "cell_duplicated": (SOLVED, notebook_with(duplicate), {}, 0,
                        "01_loss could not be graded"),
    "points_changed": (SOLVED, notebook_with(set_meta("points", 100)), {}, 6, None),
    "schema_forged": (SOLVED, notebook_with(set_meta("schema_version", 99)), {}, 0,
                      "01_loss could not be graded"),
    "cell_to_markdown": (SOLVED, notebook_with(to_markdown), {}, 6, None),
}
NOTEBOOK_PATH = f"notebooks/{NOTEBOOK}/{NOTEBOOK}.ipynb"
V3 = json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                 "worksheets": [{"cells": [{"cell_type": "code", "input": "1",
                                            "language": "python", "outputs": []}]}]})


def delete_cell(notebook):
    notebook.cells.remove(cell(notebook, "mse_matches_definition"))


#: Broken hand-ins: what the zip holds beyond (or instead of) the graded files.
CASES.update({
    "empty_zip": ({}, None, {}, 0, f"{NOTEBOOK_PATH} is missing"),
    "invalid_json": (SOLVED, None, {NOTEBOOK_PATH: "{not json"}, 0, "is not a readable notebook"),
    "nbformat_3": (SOLVED, None, {NOTEBOOK_PATH: V3}, 0, "an old (nbformat 3) notebook"),
    "renamed_notebook": (SOLVED, None, {f"notebooks/{NOTEBOOK}/mine.ipynb": "{}"}, 0,
                         f"{NOTEBOOK_PATH} is missing"),
    "missing_module": ({m: t for m, t in SOLVED.items() if m != "losses"}, None, {}, 0,
                       "src/descentlab/losses.py is missing"),
    # a deleted test cell loses its points; an unknown grade id stops this notebook only
    "cell_deleted": (SOLVED, notebook_with(delete_cell), {}, 4, None),
    "grade_id_renamed": (SOLVED, notebook_with(set_meta("grade_id", "mine")), {}, 0,
                         "01_loss could not be graded"),
    "mutates_inputs": (with_mse("y_pred -= y_true\nreturn float(np.mean(y_pred ** 2))"), None, {},
                       4, None),
    "returns_inf": (with_mse("return float('inf')"), None, {}, 4, None),
    "returns_array": (with_mse("return (y_pred - y_true) ** 2"), None, {}, 4, None),
})
#: A notebook member of a few kB that inflates past the size allowed.
BOMB = "zip_bomb"
CASES.update({
    BOMB: (SOLVED, None, {}, 0, "(a zip bomb?); not graded"),
    # many members beside the graded ones cost nothing and change nothing
    "too_many_files": (SOLVED, None, {f"junk/{i}.txt": "" for i in range(20_000)}, 6, None),
})
NO_NOTEBOOK = {"empty_zip", "invalid_json", "nbformat_3", "renamed_notebook", BOMB}

NEEDS_ISOLATION = {
    "reads_solutions": (with_mse(
        "import glob\nsource = open(glob.glob('/**/solutions/descentlab/losses.py', "
        "recursive=True)[0]).read()\nreturn 0.0"), None, {}, 4, None),
    "writes_gradebooks": (at_import(
        FIND_OUT + "for _db in list(_out.rglob('gradebook.db')) + [_out / 'nbgrader' / "
        "'gradebook.db']:\n    try:\n        _db.write_bytes(b'')\n    except OSError:\n"
        "        pass\nfor _other in (_out / 'jobs').glob('*/course'):\n    try:\n"
        "        (_other / 'x').write_text('x')\n    except OSError:\n        pass"),
        None, {}, 6, None),
    "network": (at_import(f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', "
                          f"{PORT}), timeout=2).sendall(b'leak')\nexcept OSError:\n    pass"),
                None, {}, 6, None),
    "leaves_a_process": (at_import("import subprocess\nsubprocess.Popen(['sleep', '4242'])"),
                         None, {}, 6, None),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    cases = {**CASES, **(NEEDS_ISOLATION if ISOLATED else {})}
    for student, (modules, notebook, extra, _, _) in cases.items():
        write_submission(folder / f"{student}.zip", modules, extra=extra,
                         notebooks=[] if student in NO_NOTEBOOK else [NOTEBOOK],
                         replaced={NOTEBOOK: notebook} if notebook is not None else None)
    with zipfile.ZipFile(folder / f"{BOMB}.zip", "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NOTEBOOK_PATH, " " * (MAX_FILE_BYTES + 1))
    assert (folder / f"{BOMB}.zip").stat().st_size < MAX_FILE_BYTES / 100
    (folder / "corrupt.zip").write_bytes(b"PK\x03\x04 broken")
    connections = []
    LISTENER.listen()
    LISTENER.settimeout(0.5)

    def listen():
        for _ in range(240):
            try:
                connections.append(LISTENER.accept())
            except OSError:
                pass

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    out = tmp_path_factory.mktemp("out")
    report = grade_folder(folder, out, allow_unsafe=not ISOLATED, cell_timeout=5,
                          job_timeout=120, progress=False).problems
    scores = {}
    with Gradebook(f"sqlite:///{out / 'nbgrader' / 'gradebook.db'}") as gradebook:
        for student in [*cases, "corrupt"]:
            try:
                scores[student] = gradebook.find_submission(NOTEBOOK, student).score
            except MissingEntry:  # nothing of theirs could be graded
                scores[student] = 0.0
    return cases, report, scores, connections, out


def test_the_batch_completes_and_every_case_is_reported(graded):
    cases, report, scores, _, _ = graded
    assert set(report) == set(cases) | {"corrupt"}


@pytest.mark.parametrize("student", [*CASES, *NEEDS_ISOLATION])
def test_each_case_gets_its_exact_outcome(graded, student):
    cases, report, scores, _, _ = graded
    if student not in cases:
        pytest.skip("needs the sandbox's isolation: grade as root on Linux")
    _, _, _, score, problem = cases[student]
    if score is not None:
        assert scores[student] == score, report[student]
    else:  # the fork bomb: contained, and its own functions other than mse still score
        assert scores[student] <= 4
    if problem:
        assert any(problem in p for p in report[student]), report[student]


def test_honest_students_are_unaffected(graded):
    _, report, scores, _, _ = graded
    assert scores["honest"] == 6 and scores["honest_mse_wrong"] == 4
    # only notebook 01 was handed in: the others are reported missing, nothing else
    assert all(p.startswith("notebooks/") and p.endswith("is missing: it scores 0")
               for p in report["honest"])


def test_a_corrupt_zip_is_reported_and_scores_zero(graded):
    _, report, scores, _, _ = graded
    assert scores["corrupt"] == 0 and any("cannot be read" in p for p in report["corrupt"])


@pytest.mark.skipif(not ISOLATED, reason="needs the sandbox's isolation")
def test_no_connection_left_the_sandbox_and_no_process_was_left_behind(graded):
    _, _, _, connections, _ = graded
    assert connections == []
    running = subprocess.run(["pgrep", "-f", "sleep 4242"], capture_output=True, text=True)
    assert running.stdout.strip() == ""
    table = subprocess.run(["ps", "-eo", "uid=,stat="], capture_output=True, text=True).stdout
    alive = [int(uid) for uid, state in (line.split() for line in table.splitlines())
             if not state.startswith("Z")]  # zombies are dead, only not yet reaped
    assert [uid for uid in alive if FIRST_UID <= uid < FIRST_UID + UID_COUNT] == []


@pytest.mark.skipif(not ISOLATED, reason="needs the sandbox's isolation")
def test_the_gradebooks_and_other_students_files_were_not_touched(graded):
    _, _, _, _, out = graded
    assert (out / "nbgrader" / "gradebook.db").stat().st_size > 0
    written = [path.parent.parent.name for path in (out / "jobs").glob("*/course/x")]
    assert written == ["writes_gradebooks"]  # its own folder only
    assert all(db.stat().st_size > 0 for db in (out / "jobs" / ".private").rglob("gradebook.db"))


def test_huge_output_is_cut_short_in_the_feedback(graded):
    _, _, _, _, out = graded
    page = out / "feedback" / "huge_output" / NOTEBOOK / f"{NOTEBOOK}.html"
    assert page.stat().st_size < 2_000_000  # nbgrader's LimitOutput kept the notebook small


@pytest.mark.parametrize("student", ["honest_mse_wrong", "quotes_hidden_tests"])
def test_feedback_never_shows_hidden_tests(graded, student):
    _, _, _, _, out = graded
    page = (out / "feedback" / student / NOTEBOOK / f"{NOTEBOOK}.html").read_text()
    assert "default_rng(101)" not in page
    assert "HIDDEN TESTS" not in page
    notebook = json.loads((out / "nbgrader" / "autograded" / student / NOTEBOOK /
                           f"{NOTEBOOK}.ipynb").read_text())
    assert "default_rng(101)" not in json.dumps(notebook)
