"""The grading jobs' worker processes (``python -m grader.job``), from the batch's side.

A worker grades one student after another; the batch runs a few at once. A job
that overruns its wall time is stopped by killing the whole worker and all it
started, and the next job gets a new worker. Every worker running in this
process is known, so that an interrupted batch can stop them all.
"""

import os
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path

from . import REPO, tool_env
from .jobfiles import JobResult, JobSpec
from .wire import LineReader

#: Seconds a whole job (every notebook of one student) may take before it is killed.
JOB_TIMEOUT = 600
#: Bytes of memory one job process (not its sandbox, which has its own limit) may use.
JOB_MEMORY = 6 * 1024**3

#: Worker processes running now, so that an interrupted batch can stop them all.
_RUNNING = set()
_RUNNING_LOCK = threading.Lock()


class Worker:
    """A job process that grades one student after another (``python -m grader.job``).

    Starting Python and importing nbgrader costs about as much as grading a small
    notebook; a worker pays it once for many students. The worker is the grader's
    own code (student code runs only in the sandboxed evaluators it starts), so it
    may serve many students. A job that overruns its time is
    stopped by killing the whole worker and all it started; the next job gets a
    new worker.
    """

    def __init__(self, log):
        self.log, self.process = Path(log), None

    def run(self, folder, timeout):
        """Grade the job in ``folder``; returns the problems the job itself had."""
        if self.process is None:
            self._start()
        # what this job logs starts here: a worker that dies is reported with its
        # own last words, never those of an earlier student's job
        start = self.log.stat().st_size
        self.process.stdin.write(f"{folder}\n".encode())
        self.process.stdin.flush()
        reply = self._reply(timeout)
        if reply is None:
            self.stop()
            return [f"the grading job took over {timeout:g} s of wall time and was stopped"]
        if reply == "":
            self.stop()
            with open(self.log, "rb") as log:
                log.seek(start)
                return [f"the grading job failed: {_last_line(log.read())}"]
        return [] if reply == "ok" else [f"the grading job failed: {reply}"]

    def _start(self):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "grader.job"], cwd=REPO,
                env=tool_env(), start_new_session=True,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                preexec_fn=_limit_job_memory)
        self.answers = LineReader(self.process.stdout)
        with _RUNNING_LOCK:
            _RUNNING.add(self.process)

    def _reply(self, timeout):
        """The worker's next line; "" if it died, None if it did not answer in time."""
        try:
            line = self.answers.line(timeout)
        except TimeoutError:
            return None
        except EOFError:
            return ""
        return line.decode(errors="replace").strip() or "no message"

    def stop(self):
        """Stop the worker and everything it started."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()
        with _RUNNING_LOCK:
            _RUNNING.discard(self.process)
        self.process = None


def run_job(folder, worker, timeout=JOB_TIMEOUT):
    """Run one job on ``worker``; returns its :class:`~grader.jobfiles.JobResult` (every
    notebook not graded yet if the job did not finish) and the job's own problems."""
    problems = worker.run(folder, timeout)
    return JobResult.read(folder, JobSpec.read(folder)), problems


def stop_all():
    """Kill every worker running in this process, and all they started."""
    with _RUNNING_LOCK:
        for process in _RUNNING:
            os.killpg(process.pid, signal.SIGKILL)


def _limit_job_memory():
    # A job holds a student's outputs in memory: a flood of output must fail that
    # job alone, never the machine.
    resource.setrlimit(resource.RLIMIT_AS, (JOB_MEMORY, JOB_MEMORY))


def _last_line(stderr):
    lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
