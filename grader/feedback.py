"""The students' feedback pages: self-contained HTML that reads offline.

nbgrader's ``GenerateFeedback`` exports every autograded notebook with nbconvert's
``HTMLExporter``, whose formulas stay LaTeX for MathJax to typeset in the reader's
browser, fetched from a CDN: opened offline (or where the CDN is blocked), a
feedback page shows raw ``$\\nabla L$``. Here every formula is converted to MathML
when the page is written (``latex2mathml``); browsers draw MathML themselves
(MathML Core: Chromium 109+, Firefox, Safari), so the page needs no script and
no network. The course's template (``grader/templates/feedback``, nbgrader's own
with the changes it lists) shows an answer still to be graded by hand as such,
never as 0.

Both are set in ``grader/nbgrader_config.py``, so ``make grade`` and the
formgrader write the same pages.
"""

import copy
from html import escape
from pathlib import Path

import bleach
from jinja2 import pass_context
from latex2mathml.converter import convert
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbgrader.preprocessors import GetGrades
from traitlets.config import Config

TEMPLATES = Path(__file__).parent / "templates"

#: The MathML elements latex2mathml writes, and their presentation attributes.
#: latex2mathml copies ``\text{...}`` into the markup unescaped and turns
#: ``\href``, ``\style`` and ``\class`` into attributes; a student's written answer
#: holds maths too, so its output is cleaned down to these.
MATHML_TAGS = frozenset(
    "math mrow mi mn mo ms mspace mtext msub msup msubsup mfrac msqrt mroot mover munder "
    "munderover mtable mtr mtd mlabeledtr mstyle mpadded mphantom menclose merror "
    "mmultiscripts mprescripts none semantics".split())
MATHML_ATTRIBUTES = (
    "xmlns display displaystyle scriptlevel mathvariant mathsize stretchy fence separator "
    "form lspace rspace accent accentunder movablelimits largeop symmetric minsize maxsize "
    "width height depth voffset linethickness notation columnalign columnlines columnspacing "
    "rowalign rowlines rowspacing frame framespacing equalrows equalcolumns").split()


def mathml(latex, display):
    """``latex`` as a MathML ``<math>`` element (``display="block"`` when ``display``),
    cleaned to presentation MathML: no script, link, style or class survives."""
    markup = convert(latex, display="block" if display else "inline")
    return bleach.clean(markup, tags=MATHML_TAGS, attributes=MATHML_ATTRIBUTES, strip=True)


class MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, writing maths as MathML instead of TeX source.

    A formula ``latex2mathml`` cannot read is left as TeX, escaped, so the page
    still says what it is; ``tests/test_feedback_pages.py`` converts every
    formula of the course, so none is.
    """

    def _math(self, latex, display, source):
        try:
            return mathml(latex, display)
        except Exception:  # noqa: BLE001 (any parse failure: keep the TeX source)
            return escape(source)

    def block_math(self, body):
        return self._math(body, True, f"$${body}$$")

    def inline_math(self, body):
        return self._math(body, False, f"${body}$")

    def latex_environment(self, name, body):
        source = f"\\begin{{{name}}}{body}\\end{{{name}}}"
        return self._math(source, True, source)


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter with the course's feedback template and MathML maths."""

    def __init__(self, config=None, **kwargs):
        # GenerateFeedback configures HTMLExporter, and so this subclass, with
        # nbgrader's template; the course's, derived from it, replaces it (settings
        # named for the subclass win over those of its base).
        config = Config(copy.deepcopy(config or {}))
        config.FeedbackExporter.extra_template_basedirs = [str(TEMPLATES)]
        config.FeedbackExporter.template_name = "feedback"
        super().__init__(config=config, **kwargs)

    @pass_context
    def markdown2html(self, context, source):
        """Markdown cells, outputs and TAs' comments to HTML, formulas as MathML."""
        cell = context.get("cell", {})
        renderer = MathMLRenderer(
            escape=False, attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)


class GetGradesAndPending(GetGrades):
    """nbgrader's ``GetGrades``, also marking what is still to be graded by hand.

    A cell waiting for a TA (``needs_manual_grade``: a written answer nobody has
    graded, or a hand grade flagged because the answer changed) gets
    ``metadata.nbgrader.pending``; ``resources['nbgrader']['pending']`` holds
    the points of those cells, for the page's heading.
    """

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        resources["nbgrader"]["pending"] = sum(
            cell.metadata.nbgrader["points"] for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("pending"))
        return nb, resources

    def _get_score(self, cell, resources):
        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(cell.metadata.nbgrader["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        cell.metadata.nbgrader["pending"] = bool(grade.needs_manual_grade)
