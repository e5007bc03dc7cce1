"""Every graded cell decided where student code cannot reach: the trusted verdict.

Grading runs no student code in the grader's process and trusts nothing a
student's kernel says. For each graded cell, :class:`TrustedExecute` (an
nbgrader preprocessor that takes the place of nbgrader's ``Execute`` in
``nbgrader autograde``) runs the instructor's own cell, visible checks and
hidden tests, here, with the instructor's checks, numpy and data. Where the
cell calls the student's code (an exercise function, or a function or value the
student's notebook defines, such as ``train`` or ``lr``), the call is made by
the student's sandboxed :class:`Evaluator` and what comes back is read as data
(:mod:`grader.wire`). So a student's code can return any value it likes, and
the instructor's code decides what that value is worth.

The cell's outputs are written here: the checks' own lines and, when it fails,
the check's message or, for a hidden test, one line that says a hidden test
failed. nbgrader's ``SaveAutoGrades`` then scores the cell from those outputs,
as it always does (no error: full points). What a failure shows, and which
mistake the class report counts, is decided by its type and fields
(:class:`descentlab.failures.CheckFailed`), never by its text.
"""

import ast
import builtins
import contextlib
import functools
import importlib
import inspect
import io
import os
import signal
import subprocess
import sys
import time
import types
import warnings

import nbformat
import numpy as np
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from nbgrader.utils import is_grade
from traitlets import Any

from descentlab import checks, gradcheck, problems, training
from descentlab.course import EXERCISES
from descentlab.failures import CheckFailed

from . import SOLUTIONS, sandbox, wire

#: What a failing hidden test shows: never its code or message.
HIDDEN_FAILURE = "A hidden test failed: it tries other inputs, shapes or properties."
#: nbgrader's own, for its delimiters of hidden tests.
HIDDEN_TESTS = ClearHiddenTests()
#: Provided modules a graded cell may use, always the instructor's own.
PROVIDED = {"np": np, "checks": checks, "gradcheck": gradcheck, "problems": problems,
            "training": training}
#: Tag of a source notebook's code cells that make what graded cells use from earlier
#: cells (the data): the trusted side runs them itself, with the provided modules.
CONTEXT_TAG = "context"


class EvaluationStopped(BaseException):
    """The student's code ended its evaluation (exited, crashed) or answered nonsense.

    What the student's code did, deterministically: the cell scores 0. A
    ``BaseException``, so that no check takes it for an error of the student's
    function and words it as one.
    """


class MachineryFailed(BaseException):
    """The grader's own machinery failed, not the student's code: the sandbox did not
    start, the evaluation was killed from outside, or it gave no answer in a wall
    time that only a stalled or overloaded machine reaches (CPU time is limited
    separately, and that limit is the student's).

    Never a score: the notebook is not graded, and is graded again.
    """


#: Exit statuses of an evaluation killed from outside (SIGKILL, SIGTERM), as the
#: process or as bwrap (128 + signal) reports them.
KILLED = {-signal.SIGKILL, -signal.SIGTERM, 128 + signal.SIGKILL, 128 + signal.SIGTERM}
#: Seconds the sandbox may take to start and say it is ready.
START_TIME = 120


def wall_time(cpu_seconds):
    """Wall time allowed for work limited to ``cpu_seconds`` of CPU: generous, since a
    busy machine stretches wall time and only CPU time is the student's to use."""
    return 4 * cpu_seconds + 60


class NamedMistakes:
    """The mistakes the checks named while a job graded, ``{notebook: [mistake, ...]}``.

    Handed to :class:`TrustedExecute` through nbgrader's configuration, which
    copies what it is given: the copies are this one object.
    """

    def __init__(self):
        self.by_notebook = {}

    def __deepcopy__(self, memo):
        return self


class Evaluator:
    """The student's side of grading: :mod:`grader.evaluate` in the sandbox, on pipes.

    Parameters
    ----------
    package : path-like
        Folder holding the student's assembled ``descentlab``.
    limits : grader.sandbox.Limits
        The sandbox's limits.
    call_timeout : float
        Seconds of CPU time one call (or one loaded cell) may use; the evaluator
        stops the student's code past it. A request that gets no answer within
        :func:`wall_time` of that is the machinery's failure.
    """

    def __init__(self, package, limits, call_timeout):
        self.package, self.limits, self.call_timeout = package, limits, call_timeout
        self.process = None
        self.loaded = {}  # notebook -> its student cells, to load again after a restart
        self.incidents = []  # what went wrong, for the instructor's report
        self.machinery = []  # the failures of those that were the machinery's
        self.busy = 0.0  # wall seconds spent starting the sandbox and waiting on it

    def __deepcopy__(self, memo):  # traitlets copies configs; there is one evaluator
        return self

    def start(self):
        argv = sandbox.command(self.limits, self.package,
                               [sys.executable, "-m", "grader.evaluate"])
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=lambda: sandbox.set_limits(self.limits))
        self.answers = wire.LineReader(self.process.stdout)
        try:
            ready = wire.parse_message(self.answers.line(START_TIME)) == {"ready": True}
        except (TimeoutError, EOFError, OSError, wire.WireError):
            ready = False
        if not ready:
            try:  # its end of the pipe closes a moment before its exit status is known
                status = self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                status = None
            self.stop()
            self.fail(MachineryFailed(f"the sandbox did not start (exit status {status})"))
        for notebook, cells in self.loaded.items():
            self._send(self._load_request(notebook, cells))

    def _load_request(self, notebook, cells):
        return {"op": "load", "notebook": notebook, "cells": cells, "cpu": self.call_timeout}

    def fail(self, error):
        """Record why the evaluation stopped, for the instructor, and raise ``error``."""
        self.incidents.append(str(error))
        if isinstance(error, MachineryFailed):
            self.machinery.append(str(error))
        raise error

    def stop(self):
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        with contextlib.suppress(BrokenPipeError):  # a request still buffered for the dead
            self.process.stdin.close()
        self.process.stdout.close()
        self.process = None
        if self.limits.uid is not None:
            sandbox.kill_user(self.limits.uid)

    def request(self, message):
        """Send one request and return its answer (a dict).

        Raises :class:`EvaluationStopped` if the student's code ended the
        evaluation or answered nonsense, :class:`MachineryFailed` if the sandbox
        did not start, was killed from outside or did not answer in wall time.
        """
        began = time.monotonic()
        try:
            if self.process is None:
                self.start()
            return self._send(message)
        finally:
            self.busy += time.monotonic() - began

    def _send(self, message):
        cells = len(message.get("cells", ())) or 1
        wall = wall_time(self.call_timeout) * cells
        try:
            wire.write_message(self.process.stdin, message)
            return wire.parse_message(self.answers.line(wall))
        except TimeoutError:
            error = MachineryFailed(f"the evaluation gave no answer in {wall:g} s of wall time "
                                    f"(its CPU time is limited to {self.call_timeout:g} s a "
                                    "call): the machine overloaded, or the code waiting")
        except (EOFError, BrokenPipeError):
            try:  # the evaluator is ending: how?
                status = self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                status = None
            error = (MachineryFailed(f"the evaluation was killed from outside (exit status "
                                     f"{status})") if status in KILLED or status is None else
                     EvaluationStopped(f"the student's code ended the evaluation (exit status "
                                       f"{status})"))
        except (OSError, wire.WireError) as nonsense:
            error = EvaluationStopped(f"the evaluation answered nonsense ({nonsense})")
        self.stop()
        self.fail(error)

    def load(self, notebook, cells):
        """Run the student's own code ``cells`` of ``notebook`` in the evaluator."""
        if notebook not in self.loaded:
            self.loaded[notebook] = cells
            self.request(self._load_request(notebook, cells))

    def function(self, like=None, **target):
        """A function that calls the student's ``target`` in the evaluator.

        With ``like`` (the instructor's function of that name) it has that
        function's signature, for helpers that read it (the runner finds an
        optimizer's state from its parameters).
        """
        def call(*args, **kwargs):
            reply = self.request({"op": "call", **target, "args": wire.encode(list(args)),
                                  "kwargs": wire.encode(kwargs), "cpu": self.call_timeout})
            try:
                for index, value in reply.get("changed", []):
                    if isinstance(index, int) and 0 <= index < len(args):
                        _write_back(args[index], wire.decode(value))
                if "raised" not in reply:
                    return wire.decode(reply["ok"])
                error = _student_error(str(reply["raised"]), str(reply.get("message", "")))
            except (KeyError, TypeError, ValueError) as nonsense:  # a forged answer
                raise EvaluationStopped(f"the evaluation answered nonsense ({nonsense})"
                                        ) from None
            raise error
        call.__name__ = target["function"]
        if like is not None:
            call.__signature__ = inspect.signature(like)
        return call

    def notebook_value(self, notebook, name):
        """What ``name`` is in the student's notebook: data, or a function to call there."""
        reply = self.request({"op": "value", "notebook": notebook, "name": name})
        if "ok" not in reply:
            raise KeyError(name)
        if isinstance(reply["ok"], dict) and reply["ok"].get("t") == "function":
            return self.function(notebook=notebook, function=name)
        return _decoded(reply["ok"])


def _decoded(value):
    try:
        return wire.decode(value)
    except wire.WireError as error:
        raise EvaluationStopped(f"the evaluation answered nonsense ({error})") from None


def _write_back(argument, value):
    """Change the grader's own ``argument`` as the student's function changed its copy."""
    if isinstance(argument, dict) and isinstance(value, dict):
        for key in argument.keys() & value.keys():
            _write_back(argument[key], value[key])
    elif isinstance(argument, list) and isinstance(value, list | tuple):
        for index, item in enumerate(value[:len(argument)]):
            argument[index] = item
    elif isinstance(argument, np.random.Generator) and isinstance(value, np.random.Generator):
        argument.bit_generator.state = value.bit_generator.state  # the draws it made
    elif isinstance(argument, np.ndarray) and argument.size:
        try:
            argument[...] = value
        except (TypeError, ValueError):  # changed beyond its shape: still changed
            argument.flat[0] = 1 if argument.flat[0] == 0 else 0


def _student_error(name, message):
    """The exception the student's code raised, rebuilt from its name and message.

    The message is made one line, so that it cannot pose as a check's own lines
    (a ``Likely mistake:`` the class report would count).
    """
    message = " ".join(str(message).splitlines())
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        return builtin(message)
    name = name if name.isidentifier() else "Error"
    return type(name, (Exception,), {})(message)


def free_names(code):
    """Names ``code`` reads without defining them itself."""
    tree = ast.parse(code)
    loaded, stored = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else stored).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            stored.add(node.name)
        elif isinstance(node, ast.arg):  # parameters of functions and lambdas
            stored.add(node.arg)
        elif isinstance(node, ast.alias):
            stored.add((node.asname or node.name).split(".")[0])
    return loaded - stored - set(dir(builtins))


def namespace(notebook, code, evaluator, student_cells):
    """What a graded cell sees: the instructor's modules and data, the student's functions."""
    names = dict(PROVIDED)
    for module, functions in EXERCISES.items():
        mine = importlib.import_module(f"descentlab.{module}")
        names[module] = types.SimpleNamespace(**{
            f: evaluator.function(getattr(mine, f), module=module, function=f)
            for f in functions})
    names.update(context(notebook))
    wanted = free_names(code) - set(names)
    if wanted:
        evaluator.load(notebook, student_cells)
        for name in wanted:
            with contextlib.suppress(KeyError):
                names[name] = evaluator.notebook_value(notebook, name)
    return names


@functools.cache
def _context_code(notebook):
    source = nbformat.read(SOLUTIONS / notebook / f"{notebook}.ipynb", as_version=4)
    return compile("\n".join(cell.source for cell in source.cells
                             if CONTEXT_TAG in cell.metadata.get("tags", [])),
                   f"<context of {notebook}>", "exec")


def context(notebook):
    """What the instructor's cells tagged ``context`` in ``notebook`` define, made anew
    here with the provided modules (never taken from the student's notebook)."""
    names = dict(PROVIDED)
    exec(_context_code(notebook), names)  # the instructor's code
    return {name: value for name, value in names.items()
            if name not in PROVIDED and not name.startswith("__")}


def split_hidden(code):
    """``(visible, hidden)`` parts of a graded cell's code, split as nbgrader's
    ``ClearHiddenTests`` splits it: the lines between a line holding its begin
    delimiter and one holding its end delimiter are hidden."""
    parts, inside = ([], []), False
    for line in code.splitlines(keepends=True):
        if HIDDEN_TESTS.begin_test_delimeter in line or HIDDEN_TESTS.end_test_delimeter in line:
            inside = HIDDEN_TESTS.begin_test_delimeter in line
            continue
        parts[inside].append(line)
    return "".join(parts[0]), "".join(parts[1])


def decide(notebook, code, evaluator, student_cells):
    """Run one graded cell here.

    Returns
    -------
    outputs : list of dict
        The cell's outputs: what the checks printed and, when it fails, an error
        output with the check's message (:class:`CheckFailed`), the error of the
        cell's visible code, or for a hidden test the one line of
        ``HIDDEN_FAILURE``.
    mistake : str or None
        The mistake a failed check named.
    """
    printed = io.StringIO()
    error = mistake = None
    visible, hidden = split_hidden(code)
    with contextlib.redirect_stdout(printed), warnings.catch_warnings(), \
            np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            names = namespace(notebook, code, evaluator, student_cells)
            exec(compile(visible, "<graded cell>", "exec"), names)  # the instructor's code
        except EvaluationStopped as stopped:
            error = ("EvaluationStopped", str(stopped))
        except CheckFailed as failed:  # the check's message is the student's to see
            error = (type(failed).__name__, wire.clean_text(str(failed), 4000))
            mistake = failed.mistake
        except Exception as failed:  # the cell's own visible code failed: shown as it is
            error = (type(failed).__name__, wire.clean_text(str(failed), 4000))
        if error is None and hidden.strip():
            with contextlib.redirect_stdout(io.StringIO()):  # what hidden tests print: unseen
                try:
                    exec(compile(hidden, "<hidden tests>", "exec"), names)
                except (Exception, EvaluationStopped):
                    error = ("HiddenTestFailed", HIDDEN_FAILURE)
    outputs = []
    if printed.getvalue():
        outputs.append({"output_type": "stream", "name": "stdout", "text": printed.getvalue()})
    if error:
        outputs.append({"output_type": "error", "ename": error[0], "evalue": error[1],
                        "traceback": [f"{error[0]}: {error[1]}"]})
    return outputs, mistake


class TrustedExecute(NbGraderPreprocessor):
    """nbgrader's ``Execute`` replaced: graded cells decided by :func:`decide`.

    The student's own code cells are not run here: the evaluator runs them, in
    the sandbox, when a graded cell needs what they define.
    """

    evaluator = Any(help="the student's Evaluator").tag(config=True)
    mistakes = Any(help="the job's NamedMistakes").tag(config=True)

    def preprocess(self, nb, resources):
        notebook = resources["nbgrader"]["notebook"]
        student_cells = [cell.source for cell in nb.cells
                         if cell.cell_type == "code" and not is_grade(cell)]
        named = self.mistakes.by_notebook[notebook] = []
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            cell.execution_count = None
            if is_grade(cell):
                outputs, mistake = decide(notebook, cell.source, self.evaluator, student_cells)
                cell.outputs = [nbformat.from_dict(output) for output in outputs]
                if mistake:
                    named.append(mistake)
        return nb, resources

