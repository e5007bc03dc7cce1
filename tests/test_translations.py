"""The Chinese edition: complete catalogues, faithful translations, the same notebooks.

The catalogues (``locale/zh_CN/*.po``) must hold a checked translation of every
piece of English a student reads, and nothing stale: a changed English sentence
makes its entry fuzzy (``make catalogues``), which fails here until a translator
checks it. The edition built from them must be the English notebooks with only
their prose, comments and strings changed.
"""

import ast
import copy
import re

import nbformat
import numpy as np
import pytest

from descentlab import checks, i18n, problems
from descentlab.course import EXERCISES, NOTEBOOKS, module_path, notebook_path
from descentlab.failures import CheckFailed
from grader import REPO, catalogues, edition, segments

ZH = "zh_CN"


@pytest.mark.parametrize("domain", catalogues.DOMAINS)
def test_catalogue_is_complete_checked_and_faithful(domain):
    assert catalogues.problems(domain) == []


def test_a_changed_english_sentence_is_fuzzy_until_checked(tmp_path, monkeypatch):
    """What ``make catalogues`` does with a sentence that changed: old translation kept,
    marked fuzzy, and reported as a problem."""
    monkeypatch.setattr(catalogues, "LOCALE_DIR", tmp_path)
    old = [segments.Piece("paragraph", "The loss is **one number**.")]
    new = [segments.Piece("paragraph", "The loss is **a single number**.")]
    monkeypatch.setattr(catalogues, "english_pieces", lambda domain: old)
    catalogue = catalogues.template("demo")
    catalogue.get(old[0].text).string = "损失是**一个数**。"
    catalogues.write("demo", catalogue)
    assert catalogues.problems("demo") == []

    monkeypatch.setattr(catalogues, "english_pieces", lambda domain: new)
    catalogues.update("demo")
    entry = catalogues.read("demo").get(new[0].text)
    assert entry.fuzzy and entry.string == "损失是**一个数**。"
    assert [p.split(": ")[1] for p in catalogues.problems("demo")] == [
        "fuzzy 'The loss is **a single number**.'"]


@pytest.mark.parametrize("kind, english, chinese, said", [
    ("paragraph", "The rate is $\\alpha = 0.1$.", "学习率为 $\\alpha = 0.01$。", "maths"),
    ("paragraph", "About 35 steps.", "大约几十步。", "numbers"),
    ("paragraph", "Call `np.mean`.", "调用 np.mean。", "code"),
    ("paragraph", "See [notebook 02](../02/02.ipynb).", "见[笔记本 02](02.ipynb)。",
     "link targets"),
    ("paragraph", "<details><summary>Hint</summary>", "提示", "HTML tags"),
    ("fstring", 'f"loss {loss:.4f}"', 'f"损失 {loss:.2f}"', "fields"),
    ("fstring", 'f"loss {loss:.4f}"', '"损失 {loss:.4f}"', "is not an f-string"),
    ("message", "returned {value}", "返回了 {values}", "fields"),
])
def test_a_translation_that_loses_what_must_be_kept_is_reported(kind, english, chinese, said):
    assert any(said in problem for problem in catalogues.unfaithful(kind, english, chinese))


def test_implicitly_joined_fstrings_over_lines_are_checked_as_one():
    english = 'f"lr = {lr}: first {a:.3f}, "\n          f"last {b:.3f}"'
    assert catalogues.unfaithful("fstring", english, 'f"lr = {lr}：先 {a:.3f}，后 {b:.3f}"') == []
    assert catalogues.unfaithful("fstring", english, 'f"lr = {lr}：先 {a:.3f}"')


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_pieces_put_back_unchanged_give_the_notebook_back(name):
    notebook = nbformat.read(REPO / notebook_path(name), as_version=4)
    same = segments.replace_in_notebook(copy.deepcopy(notebook), lambda piece: piece.text)
    for before, after in zip(notebook.cells, same.cells, strict=True):
        if before.cell_type == "code":
            assert _code_shape(before.source) == _code_shape(after.source)
        else:
            assert before.source == after.source


def _code_shape(source):
    """A cell's code as Python sees it, its strings left out (the translation's to change)."""
    tree = ast.parse(segments._python(source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
        if isinstance(node, ast.JoinedStr):
            node.values = [v for v in node.values if not isinstance(v, ast.Constant)]
    return ast.dump(tree)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_chinese_notebook_is_the_english_one_with_its_words_translated(name):
    english = nbformat.read(REPO / notebook_path(name), as_version=4)
    chinese = nbformat.read(REPO / notebook_path(name, ZH), as_version=4)
    assert chinese.metadata["descentlab"] == {"language": ZH}
    assert len(chinese.cells) == len(english.cells)
    translated = 0
    for en, zh in zip(english.cells, chinese.cells, strict=True):
        assert (zh.cell_type, zh.get("id")) == (en.cell_type, en.get("id"))
        role_en, role_zh = en.metadata.get("nbgrader", {}), zh.metadata.get("nbgrader", {})
        assert {k: v for k, v in role_zh.items() if k != "checksum"} == {
            k: v for k, v in role_en.items() if k != "checksum"}
        if en.cell_type == "code":
            assert _code_shape(zh.source) == _code_shape(en.source)
        if role_en.get("solution") and role_en.get("grade"):
            assert zh.source == en.source  # nbgrader's "No response." depends on it
        translated += zh.source != en.source
        if "checksum" in role_zh:
            from nbgrader.utils import compute_checksum
            assert role_zh["checksum"] == compute_checksum(zh)  # Validate sees no change
    prose = [zh for en, zh in zip(english.cells, chinese.cells, strict=True)
             if en.cell_type == "markdown" and segments.markdown_pieces(en.source)
             and not segments._answer_cell(en)]
    assert all(re.search(r"[\u4e00-\u9fff]", c.source) for c in prose)
    assert translated > len(prose)  # code cells' comments and strings too


def test_every_exercise_docstring_has_its_chinese_in_the_students_file():
    for module, functions in EXERCISES.items():
        tree = ast.parse((REPO / module_path(module)).read_text("utf-8"))
        documented = [tree] + [node for node in tree.body if isinstance(node, ast.FunctionDef)
                               and node.name in functions]
        for node in documented:
            english, chinese = ast.get_docstring(node).split(edition.DOCSTRING_HEADING)
            assert re.search(r"[\u4e00-\u9fff]", chinese), (module, getattr(node, "name", ""))
            assert not re.search(r"[\u4e00-\u9fff]{3}", english.split("\n")[0])


def test_the_chinese_edition_has_its_welcome_glossary_and_language_marker():
    folder = REPO / edition.FOLDER
    assert (folder / i18n.MARKER).read_text("utf-8").strip() == ZH
    welcome = (folder / "README.md").read_text("utf-8")
    assert "](../notebooks/README.md)" in welcome  # the other edition, both ways
    assert "](../notebooks-zh/README.md)" in (REPO / "notebooks" / "README.md").read_text()
    for name in NOTEBOOKS:
        assert f"]({name}/{name}.ipynb)" in welcome
    glossary = (folder / "GLOSSARY.md").read_text("utf-8")
    for term in ("损失函数", "均方误差", "梯度下降", "随机梯度下降", "学习率", "动量", "反向传播",
                 "优化器"):
        assert term in glossary


def _mse_summing(y_true, y_pred):
    """A student's mse that sums the squared errors instead of averaging them."""
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"shapes {y_true.shape} and {y_pred.shape} differ")
    total = 0.0
    for error in (y_pred - y_true).ravel():
        total += error * error
    return total


def test_a_chinese_students_wrong_mse_gets_the_named_mistake_in_chinese(monkeypatch):
    monkeypatch.setenv("DESCENTLAB_LANG", ZH)
    table = catalogues.translations(catalogues.PACKAGE_DOMAIN)
    with pytest.raises(CheckFailed) as failed:
        checks.check_mse(_mse_summing)
    message = str(failed.value)
    assert table[(None, checks.SUM_NOT_MEAN)] in message
    assert checks.SUM_NOT_MEAN not in message and "Likely mistake" not in message
    assert failed.value.mistake == checks.SUM_NOT_MEAN  # what the class report counts

    monkeypatch.setenv("DESCENTLAB_LANG", "en")
    with pytest.raises(CheckFailed) as failed:
        checks.check_mse(_mse_summing)
    assert f"Likely mistake: {checks.SUM_NOT_MEAN}" in str(failed.value)


def test_the_language_follows_the_editions_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DESCENTLAB_LANG", raising=False)
    notebook_folder = tmp_path / edition.FOLDER / "01_loss"
    notebook_folder.mkdir(parents=True)
    monkeypatch.chdir(notebook_folder)
    assert i18n.language() == "en"
    (tmp_path / edition.FOLDER / i18n.MARKER).write_text(f"{ZH}\n")
    assert i18n.language() == ZH
    monkeypatch.setenv("DESCENTLAB_LANG", "en")
    assert i18n.language() == "en"


def test_every_link_to_a_notebook_reads_as_its_chinese_title():
    """The navigation cells and the welcome page name each notebook by its own title
    (or its start, as "Next: [06 · Adam](...)" does)."""
    folder = REPO / edition.FOLDER
    titles = {name: nbformat.read(REPO / notebook_path(name, ZH), as_version=4).cells[0]
              .source.splitlines()[0].lstrip("# ").strip() for name in NOTEBOOKS}
    pages = [(folder / "README.md").read_text("utf-8")] + [
        cell.source for name in NOTEBOOKS
        for cell in nbformat.read(REPO / notebook_path(name, ZH), as_version=4).cells
        if cell.cell_type == "markdown"]
    links = [(text, target) for page in pages
             for text, target in re.findall(r"\[([^\]]+)\]\((?:\.\./)?(\d\d_\w+)/\2\.ipynb\)",
                                            page)]
    assert len(links) >= 2 * len(NOTEBOOKS)
    assert [(text, target) for text, target in links
            if f"{target[:2]} · " in text and not titles[target].startswith(text)] == []


def test_a_filled_in_mistake_is_kept_in_english_and_shown_translated(monkeypatch):
    """A named mistake with a number in it (the stability edge) is counted as one in the
    class report whichever edition it was made in, and read in the student's."""
    monkeypatch.setenv("DESCENTLAB_LANG", ZH)
    with pytest.raises(CheckFailed) as failed:
        checks.check_lr_choice(3.0, problems.parabola(a=1.0), [1.0], 1e-6, 50)
    english = "lr above the stability edge 2/λ_max = 1: every step overshoots"
    assert str(failed.value.mistake).startswith(english)
    assert english not in str(failed.value) and "2/λ_max = 1" in str(failed.value)
    assert re.search(r"[\u4e00-\u9fff]", str(failed.value))
