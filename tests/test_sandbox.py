"""The sandbox students' code runs in: what it can see (a whitelist), its limits,
and user ids never shared by two running jobs, even of two batches graded side by
side on one machine."""

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from grader import REPO, sandbox
from grader.assemble import assemble, solved_modules
from grader.trusted import Evaluator


def test_jobs_running_at_once_hold_different_user_ids():
    with sandbox.claim_uid() as first, sandbox.claim_uid() as second:
        assert first != second
        assert sandbox.FIRST_UID <= min(first, second)
    with sandbox.claim_uid() as again:  # released ids are used again
        assert again == min(first, second)


def test_an_id_held_by_another_process_is_skipped_until_that_process_ends():
    holder = subprocess.Popen(
        [sys.executable, "-c", "from grader import sandbox\n"
         "with sandbox.claim_uid() as uid:\n    print(uid, flush=True)\n    input()"],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    held = int(holder.stdout.readline())
    try:
        with sandbox.claim_uid() as mine:
            assert mine != held
    finally:
        holder.kill()
        holder.wait()
    with sandbox.claim_uid() as mine:  # the lock died with its process
        assert mine == held


PROBE = """
import json, os, socket, sys
seen = {"top": sorted(os.listdir("/")), "uid": os.getuid(), "cwd": os.getcwd(),
        "grader": sorted(os.listdir("/opt/descentlab-grader/grader")),
        "solutions": os.path.exists(sys.argv[1]), "pids": len([p for p in os.listdir("/proc")
                                                              if p.isdigit()])}
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=2)
    seen["network"] = True
except OSError as error:
    seen["network"] = str(error)
try:
    with open("/tmp/fill", "wb") as handle:
        for _ in range(64):
            handle.write(b"0" * 2**20)
    seen["tmp_full"] = False
except OSError:
    seen["tmp_full"] = True
print(json.dumps(seen))
"""
WHITELIST = {"bin", "dev", "job", "lib", "lib64", "opt", "proc", "sbin", "tmp", "usr"}


def run_probe(limits, package, prefix=(), python=sys.executable):
    """What a process in the sandbox sees; a server on this machine's loopback listens."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = str(listener.getsockname()[1])
        argv = [*prefix, *sandbox.command(limits, package, [python, "-c", PROBE,
                                                            str(REPO / "solutions"), port])]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                              preexec_fn=lambda: sandbox.set_limits(limits))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


needs_bwrap = pytest.mark.skipif(not sandbox.bwrap(), reason="needs Debian's bubblewrap")


@needs_bwrap
def test_student_code_sees_only_the_whitelist(tmp_path):
    limits = sandbox.Limits(tmp_size=16 * 2**20)
    if os.geteuid() == 0:
        with sandbox.claim_uid() as uid:
            tmp_path.chmod(0o755)
            seen = run_probe(sandbox.Limits(uid=uid, tmp_size=16 * 2**20), tmp_path)
        assert seen["uid"] == uid
    else:
        seen = run_probe(limits, tmp_path)
    # the interpreter's and environment's folders hang below these; nothing else is there
    assert set(seen["top"]) <= WHITELIST | {Path(p).parts[1] for _, p in
                                            sandbox.readable_paths()}
    assert seen["solutions"] is False and seen["cwd"] == sandbox.JOB
    assert seen["network"] is not True and seen["tmp_full"] is True
    assert seen["pids"] <= 3  # its own process namespace
    # of the grader, only the untrusted side's modules: no trusted code, no template
    assert seen["grader"] == ["__init__.py", "evaluate.py", "wire.py"]


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/python3").exists(),
                    reason="becomes an ordinary user to show the same sandbox without root")
def test_an_instructor_without_root_gets_the_same_whitelist(monkeypatch):
    # an ordinary user cannot enter /root, where this machine's Python lives: use Debian's
    monkeypatch.setattr(sandbox, "readable_paths", lambda: [("/usr", "/usr")])
    with tempfile.TemporaryDirectory() as package:
        os.chmod(package, 0o755)
        seen = run_probe(sandbox.Limits(tmp_size=16 * 2**20), package,
                         prefix=["setpriv", "--reuid=4321", "--regid=4321", "--clear-groups"],
                         python="/usr/bin/python3")
    assert set(seen["top"]) <= WHITELIST
    assert seen["solutions"] is False and seen["network"] is not True and seen["tmp_full"]


def test_the_process_limit_binds_only_a_user_id_of_the_jobs_own():
    script = ("import resource\nfrom grader import sandbox\n"
              "before = resource.getrlimit(resource.RLIMIT_NPROC)\n"
              "sandbox.set_limits(sandbox.Limits())\n"
              "print(resource.getrlimit(resource.RLIMIT_NPROC) == before)")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "True"


@pytest.mark.skipif(os.environ.get("CI", "").lower() != "true", reason="CI only")
def test_ci_grades_in_the_sandbox():
    """In CI every sandbox test must run: bubblewrap is installed by .ci/run."""
    protections = sandbox.detect()
    assert protections.isolated, protections.describe()


def test_graded_functions_answer_as_data_even_unconfined(tmp_path):
    """With ALLOW_UNSAFE=1 (no bwrap) the evaluator runs unconfined, with the same protocol."""
    package = assemble(tmp_path / "package", solved_modules())
    evaluator = Evaluator(package, sandbox.Limits(isolate=False), call_timeout=60)
    try:
        mse = evaluator.function(module="losses", function="mse")
        assert mse(np.array([1.0, 2.0]), np.array([1.0, 4.0])) == 2.0
        with pytest.raises(ValueError):
            mse(np.zeros(2), np.zeros((2, 1)))
    finally:
        evaluator.stop()
