"""Scores that student code cannot influence: the trusted re-evaluation of graded cells.

Inside the kernel, a student's module runs beside the checks and could patch
them, or numpy, or hide its tracebacks. So for every graded cell whose code only
calls exercise functions, the job decides the score again, without running any
student code in its own process:

1. **record**: the cell's full code (visible checks and hidden tests, from the
   instructor's source notebook) runs here with the exercise modules replaced by
   the instructor's solved ones, wrapped to record every call's arguments;
2. **evaluate**: a separate sandboxed process (:mod:`grader.evaluate`) imports the
   student's modules, makes exactly those calls and writes what came back (or what
   was raised, or which arguments were changed) as plain JSON;
3. **replay**: the cell's code runs here again, the exercise functions answering
   from that JSON; the cell scores its points if it runs to the end.

Arguments are fixed by the cell's own seeds, so the calls of the replay are those
recorded; a cell where they are not (its calls depend on the student's results,
like a training loop) cannot be verified this way, and keeps nbgrader's score.
"""

import builtins
import copy
import importlib.util
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np

from descentlab import checks, gradcheck, problems, training
from descentlab.course import EXERCISES

from . import REPO, SOLUTIONS, sandbox

#: Variables that graded cells use from earlier cells of their notebook.
CONTEXT = {
    "01_loss": lambda: {"data": problems.linear_data(n=40, seed=0)},
}


class Unverifiable(Exception):
    """The cell's calls differ between record and replay (they depend on results)."""


def reference_modules():
    """The instructor's solved exercise modules, loaded from ``solutions/descentlab``."""
    modules = {}
    for name in EXERCISES:
        spec = importlib.util.spec_from_file_location(
            f"reference_{name}", SOLUTIONS / "descentlab" / f"{name}.py")
        modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(modules[name])
    return modules


def namespace(notebook, proxies):
    """What a graded cell sees: numpy, the provided modules, proxies for the exercises."""
    names = {"np": np, "checks": checks, "gradcheck": gradcheck, "problems": problems,
             "training": training, **proxies}
    names.update(CONTEXT.get(notebook, dict)())
    return names


def recorder(references, calls):
    """Proxy modules that call the reference functions and record each call's arguments."""
    def wrap(module, function):
        def call(*args, **kwargs):
            calls.append([module, function, copy.deepcopy(args), copy.deepcopy(kwargs)])
            return getattr(references[module], function)(*args, **kwargs)
        call.__name__ = function
        return call
    return {module: types.SimpleNamespace(**{f: wrap(module, f) for f in functions})
            for module, functions in EXERCISES.items()}


def replayer(calls, answers):
    """Proxy modules that answer each call from the evaluated ``answers``, in order."""
    position = iter(range(len(calls)))

    def wrap(module, function):
        def call(*args, **kwargs):
            index = next(position, None)
            if index is None or calls[index][:2] != [module, function] or not _same(
                    [args, kwargs], calls[index][2:]):
                raise Unverifiable(f"call of {module}.{function} not as recorded")
            answer = answers[index]
            for position_changed in answer.get("mutated", []):
                _disturb(args[position_changed])
            return decode(answer["result"])
        call.__name__ = function
        return call
    return {module: types.SimpleNamespace(**{f: wrap(module, f) for f in functions})
            for module, functions in EXERCISES.items()}


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return (isinstance(b, list | tuple) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b, strict=True)))
    return type(a) is type(b) and a == b


def _disturb(argument):
    """Change an argument in place, as the student's function did in the sandbox."""
    if isinstance(argument, dict):
        argument = next(iter(argument.values()))
    if isinstance(argument, np.ndarray) and argument.size:
        argument.flat[0] = argument.flat[0] + 1 if argument.flat[0] == argument.flat[0] else 0


def encode(value):
    """Plain JSON for what a student's function returned (used in the sandbox)."""
    if isinstance(value, bool | int | float | np.integer | np.floating):
        return {"t": "number", "kind": type(value).__name__, "v": _number(value)}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return {"t": "array", "dtype": str(value.dtype), "shape": list(value.shape),
                "v": [_number(x) for x in value.ravel().tolist()]}
    if isinstance(value, tuple | list):
        return {"t": type(value).__name__, "v": [encode(item) for item in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": {str(k): encode(item) for k, item in value.items()}}
    return {"t": "other", "v": repr(value)[:200]}


def _number(x):
    x = float(x) if not isinstance(x, bool | int) else x
    return x if not isinstance(x, float) or np.isfinite(x) else str(x)


def _from_number(x):
    return float(x) if isinstance(x, str) else x


class _Opaque:
    """Something that was neither a number nor an array: it compares equal to nothing."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def decode(value):
    """The Python value of :func:`encode`'s JSON; never runs student code."""
    kind = value["t"]
    if kind == "number":
        number = _from_number(value["v"])
        return {"bool": bool, "int": int}.get(value["kind"], np.float64)(number)
    if kind == "array":
        data = [_from_number(x) for x in value["v"]]
        return np.array(data, dtype=value["dtype"]).reshape(value["shape"])
    if kind in ("tuple", "list"):
        items = [decode(item) for item in value["v"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: decode(item) for k, item in value["v"].items()}
    if kind == "raised":
        builtin = getattr(builtins, value["type"], None)
        if isinstance(builtin, type) and issubclass(builtin, Exception):
            raise builtin(value["v"])  # e.g. the ValueError a check expects, or the stub's
        raise type(value["type"], (Exception,), {})(value["v"])
    return _Opaque(value["v"])


def run_cell(code, names):
    """True if ``code`` runs to the end in ``names``; Unverifiable propagates."""
    try:
        exec(compile(code, "<graded cell>", "exec"), names)  # the instructor's own cell
    except Unverifiable:
        raise
    except BaseException:  # a failed check or hidden test, or a replayed error
        return False
    return True


def verify(cells, package, limits, timeout=120, cwd=None):
    """Trusted pass/fail of graded cells, with one sandboxed evaluation for all of them.

    Parameters
    ----------
    cells : list of (notebook, grade_id, code)
        The graded cells to decide, with their full source (hidden tests included).
    package : path-like
        The folder holding the student's assembled ``descentlab``.
    limits : grader.sandbox.Limits
        How to run the student's code.
    timeout : float
        Seconds the evaluation may take.
    cwd : path-like, optional
        Where the student's code runs (the kernel's folder, so that it sees the same).

    Returns
    -------
    dict of (str, str) to bool or None
        Per (notebook, grade id): passed, failed, or None where it cannot be
        decided this way. If the evaluation of all cells at once fails (the
        student's code hangs it, crashes it or answers nonsense), each cell is
        evaluated on its own, and a cell whose evaluation fails fails: breaking
        the evaluation never leaves the kernel's verdict standing.
    """
    references = reference_modules()
    recorded = {}
    for notebook, grade_id, code in cells:
        calls = []
        with np.errstate(all="ignore"):
            if run_cell(code, namespace(notebook, recorder(references, calls))) and calls:
                recorded[notebook, grade_id] = (code, calls)
    verdicts = {(notebook, grade_id): None for notebook, grade_id, _ in cells}
    if not recorded:
        return verdicts
    everything = [call for _, calls in recorded.values() for call in calls]
    answers = evaluate(everything, Path(package), limits, timeout, cwd)
    start = 0
    for key, (code, calls) in recorded.items():
        if answers is None:
            mine = evaluate(calls, Path(package), limits, timeout / len(recorded), cwd)
        else:
            mine = answers[start:start + len(calls)]
            start += len(calls)
        if mine is None:
            verdicts[key] = False
            continue
        try:
            with np.errstate(all="ignore"):
                verdicts[key] = run_cell(code, namespace(key[0], replayer(calls, mine)))
        except Unverifiable:
            verdicts[key] = None
    return verdicts


def evaluate(calls, package, limits, timeout, cwd=None):
    """Make ``calls`` with the student's functions in the sandbox; their answers, or None."""
    home = Path(limits.env.get("HOME", package.parent))  # the student's user may write here
    request, reply = home / "calls.json", home / "answers.json"
    request.write_text(json.dumps([[m, f, encode(list(a)), encode(k)] for m, f, a, k in calls]))
    reply.unlink(missing_ok=True)
    argv = sandbox.command(limits, [sys.executable, "-m", "grader.evaluate", str(request),
                                    str(reply)])
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{package}{os.pathsep}{REPO}",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg",
           "HOME": str(home), "TMPDIR": str(home)}
    try:
        subprocess.run(argv, env=env, timeout=timeout, capture_output=True, cwd=cwd,
                       preexec_fn=lambda: sandbox.set_limits(limits))
        answers = json.loads(reply.read_text())
    except (subprocess.TimeoutExpired, OSError, ValueError):
        return None
    finally:
        sandbox.kill_user(limits.uid)
    if not isinstance(answers, list) or len(answers) != len(calls):
        return None
    return answers
