"""The class report of a grading run: ``OUT/report.html``, one self-contained page.

It shows the score distribution of each notebook, the pass rate of every graded
cell, the mistakes the checks named most often across the class, and the
students who need the instructor: written answers to grade by hand, late
hand-ins, submissions with problems (broken files, jobs stopped, missing parts),
files that could not be graded and roster students who handed in nothing; and
every student's totals, with answers still to grade by hand shown as pending.
"""

import base64
import html
import io
from collections import Counter

import matplotlib

matplotlib.use("Agg")  # the report is drawn without a screen
import matplotlib.pyplot as plt  # noqa: E402
from nbgrader.api import Gradebook, MissingEntry  # noqa: E402

from descentlab.course import NOTEBOOKS  # noqa: E402

from . import totals as total_points  # noqa: E402


def collect(batch, students):
    """Scores per notebook and per graded cell, and manual grading still to do."""
    scores = {name: [] for name in NOTEBOOKS}
    cells, manual = {}, {}
    with Gradebook(batch.db_url) as gradebook:
        for name in NOTEBOOKS:
            assignment = gradebook.find_assignment(name)
            for student in students:
                try:
                    submission = gradebook.find_submission(name, student)
                except MissingEntry:
                    scores[name].append(0.0)
                    continue
                scores[name].append(submission.score / assignment.max_score)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.needs_manual_grade:
                            manual[student] = manual.get(student, 0) + 1
                        elif grade.auto_score is not None:
                            cells.setdefault(f"{name}: {grade.name}", []).append(
                                grade.auto_score >= grade.max_score)
    return scores, cells, manual


#: Labels are student-derived text: drawn as they are, never parsed as mathtext ($...$).
PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}


def _figure_html(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=90)
    plt.close(fig)
    return f'<img src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _distributions(scores):
    fig, axes = plt.subplots(1, len(scores), figsize=(2.6 * len(scores), 2.4), sharey=True)
    for ax, (name, values) in zip(axes, scores.items(), strict=True):
        ax.hist(values, bins=[i / 10 for i in range(11)], color="#4c72b0")
        ax.set(title=name, xlabel="score / max", xlim=(0, 1))
    axes[0].set_ylabel("students")
    return fig


def _bars(labels, values, xlabel):
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(labels) + 0.8))
    ax.barh(range(len(labels)), values, color="#dd8452")
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    return fig


def write(batch, outcome, mistakes, late):
    """Write ``report.html`` for the class graded into ``batch`` (:class:`grade.Outcome`);
    ``late`` maps each student to ``(seconds late, points taken off)``."""
    problems = {s: found for s, found in outcome.problems.items() if s not in outcome.refused}
    students = sorted(problems)
    scores, cells, manual = collect(batch, students)
    with plt.rc_context(PLAIN_TEXT):
        parts = _parts(outcome, students, problems, scores, cells, manual, mistakes, late,
                       total_points.totals(batch.db_url, students, batch.ungraded()))
    page = "<!doctype html><meta charset=utf-8><title>Descent Lab report</title>" + "\n".join(parts)
    (batch.out / "report.html").write_text(page, encoding="utf-8")


def _totals_table(found):
    """Every student's points per notebook and total; pending answers shown as pending."""
    rows = ["<h2>Totals</h2><table border=1 cellpadding=4><tr><th>student</th>"
            + "".join(f"<th>{name}</th>" for name in NOTEBOOKS) + "<th>total</th></tr>"]
    for total in found:
        cells = ["pending" if total.scores[name] is None else f"{total.scores[name]:g}"
                 for name in NOTEBOOKS]
        overall = "pending" if total.total is None else f"{total.total:g}"
        rows.append(f"<tr><td>{html.escape(total.student)}</td>"
                    + "".join(f"<td>{cell}</td>" for cell in cells) + f"<td>{overall}</td></tr>")
    return rows + ["</table>"]


def _parts(outcome, students, problems, scores, cells, manual, mistakes, late, totals):
    """The page's parts, in order: HTML text, every student-derived string escaped."""
    named = Counter(m for per_student in mistakes.values() for found in per_student.values()
                    for m in set(found))
    parts = [f"<h1>Descent Lab: class report</h1><p>{len(students)} students graded.</p>",
             "<h2>Score distribution per notebook</h2>", _figure_html(_distributions(scores))]
    if cells:
        rates = {cell: sum(passed) / len(passed) for cell, passed in sorted(cells.items())}
        parts += ["<h2>Pass rate of every graded cell</h2>",
                  _figure_html(_bars(list(rates), list(rates.values()), "fraction of students"))]
    parts.append("<h2>Mistakes the checks named most often</h2>")
    if named:
        top = named.most_common(10)
        parts.append(_figure_html(_bars([m[:90] for m, _ in top], [n for _, n in top],
                                        "students")))
        parts.append("<table border=1 cellpadding=4><tr><th>students</th><th>mistake</th></tr>")
        parts += [f"<tr><td>{count}</td><td>{html.escape(mistake)}</td></tr>"
                  for mistake, count in named.most_common()]
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    rows = [(student, manual.get(student, 0), late[student], problems[student])
            for student in students
            if manual.get(student) or problems[student] or late[student][0]]
    parts.append("<h2>Students needing review</h2><table border=1 cellpadding=4>"
                 "<tr><th>student</th><th>answers to grade by hand</th><th>late</th>"
                 "<th>problems</th></tr>")
    for student, count, (seconds, penalty), found in rows:
        listed = "<br>".join(html.escape(p) for p in found) or "–"
        lateness = f"{seconds / 3600:.1f} h, −{penalty:g} points" if seconds else "–"
        parts.append(f"<tr><td>{html.escape(student)}</td><td>{count}</td><td>{lateness}</td>"
                     f"<td>{listed}</td></tr>")
    parts.append("</table>")
    parts += _totals_table(totals)
    if outcome.refused:
        parts.append("<h2>Files not graded</h2><ul>")
        parts += [f"<li><b>{html.escape(name)}</b>: {html.escape(why)}</li>"
                  for name, why in outcome.refused.items()]
        parts.append("</ul>")
    if outcome.missing:
        parts.append("<h2>Roster students with no submission</h2><p>"
                     + ", ".join(html.escape(s) for s in outcome.missing) + "</p>")
    return parts
