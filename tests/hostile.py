"""A catalogue of hostile or broken submissions for exercise 3, each with the words its report
must contain. Shared by tests/test_grade.py and benchmarks/grade_benchmark.py."""

from __future__ import annotations

from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
CORRECT = (SOLUTIONS / "ex3_attention.py").read_text(encoding="utf-8")
# A real bug (softmax over the query axis) for the cheats below to try to hide.
BUGGY = CORRECT.replace("scores.softmax(dim=-1)", "scores.softmax(dim=-2)")


def _replace_body(text: str, new_line: str) -> str:
    """CORRECT with the first statement of scaled_dot_product_attention replaced."""
    return text.replace("    d_k = query.size(-1)\n", f"    {new_line}\n    d_k = query.size(-1)\n", 1)


PATCH_COMPARISONS = BUGGY + '''
import numpy
import torch
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
torch.testing.assert_close = lambda *args, **kwargs: None
torch.Tensor.allclose = lambda *args, **kwargs: True
numpy.allclose = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
'''

# The same patches over a causal mask that lets every query see the future.
PATCH_EQUAL = CORRECT.replace(".tril()", ".triu()") + PATCH_COMPARISONS[len(BUGGY):]

FAKE_RESULTS = BUGGY + '''
import json, os
for check in ("attention_matches_the_formula", "self_attention_matches_pytorch"):
    message = {"type": "check", "id": check, "status": "passed", "message": ""}
    line = json.dumps({"body": json.dumps(message), "mac": "0" * 64})
    print(line)
    print(json.dumps({"exercise": 3, "passed": True, "score": 15, "max_score": 15}))
    for fd in range(3, 40):
        try:
            os.write(fd, (line + "\\n").encode())
        except OSError:
            pass
'''

# name -> (file content, words the failure report must contain)
HOSTILE: dict[str, tuple[bytes, list[str]]] = {
    "sys_exit_at_import": ((CORRECT + "\nimport sys\nsys.exit(0)\n").encode(), ["sys.exit()"]),
    "os_exit_at_import": ((CORRECT + "\nimport os\nos._exit(0)\n").encode(), ["os._exit()"]),
    "os_exit_in_a_check": (_replace_body(CORRECT, "import os; os._exit(0)").encode(), ["exit"]),
    "keyboard_interrupt": (_replace_body(CORRECT, "raise KeyboardInterrupt").encode(), ["KeyboardInterrupt"]),
    "pytest_skip": (_replace_body(CORRECT, "import pytest; pytest.skip('later')").encode(), ["skipped"]),
    "fake_results_printed": (FAKE_RESULTS.encode(), ["query axis"]),
    "patched_comparisons": (PATCH_COMPARISONS.encode(), ["query axis"]),
    "patched_equal": (PATCH_EQUAL.encode(), ["use tril, not triu"]),
    "one_tebibyte": (_replace_body(CORRECT, "import torch; torch.empty(2 ** 40, dtype=torch.uint8).fill_(1)").encode(),
                     ["memory"]),
    "infinite_loop": (_replace_body(CORRECT, "while True: pass").encode(), ["time limit"]),
    "endless_recursion": ((CORRECT + "\ndef again(n):\n    return again(n + 1)\n").replace(
        "    d_k = query.size(-1)\n", "    again(0)\n    d_k = query.size(-1)\n", 1).encode(), ["recursed"]),
    "empty_file": (b"", ["empty"]),
    "not_utf8": ("# l\u00e9arner\nx = '\u00e9t\u00e9'\n".encode("latin-1"), ["not UTF-8"]),
    "not_python": (b"My essay on attention.\nIt is all you need, they say.\n", ["cannot read"]),
}
