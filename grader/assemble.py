"""Assemble a runnable ``descentlab`` package from chosen exercise modules.

The provided modules (checks, plots, helpers) always come from the instructor's
``src/descentlab/``; only the exercise modules listed in :mod:`descentlab.course`
are taken from elsewhere: the solved copies in ``solutions/descentlab/`` (to run
the reference notebooks and tests) or a student's submission (to grade it).

The result is a folder holding ``descentlab/``; put that folder first on the
path (``PYTHONPATH``) and every kernel started from there imports it, ahead of
the editable install of ``src/``.
"""

import argparse
import os
import shutil
import types
from pathlib import Path

from descentlab.course import EXERCISES

from . import PACKAGE, SOLUTIONS


def assemble(dest, modules):
    """Write ``dest/descentlab``: the provided package plus the given exercise modules.

    Parameters
    ----------
    dest : path-like
        Folder to create (emptied first if it exists).
    modules : mapping of str to str
        Exercise module name (``'losses'``) to its Python source. Exercise
        modules not given keep the released stub.

    Returns
    -------
    pathlib.Path
        ``dest``, the folder to put first on ``PYTHONPATH``.
    """
    unknown = set(modules) - set(EXERCISES)
    if unknown:
        raise ValueError(f"not exercise modules of the course: {sorted(unknown)}")
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    package = dest / "descentlab"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    for name, source in modules.items():
        (package / f"{name}.py").write_text(source, encoding="utf-8")
    return dest


def kernel_env(package_dir):
    """Environment for a kernel that must import the package assembled in ``package_dir``.

    ``PYTHONPATH`` is replaced, not extended: the kernel sees this package and the
    installed libraries, nothing left over from the caller's environment.
    """
    env = os.environ.copy()
    env["PYTHONPATH"] = str(package_dir)
    # The kernel's language is its notebook's edition (descentlab.i18n), not the caller's.
    env.pop("DESCENTLAB_LANG", None)
    # One BLAS thread: the notebooks are small, and results stay bit-for-bit stable.
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return env


def solved_modules():
    """The instructor's solved exercise modules, by module name."""
    return {
        name: (SOLUTIONS / "descentlab" / f"{name}.py").read_text(encoding="utf-8")
        for name in EXERCISES
    }


def reference_modules():
    """The instructor's solved exercise modules, loaded as modules (for the release step)."""
    modules = {}
    for name, source in solved_modules().items():
        modules[name] = types.ModuleType(f"solved_{name}")
        exec(compile(source, str(SOLUTIONS / "descentlab" / f"{name}.py"), "exec"),
             modules[name].__dict__)
    return modules


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", help="folder to write (it will hold descentlab/)")
    parser.add_argument(
        "--stubs", action="store_true", help="keep the released stubs instead of the solutions"
    )
    args = parser.parse_args(argv)
    print(assemble(args.dest, {} if args.stubs else solved_modules()))


if __name__ == "__main__":
    main()
