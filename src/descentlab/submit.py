"""Make the zip a student hands in: ``make submit STUDENT=<id>`` (provided code).

The zip holds the student's notebooks and exercise modules (the files listed in
:mod:`descentlab.course`), at their repository-relative paths, and nothing else:
the grader takes only those files from it.
"""

import argparse
import re
import sys
import zipfile
from pathlib import Path

from .course import submission_paths

#: Student ids become file and folder names in the grader: keep them plain.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_student_id(student_id):
    """Return ``student_id`` if it is a plain id, else raise ValueError saying why."""
    if not STUDENT_ID.fullmatch(student_id or ""):
        raise ValueError(
            f"student id {student_id!r} is not usable: use letters, digits, '.', '_' "
            "or '-' (up to 64, starting with a letter or digit), e.g. STUDENT=ada_lovelace"
        )
    return student_id


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
    pathlib.Path, list of str
        The zip written and the course files that were missing from ``repo``.
    """
    repo = Path(repo)
    dest = Path(dest) if dest else repo / f"{check_student_id(student_id)}.zip"
    missing = []
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in submission_paths():
            if (repo / path).is_file():
                archive.write(repo / path, str(path))
            else:
                missing.append(str(path))
    return dest, missing


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("student_id", help="your student id, e.g. ada_lovelace")
    parser.add_argument("--repo", default=".", help="the course folder (default: here)")
    args = parser.parse_args(argv)
    try:
        dest, missing = make_submission(args.repo, args.student_id)
    except ValueError as error:
        sys.exit(f"make submit: {error}")
    with zipfile.ZipFile(dest) as archive:
        names = archive.namelist()
    print(f"Wrote {dest} with {len(names)} files:")
    for name in names:
        print(f"  {name}")
    for name in missing:
        print(f"  (not found, not included: {name})")
    print("Hand in this file. Only these files are graded; everything else comes "
          "from the instructor's copy of the course.")


if __name__ == "__main__":
    main()
