"""Build an exercise's stub from its reference solution.

One source of truth: the stub is the solution with every public function body replaced by a
`raise NotImplementedError` TODO. Docstrings (the contract), signatures, imports and the
solution's `# Step N:` comments (turned into TODOs) are kept; private helpers, the bodies and
any `if __name__ == "__main__":` demo are dropped. `learn reset` writes this text, and a test
proves that the committed `exercises/` stubs are exactly it.
"""

from __future__ import annotations

import ast
import re

STEP_COMMENT = re.compile(r"^(\s*)# (Step \d+:.*)$")


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
        and isinstance(node.value.value, str)


def _is_super_init(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
        and ast.unparse(node.value.func) == "super().__init__"


def _first_line(node) -> int:
    """1-based first line of a definition, decorators included."""
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def _stub_body(function: ast.FunctionDef, lines: list[str], owner: str = "") -> tuple[int, int, list[str]]:
    """(first, last, new_lines): the 1-based line range of the body to replace, and its stub."""
    kept = 0
    if function.body and _is_docstring(function.body[0]):
        kept = 1
    if len(function.body) > kept and _is_super_init(function.body[kept]):
        kept += 1
    indent = " " * function.body[0].col_offset
    start = function.body[kept - 1].end_lineno + 1 if kept else function.body[0].lineno
    end = function.end_lineno
    todos = []
    for line in lines[start - 1:end]:
        match = STEP_COMMENT.match(line.rstrip("\n"))
        if match:
            todos.append(f"{indent}# TODO {match.group(2)}\n")
    name = f"{owner}.{function.name}" if owner else function.name
    new = todos + [f'{indent}raise NotImplementedError("TODO: write {name}")\n']
    return start, end, new


def make_stub(solution_source: str) -> str:
    lines = solution_source.splitlines(keepends=True)
    tree = ast.parse(solution_source)
    edits: list[tuple[int, int, list[str]]] = []  # 1-based inclusive ranges

    if tree.body and _is_docstring(tree.body[0]):
        first_code = tree.body[0].lineno
        header = [i + 1 for i, line in enumerate(lines[:first_code - 1]) if line.startswith("#")]
        edits += [(n, n, []) for n in header]

    for node in tree.body:
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            edits.append((node.lineno, node.end_lineno, []))
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.startswith("_"):
            edits.append((_first_line(node), node.end_lineno, []))
        elif isinstance(node, ast.FunctionDef):
            edits.append(_stub_body(node, lines))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if not isinstance(item, ast.FunctionDef):
                    continue
                if item.name.startswith("_") and not item.name.endswith("__"):
                    edits.append((_first_line(item), item.end_lineno, []))
                else:
                    edits.append(_stub_body(item, lines, node.name))

    for start, end, new in sorted(edits, reverse=True):
        lines[start - 1:end] = new
    text = "".join(lines)
    text = re.sub(r"\n{3,}(?=\S)", "\n\n\n", text)  # no gaps left wider than PEP 8's two lines
    return text.rstrip("\n") + "\n"


def write_committed_stub(name: str) -> str:
    """Regenerate the committed stub `exercises/<module>.py` of one exercise from its solution."""
    from grader import course

    exercise = course.find(name)
    stub = make_stub(exercise.solution_path.read_text(encoding="utf-8"))
    exercise.stub_path(course.COURSE_ROOT).write_text(stub, encoding="utf-8")
    return str(exercise.stub_path(course.COURSE_ROOT))


if __name__ == "__main__":  # python -m grader.stubgen 3  (after editing solutions/ex3_attention.py)
    import sys

    for argument in sys.argv[1:]:
        print("wrote", write_committed_stub(argument))
