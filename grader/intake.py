"""Whose is each file in SUBMISSIONS, and which one counts.

File names are read with nbgrader's own ``zip_collect`` file-name collector
(:class:`nbgrader.plugins.FileNameCollectorPlugin`): a regular expression with a
``student_id`` group and, optionally, a ``timestamp`` group, read (as UTC) in one
of the exact forms of :data:`TIME_FORMATS`, never by a parser that guesses
(``2026-12-01-23-50-05`` is 23:50:05, not 23:50 at an offset of five hours).
The default fits ``make submit``'s ``<student_id>.zip``; an LMS download needs
its own, e.g. for
``ps_ada_lovelace_attempt_2026-12-01-09-30-00.zip``::

    PATTERN='ps_(?P<student_id>.+)_attempt_(?P<timestamp>[0-9-]+)\\.zip$'

A student with several files is graded on the newest; when the names do not say
which is newest (no time, or the same time) that student is not graded and the
reason says which files to remove. With a roster (nbgrader's student CSV: ``id``,
and optionally ``first_name``, ``last_name``, ``email``), files of ids not on it
are not graded and roster students without a file are listed.
"""

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.plugins import FileNameCollectorPlugin

from descentlab.submit import STUDENT_ID

#: ``make submit``'s file names: ``<student_id>.zip``.
DEFAULT_PATTERN = rf"(?P<student_id>{STUDENT_ID.pattern})\.zip$"
#: File names of LMS downloads, by ``LMS=`` name. Canvas's "Download Submissions" names
#: each file ``<sortable name>_[LATE_]<user id>_<file id>_<original name>`` (canvas-lms,
#: ``lib/content_zipper.rb``; older versions write ``late``): the student id is the
#: Canvas user id (the ``ID`` column of its gradebook export), and the name carries no
#: time, only whether Canvas counted the hand-in late. With anonymous grading there is
#: no name and the id is ``anon_<anonymous id>``.
LMS_PATTERNS = {
    "canvas": r"^(?:[A-Za-z0-9]*_)?(?i:(?P<late>late)_)?"
              r"(?P<student_id>[0-9]+|anon_[A-Za-z0-9]+)_[0-9]+_.+\.zip$",
    # Moodle's "Download all submissions", unzipped: a folder per student,
    # ``<Full Name>_<participant id>_assignsubmission_file`` (a trailing ``_`` before
    # Moodle 4.1) holding the files, or, without folders, that prefix and ``_`` before
    # each file's name (moodle, ``mod/assign/classes/downloader.php``). The student
    # id is the participant id; no time is in the names.
    "moodle": r"^[^/]*_(?P<student_id>[0-9]+)_assignsubmission_file(?:_?/|_)[^/]+\.zip$",
    # Gradescope's "Export Submissions", unzipped: a folder ``submission_<id>`` per
    # submission, and ``submission_metadata.yml`` saying whose each is (``:submitters:``,
    # each with its ``:sid:``) and when it was made (``:created_at:``, UTC).
    "gradescope": r"^(?P<student_id>submission_[0-9]+)/[^/]+\.zip$",
}
#: The file of a Gradescope export that says whose each submission is.
GRADESCOPE_METADATA = "submission_metadata.yml"
#: The forms a time in a file name may take, each read exactly (zero-padded, whole string).
TIME_FORMATS = ("%Y-%m-%d-%H-%M-%S", "%Y-%m-%dT%H-%M-%S", "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y%m%dT%H%M%S")
#: Roster columns that nbgrader's gradebook keeps for a student.
ROSTER_FIELDS = ("first_name", "last_name", "email")


@dataclass
class HandIn:
    """The file that counts for one student."""

    student_id: str
    path: Path
    #: When it was handed in (UTC), if the file name says.
    timestamp: object = None
    #: Older files of the same student, not graded.
    earlier: list = field(default_factory=list)
    #: The LMS marked it late in its file name (Canvas), which says no time.
    late: bool = False


@dataclass
class Intake:
    """What a folder of submissions holds, sorted out before any grading."""

    handins: dict = field(default_factory=dict)
    #: File name (or student id, for an unclear re-submission) -> why it is not graded.
    refused: dict = field(default_factory=dict)
    #: Roster students with no file.
    missing: list = field(default_factory=list)


def read_time(text):
    """The UTC time ``text`` says, in one of :data:`TIME_FORMATS`; ValueError otherwise."""
    for form in TIME_FORMATS:
        try:
            when = datetime.strptime(text, form)
        except ValueError:
            continue
        if when.strftime(form) == text:  # strptime also takes unpadded fields: not exact
            return when
    examples = ", ".join(datetime(2026, 12, 1, 9, 30, 5).strftime(form) for form in TIME_FORMATS)
    raise ValueError(f"the time {text!r} in the file name is in none of the forms {examples}; "
                     "rename the file, or make the PATTERN's timestamp group match one of them")


def lms_pattern(lms):
    """The file-name pattern of ``LMS=lms``; ValueError naming the known ones otherwise."""
    try:
        return LMS_PATTERNS[lms.lower()]
    except KeyError:
        raise ValueError(f"LMS={lms!r}: use one of {', '.join(LMS_PATTERNS)}, or set PATTERN= "
                         "to your download's file names (README)") from None


def collector(pattern):
    """nbgrader's file-name collector for ``pattern``; ValueError if it cannot work."""
    try:
        groups = re.compile(pattern).groupindex
    except re.error as error:
        raise ValueError(f"PATTERN={pattern!r} is not a regular expression ({error})") from None
    if "student_id" not in groups:
        raise ValueError(f"PATTERN={pattern!r} has no (?P<student_id>...) group, so it cannot "
                         "say whose a file is")
    return FileNameCollectorPlugin(named_regexp=pattern, valid_ext=[".zip"])


def read_roster(path):
    """``{student_id: {first_name, last_name, email}}`` from a roster CSV; ValueError if bad."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"ROSTER={path} is not a file: give a CSV with an `id` column "
                         "(and optionally first_name, last_name, email)")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or "id" not in rows[0]:
        raise ValueError(f"ROSTER={path} has no `id` column (its first line must name the "
                         "columns: id,first_name,last_name,email)")
    roster = {}
    for line, row in enumerate(rows, start=2):
        student = (row["id"] or "").strip()
        if not STUDENT_ID.fullmatch(student):
            raise ValueError(f"ROSTER={path}, line {line}: {student!r} is not a usable "
                             "student id (letters, digits, '.', '_', '-')")
        if student in roster:
            raise ValueError(f"ROSTER={path}, line {line}: {student} is listed twice")
        roster[student] = {key: (row.get(key) or "").strip() or None for key in ROSTER_FIELDS}
    return roster


def take_in(folder, pattern=DEFAULT_PATTERN, roster=None):
    """Sort out the files of ``folder``: :class:`Intake`. ValueError if there is nothing to do."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"SUBMISSIONS={folder} is not a folder: give the folder that holds "
                         "the students' zips")
    names = collector(pattern)
    metadata = (gradescope_metadata(folder / GRADESCOPE_METADATA)
                if pattern == LMS_PATTERNS["gradescope"] else None)
    intake = Intake()
    found, late = {}, {}
    for name, path in _files(folder):
        if name == GRADESCOPE_METADATA and metadata is not None:
            continue
        if path.suffix.lower() != ".zip":
            intake.refused[name] = "not a .zip; ignored"
            continue
        info = names.collect(name)
        if not info or not info.get("student_id"):
            intake.refused[name] = (
                f"the file name does not match PATTERN={pattern!r}, so whose it is is unknown: "
                "rename it or set PATTERN= to the naming of your download (README)")
            continue
        if metadata is None:
            owners = [(info["student_id"], info.get("timestamp"))]
        elif info["student_id"] in metadata:
            owners = metadata[info["student_id"]]
        else:
            intake.refused[name] = (f"{info['student_id']} is not in {GRADESCOPE_METADATA}, so "
                                    "whose it is is unknown: export the submissions again")
            continue
        for student, stamp in owners:
            reason = _refusal(student, roster)
            when = stamp or None  # a datetime (metadata), text (a file name) or nothing
            try:
                if isinstance(when, str):
                    when = read_time(when)
            except ValueError as error:
                reason = str(error)
            if reason:
                intake.refused[name] = reason
                continue
            found.setdefault(student, []).append((path, when))
            late[path] = bool(info.get("late"))
    for student, files in found.items():
        chosen = _newest(student, files, intake.refused)
        if chosen is not None:
            chosen.late = late[chosen.path]
            intake.handins[student] = chosen
    if roster is not None:
        handed = set(found)
        intake.missing = sorted(s for s in roster if s not in handed)
    if not intake.handins and not intake.refused:
        raise ValueError(f"no .zip files in {folder}: each student hands in the "
                         "<student_id>.zip written by `make submit`")
    return intake


def _refusal(student, roster):
    """Why ``student`` (an id read from a file name) cannot be graded, or None."""
    if not STUDENT_ID.fullmatch(student):
        return (f"{student!r} is not a usable student id (letters, digits, '.', '_', '-'); "
                "rename the file")
    if roster is not None and student not in roster:
        return (f"student id {student!r} is not in the roster: rename the file to the "
                f"student's id (or add the student to the roster), then grade with ONLY={student}")
    return None


def gradescope_metadata(path):
    """``{"submission_<id>": [(sid, created_at UTC), ...]}`` from a Gradescope export's
    ``submission_metadata.yml`` (read as data with ``yaml.safe_load``); ValueError if bad."""
    import yaml

    if not path.is_file():
        raise ValueError(f"LMS=gradescope: no {path.name} in {path.parent}: unzip Gradescope's "
                         "Export Submissions there, as it is")
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{path} cannot be read as YAML ({error})") from None
    owners = {}
    for key, entry in (entries or {}).items():
        try:
            when = entry[":created_at"]
            sids = [str(submitter[":sid"]) for submitter in entry[":submitters"]]
        except (KeyError, TypeError):
            raise ValueError(f"{path}: {key} has no :created_at: or no :submitters: with "
                             ":sid:, so whose it is or when it was made is unknown") from None
        if not isinstance(when, datetime):
            raise ValueError(f"{path}: :created_at: of {key} is not a time")
        if when.tzinfo is not None:
            when = when.astimezone(timezone.utc).replace(tzinfo=None)
        owners[str(key)] = [(sid, when) for sid in sids]
    return owners


def _files(folder):
    """``(name, path)`` of the files in ``folder`` and in its folders (one level: an LMS
    that gives each student a folder), ``name`` relative to ``folder``; hidden files and
    symbolic links are left out."""
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_symlink():
            continue
        if path.is_dir():
            for inner in sorted(path.iterdir()):
                if not (inner.name.startswith(".") or inner.is_symlink() or inner.is_dir()):
                    yield f"{path.name}/{inner.name}", inner
        else:
            yield path.name, path


def _newest(student, files, refused):
    """The newest of one student's files, or None (reason in ``refused``) when unclear."""
    if len(files) == 1:
        return HandIn(student, *files[0])
    listed = ", ".join(path.name for path, _ in files)
    times = [when for _, when in files]
    if None in times:
        why = "not every file name carries the time it was handed in"
    elif times.count(max(times)) > 1:
        why = f"two of them have the same, newest time ({max(times):%Y-%m-%d %H:%M:%S})"
    else:
        ordered = sorted(files, key=lambda item: item[1])
        path, when = ordered[-1]
        return HandIn(student, path, when, [p.name for p, _ in ordered[:-1]])
    refused[student] = (f"{len(files)} files ({listed}) and {why}, so which one counts is "
                        f"unclear: remove the ones that should not count, then grade with "
                        f"ONLY={student}")
    return None
