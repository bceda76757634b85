"""The text a model is trained on: the course's own corpus by default, or a file of the learner's."""

from __future__ import annotations

from pathlib import Path

from grader.course import COURSE_ROOT

DEFAULT_CORPUS = COURSE_ROOT / "data" / "corpus" / "the_long_meadow.txt"
MINIMUM_CHARACTERS = 2_000


class CorpusError(ValueError):
    """The corpus cannot be used; the message says why in one line."""


def read_corpus(path: str | Path | None = None) -> tuple[str, Path]:
    """(text, path) of the corpus to train on: `path`, or the course's default."""
    chosen = Path(path).expanduser() if path else DEFAULT_CORPUS
    if not chosen.is_file():
        raise CorpusError(f"there is no file {chosen}")
    try:
        text = chosen.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        try:
            text = chosen.read_text(encoding="cp1252")
        except UnicodeDecodeError:
            raise CorpusError(f"{chosen} is not a text file (it is neither UTF-8 nor Windows-1252)") from None
    except OSError as error:
        raise CorpusError(f"cannot read {chosen}: {error.strerror or error}") from None
    text = text.replace("\r\n", "\n")
    if len(text) < MINIMUM_CHARACTERS:
        raise CorpusError(f"{chosen} holds {len(text):,} characters; a model needs at least "
                          f"{MINIMUM_CHARACTERS:,} to learn anything (a few pages of prose)")
    return text, chosen.resolve()
