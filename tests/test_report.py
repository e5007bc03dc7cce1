"""The class report treats what students wrote as text, never as markup or maths."""

import matplotlib.pyplot as plt
import pytest

from grader import report

FORMULA_LIKE = r"named mistake: $\foo$"


def test_student_text_in_the_reports_pictures_is_drawn_as_it_is():
    with plt.rc_context(report.PLAIN_TEXT):
        html = report._figure_html(report._bars([FORMULA_LIKE], [1], "students"))
    assert html.startswith('<img src="data:image/png;base64,')


def test_without_plain_text_the_same_label_breaks_the_picture():
    """What the rc settings above prevent: matplotlib's mathtext fails on the label."""
    with pytest.raises(ValueError):
        report._figure_html(report._bars([FORMULA_LIKE], [1], "students"))
    plt.close("all")
