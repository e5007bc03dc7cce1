"""The student edition of a graded class: ``make handout DEST=<folder>``.

It holds what students of a graded class receive and nothing else: the released
notebooks, the ``descentlab`` package (provided modules and exercise stubs), the
environment files (``pip install -e .``, conda or Binder), the course's
JupyterLab defaults, a ``Makefile`` with ``make lab`` and ``make submit``, and a
README. Nothing of ``solutions/``, no hidden test and no grader code; every
file written is scanned for the solution and hidden-test markers before the
command reports success.
"""

import argparse
import shutil
import sys
from pathlib import Path

from . import REPO

#: Copied as they are, from the repository to the same place in DEST.
COPIED = ("notebooks", "notebooks-zh", "src/descentlab", "pyproject.toml", "environment.yml")
#: What no file of the handout may contain.
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")

MAKEFILE = """\
# Descent Lab, student edition. Every target creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# The course's JupyterLab defaults: Markdown opens rendered.
LAB_CONFIG := $(CURDIR)/jupyter
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# make lab LANG=zh: the Chinese edition, with JupyterLab's interface in Chinese.
ZH := $(filter zh%,$(LANG))
EDITION := $(if $(ZH),notebooks-zh,notebooks)
LAB_CONFIGS := $(if $(ZH),$(CURDIR)/jupyter-zh:)$(LAB_CONFIG)
LAB_LANG := $(if $(filter zh,$(LANG)),C.UTF-8,$(LANG))

.PHONY: lab submit

$(VENV)/.installed: pyproject.toml
\t@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
\t$(BIN)/python -m pip install --quiet --upgrade pip
\t$(BIN)/python -m pip install --quiet -e .
\t@touch $@

lab: $(VENV)/.installed  ## open JupyterLab on the course notebooks (LANG=zh: 中文版)
\tLANG=$(LAB_LANG) JUPYTER_CONFIG_PATH=$(LAB_CONFIGS) $(BIN)/jupyter lab $(ROOT_FLAG) \\
\t\t--ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/$(EDITION)/README.md

submit: $(VENV)/.installed  ## make submit STUDENT=<id>: the zip to hand in
\t@test -n "$(STUDENT)" || { echo "usage: make submit STUDENT=<your student id>"; exit 2; }
\t$(if $(ZH),DESCENTLAB_LANG=zh_CN) $(BIN)/python -m descentlab.submit "$(STUDENT)"
"""

README = """\
# Descent Lab: how neural networks learn

A hands-on course in Jupyter notebooks: the loss (MSE), gradient descent, the
learning rate, stochastic (mini-batch) gradient descent, momentum and Adam, then
a small network trained by backpropagation on real data.

## Start

    make lab

installs what the course needs into `.venv` (the first time only) and opens
JupyterLab on the welcome page, `notebooks/README.md`. Without `make`:
`python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/jupyter lab`.
With conda: `conda env create -f environment.yml`.

中文版：`make lab LANG=zh` opens the course in Chinese (`notebooks-zh/`), JupyterLab's
interface included.

## Work

Each notebook names the functions you write, in `src/descentlab/` (for example
`mse` in `src/descentlab/losses.py`) or in the notebook itself. Run the check cell
under each exercise: it prints a line starting with ✔, or says what is wrong.

## Hand in

    make submit STUDENT=<your student id>

writes `<your student id>.zip` with your notebooks and exercise modules: hand in
that file. Only those files are graded; everything else comes from your
instructor's copy of the course.
"""


def write(dest):
    """Write the student edition into ``dest`` (a new or empty folder); returns its files."""
    dest = Path(dest).resolve()
    if dest == REPO or REPO in dest.parents:
        raise ValueError(f"DEST={dest} is inside the course repository: give a folder "
                         "outside it, e.g. DEST=../descentlab-class")
    if dest.exists() and any(dest.iterdir()):
        raise ValueError(f"DEST={dest} is not empty: give a new folder (nothing in it is "
                         "overwritten)")
    dest.mkdir(parents=True, exist_ok=True)
    for relative in COPIED:
        source, target = REPO / relative, dest / relative
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(
                "__pycache__", ".ipynb_checkpoints"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    shutil.copytree(REPO / "grader" / "jupyter", dest / "jupyter")
    shutil.copytree(REPO / "grader" / "jupyter-zh", dest / "jupyter-zh")
    (dest / "Makefile").write_text(MAKEFILE, encoding="utf-8")
    (dest / "README.md").write_text(README, encoding="utf-8")
    files = sorted(path for path in dest.rglob("*") if path.is_file())
    leaks = [str(path.relative_to(dest)) for path in files
             if any(marker in path.read_text(encoding="utf-8", errors="replace")
                    for marker in MARKERS)]
    if leaks:
        shutil.rmtree(dest)
        raise RuntimeError(f"solution or hidden-test text in {', '.join(leaks)}: nothing "
                           "written; run `make release` and try again")
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", help="a new folder for the student edition")
    args = parser.parse_args(argv)
    try:
        files = write(args.dest)
    except ValueError as error:
        sys.exit(f"make handout: {error}")
    print(f"Wrote the student edition, {len(files)} files, to {Path(args.dest).resolve()}; "
          "give students that folder (a repository, a zip, or Binder).")


if __name__ == "__main__":
    main()
