"""Run the instructor's source notebooks and store their outputs in place.

``solutions/<name>/<name>.ipynb`` is kept executed so that nbval can check that
every output is reproduced. After editing a source notebook, run
``make execute`` (all notebooks) or ``python -m grader.execute 01_loss``.
The notebooks run against the solved exercise modules, assembled as in CI.
"""

import argparse
import tempfile

import nbformat
from nbclient import NotebookClient

from descentlab.course import NOTEBOOKS

from . import SOLUTIONS
from .assemble import assemble, kernel_env, solved_modules


def execute(name, package_dir):
    """Execute one source notebook in its own folder and save it with its outputs."""
    path = SOLUTIONS / name / f"{name}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    # Store no wall-clock times and no widget state (model ids are random; a
    # static view shows the picture each widget output carries instead).
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=kernel_env(package_dir))
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    print(f"executed {path.relative_to(SOLUTIONS.parent)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=NOTEBOOKS, help="notebooks (default: all)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        package_dir = assemble(tmp, solved_modules())
        for name in args.names:
            execute(name, package_dir)


if __name__ == "__main__":
    main()
