"""User ids for students' kernels are never shared by two running jobs, even of
two batches graded side by side on one machine."""

import subprocess
import sys

from grader import REPO, sandbox


def test_jobs_running_at_once_hold_different_user_ids():
    with sandbox.claim_uid() as first, sandbox.claim_uid() as second:
        assert first != second
        assert sandbox.FIRST_UID <= min(first, second)
    with sandbox.claim_uid() as again:  # released ids are used again
        assert again == min(first, second)


def test_an_id_held_by_another_process_is_skipped_until_that_process_ends():
    holder = subprocess.Popen(
        [sys.executable, "-c", "from grader import sandbox\n"
         "with sandbox.claim_uid() as uid:\n    print(uid, flush=True)\n    input()"],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    held = int(holder.stdout.readline())
    try:
        with sandbox.claim_uid() as mine:
            assert mine != held
    finally:
        holder.kill()
        holder.wait()
    with sandbox.claim_uid() as mine:  # the lock died with its process
        assert mine == held
