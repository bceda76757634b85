"""Hidden checks for exercise 1 · tokenize. The reference solution is the oracle."""

from __future__ import annotations

import random
from collections import Counter

from grader.checks.support import fail

SAMPLES = [
    "The Cat sat on the MAT.",
    "Snowball said: 'Four legs good!'\nAnd then\tthe HENS cheered, 1, 2, 3...",
    "  Leading and trailing spaces  ",
    "ÉCOLE d'Été — Ça va?",
]


def random_text(seed: int, length: int = 300) -> str:
    """Text whose letters often share a count, so the tie-breaking rule is really tested."""
    rng = random.Random(seed)
    alphabet = "abcdeFGHij .,\n!"
    return "".join(rng.choice(alphabet) for _ in range(length))


def learner_order(vocab, tokens) -> list[str]:
    """The learner's id order of `tokens`, read through `vocab[token]`."""
    return sorted(tokens, key=lambda token: vocab[token])


def describe_order(order: list[str], count: int = 12) -> str:
    shown = ", ".join(repr(t) for t in order[:count])
    return f"[{shown}{', ...' if len(order) > count else ''}]"


TOKENIZE_MISTAKES = {
    "the text was not lower-cased (use text.lower())": lambda text: list(text),
    "the text was split into words; this course works with characters":
        lambda text: text.lower().split(),
    "white space (spaces, newlines, tabs) was dropped; keep every character":
        lambda text: [c for c in text.lower() if not c.isspace()],
    "spaces were dropped: a space is a character the model must learn to write":
        lambda text: [c for c in text.lower() if c != " "],
    "the text was stripped; its leading and trailing spaces are characters too":
        lambda text: list(text.lower().strip()),
    "punctuation was dropped; keep every character":
        lambda text: [c for c in text.lower() if c.isalnum() or c.isspace()],
}


def test_tokenize_lower_cases_one_token_per_character(learner, reference):
    """tokenize_text lower-cases and keeps every character as its own token"""
    outputs = {}
    for text in SAMPLES:
        got = learner.tokenize_text(text)
        if isinstance(got, str) or not isinstance(got, (list, tuple)):
            fail(f"tokenize_text should return a list of one-character strings; it returned "
                 f"{type(got).__name__} {got!r:.60}.")
        outputs[text] = list(got)
    wrong = [text for text in SAMPLES if outputs[text] != reference.tokenize_text(text)]
    if not wrong:
        return
    # The mistake that explains every wrong answer, else one that explains the first.
    likely = next((name for name, mistake in TOKENIZE_MISTAKES.items()
                   if all(outputs[t] == mistake(t) for t in wrong)), None) or next(
        (name for name, mistake in TOKENIZE_MISTAKES.items() if outputs[wrong[0]] == mistake(wrong[0])), None)
    text, got = wrong[0], outputs[wrong[0]]
    expected = reference.tokenize_text(text)
    fail(f"tokenize_text({text!r}) is not right."
         + (f"\nLikely mistake: {likely}." if likely else "")
         + f"\n  expected {expected[:16]}{' ...' if len(expected) > 16 else ''}"
         f"\n  got      {got[:16]}{' ...' if len(got) > 16 else ''}")


def test_specials_come_first_in_the_order_given(learner):
    """The special tokens take the first ids, in the order given"""
    counter = Counter("hello world")
    vocab = learner.Vocab(counter)
    got = [vocab["<pad>"], vocab["<unk>"]]
    if got != [0, 1]:
        fail(f"With the default specials, <pad> should be id 0 and <unk> id 1; yours are {got}. "
             "Put the specials at the start of the list of tokens, before any counted token.")
    vocab = learner.Vocab(counter, specials=("<unk>", "<pad>", "<bos>"))
    got = [vocab["<unk>"], vocab["<pad>"], vocab["<bos>"]]
    if got != [0, 1, 2]:
        fail("With specials=('<unk>', '<pad>', '<bos>'), their ids should be [0, 1, 2], in the "
             f"order given; yours are {got}. Use the `specials` argument, not a fixed list.")


def test_tokens_ordered_by_count_then_character(learner, reference):
    """Tokens are ordered by descending count, ties broken by ascending character"""
    for seed in (1, 2, 3):
        counter = Counter(reference.tokenize_text(random_text(seed)))
        expected_vocab = reference.Vocab(counter)
        expected = [expected_vocab.lookup_token(i) for i in range(2, len(expected_vocab))]
        vocab = learner.Vocab(counter)
        ids = [vocab[token] for token in expected]
        if ids == list(range(2, len(expected_vocab))):
            continue
        got = learner_order(vocab, expected)
        mistakes = {
            "ties are left in the Counter's own order (most_common keeps insertion order); "
            "sort by (-count, token) to break ties by character":
                [t for t, _ in counter.most_common()],
            "tokens are sorted by ascending count; the most frequent should come first":
                sorted(counter, key=lambda t: (counter[t], t)),
            "ties are broken by descending character; break them by ascending character":
                sorted(counter, key=lambda t: (-counter[t], [-ord(c) for c in t])),
            "tokens are sorted alphabetically only; sort by count first": sorted(counter),
        }
        likely = next((name for name, value in mistakes.items() if value == got), None)
        fail("The ids of the counted tokens are in the wrong order."
             + (f"\nLikely mistake: {likely}." if likely else "")
             + f"\n  expected (from id 2) {describe_order(expected)}"
             f"\n  got                  {describe_order(got)}")


def test_unknown_token_gives_the_unk_id(learner):
    """An unknown token gives the id of <unk>, never an exception"""
    for specials, unk_id in ((("<pad>", "<unk>"), 1), (("<unk>", "<pad>"), 0)):
        vocab = learner.Vocab(Counter("abc"), specials=specials)
        try:
            got = vocab["z"]
        except KeyError:
            fail("vocab['z'] raised KeyError for a token the vocabulary has never seen; it should "
                 "give the id of <unk> instead (dict.get with a default).")
        if got != unk_id:
            fail(f"With specials={specials}, vocab['z'] (an unknown token) gave {got!r}; expected the "
                 f"id of <unk>, which is {unk_id}."
                 + (" It gave the id of <pad>." if got == specials.index("<pad>") else ""))


def test_len_and_membership(learner):
    """len(vocab) counts every token and `in` tells known tokens from unknown ones"""
    counter = Counter("banana bread")
    vocab = learner.Vocab(counter)
    expected = len(set("banana bread")) + 2
    if len(vocab) != expected:
        fail(f"len(vocab) is {len(vocab)}; expected {expected}: {len(set('banana bread'))} distinct "
             "characters plus the 2 specials.")
    for token, known in (("a", True), ("<pad>", True), ("z", False), ("<unk>", True)):
        if (token in vocab) != known:
            fail(f"`{token!r} in vocab` is {not known}; expected {known}.")


def test_lookup_token_maps_ids_back(learner, reference):
    """lookup_token gives the token of an id and raises IndexError past the end"""
    counter = Counter(reference.tokenize_text(random_text(7, 120)))
    expected = reference.Vocab(counter)
    vocab = learner.Vocab(counter)
    for index in range(len(expected)):
        got = vocab.lookup_token(index)
        want = expected.lookup_token(index)
        if got != want:
            fail(f"lookup_token({index}) gave {got!r}; expected {want!r}.")
    for bad in (len(expected), len(expected) + 5):
        try:
            got = vocab.lookup_token(bad)
        except IndexError:
            continue
        except Exception as error:  # noqa: BLE001 - the learner chose another exception type
            fail(f"lookup_token({bad}) raised {type(error).__name__}; ids past the end should raise "
                 "IndexError.")
        fail(f"lookup_token({bad}) returned {got!r}, but there is no id {bad} (the vocabulary has "
             f"{len(expected)} tokens): raise IndexError.")


def test_encode_tokenizes_then_looks_up(learner, reference):
    """encode lower-cases, splits into characters and looks every one up"""
    counter = Counter(reference.tokenize_text("the quick brown fox"))
    expected_vocab = reference.Vocab(counter)
    vocab = learner.Vocab(counter)
    for text in ("The Fox", "quick, brown!", "zebra"):
        got = vocab.encode(text)
        expected = expected_vocab.encode(text)
        if list(got) != expected:
            upper = [expected_vocab[c] for c in text]
            likely = ("\nLikely mistake: the text was not lower-cased first; call tokenize_text "
                      "inside encode.") if list(got) == upper else ""
            fail(f"encode({text!r}) gave {list(got)}; expected {expected}.{likely}")


def test_decode_inverts_encode(learner):
    """decode joins the tokens of the ids back into the text"""
    text = "four legs good, two legs bad\nall animals are equal"
    vocab = learner.Vocab(Counter(learner.tokenize_text(text)))
    got = vocab.decode(vocab.encode(text))
    if got != text:
        likely = ""
        if isinstance(got, str) and got.replace(" ", "") == text.replace(" ", ""):
            likely = "\nLikely mistake: tokens were joined with spaces; join them with ''."
        elif isinstance(got, list):
            likely = "\nLikely mistake: decode returned a list; join the tokens into one string."
        fail(f"decode(encode(text)) did not give the text back.{likely}"
             f"\n  expected {text[:40]!r}\n  got      {str(got)[:40]!r}")
