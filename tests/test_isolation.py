"""Hostile or broken learner code: every case ends in a clear report, never a hang or a traceback.

Each test writes a learner file for exercise 1 and runs the real grader on it (a child process
with a time limit), as `learn check 1 --file` would.
"""

from __future__ import annotations

import textwrap
import time

from conftest import check_file, failure_text
from grader.result import NOT_STARTED, SKIPPED, TIMED_OUT

SOLUTION_BODY = textwrap.dedent('''
    def tokenize_text(text):
        return list(text.lower())

    class Vocab:
        def __init__(self, counter, specials=("<pad>", "<unk>")):
            ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            self.itos = list(specials) + [t for t, _ in ranked if t not in specials]
            self.stoi = {t: i for i, t in enumerate(self.itos)}
        def __len__(self):
            return len(self.itos)
        def __getitem__(self, token):
            return self.stoi.get(token, self.stoi["<unk>"])
        def __contains__(self, token):
            return token in self.stoi
        def lookup_token(self, index):
            if not 0 <= index < len(self.itos):
                raise IndexError(index)
            return self.itos[index]
        def encode(self, text):
            return [self[t] for t in tokenize_text(text)]
        def decode(self, ids):
            return "".join(self.lookup_token(i) for i in ids)
''')


def learner_file(tmp_path, source: str, name: str = "ex1_tokenize.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def run(tmp_path, source: str, timeout: float = 60):
    return check_file("ex1_tokenize", learner_file(tmp_path, source), timeout=timeout)


def test_a_correct_file_passes(tmp_path):
    result = run(tmp_path, SOLUTION_BODY)
    assert result.passed, failure_text(result)


def test_infinite_loop_at_import_times_out_with_a_clear_message(tmp_path):
    started = time.monotonic()
    result = run(tmp_path, "while True:\n    pass\n", timeout=4)
    assert time.monotonic() - started < 15
    assert not result.passed
    assert "time limit" in result.error.lower() and "loaded" in result.error


def test_infinite_loop_inside_a_check_names_the_check(tmp_path):
    source = SOLUTION_BODY.replace("return list(text.lower())", "while True:\n            pass")
    result = run(tmp_path, source, timeout=4)
    assert not result.passed
    assert "tokenize_lower_cases_one_token_per_character" in result.error
    timed_out = [c for c in result.checks if c.status == TIMED_OUT]
    assert [c.id for c in timed_out] == ["tokenize_lower_cases_one_token_per_character"]


def test_sys_exit_at_import_is_reported(tmp_path):
    result = run(tmp_path, SOLUTION_BODY + "\nimport sys\nsys.exit(0)\n")
    assert not result.passed
    assert "sys.exit()" in result.error
    assert all(c.status == "not_run" for c in result.checks)


def test_os_exit_at_import_is_reported(tmp_path):
    result = run(tmp_path, SOLUTION_BODY + "\nimport os\nos._exit(0)\n")
    assert not result.passed
    assert "os._exit()" in result.error and "loaded" in result.error


def test_os_exit_inside_a_check_fails_every_unfinished_check(tmp_path):
    source = SOLUTION_BODY.replace('return "".join(self.lookup_token(i) for i in ids)',
                                   'import os; os._exit(0)')
    result = run(tmp_path, source)
    assert not result.passed
    assert "decode_inverts_encode" in result.error
    assert result.score == result.max_score - 1


def test_printing_a_fake_passing_result_changes_nothing(tmp_path):
    fake = textwrap.dedent('''
        import json, os
        message = {"type": "check", "id": "decode_inverts_encode", "status": "passed", "message": ""}
        for line in (json.dumps(message), json.dumps({"body": json.dumps(message), "mac": "0" * 64}),
                     json.dumps({"exercise": 1, "passed": True, "score": 8, "max_score": 8})):
            print(line)
            for fd in range(3, 30):
                try:
                    os.write(fd, (line + "\\n").encode())
                except OSError:
                    pass
    ''')
    stub_rest = "def tokenize_text(text):\n    raise NotImplementedError\n"
    result = run(tmp_path, fake + stub_rest)
    assert not result.passed
    assert result.score == 0


def test_pytest_skip_inside_a_check_counts_as_failed(tmp_path):
    source = SOLUTION_BODY.replace("return list(text.lower())", "import pytest; pytest.skip('later')")
    result = run(tmp_path, source)
    assert not result.passed
    skipped = [c for c in result.checks if c.status == SKIPPED]
    assert skipped and "skipped" in skipped[0].message


def test_pytest_skip_at_import_is_reported(tmp_path):
    result = run(tmp_path, "import pytest\npytest.skip('not today', allow_module_level=True)\n")
    assert not result.passed
    assert "pytest's skipped()" in result.error or "skip" in result.error.lower()


def test_keyboard_interrupt_inside_a_check_stops_with_a_reason(tmp_path):
    source = SOLUTION_BODY.replace("return list(text.lower())", "raise KeyboardInterrupt")
    result = run(tmp_path, source)
    assert not result.passed
    assert "KeyboardInterrupt" in result.error


def test_syntax_error_is_shown_with_its_line(tmp_path):
    result = run(tmp_path, "def tokenize_text(text)\n    return list(text)\n")
    assert not result.passed
    assert "line 1" in result.error and "def tokenize_text(text)" in result.error


def test_input_fails_at_once_instead_of_waiting(tmp_path):
    started = time.monotonic()
    result = run(tmp_path, SOLUTION_BODY + "\nname = input('your name? ')\n", timeout=20)
    assert time.monotonic() - started < 15
    assert not result.passed and "EOFError" in result.error


def test_empty_and_non_utf8_files_are_refused_in_one_line(tmp_path):
    empty = run(tmp_path, "")
    assert "empty" in empty.error and len(empty.error.splitlines()) == 1
    path = tmp_path / "ex1_tokenize.py"
    path.write_bytes("x = '\u00e9t\u00e9'\n".encode("latin-1"))
    latin = check_file("ex1_tokenize", path)
    assert "not UTF-8" in latin.error and len(latin.error.splitlines()) == 1


def test_learner_exception_shows_their_traceback_without_grader_frames(tmp_path):
    source = SOLUTION_BODY.replace("return list(text.lower())", "return list(text.lowercase())")
    result = run(tmp_path, source)
    message = next(c.message for c in result.checks if not c.passed)
    assert "ex1_tokenize.py" in message and "AttributeError" in message
    assert "grader" not in message and "_pytest" not in message


def test_recursion_without_end_is_named(tmp_path):
    source = SOLUTION_BODY.replace("return list(text.lower())", "return tokenize_text(text)")
    result = run(tmp_path, source)
    message = next(c.message for c in result.checks if not c.passed)
    assert "recursed without end" in message


def test_untouched_stub_is_not_started(tmp_path):
    stub = "def tokenize_text(text):\n    raise NotImplementedError('TODO')\n\n" \
           "class Vocab:\n    def __init__(self, counter, specials=('<pad>', '<unk>')):\n" \
           "        raise NotImplementedError('TODO')\n"
    result = run(tmp_path, stub)
    assert result.state == "not_started"
    assert all(c.status == NOT_STARTED for c in result.checks)
    assert "tokenize_text" in result.checks[0].message


def test_printed_output_is_kept_but_capped(tmp_path):
    result = run(tmp_path, SOLUTION_BODY + "\nfor i in range(100000):\n    print('line', i)\n")
    assert result.passed
    assert "line 99999" in result.output and len(result.output) <= 4000
