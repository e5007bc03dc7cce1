"""The sandbox a student's kernel runs in while it is graded.

Each grading job (:mod:`grader.job`) starts its kernels through this module
instead of ``ipykernel`` directly: a per-job kernel spec named ``python3``
runs ``python -m grader.sandbox <limits.json> <connection file>``, which

1. sets resource limits: address space (numpy's BLAS is held to one thread, so
   virtual memory stays close to what is used), CPU seconds, file size, open
   files and processes;
2. gives the kernel a private ``HOME`` and ``TMPDIR`` inside the job's folder;
3. where the machine allows it (run as root, ``unshare`` and ``setpriv``
   available), starts the kernel in new network and mount namespaces, with no
   network at all (it talks to the grader over IPC sockets, not TCP) and the
   instructor's ``solutions/`` hidden under an empty tmpfs, and as an unprivileged
   user id of its own, so it cannot read the gradebook, the job's source notebooks
   or other students' folders, which are not readable to that user;
4. replaces itself with the kernel.

:func:`detect` finds out once, at the start of a batch, which of these
protections this machine allows; the grader reports them and refuses to grade
without isolation unless told to.
"""

import fcntl
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import SOLUTIONS

#: User ids with no account given to students' kernels, one per running job.
FIRST_UID, UID_COUNT = 61000, 4000
#: Locks that say which of those ids a running job (of any batch on this machine) holds.
UID_LOCKS = Path(tempfile.gettempdir()) / "descentlab-grader-uids"


@dataclass
class Limits:
    """What one kernel may use. Sizes in bytes, times in seconds."""

    memory: int = 3 * 1024**3
    cpu: int = 300
    file_size: int = 64 * 1024**2
    open_files: int = 256
    processes: int = 64
    uid: int | None = None  # None: keep the grader's user (no isolation)
    isolate: bool = False  # new network and mount namespaces
    hidden: list = field(default_factory=lambda: [str(SOLUTIONS)])
    env: dict = field(default_factory=dict)  # set for the kernel only (e.g. PYTHONPATH)
    exposed: list = field(default_factory=list)  # folders the kernel must reach

    def write(self, path):
        Path(path).write_text(json.dumps(asdict(self)))

    @classmethod
    def read(cls, path):
        return cls(**json.loads(Path(path).read_text()))


@dataclass(frozen=True)
class Protections:
    """What this machine lets the grader do to contain student code."""

    limits: bool
    separate_user: bool
    no_network: bool

    def describe(self):
        def state(on):
            return "on" if on else "OFF"
        return (f"resource limits {state(self.limits)}; separate user per student "
                f"{state(self.separate_user)}; no network and solutions hidden "
                f"{state(self.no_network)}")

    @property
    def isolated(self):
        return self.separate_user and self.no_network


def detect():
    """Find out which protections work here, by starting Python in each sandbox once."""
    probe = [sys.executable, "-c", "import numpy"]

    def works(limits):
        try:
            return subprocess.run(command(limits, probe), capture_output=True,
                                  timeout=60).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False

    tools = os.geteuid() == 0 and shutil.which("setpriv") and shutil.which("unshare")
    isolated = False
    if tools:
        with claim_uid() as uid:
            isolated = works(Limits(uid=uid, isolate=True))
    network = isolated or bool(tools and works(Limits(isolate=True)))
    return Protections(limits=True, separate_user=isolated, no_network=network)


class claim_uid:
    """Hold a user id that no other grading job on this machine holds (a context manager).

    Batches may run side by side (two courses, a test beside a real run); each
    job's kernels get an id of their own, so that killing what a student left
    running (:func:`kill_user`) and the per-user process limit reach that job
    alone. The claim is an exclusive ``flock`` on a file in a root-only folder:
    it ends when released or when the process holding it dies.
    """

    def __enter__(self):
        UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
        info = UID_LOCKS.stat()
        if info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) != 0o700:
            raise RuntimeError(f"{UID_LOCKS} must belong to the grader's user with mode 700; "
                               "remove it and grade again")
        for uid in range(FIRST_UID, FIRST_UID + UID_COUNT):
            handle = open(UID_LOCKS / f"{uid}.lock", "w")  # held until __exit__
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self.handle, self.uid = handle, uid
            kill_user(uid)  # anything left by a grader that died holding this id
            return uid
        raise RuntimeError(f"all {UID_COUNT} user ids for grading are in use")

    def __exit__(self, *exc):
        kill_user(self.uid)
        self.handle.close()


def kill_user(uid):
    """Kill every process of ``uid``: whatever a student's code left running.

    Each student's code runs as a user of its own, so this reaches exactly that
    student's processes, wherever they went (a process namespace's init dies with
    the sandbox, but not if it changed its user before).
    """
    if uid is None:
        return
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uids = next(line for line in status.read_text().splitlines()
                        if line.startswith("Uid:")).split()[1:]
            if int(uids[0]) == uid or int(uids[1]) == uid:
                os.kill(int(status.parent.name), signal.SIGKILL)
        except (OSError, StopIteration, ValueError):
            pass  # the process ended meanwhile


def set_limits(limits):
    """Apply ``limits``' resource limits to this process (and so to what it starts)."""
    for name, value in [(resource.RLIMIT_AS, limits.memory), (resource.RLIMIT_CPU, limits.cpu),
                        (resource.RLIMIT_FSIZE, limits.file_size),
                        (resource.RLIMIT_NOFILE, limits.open_files),
                        (resource.RLIMIT_NPROC, limits.processes),
                        (resource.RLIMIT_CORE, 0)]:
        resource.setrlimit(name, (value, value))


def command(limits, argv):
    """The command that runs ``argv`` as ``limits`` say (the rlimits are set by the caller).

    With ``isolate``: new network, mount and process namespaces; ``hidden``
    folders covered by empty tmpfs; and every folder the kernel needs (the
    interpreter, the virtual environment, ``exposed``) made reachable: a folder
    on their way that other users cannot enter (such as ``/root``) is replaced by
    a tmpfs holding only what is needed, so that a separate user can run the kernel.
    """
    if limits.uid is not None:
        argv = ["setpriv", f"--reuid={limits.uid}", f"--regid={limits.uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--"] + argv
    if not limits.isolate:
        return argv
    steps = [f"mount -t tmpfs -o ro,size=4k none {_quote(path)}"
             for path in limits.hidden if Path(path).is_dir()]
    needed = {Path(os.path.realpath(p)) for p in (sys.base_prefix, sys.prefix, *limits.exposed)}
    closed = {}
    for path in sorted(needed):
        top = next((folder for folder in reversed(path.parents)
                    if not os.stat(folder).st_mode & 0o001), None)
        if top is not None:
            closed.setdefault(top, []).append(path)
    if closed:
        steps.append("mount -t tmpfs -o mode=755 none /mnt")
    for number, (top, paths) in enumerate(closed.items()):
        keep = [f"/mnt/keep{number}_{i}" for i in range(len(paths))]
        steps += [f"mkdir {k} && mount --bind {_quote(p)} {k}" for k, p in zip(keep, paths,
                                                                              strict=True)]
        steps.append(f"mount -t tmpfs -o mode=755 none {_quote(top)}")
        steps += [f"mkdir -p {_quote(p)} && mount --move {k} {_quote(p)}"
                  for k, p in zip(keep, paths, strict=True)]
    script = " && ".join(steps + [f"exec {' '.join(map(_quote, argv))}"])
    return ["unshare", "--net", "--mount", "--pid", "--fork", "--propagation", "private",
            "--", "sh", "-c", script]


def _quote(text):
    return "'" + str(text).replace("'", "'\"'\"'") + "'"


def main(argv=None):
    limits_file, connection_file = (argv or sys.argv[1:])[:2]
    limits = Limits.read(limits_file)
    if limits.uid is not None:  # the kernel reads its connection file as its own user
        os.chown(connection_file, limits.uid, limits.uid)
    os.environ.update(limits.env)
    set_limits(limits)
    argv = command(limits, [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file])
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
