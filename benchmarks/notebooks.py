"""How long each source notebook takes to execute, against its budget.

``python -m benchmarks.notebooks`` runs every notebook of ``solutions/`` with the
solved package, as CI does, on a fresh kernel each, and prints the wall time, the
bare cost of a kernel running an empty notebook on this machine (the floor), and
each notebook's time against its budget: 60 s for the capstone, as its issue
asks, 30 s for the others.
"""

import tempfile
import time

import nbformat
from nbclient import NotebookClient

from descentlab.course import NOTEBOOKS
from grader import SOLUTIONS
from grader.assemble import assemble, kernel_env, solved_modules

BUDGET = {"07_training": 60.0}
DEFAULT_BUDGET = 30.0


def run(notebook, folder, env):
    """Seconds to execute ``notebook`` (a NotebookNode) on a new kernel."""
    start = time.perf_counter()
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute(env=env)
    return time.perf_counter() - start


def main():
    with tempfile.TemporaryDirectory() as tmp:
        env = kernel_env(assemble(tmp, solved_modules()))
        floor = min(run(nbformat.v4.new_notebook(), tmp, env) for _ in range(3))
        print(f"{'notebook':<22}{'seconds':>9}{'budget':>9}{'ratio':>8}")
        print(f"{'(empty notebook)':<22}{floor:>9.2f}")
        worst = 0.0
        for name in NOTEBOOKS:
            path = SOLUTIONS / name / f"{name}.ipynb"
            seconds = run(nbformat.read(path, as_version=4), path.parent, env)
            budget = BUDGET.get(name, DEFAULT_BUDGET)
            worst = max(worst, seconds / budget)
            print(f"{name:<22}{seconds:>9.2f}{budget:>9.0f}{seconds / budget:>8.2f}")
    print(f"worst ratio to budget: {worst:.2f} ({'within' if worst <= 1 else 'OVER'} budget)")


if __name__ == "__main__":
    main()
