"""A JupyterLab server on a temporary copy of the course, and a page that drives it.

The browser test works on a copy because nbgrader's Validate button saves the
notebook first, and because the test rewrites the exercise modules as a student
would. The server's kernels import ``descentlab`` from the copy's ``src/``.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from descentlab.course import EDITIONS, notebook_path

REPO = Path(__file__).resolve().parents[2]
LAB_CONFIG = REPO / "grader" / "jupyter"
#: The configuration folders `make lab` uses for each edition (LANG=zh adds the locale).
LAB_CONFIGS = {"en": [LAB_CONFIG], "zh_CN": [REPO / "grader" / "jupyter-zh", LAB_CONFIG]}

# JupyterLab settings for the test: every cell in the DOM (no windowing), so
# screenshots show what a student scrolls through; no news or update pop-ups.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


def started_url(runtime, process, log, timeout=90):
    """The URL of a Jupyter server started with ``--ServerApp.port=0``, read from the file
    it writes into its ``runtime`` folder once it listens: the system chose the port,
    so no other process on the machine can have taken it in between."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Jupyter server exited at start; see {log}:\n"
                               + Path(log).read_text("utf-8", "replace")[-3000:])
        for info in Path(runtime).glob("jpserver-*.json"):
            try:
                return json.loads(info.read_text())["url"].rstrip("/")
            except (OSError, ValueError, KeyError):  # being written
                pass
        time.sleep(0.3)
    raise TimeoutError(f"the Jupyter server did not start within {timeout} s; see {log}")


def copy_course(target):
    """Copy what a student has (both editions' notebooks and ``src/``, stubs included)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints")
    for folder in (*EDITIONS.values(), "src"):
        shutil.copytree(REPO / folder, target / folder, ignore=ignore)
    return target


class LabServer:
    """``jupyter lab`` on a loopback port the system picks, with a random token, rooted
    at ``root``, configured as `make lab` configures it for the edition ``language``.

    Use as a context manager; on exit the server is asked to shut down (which
    stops its kernels) and any process it started that is still alive is killed.
    """

    def __init__(self, root, home, language="en"):
        self.root, self.home, self.language = Path(root), Path(home), language
        self.token, self.url, self.process = secrets.token_hex(16), None, None
        self.log = self.home / "jupyterlab.log"

    def __enter__(self):
        settings = self.home / "lab-settings"
        for name, values in SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), "utf-8")
        env = dict(os.environ,
                   PYTHONPATH=str(self.root / "src"),
                   HOME=str(self.home),
                   JUPYTER_CONFIG_DIR=str(self.home / "config"),
                   # the course's defaults, as `make lab`
                   JUPYTER_CONFIG_PATH=os.pathsep.join(map(str, LAB_CONFIGS[self.language])),
                   JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
                   JUPYTERLAB_SETTINGS_DIR=str(settings),
                   JUPYTERLAB_WORKSPACES_DIR=str(self.home / "workspaces"),
                   MPLBACKEND="module://matplotlib_inline.backend_inline")
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0",
                   f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={self.root}", "--LabApp.expose_app_in_browser=True"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.root, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.url = started_url(self.home / "runtime", self.process, self.log)
        self.api("GET", "api/status")
        return self

    def api(self, method, path, body=None):
        """Call the server's REST API with the token; returns the decoded JSON reply."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            text = reply.read()
        return json.loads(text) if text else None

    def write_file(self, relative, text):
        """Save a text file through the contents API, as JupyterLab's editor does."""
        self.api("PUT", f"api/contents/{relative}",
                 {"type": "file", "format": "text", "content": text})

    def children(self):
        """Pids of every live process descended from the server (its kernels)."""
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found, frontier = set(), {self.process.pid}
        while frontier:
            frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
            found |= frontier
        return found

    def __exit__(self, *exc):
        started = self.children()
        try:
            self.api("POST", "api/shutdown")
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for pid in started:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class NotebookPage:
    """One notebook open in JupyterLab in a Playwright page.

    Runs JupyterLab's own commands through ``window.jupyterapp`` (exposed by the
    server flag ``expose_app_in_browser``) and reads outputs from the notebook
    model, so assertions do not depend on what is scrolled into view.
    """

    def __init__(self, page, server, name):
        self.page, self.server, self.name = page, server, name
        self.path = notebook_path(name, server.language)  # in the server's edition

    def open(self):
        """Open the notebook in a fresh JupyterLab page and wait for its kernel."""
        self.page.goto(f"{self.server.url}/lab/tree/{self.path}"
                       f"?reset&token={self.server.token}")
        self.page.wait_for_function(
            "path => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            " if (!w || !w.context || w.context.path !== path) return false;"
            " window.notebookPanel = w;"
            " const k = w.sessionContext.session && w.sessionContext.session.kernel;"
            " return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; }",
            arg=str(self.path), timeout=60_000)
        return self

    def run_all(self, timeout=300):
        """Run every cell as the student's "Run All" does; stops at the first error."""
        self._command("notebook:run-all-cells", timeout)

    def run_cell(self, index, timeout=120):
        """Select cell ``index`` and run it (Ctrl+Enter), in the same kernel."""
        self.page.evaluate(
            "i => { const nb = window.notebookPanel.content;"
            " nb.activeCellIndex = i; nb.deselectAll(); }", index)
        self._command("notebook:run-cell", timeout)

    def _command(self, command, timeout):
        self.page.evaluate(
            "c => { window.jupyterapp.shell.activateById(window.notebookPanel.id);"
            " window.jupyterapp.commands.execute(c); }", command)
        self.wait_idle(timeout)

    def wait_idle(self, timeout):
        """Wait until no cell is queued or running and the kernel is idle."""
        self.page.wait_for_function(
            "() => { const w = window.notebookPanel;"
            " const k = w.sessionContext.session.kernel;"
            " const busy = w.content.widgets.some(c => c.model.type === 'code'"
            "   && c.promptNode && c.promptNode.textContent.includes('*'));"
            " return k.status === 'idle' && !busy; }", timeout=timeout * 1000, polling=200)

    def cells(self):
        """Every cell as ``{type, grade, solution, outputs}`` from the live model."""
        return self.page.evaluate(
            "() => window.notebookPanel.content.widgets.map(c => {"
            " const nbgrader = c.model.getMetadata('nbgrader') || {};"
            " return { type: c.model.type, grade: !!nbgrader.grade,"
            " solution: !!nbgrader.solution,"
            " outputs: c.model.type === 'code' ? c.model.outputs.toJSON() : [] }; })")

    def errors(self):
        """``(cell index, ename, evalue)`` for every error output in the notebook."""
        return [(i, out["ename"], out["evalue"]) for i, cell in enumerate(self.cells())
                for out in cell["outputs"] if out["output_type"] == "error"]

    def scroll_to(self, index):
        self.page.evaluate(
            "i => window.notebookPanel.content.widgets[i].node"
            ".scrollIntoView({block: 'start'})", index)

    def cell_node(self, index):
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def validate(self, shot, timeout=180):
        """Click nbgrader's Validate button; screenshot the dialog, close it, return its text."""
        self.page.locator(".jp-NotebookPanel-toolbar [data-jp-item-name='runAll']").click()
        dialog = self.page.locator(".jp-Dialog-content")
        dialog.wait_for(timeout=timeout * 1000)
        text = dialog.inner_text()
        self.page.screenshot(path=shot)
        dialog.locator("button.jp-mod-accept").click()
        dialog.wait_for(state="detached")
        return text

    def set_source(self, index, text):
        """Type ``text`` into cell ``index`` (replacing its source), as a student does."""
        self.page.evaluate(
            "([i, text]) => window.notebookPanel.content.widgets[i].model.sharedModel"
            ".setSource(text)", [index, text])

    def edit_in_editor(self, path, text):
        """In the file editor that is the current tab, replace the text and save."""
        self.page.wait_for_function(
            "path => { const w = window.jupyterapp.shell.currentWidget;"
            " return !!w && !!w.context && w.context.path === path && w.context.isReady; }",
            arg=path, timeout=30_000)
        self.page.evaluate(
            "async text => { const app = window.jupyterapp; const w = app.shell.currentWidget;"
            " w.content.model.sharedModel.setSource(text);"
            " await app.commands.execute('docmanager:save');"
            " w.dispose(); app.shell.activateById(window.notebookPanel.id); }", text)

    def shutdown(self):
        """Stop the kernel and close the notebook's tab."""
        self.page.evaluate(
            "async () => { const w = window.notebookPanel;"
            " await w.sessionContext.shutdown(); w.context.model.dirty = false;"
            " w.dispose(); }")
