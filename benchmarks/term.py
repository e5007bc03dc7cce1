"""An instructor's term, step by step, timed: ``python -m benchmarks.term [N]``.

Each step runs the command an instructor runs (README, "A term, one command per
step"), as a separate process, on a class of N students (default 30) handing in
through Canvas's "Download Submissions" names, every third one with a wrong
``mse``:

1. handout   ``make handout DEST=``
2. grade     ``make grade LMS=canvas DEADLINE= LATE=zero`` (everyone graded)
3. by hand   what the formgrader stores when TAs grade every written answer
             (nbgrader's Gradebook API; the TAs' own time is not measured)
4. publish   ``make grade`` again: nobody regraded, feedback rewritten
5. regrade   one student re-submits; ``make grade`` regrades that student only
6. everyone  a course edit: ``make grade`` regrades the whole class

After each step it checks what the instructor relies on (every hand grade in
``totals.csv`` and ``canvas.csv``, pending answers pending, hand grades kept by
both regrades) and prints a table of the wall times.
"""

import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook

from descentlab.course import NOTEBOOKS
from grader import REPO, sandbox
from grader.assemble import solved_modules
from grader.fixtures import write_submission

from .grading import WRONG

COMMENT = "Clear, and it says why."


def command(*args):
    """Run one of the grader's commands as ``make`` does; its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", *args], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def hand_in(folder, n, stamp="5550001"):
    """N students' zips under Canvas's names; every third ``mse`` sums instead of averaging."""
    solved = solved_modules()
    right, wrong = WRONG["losses"]
    for i in range(n):
        modules = dict(solved)
        if i % 3 == 1:
            modules["losses"] = modules["losses"].replace(right, wrong)
        write_submission(folder / f"student{i:03d}_{1000 + i}_{stamp}_descentlab.zip", modules)


def grade_by_hand(db_url):
    """Give every written answer 3/4 of its points and a comment, as TAs would."""
    graded = 0
    with Gradebook(db_url) as gradebook:
        for assignment in gradebook.assignments:
            for submission in gradebook.assignment_submissions(assignment.name):
                for notebook in submission.notebooks:
                    comments = {comment.name: comment for comment in notebook.comments}
                    for grade in notebook.grades:
                        if grade.needs_manual_grade:
                            grade.manual_score = 0.75 * grade.max_score
                            grade.needs_manual_grade = False
                            comments[grade.name].manual_comment = COMMENT
                            graded += 1
        gradebook.db.commit()
    return graded


def rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    unsafe = [] if sandbox.detect().isolated else ["--allow-unsafe"]
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subs, out, db_url = tmp / "subs", tmp / "out", f"sqlite:///{tmp}/out/nbgrader/gradebook.db"
        subs.mkdir()
        hand_in(subs, n)
        grade = ("grader.grade", str(subs), "--out", str(out), *unsafe)

        times["handout"] = command("grader.handout", str(tmp / "class"))
        times["grade"] = command(*grade, "--lms", "canvas", "--deadline", "2026-12-01 23:59",
                                 "--late", "zero")
        pending = [row for row in rows(out / "totals.csv") if row["pending"]]
        assert len(pending) == n, "every student has written answers to grade by hand"

        start = time.perf_counter()
        answers = grade_by_hand(db_url)
        times["by hand"] = time.perf_counter() - start

        times["publish"] = command(*grade)
        assert not any(row["pending"] for row in rows(out / "totals.csv"))
        canvas = rows(out / "canvas.csv")[1:]
        assert len(canvas) == n and all(row[f"Descent Lab {name}"]
                                        for row in canvas for name in NOTEBOOKS)
        feedback = (out / "feedback" / "1000" / "01_loss" / "01_loss.html").read_text()
        assert COMMENT in feedback and "to be graded by hand" not in feedback

        # Canvas's download holds each student's latest hand-in only.
        resubmitted = subs / "student001_1001_5550001_descentlab.zip"
        resubmitted.rename(subs / "student001_1001_5550002_descentlab.zip")
        write_submission(subs / "student001_1001_5550002_descentlab.zip", solved_modules())
        before = rows(out / "totals.csv")
        times["regrade one"] = command(*grade)
        after = rows(out / "totals.csv")
        changed = [b["student_id"] for b, a in zip(before, after, strict=True) if b != a]
        assert changed == ["1001"], changed  # its mse is right now; the rest are untouched

        # A course edit changes the grader's version, which regrades everyone.
        for path in (out / "records").glob("*.json"):
            record = json.loads(path.read_text())
            record["grader"] = "before a course edit"
            path.write_text(json.dumps(record))
        times["regrade all"] = command(*grade)
        assert rows(out / "totals.csv") == after, "hand grades survive a whole-class regrade"

    print(f"\nA term for {n} students (Canvas download, {answers} written answers graded "
          "by hand):")
    for step, seconds in times.items():
        print(f"  {step:<12} {seconds:8.1f} s")


if __name__ == "__main__":
    main()
