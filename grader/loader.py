"""Learner code -> one namespace, inside the child process.

`load_source` is the single entry point: it takes the `source` part of a job (a `.py` file now;
notebooks and live namespaces come through here too) and returns the module holding the
learner's definitions, or raises `LoadError` with a message written for the learner.
"""

from __future__ import annotations

import re
import sys
import traceback
import types
from contextlib import contextmanager
from pathlib import Path

from grader.course import COURSE_ROOT, GRADER_DIR

EXERCISE_MODULE = re.compile(r"^ex\d+_\w+$")
_INTERNAL_PREFIXES = tuple(
    str(p) for p in {GRADER_DIR, COURSE_ROOT / "solutions", Path(sys.prefix), Path(sys.base_prefix),
                     Path(sys.exec_prefix)}
)


def exercise_number(filename: str) -> int | None:
    """The exercise a file belongs to by its name (`.../ex4_encoder.py` -> 4), else None."""
    stem = Path(filename).stem
    return int(stem[2:].split("_")[0]) if EXERCISE_MODULE.match(stem) else None


class LoadError(Exception):
    """The learner's code could not be loaded; the message says why, for the learner."""


def is_learner_frame(filename: str) -> bool:
    """True for frames of the learner's own code: anything not in the grader, the reference
    solutions, Python itself or an installed package."""
    return not (filename.startswith(_INTERNAL_PREFIXES) or filename.startswith("<frozen"))


def format_learner_traceback(error: BaseException, limit: int = 6) -> str:
    """The learner's part of an exception's traceback, innermost last, then the error line."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if is_learner_frame(f.filename)]
    lines = []
    for frame in frames[-limit:]:
        lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    lines.append("".join(traceback.format_exception_only(type(error), error)).strip())
    return "\n".join(lines)


def describe_syntax_error(error: SyntaxError) -> str:
    where = f"line {error.lineno}" if error.lineno else "an unknown line"
    text = f"Python cannot read your file: {error.msg} ({Path(error.filename or '').name}, {where})."
    if error.text and error.text.strip():
        line = error.text.rstrip("\n")
        stripped = line.lstrip()
        column = max(0, (error.offset or 1) - 1 - (len(line) - len(stripped)))
        text += f"\n    {stripped}\n    {' ' * column}^"
    return text


@contextmanager
def exercise_imports(search_dir: Path, overrides: dict[str, types.ModuleType] | None = None,
                     fallback_dirs: tuple[Path, ...] = ()):
    """Make `import ex3_attention` (and friends) resolve inside `search_dir`, or to `overrides`,
    for the duration of the block, then put `sys.modules` and `sys.path` back.

    Learner files and reference solutions import earlier exercises by the same names; this keeps
    the two families from ever seeing each other's modules.
    """
    saved = {name: mod for name, mod in sys.modules.items() if EXERCISE_MODULE.match(name)}
    for name in saved:
        del sys.modules[name]
    sys.modules.update(overrides or {})
    added = [str(search_dir), *(str(d) for d in fallback_dirs if Path(d) != Path(search_dir))]
    sys.path[0:0] = added
    try:
        yield
    finally:
        for entry in added:
            try:
                sys.path.remove(entry)
            except ValueError:
                pass
        for name in [n for n in sys.modules if EXERCISE_MODULE.match(n)]:
            del sys.modules[name]
        sys.modules.update(saved)


def read_python(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise LoadError(f"Cannot read {path}: {error.strerror or error}.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LoadError(f"{path.name} is not UTF-8 text: save it as UTF-8 (is it a Python file?).") from None
    if not text.strip():
        raise LoadError(f"{path.name} is empty: there is nothing to check yet.")
    return text


def execute(text: str, filename: str, module_name: str) -> types.ModuleType:
    """Run learner source as a fresh module; every way it can fail becomes a `LoadError`."""
    try:
        code = compile(text, filename, "exec")
    except SyntaxError as error:
        raise LoadError(describe_syntax_error(error)) from None
    except ValueError as error:  # e.g. a NUL byte in the source
        raise LoadError(f"Python cannot read {Path(filename).name}: {error}.") from None
    module = types.ModuleType(module_name)
    module.__file__ = filename
    sys.modules[module_name] = module
    try:
        exec(code, module.__dict__)
    except SystemExit:
        raise LoadError("Your file called sys.exit() (or exit()) while it was being loaded. Remove "
                        "it, or put it under `if __name__ == \"__main__\":`.") from None
    except KeyboardInterrupt:
        raise LoadError("Your file raised KeyboardInterrupt while it was being loaded.") from None
    except RecursionError as error:
        raise LoadError("Your file recursed without end while it was being loaded:\n"
                        + format_learner_traceback(error, limit=3)) from None
    except BaseException as error:  # noqa: BLE001 - any learner error is reported, not raised
        if isinstance(error, ModuleNotFoundError) and EXERCISE_MODULE.match(error.name or ""):
            raise LoadError(f"Your file imports `{error.name}`, but there is no {error.name}.py beside it "
                            f"(nor in your exercises/ folder). Keep your exercise files together, or "
                            f"define what you need in this file.") from None
        if type(error).__module__.startswith(("_pytest", "pytest")):
            raise LoadError(f"Your file called pytest's {type(error).__name__.lower()}() while it was "
                            "being loaded; that cannot skip or pass a check. Remove it.") from None
        raise LoadError("Your file raised an error while it was being loaded:\n"
                        + format_learner_traceback(error)) from None
    return module


def load_file(path: Path, overrides: dict[str, types.ModuleType] | None = None,
              fallback_dirs: tuple[Path, ...] = ()) -> types.ModuleType:
    """The learner's file as a module. `import ex3_attention` in it finds the file's own folder
    first, then `fallback_dirs` (the workspace's exercises/ folder, for a file kept elsewhere)."""
    path = Path(path).resolve()
    text = read_python(path)
    module_name = path.stem if EXERCISE_MODULE.match(path.stem) else "learner_code"
    with exercise_imports(path.parent, overrides, fallback_dirs):
        module = execute(text, str(path), module_name)
        # Which earlier exercises the file imported from its own folder: the runner uses this
        # to tell a bug in exercise 4 from a bug in exercise 5 (see grader/chain.py).
        module.__learn_imports__ = sorted(
            name for name, imported in sys.modules.items()
            if EXERCISE_MODULE.match(name) and name != module_name
            and imported not in (overrides or {}).values())
        return module


def load_source(source: dict) -> types.ModuleType:
    """The learner's module. `source["use_reference"]` names earlier exercises (e.g.
    ["ex4_encoder"]) whose reference solution is imported in place of the learner's own."""
    overrides = {name: load_reference(name) for name in source.get("use_reference", [])}
    kind = source.get("kind")
    if kind == "file":
        return load_file(Path(source["path"]), overrides,
                         tuple(Path(d) for d in source.get("search_dirs", [])))
    raise LoadError(f"unknown kind of source: {kind!r}")


def load_reference(module: str) -> types.ModuleType:
    """The course's reference solution for `module` (e.g. 'ex3_attention')."""
    path = COURSE_ROOT / "solutions" / f"{module}.py"
    with exercise_imports(path.parent):
        return execute(path.read_text(encoding="utf-8"), str(path), f"reference_{module}")
