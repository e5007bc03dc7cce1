"""What a grading run keeps in ``OUT`` so that the next run can go on from it.

- ``OUT/batch.json``: the batch's settings (file-name pattern, roster, deadline,
  late policy). A later run on the same ``OUT`` uses them unless it is given new
  ones, so re-running the same command after an interruption grades the same way.
- ``OUT/records/<student>.json``: one per student whose grades are in the
  gradebook: which file was graded (its SHA-256), by which version of the grader
  and course, what went wrong, which mistakes the checks named, which notebooks
  the grader's machinery failed to grade (``retry``) and the hand grades the
  feedback was last written with. It is written only after the student's grades
  are committed, so a student without a record, or with notebooks to retry, is
  graded again, and a student whose file and grader are unchanged is not.
"""

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from nbgrader.utils import parse_utc

from . import REPO
from .intake import DEFAULT_PATTERN

#: Late policies: nbgrader's ``LateSubmissionPlugin.penalty_method`` values.
LATE_POLICIES = ("none", "zero")


@dataclass
class Settings:
    """How a batch is graded; see ``make grade`` in the README."""

    pattern: str = DEFAULT_PATTERN
    roster: str = None
    deadline: str = None
    late: str = "none"

    @classmethod
    def load(cls, out, **given):
        """The settings of ``OUT``, with those ``given`` (not None) replacing them."""
        path = Path(out) / "batch.json"
        saved = json.loads(path.read_text()) if path.exists() else {}
        settings = cls(**{**saved, **{k: v for k, v in given.items() if v is not None}})
        if settings.late not in LATE_POLICIES:
            raise ValueError(f"LATE={settings.late!r}: use one of {', '.join(LATE_POLICIES)} "
                             "(none records lateness only; zero gives late notebooks 0)")
        if settings.deadline is not None:
            try:
                settings.deadline = str(parse_utc(settings.deadline))
            except (ValueError, OverflowError):
                raise ValueError(f"DEADLINE={settings.deadline!r} is not a date and time; write "
                                 "e.g. DEADLINE='2026-12-01 23:59' (UTC unless a zone is given)"
                                 ) from None
        if settings.roster is not None:
            settings.roster = str(Path(settings.roster).resolve())
        return settings

    def save(self, out):
        write_json(Path(out) / "batch.json", asdict(self))

    def describe(self):
        parts = [f"file names {self.pattern!r}"]
        parts.append(f"roster {self.roster}" if self.roster else "no roster")
        if self.deadline:
            parts.append(f"deadline {self.deadline} UTC, late policy {self.late!r}")
        else:
            parts.append("no deadline")
        return "; ".join(parts)


def grader_version():
    """A digest of everything that decides a score: the course masters and the grader."""
    digest = hashlib.sha256()
    files = [*(REPO / "solutions").rglob("*.ipynb"), *(REPO / "solutions").rglob("*.py"),
             *(REPO / "src" / "descentlab").glob("*.py"), *(REPO / "grader").glob("*.py")]
    for path in sorted(files):
        if ".ipynb_checkpoints" not in path.parts:
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def file_digest(path):
    """SHA-256 of a file, read in chunks (a submitted zip may be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Records:
    """The per-student records of one ``OUT`` folder."""

    def __init__(self, out):
        self.folder = Path(out) / "records"
        self.folder.mkdir(parents=True, exist_ok=True)

    def read(self, student):
        path = self.folder / f"{student}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def write(self, student, record):
        write_json(self.folder / f"{student}.json", record)

    def all(self):
        """``{student: record}`` for every student graded into this ``OUT``."""
        return {path.stem: json.loads(path.read_text())
                for path in sorted(self.folder.glob("*.json"))}


def write_json(path, data):
    """Replace ``path`` with ``data`` as JSON: write, then rename, so that an
    interruption leaves the old file or the new one, never half of it."""
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(data, indent=1))
    os.replace(partial, path)
