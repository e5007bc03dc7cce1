"""Grading a real class's downloads: LMS file names, re-submissions, a roster, a
deadline with a late policy, and a batch that is interrupted and resumed.

Each student hands in notebook 01 only (6 autograded points when right), so the
batches are small; what is tested is which file counts and what is recorded.
"""

import csv
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from grader import REPO, sandbox
from grader.assemble import solved_modules
from grader.fixtures import write_submission
from grader.grade import grade_folder
from grader.intake import DEFAULT_PATTERN, lms_pattern, read_roster, take_in
from grader.records import Settings

SOLVED = solved_modules()
MSE_AS_SUM = {**SOLVED, "losses": SOLVED["losses"].replace(
    "np.mean((y_pred - y_true) ** 2)", "np.sum((y_pred - y_true) ** 2)")}
assert MSE_AS_SUM != SOLVED
PATTERN = r"hw_(?P<student_id>.+?)_attempt_(?P<timestamp>[0-9-]+)\.zip$"
UNSAFE = not sandbox.detect().isolated


def hand_in(folder, name, modules=SOLVED):
    return write_submission(folder / name, modules, notebooks=["01_loss"])


def canvas_rows(out):
    with open(out / "canvas.csv", newline="") as handle:
        return list(csv.reader(handle))


def grades(out):
    with open(out / "grades.csv", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)
                if row["assignment"] == "01_loss"}


# ---------------------------------------------------------------- sorting out files


def test_default_pattern_is_make_submits_file_name(tmp_path):
    hand_in(tmp_path, "ada_lovelace.zip")
    intake = take_in(tmp_path)
    assert list(intake.handins) == ["ada_lovelace"] and intake.refused == {}
    assert intake.handins["ada_lovelace"].timestamp is None
    assert DEFAULT_PATTERN.endswith(r"\.zip$")


@pytest.mark.parametrize("pattern, message", [
    ("hw_(.+)\\.zip", "has no (?P<student_id>...) group"),
    ("hw_(?P<student_id>.+\\.zip", "is not a regular expression"),
])
def test_a_pattern_that_cannot_work_stops_the_batch_with_the_reason(tmp_path, pattern, message):
    hand_in(tmp_path, "ada.zip")
    with pytest.raises(ValueError, match=re.escape(message)):
        take_in(tmp_path, pattern)


def test_an_empty_folder_or_a_missing_one_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no .zip files"):
        take_in(tmp_path)
    with pytest.raises(ValueError, match="is not a folder"):
        take_in(tmp_path / "nowhere")


def test_newest_file_wins_and_unclear_resubmissions_are_refused_loudly(tmp_path):
    hand_in(tmp_path, "hw_ada_attempt_2026-12-01-09-00-00.zip")
    hand_in(tmp_path, "hw_ada_attempt_2026-12-01-10-00-00.zip")
    # the same moment written two ways: a tie
    hand_in(tmp_path, "hw_cy_attempt_2026-12-01-08-00-00.zip")
    hand_in(tmp_path, "hw_cy_attempt_20261201080000.zip")
    hand_in(tmp_path, "hw_eve_attempt_2026-13-45-00-00-00.zip")
    (tmp_path / "index.html").write_text("<p>download page</p>")
    hand_in(tmp_path, "ada.zip")
    intake = take_in(tmp_path, PATTERN)
    ada = intake.handins["ada"]
    assert ada.path.name == "hw_ada_attempt_2026-12-01-10-00-00.zip"
    assert ada.earlier == ["hw_ada_attempt_2026-12-01-09-00-00.zip"]
    assert set(intake.handins) == {"ada"}
    assert "same, newest time (2026-12-01 08:00:00)" in intake.refused["cy"]
    assert "ONLY=cy" in intake.refused["cy"]
    assert "is in none of the forms" in intake.refused["hw_eve_attempt_2026-13-45-00-00-00.zip"]
    assert intake.refused["index.html"] == "not a .zip; ignored"
    assert "does not match PATTERN" in intake.refused["ada.zip"]


@pytest.mark.parametrize("stamp, when", [
    ("2026-12-01-23-50-05", "2026-12-01 23:50:05"),  # not 23:50 at an offset of -05:00
    ("2026-12-01-09-30-00", "2026-12-01 09:30:00"),  # not 09:00
    ("20261201T093059", "2026-12-01 09:30:59"),
])
def test_times_in_file_names_are_read_exactly_to_the_second(tmp_path, stamp, when):
    hand_in(tmp_path, f"hw_ada_attempt_{stamp}.zip")
    assert str(take_in(tmp_path, PATTERN if "T" not in stamp else PATTERN.replace(
        "[0-9-]+", "[0-9T]+")).handins["ada"].timestamp) == when


def test_two_attempts_in_the_same_hour_are_told_apart(tmp_path):
    hand_in(tmp_path, "hw_ada_attempt_2026-12-01-09-10-00.zip")
    hand_in(tmp_path, "hw_ada_attempt_2026-12-01-09-45-30.zip")
    intake = take_in(tmp_path, PATTERN)
    assert intake.handins["ada"].path.name == "hw_ada_attempt_2026-12-01-09-45-30.zip"


def test_a_time_that_is_not_exactly_one_of_the_forms_is_refused(tmp_path):
    hand_in(tmp_path, "hw_ada_attempt_2026-12-1-9-30-0.zip")  # unpadded: ambiguous in general
    refused = take_in(tmp_path, PATTERN).refused["hw_ada_attempt_2026-12-1-9-30-0.zip"]
    assert "'2026-12-1-9-30-0' in the file name is in none of the forms" in refused
    assert "2026-12-01-09-30-05" in refused


def test_a_mistyped_only_is_an_error_not_a_silent_no_op(tmp_path):
    hand_in(tmp_path, "bob.zip")
    with pytest.raises(ValueError, match=r"ONLY=bobb: no file .* students with a file: bob\)"):
        grade_folder(tmp_path, tmp_path / "out", allow_unsafe=UNSAFE, only={"bobb"},
                     progress=False)


def test_a_canvas_download_is_read_by_its_own_names_with_late_hand_ins(tmp_path):
    # Canvas's "Download Submissions": <sortable name>_[LATE_]<user id>_<file id>_<name>;
    # older Canvas versions write the flag in lower case.
    subs = tmp_path / "subs"
    subs.mkdir()
    hand_in(subs, "lovelaceada_104_5550001_ada.zip")
    hand_in(subs, "hopper_grace_LATE_105_5550002_descentlab-1.zip", MSE_AS_SUM)
    hand_in(subs, "turingalan_late_106_5550003_my work.zip")
    hand_in(subs, "anon_x7Qp_5550004_work.zip")  # anonymous grading: no name
    intake = take_in(subs, lms_pattern("canvas"))
    assert {s: h.late for s, h in intake.handins.items()} == {
        "104": False, "106": True, "anon_x7Qp": False}
    assert "does not match PATTERN" in intake.refused["hopper_grace_LATE_105_5550002_"
                                                      "descentlab-1.zip"]
    out = tmp_path / "out"
    outcome = grade_folder(subs, out, allow_unsafe=UNSAFE, progress=False,
                           pattern=lms_pattern("canvas"), deadline="2026-12-01 23:59",
                           late="zero")
    assert {s: r["score"] for s, r in grades(out).items()} == {
        "104": "6.0", "106": "0.0", "anon_x7Qp": "6.0"}
    # Canvas's import finds them by their Canvas user id (its ID column)
    assert sorted(row[1] for row in canvas_rows(out)[2:]) == ["104", "106", "anon_x7Qp"]
    assert any("the LMS marked this hand-in LATE" in p for p in outcome.problems["106"])
    with pytest.raises(ValueError, match="LMS='blackboard': use one of canvas"):
        lms_pattern("blackboard")


def test_a_moodle_download_is_read_in_folders_or_flat(tmp_path):
    subs = tmp_path / "subs"
    for folder in ("Ada Lovelace_104_assignsubmission_file",  # Moodle 4.1 and later
                   "Grace Hopper_105_assignsubmission_file_",  # earlier versions
                   "Jane Doe_107_assignsubmission_onlinetext"):
        (subs / folder).mkdir(parents=True)
    hand_in(subs / "Ada Lovelace_104_assignsubmission_file", "descentlab.zip")
    hand_in(subs / "Grace Hopper_105_assignsubmission_file_", "hopper.zip", MSE_AS_SUM)
    hand_in(subs, "Alan Turing_106_assignsubmission_file_ada.zip")  # "in folders" off
    (subs / "Jane Doe_107_assignsubmission_onlinetext" / "onlinetext.html").write_text("hi")
    (subs / "elsewhere.zip").symlink_to(subs / "Alan Turing_106_assignsubmission_file_ada.zip")
    intake = take_in(subs, lms_pattern("moodle"))
    assert sorted(intake.handins) == ["104", "105", "106"]
    assert intake.refused == {
        "Jane Doe_107_assignsubmission_onlinetext/onlinetext.html": "not a .zip; ignored"}
    out = tmp_path / "out"
    grade_folder(subs, out, allow_unsafe=UNSAFE, progress=False, pattern=lms_pattern("moodle"))
    assert {s: r["score"] for s, r in grades(out).items()} == {
        "104": "6.0", "105": "4.0", "106": "6.0"}


GRADESCOPE_METADATA = """\
submission_409194023:
  :submitters:
  - :name: Ada Lovelace
    :sid: '104'
    :email: ada@example.org
  :created_at: 2026-12-01 23:50:05.861687000 Z
  :score: 0.0
submission_409194100:
  :submitters:
  - :name: Grace Hopper
    :sid: 105
  - :name: Alan Turing
    :sid: '106'
  :created_at: 2026-12-02 00:30:00.000000000 Z
"""


def test_a_gradescope_export_is_read_by_its_metadata(tmp_path):
    subs = tmp_path / "subs"
    for folder in ("submission_409194023", "submission_409194100", "submission_409199999"):
        (subs / folder).mkdir(parents=True)
    hand_in(subs / "submission_409194023", "ada.zip")
    hand_in(subs / "submission_409194100", "group.zip", MSE_AS_SUM)  # a group of two
    hand_in(subs / "submission_409199999", "stray.zip")
    (subs / "submission_metadata.yml").write_text(GRADESCOPE_METADATA)
    intake = take_in(subs, lms_pattern("gradescope"))
    assert {s: str(h.timestamp) for s, h in intake.handins.items()} == {
        "104": "2026-12-01 23:50:05.861687", "105": "2026-12-02 00:30:00",
        "106": "2026-12-02 00:30:00"}
    assert "not in submission_metadata.yml" in intake.refused["submission_409199999/stray.zip"]
    out = tmp_path / "out"
    grade_folder(subs, out, allow_unsafe=UNSAFE, progress=False,
                 pattern=lms_pattern("gradescope"), deadline="2026-12-01 23:59", late="zero")
    assert {s: r["score"] for s, r in grades(out).items()} == {
        "104": "6.0", "105": "0.0", "106": "0.0"}  # on time; late (and partly wrong)
    (subs / "submission_metadata.yml").write_text("submission_1:\n  :score: 1\n")
    with pytest.raises(ValueError, match="no :created_at: or no :submitters:"):
        take_in(subs, lms_pattern("gradescope"))


def test_several_files_without_times_are_a_tie(tmp_path):
    hand_in(tmp_path, "hw_ada_attempt_2026-12-01-09-00-00.zip")
    hand_in(tmp_path, "hw_ada_attempt_.zip")
    intake = take_in(tmp_path, r"hw_(?P<student_id>.+?)_attempt_(?P<timestamp>[0-9-]*)\.zip$")
    assert intake.handins == {}
    assert "not every file name carries the time" in intake.refused["ada"]


def test_roster_refuses_unknown_ids_and_lists_who_handed_in_nothing(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\n"
                      "bob,Bob,,\n")
    subs = tmp_path / "subs"
    subs.mkdir()
    hand_in(subs, "ada.zip")
    hand_in(subs, "zed.zip")
    intake = take_in(subs, roster=read_roster(roster))
    assert set(intake.handins) == {"ada"} and intake.missing == ["bob"]
    assert "'zed' is not in the roster" in intake.refused["zed.zip"]
    assert read_roster(roster)["bob"] == {"first_name": "Bob", "last_name": None, "email": None}


@pytest.mark.parametrize("text, message", [
    ("name\nada\n", "has no `id` column"),
    ("id\nada\nada\n", "line 3: ada is listed twice"),
    ("id\nada lovelace\n", "line 2: 'ada lovelace' is not a usable student id"),
])
def test_a_bad_roster_is_a_clear_error(tmp_path, text, message):
    (tmp_path / "class.csv").write_text(text)
    with pytest.raises(ValueError, match=message):
        read_roster(tmp_path / "class.csv")


@pytest.mark.parametrize("given, message", [
    ({"late": "half"}, "LATE='half': use one of none, zero"),
    ({"deadline": "next friday-ish"}, "DEADLINE='next friday-ish' is not a date and time"),
])
def test_bad_settings_are_clear_errors(tmp_path, given, message):
    with pytest.raises(ValueError, match=message):
        Settings.load(tmp_path, **given)


def test_settings_are_kept_for_the_next_run_unless_given_anew(tmp_path):
    Settings.load(tmp_path, pattern=PATTERN, deadline="2026-12-01T23:59:00+01:00",
                  late="zero").save(tmp_path)
    again = Settings.load(tmp_path, late="none")
    assert (again.pattern, again.deadline, again.late) == (PATTERN, "2026-12-01 22:59:00",
                                                           "none")


# ---------------------------------------------------------------- whole batches


@pytest.fixture(scope="module")
def lms_batch(tmp_path_factory):
    """One LMS download graded twice: first with LATE=zero, then again with LATE=none."""
    subs = tmp_path_factory.mktemp("lms")
    hand_in(subs, "hw_ada_attempt_2026-12-01-09-00-00.zip", MSE_AS_SUM)
    hand_in(subs, "hw_ada_attempt_2026-12-01-10-00-00.zip")
    hand_in(subs, "hw_bob_attempt_2026-12-02-12-00-00.zip")  # 12 h 1 min late
    hand_in(subs, "hw_cy_attempt_2026-12-01-08-00-00.zip")
    hand_in(subs, "hw_cy_attempt_20261201080000.zip")
    hand_in(subs, "hw_zed_attempt_2026-12-01-08-00-00.zip")
    roster = subs.parent / "class.csv"
    roster.write_text("id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\n"
                      "bob,Bob,B,\ncy,Cy,C,\ndee,Dee,D,\n")
    out = tmp_path_factory.mktemp("out")
    first = grade_folder(subs, out, allow_unsafe=UNSAFE, progress=False, pattern=PATTERN,
                         roster=roster, deadline="2026-12-01 23:59", late="zero")
    first_grades = grades(out)
    report, canvas = (out / "report.html").read_text(), canvas_rows(out)
    second = grade_folder(subs, out, allow_unsafe=UNSAFE, progress=False, late="none")
    return first, first_grades, second, grades(out), report, canvas


def test_canvas_import_file_names_students_by_sis_id_with_points_possible(lms_batch):
    """Not from Canvas's download: ids go in ``SIS User ID``; a pending answer is empty,
    the late zero and a missing hand-in are 0."""
    *_, (header, points, *rows) = lms_batch
    assert header[:6] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                          "Descent Lab 01_loss"]
    assert points[:6] == ["Points Possible", "", "", "", "", "8"]
    by_id = {row[2]: row for row in rows}
    assert sorted(by_id) == ["ada", "bob", "cy", "dee"] and all(row[1] == "" for row in rows)
    assert by_id["ada"][0] == "Lovelace, Ada"
    assert (by_id["ada"][5], by_id["bob"][5], by_id["dee"][5]) == ("", "", "0")


def test_lms_batch_grades_each_students_newest_file(lms_batch):
    first, rows, _, _, _, _ = lms_batch
    assert sorted(first.graded) == ["ada", "bob"]
    assert rows["ada"]["raw_score"] == "6.0"  # the newer, right file; not the mse-as-sum one
    assert rows["ada"]["timestamp"] == "2026-12-01 10:00:00"
    assert any("not graded: hw_ada_attempt_2026-12-01-09-00-00.zip" in p
               for p in first.problems["ada"])


def test_lms_batch_reports_ties_unknown_ids_and_missing_students(lms_batch):
    first, rows, _, _, _, _ = lms_batch
    assert set(first.refused) == {"cy", "hw_zed_attempt_2026-12-01-08-00-00.zip"}
    assert first.missing == ["dee"]
    assert "zed" not in rows
    # roster students without a graded file still have rows, with their names
    assert rows["dee"]["score"] == rows["cy"]["score"] == "0.0"
    assert (rows["dee"]["first_name"], rows["ada"]["email"]) == ("Dee", "ada@example.org")


def test_late_policy_zero_takes_the_late_notebooks_points(lms_batch):
    _, rows, _, _, _, _ = lms_batch
    bob = rows["bob"]
    assert (bob["duedate"], bob["timestamp"]) == ("2026-12-01 23:59:00", "2026-12-02 12:00:00")
    assert (bob["raw_score"], bob["late_submission_penalty"], bob["score"]) == (
        "6.0", "6.0", "0.0")
    assert rows["ada"]["late_submission_penalty"] == "0.0"


def test_the_class_report_lists_lateness_refused_files_and_missing_students(lms_batch):
    _, _, _, _, report, _ = lms_batch
    assert "<tr><td>bob</td><td>1</td><td>12.0 h, −6 points</td>" in report
    refused = report.split("<h2>Files not graded</h2>", 1)[1]
    assert "hw_zed_attempt_2026-12-01-08-00-00.zip" in refused and "<b>cy</b>" in refused
    assert "<h2>Roster students with no submission</h2><p>dee</p>" in report


def test_a_second_run_regrades_nobody_and_applies_the_new_late_policy(lms_batch):
    _, before, second, after, _, _ = lms_batch
    assert second.graded == [] and sorted(second.resumed) == ["ada", "bob"]
    assert (after["bob"]["late_submission_penalty"], after["bob"]["score"]) == ("0.0", "6.0")
    assert {s: r["raw_score"] for s, r in after.items()} == {
        s: r["raw_score"] for s, r in before.items()}


def processes_marked(mark):
    """Processes whose environment holds ``mark`` (other batches on the machine do not)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if mark.encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:  # ended meanwhile, or not ours to read
            pass
    return found


def test_the_same_file_uploaded_again_after_the_deadline_counts_as_late(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    zipped = hand_in(subs, "hw_ada_attempt_2026-12-01-10-00-00.zip")
    settings = dict(allow_unsafe=UNSAFE, progress=False, pattern=PATTERN)
    grade_folder(subs, out, deadline="2026-12-01 23:59", late="zero", **settings)
    assert grades(out)["ada"]["score"] == "6.0"
    (subs / "hw_ada_attempt_2026-12-02-08-30-15.zip").write_bytes(zipped.read_bytes())
    outcome = grade_folder(subs, out, **settings)
    assert outcome.graded == ["ada"] and outcome.resumed == []
    row = grades(out)["ada"]
    assert (row["timestamp"], row["score"]) == ("2026-12-02 08:30:15", "0.0")


def test_an_interrupted_batch_goes_on_where_it_stopped(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    expected = {"s1": "6.0", "s2": "4.0", "s3": "6.0", "s4": "4.0"}
    for student, score in expected.items():
        hand_in(subs, f"{student}.zip", SOLVED if score == "6.0" else MSE_AS_SUM)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader.grade", str(subs), "--out", str(out),
               "--workers", "1", *(["--allow-unsafe"] if UNSAFE else [])]
    mark = f"descentlab-batch-{uuid.uuid4()}"  # in the environment of all it starts
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "DESCENTLAB_TEST_BATCH": mark})
    deadline = time.monotonic() + 300
    while not list((out / "records").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    printed, _ = process.communicate(timeout=120)
    assert process.returncode == 130, printed
    assert "Interrupted" in printed and "Run the same command again" in printed
    done = sorted(path.stem for path in (out / "records").glob("*.json"))
    assert 1 <= len(done) < 4, printed
    assert processes_marked(mark) == []  # no worker of this batch outlives it

    resumed = grade_folder(subs, out, allow_unsafe=UNSAFE, progress=False)
    assert sorted(resumed.resumed) == done
    assert sorted(resumed.graded) == sorted(set(expected) - set(done))
    assert {s: r["score"] for s, r in grades(out).items()} == expected

    # a changed file is graded again; ONLY= regrades a student even when unchanged
    hand_in(subs, "s2.zip")
    again = grade_folder(subs, out, allow_unsafe=UNSAFE, progress=False)
    assert again.graded == ["s2"] and grades(out)["s2"]["score"] == "6.0"
    only = grade_folder(subs, out, allow_unsafe=UNSAFE, progress=False, only={"s4"})
    assert only.graded == ["s4"] and set(only.problems) == set(expected)
