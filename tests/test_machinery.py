"""A failure of the grader's own machinery is never a score; what the student's code
does, deterministically, is.

The student's: raising, ending the evaluation (an exit, a crash), using up its CPU
time. The machinery's: a sandbox that does not start, an evaluation killed from
outside, no answer in a wall time only a stalled or overloaded machine reaches.
"""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from grader import REPO, sandbox, trusted
from grader.assemble import assemble, solved_modules
from grader.fixtures import write_submission
from grader.grade import grade_folder
from grader.trusted import EvaluationStopped, Evaluator, MachineryFailed

SOLVED = solved_modules()
RIGHT = "return float(np.mean((y_pred - y_true) ** 2))"
ISOLATED = sandbox.detect().isolated


def with_mse(body):
    """The solved modules, with ``mse``'s body replaced."""
    assert SOLVED["losses"].count(RIGHT) == 1
    return {**SOLVED, "losses": SOLVED["losses"].replace(RIGHT, body.replace("\n", "\n    "))}


@pytest.fixture
def evaluator_of(tmp_path):
    made = []

    def make(modules, call_timeout=60):
        package = assemble(tmp_path / f"package{len(made)}", modules)
        evaluator = Evaluator(package, sandbox.Limits(isolate=ISOLATED), call_timeout)
        made.append(evaluator)
        return evaluator, evaluator.function(module="losses", function="mse")

    yield make
    for evaluator in made:
        evaluator.stop()


ONE, TWO = np.array([1.0, 2.0]), np.array([1.0, 4.0])


def test_an_endless_loop_is_stopped_by_its_cpu_time_and_is_the_students(evaluator_of):
    evaluator, mse = evaluator_of(with_mse("while True:\n    pass"), call_timeout=2)
    with pytest.raises(TimeoutError, match="used 2 s of CPU time and was stopped"):
        mse(ONE, TWO)
    assert evaluator.machinery == []


def test_code_that_ends_the_evaluation_is_the_students(evaluator_of):
    evaluator, mse = evaluator_of(with_mse("import os\nos._exit(3)"))
    with pytest.raises(EvaluationStopped, match=r"ended the evaluation \(exit status 3\)"):
        mse(ONE, TWO)
    assert evaluator.machinery == []


def test_an_evaluation_killed_from_outside_is_the_machinerys(evaluator_of):
    evaluator, mse = evaluator_of(SOLVED)
    assert mse(ONE, TWO) == 2.0
    os.killpg(evaluator.process.pid, signal.SIGKILL)  # as the kernel's OOM killer would
    evaluator.process.wait()
    assert evaluator.process.stdout.read() == b""  # every end of the pipe is gone: all died
    with pytest.raises(MachineryFailed, match="killed from outside"):
        mse(ONE, TWO)
    assert mse(ONE, TWO) == 2.0  # the next request starts a new evaluation
    assert len(evaluator.machinery) == 1


def test_no_answer_in_wall_time_is_the_machinerys(evaluator_of, monkeypatch):
    """Code that waits without computing uses no CPU time: only the (here shortened)
    wall time ends it, which says nothing about the student's code."""
    monkeypatch.setattr(trusted, "wall_time", lambda cpu: 3)
    evaluator, mse = evaluator_of(with_mse("import time\ntime.sleep(600)"))
    with pytest.raises(MachineryFailed, match="no answer in 3 s of wall time"):
        mse(ONE, TWO)


def test_a_sandbox_that_does_not_start_is_the_machinerys(evaluator_of, monkeypatch):
    monkeypatch.setattr(sandbox, "command", lambda limits, package, argv: [
        sys.executable, "-c", "raise SystemExit(1)"])
    evaluator, mse = evaluator_of(SOLVED)
    with pytest.raises(MachineryFailed, match=r"the sandbox did not start \(exit status 1\)"):
        mse(ONE, TWO)


@pytest.mark.slow
def test_a_notebook_the_machinery_failed_is_not_graded_and_graded_again(tmp_path):
    """An evaluation that dies as if killed from outside, every time: no score for the
    notebook, pending in totals.csv with the reason, and graded again by the next run."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    killed = with_mse("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    write_submission(subs / "kim.zip", killed, notebooks=["01_loss"])
    write_submission(subs / "lee.zip", SOLVED, notebooks=["01_loss"])
    run = dict(allow_unsafe=not ISOLATED, progress=False)
    first = grade_folder(subs, out, **run)
    assert any("not graded yet (01_loss): the grader's machinery failed" in problem
               for problem in first.problems["kim"])
    with open(out / "totals.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    loss = next(key for key in rows["kim"] if key.startswith("01_loss"))
    assert (rows["kim"][loss], rows["kim"]["pending"]) == ("", "01_loss (not graded yet)")
    assert rows["lee"][loss] == "" and rows["lee"]["pending"] == "01_loss why_mean_not_sum"
    assert json.loads((out / "records" / "kim.json").read_text())["retry"] == ["01_loss"]
    second = grade_folder(subs, out, **run)
    assert second.graded == ["kim"] and second.resumed == ["lee"]


def _shown_to_everyone(paths):
    """bubblewrap options that let any user reach ``paths``, read-only: a folder above
    them that others cannot pass through (this machine's /root, say) is replaced by an
    empty one, into which the child on the way to each path is mounted."""
    closed, shown = [], []
    for path in map(Path, paths):
        path = path.resolve()
        for folder in reversed(path.parents):
            if not os.stat(folder).st_mode & 0o001:
                closed += [] if folder in closed else [folder]
                shown.append(folder / path.relative_to(folder).parts[0])
                break
    return ([option for folder in closed for option in ("--tmpfs", str(folder))]
            + [option for child in dict.fromkeys(shown)
               for option in ("--ro-bind", str(child), str(child))])


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or not sandbox.bwrap(),
                    reason="becomes an ordinary user (root and bubblewrap needed to do so)")
def test_an_ordinary_user_running_many_processes_gets_full_scores(tmp_path):
    """An instructor without root, already running more processes than the sandbox's
    process limit (a desktop with a browser does), grades unsafely (ALLOW_UNSAFE=1, no
    user id per student): the solved notebook gets every point. Graded as root, as CI
    does, no process limit binds and no file permission stops the grader; only an
    ordinary user shows either (this test found nbgrader's read-only autograded files).
    The folders of this Python and repository that such a user cannot enter are shown
    to it, read-only, by bubblewrap."""
    uid = 4321
    work = Path(tempfile.mkdtemp(prefix="ordinary-"))
    try:
        subs = work / "subs"
        subs.mkdir()
        write_submission(subs / "ana.zip", SOLVED, notebooks=["01_loss"])
        for path in [work, *work.rglob("*")]:
            os.chown(path, uid, uid)  # the test's own fresh folder, nothing a student wrote
        sleepers = [subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}",
                                      "--clear-groups", "sleep", "600"])
                    for _ in range(sandbox.Limits().processes + 16)]
        try:
            done = subprocess.run(
                ["bwrap", "--dev-bind", "/", "/",
                 *_shown_to_everyone([sys.base_prefix, sys.prefix, REPO]), "--",
                 "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 sys.executable, "-m", "grader.grade", str(subs), "--out", str(work / "out"),
                 "--allow-unsafe"],
                cwd=REPO, env={**os.environ, "HOME": str(work), "PYTHONPATH": str(REPO)},
                capture_output=True, text=True, timeout=1200)
        finally:
            for sleeper in sleepers:
                sleeper.kill()
                sleeper.wait()
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        with open(work / "out" / "grades.csv", newline="") as handle:
            scores = {row["assignment"]: float(row["score"]) for row in csv.DictReader(handle)}
        assert scores["01_loss"] == 6, done.stdout[-3000:]
    finally:
        shutil.rmtree(work, ignore_errors=True)
