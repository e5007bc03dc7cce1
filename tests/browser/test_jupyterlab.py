"""Every notebook as a student meets it in JupyterLab, driven in a real Chromium.

For each notebook, on a copy of the course with the exercise stubs:

1. Run All stops at the first graded check cell, whose message names the
   function and the file to edit, with a link to that file; Validate lists
   exactly the graded cells as failing. The failure shows as its message alone,
   with no traceback through the checks' code.
2. The link opens the file in JupyterLab's editor; the correct function is
   written there and saved; re-running the check cell in the same kernel
   passes (autoreload, no restart).
3. With every exercise solved and the notebook's own answers typed in, Run All
   gives no error, plots render, sliders redraw their figure, animations step,
   and Validate reports success.

Both editions: the English, and the Chinese (``notebooks-zh/``) in JupyterLab whose
own interface is in Chinese, as `make lab LANG=zh` opens them; the Chinese edition's
checks speak Chinese.

Screenshots of each stage are kept (their folder is printed at the end); the Chinese
edition's names start with ``zh-``.
"""

import re

import pytest
from playwright.sync_api import expect

from descentlab.course import EDITIONS, EXERCISES, NOTEBOOKS, module_path, notebook_path
from grader import catalogues
from grader.assemble import solved_modules
from grader.fixtures import SOLUTION_MARKER, student_notebook

from .lab import REPO, NotebookPage

STUB_MESSAGE = re.compile(r"(\w+) is not written yet: fill in `\1` in (src/descentlab/\w+\.py)")
#: Chinese text: at least one CJK character.
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def said(language, english):
    """``english`` (a message or a Markdown line of the course) in the edition ``language``."""
    if language == "en":
        return english
    for domain in (catalogues.PACKAGE_DOMAIN, catalogues.PAGES_DOMAIN):
        found = catalogues.translations(domain).get((None, english))
        if found:
            return found
    raise KeyError(english)


def stub_message(language, evalue):
    """``(function, path)`` an unwritten exercise's message names, in either edition."""
    if language == "en":
        match = STUB_MESSAGE.search(evalue)
        return match.groups() if match else (None, None)
    assert CHINESE.search(evalue) and "not written" not in evalue, evalue
    function = re.search(r"`(\w+)`", evalue)
    path = re.search(r"src/descentlab/\w+\.py", evalue)
    return (function.group(1), path.group(0)) if function and path else (None, None)


def link_text(language, function, path):
    """The text of the "Edit `f` in [path](...)" line a failed check shows, as rendered."""
    template = said(language, "Edit `{name}` in [{path}]({link})")
    markdown = template.format(name=function, path=path, link="")
    return re.sub(r"\[([^]]*)\]\(\)", r"\1", markdown).replace("`", "")


def written(module):
    """A student's correct module: the solved one without nbgrader's markers."""
    return SOLUTION_MARKER.sub("", solved_modules()[module])


def graded_cells(cells):
    """Indices of the code cells that carry points (nbgrader's autograded tests)."""
    return [i for i, cell in enumerate(cells) if cell["type"] == "code" and cell["grade"]]


def reset_to_stubs(lab):
    for module in EXERCISES:
        lab.write_file(str(module_path(module)),
                       (REPO / module_path(module)).read_text("utf-8"))


def text_of(outputs):
    return "".join(out.get("text", "") for out in outputs if out["output_type"] == "stream")


def prefix(language):
    return "" if language == "en" else "zh-"


def test_the_welcome_page_reads_as_a_page_and_leads_to_the_first_notebook(server, page,
                                                                         screenshots):
    """What `make lab` opens first: the edition's README.md, rendered, with a link per
    notebook; the Chinese edition in JupyterLab's Chinese interface, with its glossary."""
    language = server.language
    folder = EDITIONS[language]
    page.goto(f"{server.url}/lab/tree/{folder}/README.md?reset&token={server.token}")
    heading = said(language, "## How the course works").removeprefix("## ")
    rendered = page.locator(".jp-MarkdownViewer .jp-RenderedMarkdown",
                            has=page.locator("h2", has_text=heading))
    rendered.wait_for(timeout=60_000)
    links = rendered.locator("a[href*='.ipynb']")
    assert links.count() == len(NOTEBOOKS)
    # the other edition's welcome page (JupyterLab rewrites the relative link)
    other = "notebooks-zh/README.md" if language == "en" else "notebooks/README.md"
    expect(rendered.locator(f"a[href*='{other}']")).to_have_count(1)
    page.screenshot(path=str(screenshots / f"{prefix(language)}00-welcome.png"))
    if language != "en":
        # JupyterLab's own interface speaks Chinese too: its File menu is 文件.
        expect(page.locator(".lm-MenuBar-itemLabel", has_text="文件")).to_have_count(1)
        page.goto(f"{server.url}/lab/tree/{folder}/GLOSSARY.md?reset&token={server.token}")
        table = page.locator(".jp-RenderedMarkdown table")
        expect(table).to_contain_text("随机梯度下降", timeout=60_000)
        page.screenshot(path=str(screenshots / "zh-00-glossary.png"))
        page.goto(f"{server.url}/lab/tree/{folder}/README.md?reset&token={server.token}")
        rendered.wait_for(timeout=60_000)
    links.first.click()
    page.wait_for_function(
        "path => { const w = window.jupyterapp.shell.currentWidget;"
        " return !!w && !!w.context && w.context.path === path; }",
        arg=str(notebook_path(NOTEBOOKS[0], language)), timeout=60_000)
    for session in server.api("GET", "api/sessions"):  # the next test opens it afresh
        server.api("DELETE", f"api/sessions/{session['id']}")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_in_jupyterlab(server, page, screenshots, name):
    lab, language = server, server.language
    reset_to_stubs(lab)
    notebook = NotebookPage(page, lab, name).open()
    shot = lambda stage: str(screenshots / f"{prefix(language)}{name}-{stage}.png")  # noqa: E731

    # 1. With the stubs, Run All stops at the first graded check cell.
    notebook.run_all()
    cells = notebook.cells()
    graded = graded_cells(cells)
    errors = notebook.errors()
    assert errors, f"{name}: Run All with the stubs raised no error"
    first, ename, evalue = errors[0]
    assert first == graded[0], f"{name}: first error in cell {first}, not the first graded cell"
    assert ename == "ExerciseNotWritten"
    function, path = stub_message(language, evalue)
    assert function, f"{name}: the message does not name the function and file: {evalue!r}"
    assert function in EXERCISES[path.rsplit("/", 1)[1][:-3]]
    notebook.scroll_to(first)
    page.screenshot(path=shot("1-stub-message"))
    # Shown as the message alone: no traceback, no frame or line of the checks' code.
    shown = notebook.cell_node(first).locator(".jp-OutputArea").inner_text()
    assert evalue.splitlines()[0] in shown and link_text(language, function, path) in shown
    for internal in ("Traceback", "checks.py", "File ", "self.", "---->"):
        assert internal not in shown, f"{name}: {internal!r} in the failing check: {shown!r}"

    # Validate lists every graded cell: the checks, and the written answers not yet given.
    dialog = notebook.validate(shot("2-validate-stubs"))
    assert dialog.count("The following cell failed:") == sum(c["grade"] for c in cells), dialog
    assert "You did not provide a response." in dialog
    assert "Success!" not in dialog

    # 2. The message links to the file; write the function there, save, re-check.
    link = notebook.cell_node(first).locator(f".jp-RenderedMarkdown a[href*='{path}']")
    assert link.count() == 1, f"{name}: no link to {path} in the failing check's output"
    link.click()
    notebook.edit_in_editor(path, written(path.rsplit("/", 1)[1][:-3]))
    notebook.run_cell(first)
    rechecked = notebook.cells()[first]["outputs"]
    assert not [o for o in rechecked if o["output_type"] == "error"], rechecked
    assert "✔" in text_of(rechecked), rechecked
    page.screenshot(path=shot("3-recheck-passes"))

    # 3. Everything solved: the whole notebook runs, pictures render, Validate passes.
    for module in EXERCISES:
        lab.write_file(str(module_path(module)), written(module))
    answers = student_notebook(name, solved=True, language=language).cells
    assert len(answers) == len(cells)
    for index, cell in enumerate(cells):
        if cell["solution"]:
            notebook.set_source(index, answers[index].source)
    notebook.run_all()
    assert notebook.errors() == [], f"{name}: errors with the solutions in place"
    shown = check_pictures(notebook, shot)
    # Every call of the explorer or of an animation in the notebook rendered as one.
    calls = [cell.source for cell in answers if cell.cell_type == "code"]
    assert shown["sliders"] == sum("plots.explorer(" in source for source in calls), shown
    assert shown["animations"] == sum(source.count("plots.show_animation(") for source in calls)

    check_folded_hints(notebook, answers, shot)

    dialog = notebook.validate(shot("6-validate-solved"))
    assert "Success! Your notebook passes all the tests." in dialog, dialog
    notebook.shutdown()


def check_folded_hints(notebook, answers, shot):
    """A hint in ``<details>`` shows its summary only, and opens on a click, its
    formulas drawn."""
    folded = [i for i, cell in enumerate(answers)
              if cell.cell_type == "markdown" and "<details>" in cell.source]
    for index in folded:
        notebook.scroll_to(index)
        details = notebook.cell_node(index).locator(".jp-RenderedMarkdown details")
        expected = answers[index].source.count("<details>")
        expect(details).to_have_count(expected)
        hint = details.first
        assert hint.evaluate("d => !d.open"), f"cell {index}: the hint is open"
        hint.locator("summary").click()
        assert hint.evaluate("d => d.open"), f"cell {index}: the hint does not open"
        if "$" in answers[index].source.split("<details>", 1)[1]:
            expect(hint.locator(".MathJax, mjx-container").first).to_be_visible()
    if folded:
        notebook.page.screenshot(path=shot("7-hint-opened"))


def check_pictures(notebook, shot):
    """Plots are images; sliders redraw their figure; animations change frame."""
    cells = notebook.cells()
    pictures = [i for i, cell in enumerate(cells)
                if any("image/png" in out.get("data", {}) for out in cell["outputs"])]
    assert pictures, "the notebook shows no picture"
    notebook.scroll_to(pictures[0])
    notebook.page.screenshot(path=shot("4-first-plot"))
    rendered = notebook.cell_node(pictures[0]).locator(".jp-OutputArea img")
    assert rendered.first.evaluate("img => img.complete && img.naturalWidth > 100")

    widgets = [i for i, cell in enumerate(cells) if any(
        "application/vnd.jupyter.widget-view+json" in out.get("data", {})
        for out in cell["outputs"])]
    sliders = [i for i in widgets if notebook.cell_node(i).locator(".widget-slider").count()]
    for index in sliders:
        node = notebook.cell_node(index)
        notebook.scroll_to(index)
        figure = node.locator(".widget-output img").first
        figure.wait_for()
        before = figure.get_attribute("src")
        handle = node.locator(".noUi-handle").first
        box = handle.bounding_box()
        page = notebook.page
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2,
                        steps=5)
        page.mouse.up()
        # The output may put a new <img> in place of the old one: ask the locator again
        # until it shows another picture (a handle to the old element would wait forever).
        expect(figure).not_to_have_attribute("src", before, timeout=60_000)
        notebook.wait_idle(60)
        page.screenshot(path=shot(f"5-slider-cell{index}"))

    animated = [i for i, cell in enumerate(cells) if any(
        'class="animation"' in out.get("data", {}).get("text/html", "")
        for out in cell["outputs"])]
    for index in animated:
        notebook.scroll_to(index)
        animation = notebook.cell_node(index).locator(".animation")
        frame = animation.locator("img").first
        before = frame.get_attribute("src")
        assert before and before.startswith("data:image/jpeg"), "the animation shows no frame"
        for _ in range(3):
            animation.locator("button[title='Next frame']").click()
        assert frame.get_attribute("src") != before, "the animation did not step"
    return {"pictures": len(pictures), "sliders": len(sliders), "animations": len(animated)}
