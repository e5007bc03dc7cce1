"""Feedback pages read offline: every formula of the course becomes MathML when the
page is written, and a student's own maths cannot carry markup into it."""

import re

import nbformat
import pytest
from nbconvert.filters.markdown_mistune import MarkdownWithMath

from descentlab.course import NOTEBOOKS
from grader import REPO
from grader.feedback import MathMLRenderer

#: What would be taken for TeX left for MathJax: $...$, $$...$$ or an environment.
TEX_LEFT = re.compile(r"\$[^$\s][^$]*\$|\\begin\{")


class Counting(MathMLRenderer):
    """The renderer, counting the formulas it is given and those left as TeX."""

    formulas = left_as_tex = 0

    def _math(self, latex, display, source):
        written = super()._math(latex, display, source)
        Counting.formulas += 1
        Counting.left_as_tex += not written.startswith("<math ")
        return written


def render(markdown):
    return MarkdownWithMath(renderer=Counting(escape=False)).render(markdown)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_formula_of_a_notebook_is_written_as_mathml(name):
    notebook = nbformat.read(REPO / "solutions" / name / f"{name}.ipynb", as_version=4)
    Counting.formulas = Counting.left_as_tex = 0
    pages = [render(cell.source) for cell in notebook.cells if cell.cell_type == "markdown"]
    html = "\n".join(pages)
    assert Counting.formulas >= 10  # the notebook's maths was found
    assert Counting.left_as_tex == 0 and html.count("<math ") >= Counting.formulas // 2
    outside_code = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.DOTALL)
    assert not TEX_LEFT.search(outside_code)


@pytest.mark.parametrize("latex", [
    r"\text{<script>window.pwned = 1</script>}",
    r"\text{<img src=x onerror=alert(1)>}",
    r"\href{javascript:alert(1)}{x}",
    r"\style{background:url(https://example.org/x)}{y}",
    r"\class{jp-Dialog}{z} \cssId{top}{w}",
])
def test_a_students_formula_carries_no_markup_into_the_page(latex):
    html = render(f"My answer: ${latex}$ and $$ {latex} $$")
    assert html.count("<math ") == 2
    for tag in re.findall(r"<\s*([a-zA-Z]+)", html):
        assert tag in {"p", "math", "mrow", "mi", "mo", "mn", "mtext", "mstyle"}, tag
    assert not re.search(r"\b(href|style|class|id|on\w+|src)\s*=", html)


def test_a_formula_it_cannot_read_is_shown_as_its_tex_escaped():
    html = render(r"broken: $\left( x <b>$ and fine: $y$")
    assert r"broken: $\left( x &lt;b&gt;$ and fine: <math " in html
