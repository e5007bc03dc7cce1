"""Fixtures of the browser test: Debian's Chromium driven by Playwright, and one
JupyterLab server on a temporary copy of the course for the whole session."""

import os
import shutil
from pathlib import Path

import pytest

from .lab import REPO, LabServer, copy_course

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Flags that let Chromium run headless as root on a machine with a closed network.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = REPO / ".build" / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    """Path of the Chromium binary; skips locally, fails in CI, when there is none."""
    if CHROMIUM.is_file():
        return CHROMIUM
    message = (f"no Chromium at {CHROMIUM}: install it with `sudo apt-get install chromium` "
               "(or set CHROMIUM=/path/to/chromium) to run the browser test")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def screenshots():
    """Folder of the screenshots, emptied at the start; its path is printed at the end."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def lab(chromium, tmp_path_factory):
    """A running JupyterLab server on a copy of the course's notebooks and ``src/``."""
    root = copy_course(tmp_path_factory.mktemp("course"))
    with LabServer(root, tmp_path_factory.mktemp("home")) as server:
        yield server


@pytest.fixture(scope="session")
def lab_zh(chromium, tmp_path_factory):
    """The same as `make lab LANG=zh` runs it: JupyterLab's interface in Chinese."""
    root = copy_course(tmp_path_factory.mktemp("course-zh"))
    with LabServer(root, tmp_path_factory.mktemp("home-zh"), "zh_CN") as server:
        yield server


@pytest.fixture(params=["en", "zh_CN"])
def server(request):
    """Each edition's JupyterLab in turn: the English, then the Chinese."""
    return request.getfixturevalue("lab" if request.param == "en" else "lab_zh")


@pytest.fixture(scope="session")
def browser(chromium, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # A persistent context gets its own, fresh user-data dir.
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(chromium),
            headless=True, args=CHROMIUM_FLAGS, viewport={"width": 1280, "height": 900})
        yield context
        context.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.is_dir() and any(SCREENSHOTS.iterdir()):
        count = len(list(SCREENSHOTS.glob("*.png")))
        terminalreporter.write_line(f"browser test: {count} screenshots in {SCREENSHOTS}")
