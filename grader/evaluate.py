"""The untrusted side of grading: a student's functions, called on request, in the sandbox.

``python -m grader.evaluate`` runs inside the student's sandbox
(:mod:`grader.sandbox`), with the student's assembled ``descentlab`` first on
the path. It reads requests from standard input, one :mod:`grader.wire`
message a line, and answers each with one line:

- ``{"op": "call", "module": m, "function": f, "args": .., "kwargs": ..}``:
  call ``descentlab.<m>.<f>`` (or, with ``"notebook"`` instead of
  ``"module"``, a function the student's notebook defined) on the arguments;
  answer what it returned, or what it raised, and the new values of the
  arguments it changed in place;
- ``{"op": "load", "notebook": n, "cells": [...]}``: run the student's own code
  cells of notebook ``n`` (in an IPython shell, as the kernel would) so that
  the names they define can be asked for;
- ``{"op": "value", "notebook": n, "name": x}``: the value of ``x`` there.

Everything the student's code prints goes nowhere; only answers reach the
grader, which reads them as data and decides. This module imports nothing of
the trusted side.

Before any student code runs it answers ``{"ready": true}``, so the grader can
tell a sandbox that did not start (the machine's failure) from code that ended
the evaluation (the student's). A call, or a loaded cell, may use ``cpu``
seconds of CPU time, a limit no busy machine can make it reach: past it the
student's code is interrupted, deterministically, and the call answers that.
"""

import contextlib
import copy
import importlib
import os
import signal
import sys
import types

import numpy as np

from grader.wire import clean_text, decode, encode, parse_message, write_message


class CellTimeout(BaseException):
    """The student's code used up its CPU time (a call, or a cell while loading)."""


@contextlib.contextmanager
def cpu_budget(seconds):
    """Raise :class:`CellTimeout` in the block once this process has used ``seconds``
    more of CPU time (every thread counts; sleeping does not)."""
    previous = signal.signal(signal.SIGPROF, _out_of_time)
    signal.setitimer(signal.ITIMER_PROF, max(0.01, seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def same(a, b):
    """True if ``a`` and ``b`` hold the same data (used to see what a call changed)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, np.random.Generator):
        return (isinstance(b, np.random.Generator)
                and a.bit_generator.state == b.bit_generator.state)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return (isinstance(b, list | tuple) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b, strict=True)))
    return type(a) is type(b) and a == b


class Evaluator:
    """The student's modules and notebooks, answering the grader's requests."""

    def __init__(self):
        self.notebooks = {}  # notebook name -> the namespace its cells defined
        self.shell = None

    def handle(self, request):
        op = request.get("op")
        if op == "call":
            return self.call(request)
        if op == "load":
            return self.load(request["notebook"], request["cells"], request["cpu"])
        if op == "value":
            names = self.notebooks.get(request["notebook"], {})
            if request["name"] not in names:
                return {"missing": request["name"]}
            return {"ok": encode(names[request["name"]])}
        return {"raised": "ValueError", "message": f"unknown request {op!r}"}

    def call(self, request):
        args, kwargs = list(decode(request["args"])), decode(request["kwargs"])
        kept = copy.deepcopy(args)
        try:
            if "notebook" in request:
                function = self.notebooks[request["notebook"]][request["function"]]
            else:
                module = importlib.import_module(f"descentlab.{request['module']}")
                function = getattr(module, request["function"])
            with cpu_budget(request["cpu"]):
                reply = {"ok": encode(function(*args, **kwargs))}
        except CellTimeout:
            reply = {"raised": "TimeoutError",
                     "message": f"it used {request['cpu']:g} s of CPU time and was stopped "
                                "(an endless loop?)"}
        except BaseException as error:  # anything the student's code raises is an answer
            reply = {"raised": type(error).__name__, "message": clean_text(_message(error))}
        reply["changed"] = [[i, encode(now)] for i, (now, before)
                            in enumerate(zip(args, kept, strict=True)) if not same(now, before)]
        return reply

    def load(self, notebook, cells, cpu):
        """Run the student's code cells of ``notebook``, each with ``cpu`` s of CPU time."""
        if self.shell is None:
            from IPython.core.interactiveshell import InteractiveShell

            self.shell = InteractiveShell.instance()
            self.shell.enable_gui = lambda gui=None: None  # `%matplotlib inline`: no screen
        # A namespace of the notebook's own, which later notebooks leave alone (its
        # functions keep it as their globals).
        module = types.ModuleType("__main__")
        self.shell.user_module, self.shell.user_ns = module, module.__dict__
        self.shell.init_user_ns()
        for source in cells:
            try:
                with cpu_budget(cpu):
                    self.shell.run_cell(source, store_history=False, silent=True)
            except CellTimeout:
                pass
        self.notebooks[notebook] = module.__dict__
        return {"loaded": sorted(k for k in self.notebooks[notebook] if not k.startswith("_"))}


def _message(error):
    try:
        return str(error)
    except Exception:  # a student's exception whose __str__ fails
        return type(error).__name__


def _out_of_time(signum, frame):
    raise CellTimeout()


def serve(requests, answers):
    """Answer each request line of ``requests`` with one line on ``answers``."""
    evaluator = Evaluator()
    write_message(answers, {"ready": True})
    for line in requests:
        try:
            reply = evaluator.handle(parse_message(line))
        except Exception as error:  # a malformed request: say so and go on
            reply = {"raised": type(error).__name__, "message": clean_text(_message(error))}
        write_message(answers, reply)


def main():
    # Answers go on a private copy of standard output; whatever the student's code
    # prints (on file descriptors 1 and 2) goes nowhere.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    requests = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    serve(requests, answers)


if __name__ == "__main__":
    main()
