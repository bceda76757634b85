"""Where the learner's files and progress live.

The workspace is the folder holding `exercises/` (the stubs the learner edits) and `.learn/`
(progress and backups). By default it is the course checkout itself; `LEARN_WORKSPACE` or
`learn --workspace DIR` point elsewhere, which is how the tests keep every run apart.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from grader.course import COURSE_ROOT

STATE_DIR = ".learn"


def find_workspace(explicit: str | os.PathLike | None = None) -> Path:
    """The workspace to use: explicit, else `$LEARN_WORKSPACE`, else the nearest folder above
    the current one that has `.learn/` or `exercises/`, else the course checkout."""
    chosen = explicit or os.environ.get("LEARN_WORKSPACE")
    if chosen:
        return Path(chosen).expanduser().resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / STATE_DIR).is_dir() or (folder / "exercises" / "ex1_tokenize.py").is_file():
            return folder
    return COURSE_ROOT


def state_dir(workspace: Path) -> Path:
    return workspace / STATE_DIR


def backup_path(workspace: Path, original: Path) -> Path:
    """A fresh, timestamped path under `.learn/backups/` for a copy of `original`."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = state_dir(workspace) / "backups"
    candidate = folder / f"{original.stem}.{stamp}{original.suffix}"
    counter = 1
    while candidate.exists():
        candidate = folder / f"{original.stem}.{stamp}-{counter}{original.suffix}"
        counter += 1
    return candidate


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so that a crash leaves either the old file or the new one whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
