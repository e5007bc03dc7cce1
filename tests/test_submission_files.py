"""`make submit` writes exactly the graded files; the grader reads only those."""

import os
import shutil
import zipfile

import pytest

from descentlab.course import EXERCISES, NOTEBOOKS, module_path, notebook_path, submission_paths
from descentlab.submit import check_student_id, make_submission
from grader import REPO
from grader.collect import read_submission
from grader.intake import take_in

NOTEBOOK = str(notebook_path(NOTEBOOKS[0]))
MODULE = str(module_path(next(iter(EXERCISES))))


def write_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture()
def honest():
    """The committed student files, as a student's zip would hold them."""
    return {str(p): (REPO / p).read_bytes() for p in submission_paths()}


def test_submit_zips_exactly_the_course_files(tmp_path):
    student_repo = tmp_path / "course"
    for path in submission_paths():
        (student_repo / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / path, student_repo / path)
    (student_repo / "src" / "descentlab" / "checks.py").write_text("# mine")
    (student_repo / "notebooks" / "scratch.ipynb").write_text("{}")
    dest, missing, taken = make_submission(student_repo, "ada_lovelace")
    assert dest == student_repo / "ada_lovelace.zip" and missing == []
    assert taken == {str(p): str(p) for p in submission_paths()}
    with zipfile.ZipFile(dest) as archive:
        assert archive.namelist() == [str(p) for p in submission_paths()]


def test_submit_takes_each_notebook_from_the_edition_worked_in(tmp_path):
    """A student of the Chinese edition hands in its notebooks, at the English paths."""
    student_repo = tmp_path / "course"
    for path in submission_paths() + [notebook_path(n, "zh_CN") for n in NOTEBOOKS]:
        (student_repo / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / path, student_repo / path)
    def answer(language, name, text):
        path = student_repo / notebook_path(name, language)
        path.write_text(path.read_text("utf-8").replace("YOUR ANSWER HERE", text), "utf-8")
        return path

    answer("zh_CN", NOTEBOOKS[1], "因为……")  # answered in Chinese only
    answer("en", NOTEBOOKS[2], "Because ...")  # answered in both: the one saved last
    later = answer("zh_CN", NOTEBOOKS[2], "因为 ……").stat().st_mtime + 60
    os.utime(student_repo / notebook_path(NOTEBOOKS[2], "zh_CN"), (later, later))
    dest, missing, taken = make_submission(student_repo, "s1")
    assert missing == []
    assert {path: source for path, source in taken.items() if path != source} == {
        str(notebook_path(n)): str(notebook_path(n, "zh_CN")) for n in NOTEBOOKS[1:3]}
    with zipfile.ZipFile(dest) as archive:
        assert archive.namelist() == [str(p) for p in submission_paths()]
        assert "因为……" in archive.read(str(notebook_path(NOTEBOOKS[1]))).decode("utf-8")
        assert "因为 ……" in archive.read(str(notebook_path(NOTEBOOKS[2]))).decode("utf-8")


def test_submit_reports_missing_files(tmp_path):
    dest, missing, _taken = make_submission(tmp_path, "s1")
    assert missing == [str(p) for p in submission_paths()]
    assert zipfile.ZipFile(dest).namelist() == []


@pytest.mark.parametrize("bad", ["", "../x", "a b", "-x", "x" * 65, "ü"])
def test_unusable_student_ids_are_refused_with_an_example(bad):
    with pytest.raises(ValueError, match="STUDENT=ada_lovelace"):
        check_student_id(bad)


def test_an_honest_zip_is_read_whole(tmp_path, honest):
    submission = read_submission(write_zip(tmp_path / "s1.zip", honest), "s1")
    assert submission.student_id == "s1" and submission.problems == []
    assert set(submission.notebooks) == set(NOTEBOOKS)
    assert set(submission.modules) == set(EXERCISES)


def test_only_graded_files_are_taken_and_nothing_is_extracted(tmp_path, honest):
    members = dict(honest)
    members["src/descentlab/checks.py"] = b"def check_mse(f): pass"
    members["../../escape.py"] = b"print('zip slip')"
    members["/etc/evil"] = b"x"
    submission = read_submission(write_zip(tmp_path / "s1.zip", members), "s1")
    assert set(submission.modules) == set(EXERCISES) and submission.problems == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s1.zip"]


def test_files_under_one_extra_folder_are_found(tmp_path, honest):
    members = {f"course-main/{name}": data for name, data in honest.items()}
    members["__MACOSX/course-main/._losses.py"] = b"\0\0"
    submission = read_submission(write_zip(tmp_path / "s1.zip", members), "s1")
    assert submission.problems == [] and set(submission.modules) == set(EXERCISES)


@pytest.mark.parametrize(("change", "problem"), [
    (lambda m: m.pop(NOTEBOOK), f"{NOTEBOOK} is missing: it scores 0"),
    (lambda m: m.pop(MODULE), f"{MODULE} is missing: graded as not written"),
    (lambda m: m.update({NOTEBOOK: b"{not json"}), f"{NOTEBOOK} is not a readable notebook"),
    (lambda m: m.update({MODULE: b"\xff\xfe"}), f"{MODULE} is not UTF-8 text"),
    (lambda m: m.update({f"copy/{MODULE}": b"x = 1"}), f"{MODULE} appears twice"),
])
def test_each_broken_part_is_reported_and_the_rest_is_kept(tmp_path, honest, change, problem):
    change(honest)
    submission = read_submission(write_zip(tmp_path / "s1.zip", honest), "s1")
    assert [p for p in submission.problems if p.startswith(problem)] != []
    assert len(submission.problems) == 1


def test_a_corrupt_zip_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / "s1.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    submission = read_submission(tmp_path / "s1.zip", "s1")
    assert submission.notebooks == {} and "the zip cannot be read" in submission.problems[0]


def test_a_zip_named_with_an_unusable_id_says_how_to_fix_it(tmp_path, honest):
    write_zip(tmp_path / "bad name.zip", honest)
    intake = take_in(tmp_path)
    assert intake.handins == {}
    assert "does not match PATTERN" in intake.refused["bad name.zip"]
    assert "rename it" in intake.refused["bad name.zip"]
