"""Make the zip a student hands in: ``make submit STUDENT=<id>`` (provided code).

The zip holds the student's notebooks and exercise modules (the files listed in
:mod:`descentlab.course`), at their repository-relative paths, and nothing else:
the grader takes only those files from it.

A notebook exists in two editions, ``notebooks/`` and ``notebooks-zh/``; the zip holds
the one the student worked in (:func:`worked_in`) at the English edition's path
(``notebooks/<name>/<name>.ipynb``). The grader grades either the same way.
"""

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path

from .course import EDITIONS, EXERCISES, NOTEBOOKS, module_path, notebook_path
from .i18n import _

#: Student ids become file and folder names in the grader: keep them plain.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_student_id(student_id):
    """Return ``student_id`` if it is a plain id, else raise ValueError saying why."""
    if not STUDENT_ID.fullmatch(student_id or ""):
        raise ValueError(_(
            "student id {student_id!r} is not usable: use letters, digits, '.', '_' "
            "or '-' (up to 64, starting with a letter or digit), e.g. STUDENT=ada_lovelace"
        ).format(student_id=student_id))
    return student_id


#: What nbgrader leaves in a solution cell (written answer or code) until it is filled in.
STUB_TEXT = ("YOUR ANSWER HERE", "raise NotImplementedError()")


def answered(path):
    """Whether the notebook at ``path`` has a solution cell whose nbgrader stub is gone."""
    try:
        cells = json.loads(Path(path).read_text("utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    for cell in cells:
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        if (cell.get("metadata", {}).get("nbgrader", {}).get("solution")
                and not any(stub in source for stub in STUB_TEXT)):
            return True
    return False


def worked_in(repo, name):
    """The repository-relative path of the edition of notebook ``name`` the student worked
    in: the one with answers, or of those with answers the one saved last; with no answer
    in either, the English one. None if there is neither."""
    found = [notebook_path(name, language) for language in EDITIONS
             if (Path(repo) / notebook_path(name, language)).is_file()]
    with_answers = [path for path in found if answered(Path(repo) / path)]
    if not with_answers:
        return found[0] if found else None
    return max(with_answers, key=lambda path: (Path(repo) / path).stat().st_mtime)


def make_submission(repo, student_id, dest=None):
    """Write ``<student_id>.zip`` of the course files found under ``repo``.

    Parameters
    ----------
    repo : path-like
        The student's copy of the course.
    student_id : str
        The id the instructor knows the student by.
    dest : path-like, optional
        Where to write the zip; default ``repo/<student_id>.zip``.

    Returns
    -------
    pathlib.Path, list of str, dict
        The zip written, the course files that were missing from ``repo``, and the
        file each notebook of the zip was taken from (its edition's path).
    """
    repo = Path(repo)
    dest = Path(dest) if dest else repo / f"{check_student_id(student_id)}.zip"
    wanted = {notebook_path(name): worked_in(repo, name) for name in NOTEBOOKS}
    wanted.update({module_path(m): module_path(m) for m in EXERCISES})
    missing, taken = [], {}
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, source in wanted.items():
            if source is not None and (repo / source).is_file():
                archive.write(repo / source, str(path))
                taken[str(path)] = str(source)
            else:
                missing.append(str(path))
    return dest, missing, taken


def main(argv=None):
    # The module docstring's first line, written out so that it can be translated.
    parser = argparse.ArgumentParser(description=_(
        "Make the zip a student hands in: ``make submit STUDENT=<id>`` (provided code)."))
    parser.add_argument("student_id", help=_("your student id, e.g. ada_lovelace"))
    parser.add_argument("--repo", default=".", help=_("the course folder (default: here)"))
    args = parser.parse_args(argv)
    try:
        dest, missing, taken = make_submission(args.repo, args.student_id)
    except ValueError as error:
        sys.exit(f"make submit: {error}")
    with zipfile.ZipFile(dest) as archive:
        names = archive.namelist()
    print(_("Wrote {zip} with {count} files:").format(zip=dest, count=len(names)))
    for name in names:
        source = taken.get(name, name)
        print(f"  {name}" if source == name else
              _("  {name} (from {source})").format(name=name, source=source))
    for name in missing:
        print(_("  (not found, not included: {name})").format(name=name))
    print(_("Hand in this file. Only these files are graded; everything else comes "
            "from the instructor's copy of the course."))


if __name__ == "__main__":
    main()
