"""The `learn` command as a learner meets it, through click's CliRunner in a fresh workspace."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from click.testing import CliRunner

from conftest import copy_solution
from grader import course
from grader.cli import main
from grader.progress import progress_path

EX1 = course.find(1)


def learn(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_next_points_a_new_learner_at_exercise_one(workspace):
    result = learn("next")
    assert result.exit_code == 0
    assert "exercise 1 · tokenize" in result.output
    assert "learn check 1" in result.output and "learn show 1" in result.output


def test_check_on_an_untouched_stub_says_not_started(workspace):
    result = learn("check", "1")
    assert result.exit_code == 1
    assert "Not started yet" in result.output
    assert "Traceback" not in result.output


def test_check_by_name_and_json_document(workspace):
    copy_solution(EX1, workspace)
    result = learn("check", "tokenize", "--json")
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert {"exercise", "name", "passed", "score", "max_score", "checks", "error"} <= set(document)
    assert document["passed"] is True and document["score"] == document["max_score"] == len(EX1.checks)
    assert all({"id", "title", "passed", "message"} <= set(check) for check in document["checks"])


def test_failing_check_exits_1_and_json_says_why(workspace, tmp_path):
    buggy = tmp_path / "mine.py"
    buggy.write_text(EX1.solution_path.read_text().replace("list(text.lower())", "list(text)"))
    result = learn("check", "1", "--file", str(buggy), "--json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    failed = [c for c in document["checks"] if not c["passed"]]
    assert failed and "not lower-cased" in failed[0]["message"]


def test_usage_errors_exit_2_with_one_line(workspace, tmp_path):
    for args in (["check", "99"], ["check", "banana"], ["check", "1", "--file", str(tmp_path / "nope.py")],
                 ["show", "0"], ["hint", "x"]):
        result = learn(*args)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output
        assert "Error:" in result.output


def test_progress_is_recorded_and_listed(workspace):
    copy_solution(EX1, workspace)
    assert learn("check", "1").exit_code == 0
    record = json.loads(progress_path(workspace).read_text())["exercises"]["ex1_tokenize"]
    assert record["state"] == "passed" and record["attempts"] == 1
    assert record["best_score"] == record["max_score"] and record["first_passed"]
    listing = learn("list")
    assert "passed" in listing.output and "1/8 exercises passed" in listing.output
    assert "exercise 1 · tokenize" not in learn("next").output


def test_no_record_leaves_progress_alone(workspace):
    learn("check", "1", "--no-record")
    assert not progress_path(workspace).exists()


def test_corrupt_progress_is_set_aside_with_a_warning(workspace):
    path = progress_path(workspace)
    path.parent.mkdir(parents=True)
    path.write_text("{ this is not json")
    result = CliRunner().invoke(main, ["status"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "could not be read" in result.output
    kept = list(path.parent.glob("progress.corrupt-*.json"))
    assert len(kept) == 1 and kept[0].read_text() == "{ this is not json"
    copy_solution(EX1, workspace)
    assert learn("check", "1").exit_code == 0
    assert json.loads(path.read_text())["exercises"]["ex1_tokenize"]["state"] == "passed"


def test_reset_restores_the_stub_and_keeps_a_backup(workspace):
    stub = EX1.stub_path(workspace)
    pristine = stub.read_text()
    stub.write_text("# my half-finished work\n")
    result = learn("reset", "1")
    assert result.exit_code == 0
    assert stub.read_text() == pristine
    backups = list((workspace / ".learn" / "backups").glob("ex1_tokenize.*.py"))
    assert len(backups) == 1 and backups[0].read_text() == "# my half-finished work\n"
    stub.write_text("# a second attempt\n")
    learn("reset", "1")
    assert len(list((workspace / ".learn" / "backups").glob("ex1_tokenize.*.py"))) == 2


def test_hints_come_one_at_a_time(workspace):
    first, second = learn("hint", "1").output, learn("hint", "1").output
    assert "Hint 1 of 3" in first and "Hint 2 of 3" in second
    learn("hint", "1")
    assert "Hint 3 of 3" in learn("hint", "1").output
    everything = learn("hint", "1", "--all").output
    assert all(f"Hint {n} of 3" in everything for n in (1, 2, 3))


def test_solution_only_after_passing_or_when_forced(workspace):
    refused = learn("solution", "1")
    assert refused.exit_code == 2 and "pass exercise 1 first" in refused.output
    declined = learn("solution", "1", "--force", input="n\n")
    assert declined.exit_code == 1 and "def tokenize_text" not in declined.output
    forced = learn("solution", "1", "--force", input="y\n")
    assert forced.exit_code == 0 and "def tokenize_text" in forced.output
    copy_solution(EX1, workspace)
    learn("check", "1")
    assert "return list(text.lower())" in learn("solution", "1").output


def test_show_prints_the_lesson(workspace):
    result = learn("show", "1")
    assert result.exit_code == 0 and "# Exercise 1" in result.output


def test_watch_checks_again_when_the_file_is_saved(workspace):
    env = {**os.environ, "LEARN_WORKSPACE": str(workspace), "TERM": "dumb"}
    process = subprocess.Popen([sys.executable, "-m", "grader", "watch", "1", "--interval", "0.1"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
                               start_new_session=True)
    try:
        output = ""
        deadline = time.monotonic() + 60
        while "Watching" not in output and time.monotonic() < deadline:
            output += process.stdout.readline()
        assert "Not started" in output
        time.sleep(1.1)  # a new modification time, even on file systems with coarse clocks
        copy_solution(EX1, workspace)
        while "is done" not in output and time.monotonic() < deadline:
            output += process.stdout.readline()
        assert "is done" in output
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=10)


def test_a_file_kept_elsewhere_imports_earlier_exercises_from_the_workspace(workspace, tmp_path):
    encoder = course.find(4)
    elsewhere = tmp_path / "drafts" / "my_encoder.py"
    elsewhere.parent.mkdir()
    elsewhere.write_text(encoder.solution_path.read_text(encoding="utf-8"), encoding="utf-8")
    runner = CliRunner()
    unfinished = runner.invoke(main, ["check", "4", "--file", str(elsewhere), "--no-record"])
    assert unfinished.exit_code == 1
    assert "Your exercise 3 (ex3_attention.py) is not finished" in unfinished.output
    course.find(3).stub_path(workspace).unlink()
    missing = runner.invoke(main, ["check", "4", "--file", str(elsewhere), "--no-record"])
    assert missing.exit_code == 1
    assert "there is no ex3_attention.py beside it" in missing.output
    copy_solution(course.find(3), workspace)
    found = runner.invoke(main, ["check", "4", "--file", str(elsewhere), "--no-record"])
    assert found.exit_code == 0, found.output
