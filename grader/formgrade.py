"""Hand grading in nbgrader's formgrader: ``make formgrade OUT=<folder>``.

Starts JupyterLab with nbgrader's formgrader on the class graded into ``OUT``
(its ``OUT/nbgrader`` course folder and gradebook), on the loopback interface
with a random token. TAs grade the written answers and write comments there;
re-running ``make grade`` then rewrites the feedback, ``grades.csv`` and
``totals.csv`` of every student whose hand grades changed (nobody is regraded).

The formgrader's own Autograde button would grade with nbgrader's ``Execute``
step and the instructor's stub modules, and overwrite the autograded notebook
(hidden tests cleared) with one that holds the hidden tests, which its feedback
would then show. This module is also a Jupyter server extension, loaded by
``make formgrade``, that answers that button with 403 and a message naming
``make grade``, before nbgrader's handler sees it. What the formgrader shows of
a student's answers was sanitised when the zip was taken in
(:mod:`grader.collect`).
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from . import CONFIG, tool_env

CONFIG_FILE = """\
# Written by `make formgrade`: the course's nbgrader settings for hand grading here.
c = get_config()  # noqa: F821
load_subconfig({course!r})  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "descentlab"
c.Exchange.root = {exchange!r}
"""
#: What the formgrader's Autograde button gets.
REFUSED = ("Autograding is done by `make grade`, not in the formgrader: run "
           "make grade SUBMISSIONS=<folder> OUT=<folder> ONLY=<student id>.")
AUTOGRADE = r"/formgrader/api/submission/[^/]+/[^/]+/autograde"


class AutogradeRefused(JupyterHandler):
    """The formgrader's Autograde, refused: scores come from ``make grade`` only."""

    @web.authenticated
    def post(self, *args):
        self.set_status(403)
        self.finish(json.dumps({"success": False, "error": REFUSED, "log": REFUSED}))


def _jupyter_server_extension_points():
    return [{"module": "grader.formgrade"}]


def _load_jupyter_server_extension(serverapp):
    rules = serverapp.web_app.default_router.rules
    before = list(rules)
    serverapp.web_app.add_handlers(
        ".*$", [(url_path_join(serverapp.base_url, AUTOGRADE), AutogradeRefused)])
    (ours,) = [rule for rule in rules if rule not in before]
    # First among the routes, so that nbgrader's own handler of that URL never runs.
    rules.remove(ours)
    rules.insert(0, ours)


def prepare(out):
    """Write the formgrader's configuration into ``OUT/nbgrader``; returns that folder."""
    root = Path(out).resolve() / "nbgrader"
    if not (root / "gradebook.db").is_file():
        raise ValueError(f"OUT={out} holds no graded class (no nbgrader/gradebook.db): run "
                         "make grade SUBMISSIONS=<folder> OUT=<folder> first")
    exchange = root / "exchange"
    exchange.mkdir(mode=0o700, exist_ok=True)
    (root / "nbgrader_config.py").write_text(
        CONFIG_FILE.format(course=str(CONFIG), root=str(root), exchange=str(exchange)),
        encoding="utf-8")
    return root


def command(root, port, token):
    """The ``jupyter lab`` command line serving the formgrader of ``root``."""
    argv = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}", "--LabApp.default_url=/formgrader",
            "--ServerApp.jpserver_extensions={'grader.formgrade': True}"]
    return argv + (["--allow-root"] if os.geteuid() == 0 else [])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the OUT folder of `make grade`")
    parser.add_argument("--port", type=int, default=8890)
    args = parser.parse_args(argv)
    try:
        root = prepare(args.out)
    except ValueError as error:
        sys.exit(f"make formgrade: {error}")
    token = secrets.token_hex(16)
    print(f"Formgrader: http://127.0.0.1:{args.port}/formgrader?token={token}\n"
          "Grade the written answers there; then re-run `make grade` with the same OUT to "
          "rewrite feedback, grades.csv and totals.csv. Ctrl-C stops the server.")
    try:
        subprocess.run(command(root, args.port, token), cwd=root, env=tool_env(), check=False)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
