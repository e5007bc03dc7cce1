"""The sandbox a student's code runs in while it is graded: a whitelist, made by bubblewrap.

Student code runs only in the evaluator (:mod:`grader.evaluate`), started by
:func:`command` through ``bwrap`` (Debian's ``bubblewrap``, the sandbox Flatpak
uses). What the code can see is a whitelist, nothing else of the machine:

- read-only: ``/usr`` (system libraries), the Python installation and the
  virtual environment, the job's assembled package (the instructor's provided
  modules and the student's exercise modules) and the evaluator's code;
- its own writable ``/job`` (the working folder and ``HOME``), ``/tmp`` and
  ``/dev/shm``: memory file systems of a fixed size that vanish with the sandbox;
- its own ``/proc`` and process namespace (it sees only its own processes, and
  all of them are killed when the evaluator ends), a minimal ``/dev``, no network.

Nothing the student's code writes reaches the machine's disk, so nothing the
grader reads or deletes afterwards was written by a student: requests and
answers cross on pipes, as data (:mod:`grader.wire`).

Run as root, each running job also gets a user id of its own (claimed with
:class:`claim_uid`, never shared with another job while it runs), and a
process limit that binds only that id. Run as an ordinary user, bwrap makes a
user namespace instead and the same whitelist applies; only the process limit
is left out (it would count the instructor's own processes).

Resource limits (memory, CPU time, file size, open files) are set on the
sandbox's first process and inherited by all it starts.
"""

import fcntl
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import REPO

#: User ids with no account given to students' code, one per running job (as root).
FIRST_UID, UID_COUNT = 61000, 4000
#: Locks that say which of those ids a running job (of any batch on this machine) holds.
UID_LOCKS = Path(tempfile.gettempdir()) / "descentlab-grader-uids"
#: Where the sandbox sees the job's package and the evaluator's code.
JOB, PACKAGE, CODE = "/job", "/job/package", "/opt/descentlab-grader"
#: All the sandbox sees of the grader: the untrusted side's own modules
#: (:mod:`grader.evaluate` and the wire format it speaks), nothing of the trusted side.
EVALUATION_FILES = ("__init__.py", "wire.py", "evaluate.py")


@dataclass
class Limits:
    """What one sandbox may use. Sizes in bytes, times in seconds."""

    memory: int = 3 * 1024**3
    cpu: int = 300
    file_size: int = 64 * 1024**2
    open_files: int = 256
    processes: int = 64  # applied only with a user id of the job's own
    job_size: int = 256 * 1024**2  # /job
    tmp_size: int = 256 * 1024**2  # /tmp
    shm_size: int = 64 * 1024**2  # /dev/shm
    uid: int | None = None  # None: the grader's own user, in a user namespace
    isolate: bool = True  # False only where the instructor allowed grading unsafely


def bwrap():
    """The path of ``bwrap``, or None."""
    return shutil.which("bwrap")


def readable_paths():
    """What the sandbox sees of the machine, read-only: (host path, path inside) pairs."""
    paths = [("/usr", "/usr")]
    for prefix in {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}:
        if not prefix.startswith("/usr/"):
            paths.append((prefix, prefix))
    return paths


def command(limits, package, argv):
    """The ``bwrap`` command that runs ``argv`` in a sandbox with ``package`` at /job/package.

    The resource limits are set by the caller (:func:`set_limits`, as ``preexec_fn``).
    Without ``limits.isolate`` (``ALLOW_UNSAFE=1`` where bwrap cannot work) the
    command runs ``argv`` unconfined, with the same environment, in a new folder.
    """
    if not limits.isolate:
        folder = tempfile.mkdtemp(prefix="descentlab-unsafe-")
        env = {**_environment(package, REPO), "HOME": folder, "TMPDIR": folder,
               "MPLCONFIGDIR": f"{folder}/matplotlib"}
        return ["env", "-i", f"--chdir={folder}", *(f"{k}={v}" for k, v in env.items()), *argv]
    args = [bwrap(), "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
    if limits.uid is None:
        args += ["--unshare-user", "--disable-userns"]
    else:  # root makes the namespaces, then setpriv drops to the student's own id
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "--cap-add", "CAP_SETPCAP"]
    # Folders on the way to what is bound are made traversable (bwrap's own are not
    # always, and the student's user id must reach the interpreter).
    inside_paths = [inside for _, inside in readable_paths()] + [
        f"{CODE}/grader/{name}" for name in EVALUATION_FILES]
    ancestors = sorted({str(parent) for path in inside_paths for parent in Path(path).parents
                        if str(parent) != "/"}, key=len)
    for folder in ancestors:
        args += ["--perms", "0755", "--dir", folder]
    for host, inside in readable_paths():
        args += ["--ro-bind", host, inside]
    for name in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / name
        if target.is_symlink():
            args += ["--symlink", os.readlink(target), f"/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(limits.job_size), "--tmpfs", JOB,
             "--perms", "1777", "--size", str(limits.tmp_size), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(limits.shm_size), "--tmpfs", "/dev/shm",
             "--ro-bind", str(package), PACKAGE]
    for name in EVALUATION_FILES:
        args += ["--ro-bind", str(REPO / "grader" / name), f"{CODE}/grader/{name}"]
    args += ["--chdir", JOB]
    for key, value in _environment(PACKAGE, CODE).items():
        args += ["--setenv", key, value]
    if limits.uid is not None:
        args += ["--", "setpriv", f"--reuid={limits.uid}", f"--regid={limits.uid}",
                 "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return [*args, "--", *argv]


def _environment(package, code):
    return {"PATH": "/usr/bin:/bin", "HOME": JOB, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
            "PYTHONPATH": f"{package}{os.pathsep}{code}", "PYTHONDONTWRITEBYTECODE": "1",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": "/tmp/matplotlib"}


def set_limits(limits):
    """Apply ``limits``' resource limits to this process (and so to what it starts).

    The process limit counts every process of a user id: it is set only when the
    sandbox runs as an id of the job's own, never on the grader's own user.
    """
    # CPU: SIGXCPU at the soft limit ends the evaluation as the student's code's
    # doing; SIGKILL at the hard one (if SIGXCPU was ignored) reads as a kill from
    # outside, which is never a score.
    pairs = [(resource.RLIMIT_AS, limits.memory, limits.memory),
             (resource.RLIMIT_CPU, limits.cpu, limits.cpu + 10),
             (resource.RLIMIT_FSIZE, limits.file_size, limits.file_size),
             (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
             (resource.RLIMIT_CORE, 0, 0)]
    if limits.uid is not None:
        pairs.append((resource.RLIMIT_NPROC, limits.processes, limits.processes))
    for name, soft, hard in pairs:
        resource.setrlimit(name, (soft, hard))


@dataclass(frozen=True)
class Protections:
    """What this machine lets the grader do to contain student code."""

    sandbox: bool  # bwrap's whitelist, namespaces and limits work
    separate_user: bool  # a user id of its own per job (grading as root)
    why: str = ""  # why the sandbox does not work, when it does not

    @property
    def isolated(self):
        return self.sandbox

    def describe(self):
        if not self.sandbox:
            return f"OFF ({self.why})"
        seen = ", ".join(inside for _, inside in readable_paths())
        user = ("a user id of its own per student (process limit on)" if self.separate_user
                else "your own user id in a user namespace (no per-student process limit)")
        return (f"bubblewrap whitelist: student code sees only {seen} (read-only), its own "
                f"package, a private /job, /tmp and /dev/shm, its own /proc; no network; "
                f"runs as {user}")


def detect():
    """Find out which protections work here, by starting Python in the sandbox once."""
    if bwrap() is None:
        return Protections(False, False, "bwrap not found: install Debian's bubblewrap")
    # Python and numpy start, and the course's solutions are out of sight.
    probe = [sys.executable, "-c", "import numpy, os, sys; "
             f"sys.exit(os.path.exists({str(REPO / 'solutions')!r}))"]
    root = os.geteuid() == 0 and shutil.which("setpriv") is not None
    with tempfile.TemporaryDirectory() as package:
        def works(limits):
            try:
                done = subprocess.run(command(limits, package, probe), capture_output=True,
                                      timeout=120, preexec_fn=lambda: set_limits(limits))
            except (OSError, subprocess.SubprocessError) as error:
                return str(error)
            return "" if done.returncode == 0 else done.stderr.decode(errors="replace")[-300:]

        if root:
            os.chmod(package, 0o755)
            with claim_uid() as uid:
                if not works(Limits(uid=uid)):
                    return Protections(True, True)
        failure = works(Limits())
    if not failure:
        return Protections(True, False)
    return Protections(False, False, f"bwrap cannot make a sandbox here: {failure.strip()}")


class claim_uid:
    """Hold a user id that no other grading job on this machine holds (a context manager).

    Batches may run side by side (two courses, a test beside a real run); each
    job's sandbox gets an id of its own, so that the process limit binds that job
    alone. The claim is an exclusive ``flock`` on a file in a root-only folder:
    it ends when released or when the process holding it dies. Nothing of the
    student's outlives the sandbox (its files are in memory file systems, its
    processes in its own namespace), so an id is never reused while they exist.
    """

    def __enter__(self):
        UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
        info = UID_LOCKS.lstat()
        if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid()
                or stat.S_IMODE(info.st_mode) != 0o700):
            raise RuntimeError(f"{UID_LOCKS} must be a folder of the grader's user with mode "
                               "700; remove it and grade again")
        for uid in range(FIRST_UID, FIRST_UID + UID_COUNT):
            fd = os.open(UID_LOCKS / f"{uid}.lock", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW,
                         0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.fd, self.uid = fd, uid
            kill_user(uid)  # anything left by a grader that died holding this id
            return uid
        raise RuntimeError(f"all {UID_COUNT} user ids for grading are in use")

    def __exit__(self, *exc):
        kill_user(self.uid)
        os.close(self.fd)


def kill_user(uid):
    """Kill every process of ``uid`` (a second line of defence behind the namespace)."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uids = next(line for line in status.read_text().splitlines()
                        if line.startswith("Uid:")).split()[1:]
            if int(uids[0]) == uid or int(uids[1]) == uid:
                os.kill(int(status.parent.name), signal.SIGKILL)
        except (OSError, StopIteration, ValueError):
            pass  # the process ended meanwhile
