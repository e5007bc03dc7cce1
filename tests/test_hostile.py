"""Broken and hostile submissions, graded in one batch beside honest ones.

Each case asserts that student's exact outcome; every case also relies on the
batch completing and on the honest students' grades being exactly what they
would be alone. The corpus is built here, from the repository, with one change
per student; only notebook 01 is handed in, to keep the batch short.

Cases that need the sandbox (bubblewrap's whitelist, no network) are skipped
where the machine cannot make one (no ``bwrap``); CI installs it.
"""

import contextlib
import hashlib
import io
import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import types
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry

from descentlab.course import EXERCISES, NOTEBOOKS
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
    "exits": (at_import("import os\nos._exit(3)"), None, {}, 0,
              "the student's code ended the evaluation (exit status 3)"),
    "segfault": (at_import("import ctypes\nctypes.string_at(0)"), None, {}, 0,
                 "the student's code ended the evaluation"),
    # broken Python
    "syntax_error": ({**SOLVED, "losses": "def mse(:\n"}, None, {}, 0, None),
    "returns_nan": (with_mse("return float('nan')"), None, {}, 4, None),
    # patching what the student's own process holds changes nothing: the checks run
    # in the grader, on what the student's functions return
    "patches_checks": (cheats("import descentlab.checks as _c\n_c.check_mse = lambda f: None\n"
                              "np.isclose = lambda *a, **k: True"), None, {}, 4, None),
    "patches_numpy_testing": (cheats(
        "np.testing.assert_allclose = np.testing.assert_array_equal = lambda *a, **k: None\n"
        "np.allclose = lambda *a, **k: True"), None, {}, 4, None),
    # an IPython input transformer that turns every later check cell into `pass`
    "rewrites_test_cells": (cheats(
        "import IPython\n_ip = IPython.get_ipython()\nif _ip:\n"
        "    _ip.input_transformers_post.append(\n"
        "        lambda lines: ['pass\\n'] if any('check_' in l for l in lines) else lines)"),
        None, {}, 4, None),
    "hides_tracebacks": (cheats("import IPython\n_ip = IPython.get_ipython()\nif _ip:\n"
                                "    _ip.set_custom_exc((BaseException,), lambda *a, **k: None)"),
                         None, {}, 4, None),
    # a function that prints, and raises with, the source of every frame above it
    "quotes_hidden_tests": (with_mse(
        "import inspect\n_text = ''\nfor _f in inspect.stack():\n    try:\n"
        "        _text += ''.join(inspect.getsourcelines(_f.frame)[0])\n"
        "    except (OSError, TypeError):\n        pass\nprint('✔ ' + _text)\n"
        "raise TypeError(_text)"), None, {}, 4, None),
    # code that behaves only in a notebook kernel is graded on what it does when called
    "detects_the_grader": (at_import("import sys\nif 'IPython' not in sys.modules:\n"
                                     "    import os\n    os._exit(0)"), None, {}, 0,
                           "the student's code ended the evaluation (exit status 0)"),
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

#: A file a hostile submission tries to leave in every folder it can reach.
PLANTED = "planted-by-a-student"
#: Module code that searches the machine as far as it can see: plants a file in every
#: folder, links to the course's masters, empties every gradebook and class file it
#: finds, and keeps the first solved `losses.py` (another checkout, a classmate's) and
#: every class file's text.
SEARCH = f"""
import os as _os
_found, _text = [], []
for _root, _dirs, _files in _os.walk('/'):
    _dirs[:] = [d for d in _dirs if not (_root == '/' and d in ('proc', 'sys', 'dev'))]
    if _root.count('/') > 9:
        _dirs[:] = []
    for _name in ('{PLANTED}', 'link-{PLANTED}'):
        try:
            if _name.startswith('link'):
                _os.symlink({str(REPO / 'solutions')!r}, _os.path.join(_root, _name))
            else:
                open(_os.path.join(_root, _name), 'w').write('x')
        except OSError:
            pass
    for _f in _files:
        _path = _os.path.join(_root, _f)
        if _path.endswith('descentlab/losses.py') and not _path.startswith('/job/'):
            _found.append(_path)
        _class_file = _f in ('gradebook.db', 'grades.csv', 'batch.json') or any(
            part in _path for part in ('/records/', '/feedback/', '/autograded/'))
        if _class_file and not _path.startswith('/job/') and 'site-packages' not in _path:
            try:
                _text.append(open(_path, errors='replace').read()[:2000])
                open(_path, 'wb').close()
            except OSError:
                pass
for _path in _found:  # keep the first that works (a stub does not)
    _ns = {{}}
    try:
        exec(open(_path).read(), _ns)
        if _ns['mse']([1.0, 2.0], [1.0, 3.0]) == 0.5:
            mse = _ns['mse']
            break
    except Exception:
        pass
"""


def appended(modules, code):
    """``modules`` with ``code`` run at the end of the student's losses.py."""
    return {**modules, "losses": modules["losses"] + "\n" + code.strip() + "\n"}


WRONG = cheats("")
SHOW_CLASS_FILES = ("\ndef mse(y_true, y_pred):\n    return '|'.join(_text) or 'nothing'\n")
XSS = ("<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"
       "[click](javascript:window.pwned=3) <iframe src=\"javascript:window.pwned=4\"></iframe>")


def xss_answer(notebook):
    cell(notebook, "why_mean_not_sum").source = XSS


#: Cases that need the sandbox (bubblewrap) to hold; each must score like the honest
#: wrong submission (4) or the honest right one (6), whatever it tries.
NEEDS_ISOLATION = {
    # a whitelist: no checkout, home, job folder, gradebook or class file is in sight,
    # so a search of the machine finds nothing to copy, plant or empty
    "searches_the_machine": (appended(WRONG, SEARCH), None, {}, 4, None),
    "network": (at_import(f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', "
                          f"{PORT}), timeout=2).sendall(b'leak')\nexcept OSError:\n    pass"),
                None, {}, 6, None),
    "leaves_a_process": (at_import("import subprocess\nsubprocess.Popen(['sleep', '4242'])"),
                         None, {}, 6, None),
    # memory file systems of a fixed size, gone with the sandbox
    "fills_shared_memory": (at_import(
        f"try:\n    with open('/dev/shm/{PLANTED}', 'wb') as _f:\n        for _ in range(400):\n"
        "            _f.write(b'0' * 2**20)\nexcept OSError:\n    pass"), None, {}, 6, None),
    # what the student's code prints never reaches the feedback
    "prints_its_callers": (at_import(
        "import base64, inspect\n_print = print\ndef _leak(*args):\n    _text = ''\n"
        "    for _f in inspect.stack():\n        try:\n"
        "            _text += ''.join(inspect.getsourcelines(_f.frame)[0])\n"
        "        except (OSError, TypeError):\n            pass\n"
        "    _print('✔ MARKER-SEVEN ' + base64.b64encode(_text.encode()).decode())\n"
        "import atexit\natexit.register(_leak)\n_leak()"), None, {}, 6, None),
    # warnings and stderr decide nothing
    "warns": (with_mse("import sys, warnings\nwarnings.warn('careful')\n"
                       "sys.stderr.write('noise\\n')\nnp.log(np.zeros(1))\n" + RIGHT), None, {},
              6, None),
    # the checks' data answer only the visible cases; the hidden tests use others
    "copies_expected_answers": (with_mse(
        "import json, pathlib\nfrom descentlab import checks\n"
        "_data = json.loads((pathlib.Path(checks.__file__).parent / 'expected.json')"
        ".read_text())\nfor _case in _data['dict']['mse']:\n"
        "    _args = _case.get('args')\n    try:\n"
        "        if _case['expect'] == 'number' and np.allclose(checks.decode_expected(_args[0]), "
        "y_true) and np.allclose(checks.decode_expected(_args[1]), y_pred):\n"
        "            return _case['right']\n    except Exception:\n        pass\n"
        "return float(np.sum((np.asarray(y_pred) - np.asarray(y_true)) ** 2))"),
        None, {}, 4, None),
    # HTML in a written answer is made harmless in the feedback and for the formgrader
    "script_in_an_answer": (SOLVED, notebook_with(xss_answer), {}, 6, None),
}
#: Graded cells decided from the student's notebook (a `train`, an `lr`): blank, with
#: every trick of the kernel era, they score nothing.
OTHER_NOTEBOOKS = {
    "blank_with_tricks": (at_import(
        "import IPython\n_ip = IPython.get_ipython()\nif _ip:\n"
        "    _ip.input_transformers_post.append(lambda lines: ['pass\\n'])\n"
        "import descentlab.checks as _c\n_c.check_training = _c.check_lr_choice = "
        "lambda *a, **k: print('✔')"),
        {"02_gradient_descent": {"train_loop": "def train(w0, X, y, lr, steps):\n"
                                               "    X[...] = 0\n    return 'garbage', []"},
         "03_learning_rate": {"chosen_lr": "class _Any(float):\n"
                                           "    __eq__ = __lt__ = __gt__ = lambda s, o: True\n"
                                           "lr = _Any(10.0)"}},
        {"02_gradient_descent": 2, "03_learning_rate": 4}),
}
#: A file name (chosen by the student in some LMS downloads) that would clear the
#: instructor's terminal and ring its bell.
ESCAPED = "esc\x1b[2J\x1b[H\x07.zip"
#: A student added in a second run on the same OUT, who tries to read what the first
#: run wrote (grades, feedback, records) and return it as its answer.
SECOND_RUN = "second_run_snoop"


def decoys(root):
    """Other checkouts of the course, world-readable, where a search would look."""
    made = []
    for top in [root, Path("/home") / "decoy-course-checkout"]:
        target = top / "solutions" / "descentlab" / "losses.py"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(SOLVED["losses"])
        except OSError:
            continue
        for path in [top, *top.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        made.append(top)
    return made


def tree_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    cases = {**CASES, **(NEEDS_ISOLATION if ISOLATED else {})}
    for student, (modules, notebook, extra, _, _) in cases.items():
        write_submission(folder / f"{student}.zip", modules, extra=extra,
                         notebooks=[] if student in NO_NOTEBOOK else [NOTEBOOK],
                         replaced={NOTEBOOK: notebook} if notebook is not None else None)
    for student, (modules, cells, _) in OTHER_NOTEBOOKS.items():
        write_submission(folder / f"{student}.zip", modules, notebooks=list(cells),
                         replaced={n: student_notebook(n, False, c) for n, c in cells.items()})
    with zipfile.ZipFile(folder / f"{BOMB}.zip", "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NOTEBOOK_PATH, " " * (MAX_FILE_BYTES + 1))
    assert (folder / f"{BOMB}.zip").stat().st_size < MAX_FILE_BYTES / 100
    (folder / "corrupt.zip").write_bytes(b"PK\x03\x04 broken")
    (folder / ESCAPED).write_bytes(b"")
    # Any connection the network student makes is counted, however late: the listener
    # accepts until the batches are over, then drains what waits in its backlog.
    connections, graded_all = [], threading.Event()
    LISTENER.listen()
    LISTENER.settimeout(0.5)

    def listen():
        while not graded_all.is_set():
            try:
                connections.append(LISTENER.accept())
            except OSError:
                pass

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    out = tmp_path_factory.mktemp("out")
    made = decoys(Path(tempfile.gettempdir()) / f"decoy-checkout-{os.getpid()}")
    masters = tree_digest(REPO / "solutions")
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            report = grade_folder(folder, out, allow_unsafe=not ISOLATED, cell_timeout=5,
                                  job_timeout=120, progress=False).problems
            # a second run on the same OUT adds a student who looks for the first run's files
            # The search plants files and empties class files wherever it can write:
            # never outside the sandbox (on a machine without bubblewrap the student
            # only answers what it saw, nothing).
            snoop = SEARCH if ISOLATED else "_text = []"
            write_submission(folder / f"{SECOND_RUN}.zip",
                             appended(WRONG, snoop + SHOW_CLASS_FILES), notebooks=[NOTEBOOK])
            second = grade_folder(folder, out, allow_unsafe=not ISOLATED, cell_timeout=5,
                                  job_timeout=120, progress=False)
    finally:
        for top in made:
            shutil.rmtree(top)
        graded_all.set()
        listener.join()
        LISTENER.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            while True:
                connections.append(LISTENER.accept())
    scores = {}
    with Gradebook(f"sqlite:///{out / 'nbgrader' / 'gradebook.db'}") as gradebook:
        for student in [*cases, *OTHER_NOTEBOOKS, "corrupt", SECOND_RUN]:
            scores[student] = {}
            for name in NOTEBOOKS:
                try:
                    scores[student][name] = gradebook.find_submission(name, student).score
                except MissingEntry:  # nothing of theirs could be graded
                    scores[student][name] = 0.0
    return types.SimpleNamespace(
        cases=cases, report=report, scores=scores, connections=connections, out=out,
        printed=printed.getvalue(), masters=masters, second=second)


def feedback(out, student, name=NOTEBOOK):
    return (out / "feedback" / student / name / f"{name}.html").read_text()


def test_the_batch_completes_and_every_case_is_reported(graded):
    assert set(graded.report) == (set(graded.cases) | set(OTHER_NOTEBOOKS)
                                  | {"corrupt", ESCAPED})
    assert graded.second.graded == [SECOND_RUN]  # everyone else was kept


@pytest.mark.parametrize("student", [*CASES, *NEEDS_ISOLATION])
def test_each_case_gets_its_exact_outcome(graded, student):
    if student not in graded.cases:
        pytest.skip("needs the sandbox: install Debian's bubblewrap")
    _, _, _, score, problem = graded.cases[student]
    report, got = graded.report[student], graded.scores[student][NOTEBOOK]
    if score is not None:
        assert got == score, report
    else:  # the fork bomb: contained, and its own functions other than mse still score
        assert got <= 4
    if problem:
        assert any(problem in p for p in report), report


@pytest.mark.parametrize("student", OTHER_NOTEBOOKS)
def test_cells_decided_from_the_notebook_score_only_what_is_right(graded, student):
    for name, score in OTHER_NOTEBOOKS[student][2].items():
        assert graded.scores[student][name] == score, graded.report[student]


def test_honest_students_are_unaffected(graded):
    assert graded.scores["honest"][NOTEBOOK] == 6
    assert graded.scores["honest_mse_wrong"][NOTEBOOK] == 4
    # only notebook 01 was handed in: the others are reported missing, nothing else
    assert all(p.startswith("notebooks/") and p.endswith("is missing: it scores 0")
               for p in graded.report["honest"])


def test_a_corrupt_zip_is_reported_and_scores_zero(graded):
    assert graded.scores["corrupt"][NOTEBOOK] == 0
    assert any("cannot be read" in p for p in graded.report["corrupt"])


def test_a_file_name_cannot_write_to_the_instructors_terminal(graded):
    assert ESCAPED.replace("\x1b", "").replace("\x07", "") in graded.printed
    assert "\x1b" not in graded.printed and "\x07" not in graded.printed


@pytest.mark.skipif(not ISOLATED, reason="needs the sandbox")
def test_no_connection_left_the_sandbox_and_no_process_was_left_behind(graded):
    assert graded.connections == []
    running = subprocess.run(["pgrep", "-f", "sleep 4242"], capture_output=True, text=True)
    assert running.stdout.strip() == ""
    table = subprocess.run(["ps", "-eo", "uid=,stat="], capture_output=True, text=True).stdout
    alive = [int(uid) for uid, state in (line.split() for line in table.splitlines())
             if not state.startswith("Z")]  # zombies are dead, only not yet reaped
    assert [uid for uid in alive if FIRST_UID <= uid < FIRST_UID + UID_COUNT] == []


@pytest.mark.skipif(not ISOLATED, reason="needs the sandbox")
def test_nothing_was_written_outside_the_sandbox(graded):
    """No file planted or link made anywhere the grader or another student could see,
    the course's masters byte-identical, every gradebook and class file intact."""
    assert tree_digest(REPO / "solutions") == graded.masters
    roots = [REPO, graded.out, Path(tempfile.gettempdir()), Path("/dev/shm"), Path("/home")]
    for root in roots:
        planted = [p for p in root.rglob(f"*{PLANTED}*") if ".venv" not in p.parts]
        assert planted == [], planted
    assert (graded.out / "nbgrader" / "gradebook.db").stat().st_size > 0
    assert (graded.out / "grades.csv").stat().st_size > 0
    assert stat.S_IMODE(graded.out.stat().st_mode) == 0o700  # the instructor's alone


@pytest.mark.skipif(not ISOLATED, reason="needs the sandbox")
def test_a_later_student_sees_nothing_of_the_class(graded):
    assert graded.scores[SECOND_RUN][NOTEBOOK] == 4
    page = feedback(graded.out, SECOND_RUN)
    assert "returned &#39;nothing&#39;" in page or "returned 'nothing'" in page
    for classmate in ("honest_mse_wrong", "script_in_an_answer", "late_policy"):
        assert classmate not in page


def test_huge_output_is_cut_short_in_the_feedback(graded):
    page = graded.out / "feedback" / "huge_output" / NOTEBOOK / f"{NOTEBOOK}.html"
    assert page.stat().st_size < 2_000_000


@pytest.mark.parametrize("student", ["honest_mse_wrong", "quotes_hidden_tests",
                                     "prints_its_callers"])
def test_feedback_never_shows_hidden_tests_or_what_the_student_printed(graded, student):
    if student not in graded.cases:
        pytest.skip("needs the sandbox")
    page = feedback(graded.out, student)
    assert "default_rng(101)" not in page and "HIDDEN TESTS" not in page
    assert "MARKER-SEVEN" not in page
    notebook = (graded.out / "nbgrader" / "autograded" / student / NOTEBOOK /
                f"{NOTEBOOK}.ipynb").read_text()
    assert "default_rng(101)" not in notebook and "MARKER-SEVEN" not in notebook


@pytest.mark.skipif(not ISOLATED, reason="needs the sandbox")
def test_html_in_a_written_answer_is_made_harmless(graded):
    student = "script_in_an_answer"
    autograded = (graded.out / "nbgrader" / "autograded" / student / NOTEBOOK /
                  f"{NOTEBOOK}.ipynb").read_text()
    for text in (feedback(graded.out, student), autograded):
        assert "<script>window.pwned" not in text
        assert "<img src=x onerror" not in text and "<iframe" not in text
    assert 'href="javascript:' not in feedback(graded.out, student).replace("'", '"')
