"""Hidden checks for exercise 2 · sequences.

The oracles: the reference `create_sequences` for the windows (the contract spells them out, so
there is only one right answer), and plain slicing for `split_ids`. Every known mistake is rebuilt
on the same ids (targets not shifted, shifted by two, X and y swapped, windows stepping by
seq_length, a window too few or too many) so that a failure can name it. Texts are random ids
whose length, window length and number of windows all differ, so no mistake can hide.

The memory check measures what building a CharDataset costs: the growth of the process's peak
resident memory (from /proc/self, where there is one) and the bytes held by the tensors, arrays and
lists reachable from the dataset. A small text comes first, so that a dataset that materialises
every window fails there (80 MB) before the text of a million ids (4 GB) is ever tried.
"""

from __future__ import annotations

import array
import gc
import os
import sys
import types

import torch
from torch.utils.data import DataLoader, Dataset

from grader.checks.support import CheckFailure, close, fail, generator, shape_text
from grader.loader import format_learner_traceback

_is_tensor = torch.is_tensor
_as_tensor = torch.as_tensor
_long = torch.long

VOCAB_SIZE = 29

try:
    PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
except (AttributeError, ValueError, OSError):  # no sysconf (Windows): /proc is missing there too
    PAGE_SIZE = 4096

# The mistakes, in the lesson's words.
NOT_SHIFTED = ("the targets are not shifted: y[i] equals X[i]. Each position must predict the NEXT "
               "character, so y[i] = ids[i+1 : i+1+seq_length]")
SHIFTED_BY_TWO = ("the targets are shifted by two; shift them by one: "
                  "y[i] = ids[i+1 : i+1+seq_length]")
SWAPPED = ("X and y are swapped: return (X, y), the inputs first and the targets (the inputs "
           "shifted by one) second")
X_SHIFTED = ("the inputs start one id late: X[0] must be the first seq_length ids, "
             "X[i] = ids[i : i+seq_length]")
STEPPED = ("the windows step by seq_length; a window starts at EVERY position (i = 0, 1, 2, ...), "
           "so that neighbouring windows overlap: range(len(ids) - seq_length), with a step of 1")
ONE_TOO_FEW = ("one window too few: the starts run over range(len(ids) - seq_length); "
               "range(len(ids) - seq_length - 1) misses the last window")
ONE_TOO_MANY = ("one window too many: the last window starts at len(ids) - seq_length - 1, because "
                "its targets need one id after it; a window starting at len(ids) - seq_length "
                "would have no target for its last position")
SHORT_LAST_WINDOW = ("a window came out shorter than the others, so they could not be stacked: a "
                     "window too many (the starts run over range(len(ids) - seq_length), not "
                     "range(len(ids) - seq_length + 1)), or targets shifted by more than one, run "
                     "past the end of the text")
AS_LIST = ("a list was returned instead of tensors: join the windows into one tensor "
           "(torch.stack of the slices, or torch.tensor of the lists, with dtype=torch.long)")
LONG_NEEDED = ("token ids must be torch.long (int64): nn.Embedding looks them up and "
               "F.cross_entropy needs long targets. Use dtype=torch.long")

# Error messages that mean "the windows have different lengths" (torch.stack, torch.tensor, NumPy).
RAGGED_ERRORS = ("stack expects each tensor to be equal size", "expected sequence of length",
                 "inhomogeneous", "must match the size of tensor")


# ------------------------------------------------------------------------------- the texts

def random_ids(seed: int, length: int) -> list[int]:
    """Token ids as exercise 1's encode gives them: a list of small ints."""
    return torch.randint(2, VOCAB_SIZE, (length,), generator=generator(seed)).tolist()


def windows(ids, seq_length, offset=0, step=1):
    """The windows ids[i+offset : i+offset+seq_length] for i = 0, step, 2*step, ... that fit in the
    text: a mistake's windows when offset != 1 or step != 1, as a 2-D long tensor."""
    ids = _as_tensor(ids, dtype=_long)
    starts = range(0, len(ids) - seq_length - offset + 1, step)
    return torch.stack([ids[i + offset:i + offset + seq_length] for i in starts])


def same_rows(got, expected) -> bool:
    """True when the rows the two tensors share (the first min(len) of them) are equal, so that a
    content check is not fooled, nor made to fail, by a wrong number of windows."""
    if not (_is_tensor(got) and _is_tensor(expected)) or got.dim() != 2 or expected.dim() != 2:
        return False
    rows = min(len(got), len(expected))
    if rows == 0 or got.size(1) != expected.size(1):
        return False
    return close(got[:rows], expected[:rows], atol=0, rtol=0)


def first_wrong_row(got, expected) -> int:
    """The first window in which the learner's rows differ from the expected ones (0 if none)."""
    if got.dim() != 2 or got.size(1) != expected.size(1):
        return 0
    return next((i for i in range(min(len(got), len(expected)))
                 if not close(got[i], expected[i], atol=0, rtol=0)), 0)


def ids_text(values, count=8) -> str:
    values = [int(v) for v in values]
    more = ", ..." if len(values) > count else ""
    return "[" + ", ".join(map(str, values[:count])) + more + "]"


def table(rows) -> str:
    """Labelled values, one per line, the labels padded so that the values line up."""
    width = max(len(label) for label, _ in rows)
    return "".join(f"\n  {label.ljust(width)} = {value}" for label, value in rows)


def row_text(windows_got, row) -> str:
    """Window `row` of the learner's windows, or their shape when there is no such row."""
    if windows_got.dim() == 2 and len(windows_got) > row:
        return ids_text(windows_got[row])
    return f"(none: shape {shape_text(windows_got.shape)})"


# ----------------------------------------------------------------------- create_sequences

def call_create_sequences(learner, ids, seq_length):
    """The learner's raw result, or a failure that names a short last window."""
    try:
        return learner.create_sequences(ids, seq_length)
    except NotImplementedError:
        raise
    except (RuntimeError, ValueError) as error:
        if any(pattern in str(error) for pattern in RAGGED_ERRORS):
            fail(f"create_sequences(ids of length {len(ids)}, seq_length={seq_length}) raised "
                 f"{type(error).__name__}: {str(error).splitlines()[0]}\nLikely mistake: "
                 f"{SHORT_LAST_WINDOW}.")
        raise


def as_pair(result, call):
    if isinstance(result, (tuple, list)) and len(result) == 2:
        return result
    what = f"{type(result).__name__} of length {len(result)}" if isinstance(result, (tuple, list)) \
        else type(result).__name__
    fail(f"{call} should return the pair (X, y); it returned {what}"
         + (" (did you forget a `return`?)" if result is None else "") + ".")


def as_windows(value, name, call):
    """The learner's X or y as a tensor, however it came (the type check judges how it came), so
    that the other checks can judge its windows."""
    if _is_tensor(value):
        return value.detach()
    try:
        if isinstance(value, (list, tuple)) and value and _is_tensor(value[0]):
            return torch.stack(list(value))
        return _as_tensor(value)
    except Exception:  # noqa: BLE001 - not readable as windows: say so
        fail(f"The {name} of {call} should be a tensor of windows; it is a "
             f"{type(value).__name__} that cannot be read as one.")


def learner_sequences(learner, ids, seq_length):
    """The learner's (X, y) as two tensors, and the call, for messages."""
    call = f"create_sequences(ids of length {len(ids)}, seq_length={seq_length})"
    X, y = as_pair(call_create_sequences(learner, ids, seq_length), call)
    return as_windows(X, "X", call), as_windows(y, "y", call), call


def test_create_sequences_returns_long_tensors(learner):
    """create_sequences returns (X, y), two tensors of dtype torch.long"""
    ids = random_ids(21, 41)
    call = f"create_sequences(ids of length {len(ids)}, seq_length=6)"
    result = as_pair(call_create_sequences(learner, ids, 6), call)
    for name, value in zip("Xy", result):
        if isinstance(value, (list, tuple)):
            fail(f"The {name} of {call} is a {type(value).__name__}, not a tensor.\n"
                 f"Likely mistake: {AS_LIST}.")
        if type(value).__module__ == "numpy":
            fail(f"The {name} of {call} is a NumPy array; return a torch tensor "
                 "(torch.from_numpy(...).long()), since the model takes tensors.")
        if not _is_tensor(value):
            fail(f"The {name} of {call} should be a torch tensor; it is {type(value).__name__}.")
        if value.dtype != _long:
            fail(f"The {name} of {call} has dtype {value.dtype}; expected torch.long "
                 f"(torch.int64).\nLikely mistake: {LONG_NEEDED}.")
        if value.dim() != 2:
            fail(f"The {name} of {call} has shape {shape_text(value.shape)}; expected a 2-D "
                 "tensor, one row per window: (len(ids) - seq_length, seq_length).")


def test_one_window_per_start_position(learner):
    """There is one window for every start i in range(len(ids) - seq_length)"""
    for seed, length, seq_length in ((22, 47, 6), (23, 60, 11), (24, 8, 7)):
        ids = random_ids(seed, length)
        X, y, call = learner_sequences(learner, ids, seq_length)
        expected = (length - seq_length, seq_length)
        if X.dim() != 2 or y.dim() != 2:
            fail(f"{call} gave X of shape {shape_text(X.shape)} and y of shape "
                 f"{shape_text(y.shape)}; expected {shape_text(expected)} for both, one row per "
                 "window.")
        if X.size(1) == seq_length + 1:
            fail(f"The windows of {call} hold {seq_length + 1} ids; expected seq_length = "
                 f"{seq_length}. Cut X[i] = ids[i : i+seq_length] and y[i] = "
                 "ids[i+1 : i+1+seq_length]: each holds seq_length ids, shifted by one.")
        if tuple(X.shape) == expected and tuple(y.shape) == expected:
            continue
        rows = X.size(0)
        stepped = len(range(0, length - seq_length, seq_length))
        likely = {expected[0] - 1: ONE_TOO_FEW, expected[0] + 1: ONE_TOO_MANY}.get(rows)
        if likely is None and rows in (stepped, length // seq_length) and X.size(1) == seq_length:
            likely = STEPPED
        if tuple(X.shape) == expected:
            fail(f"{call} gave X of the right shape {shape_text(expected)} but y of shape "
                 f"{shape_text(y.shape)}: y has one row of targets for every window of X.")
        fail(f"{call} gave X of shape {shape_text(X.shape)}; expected {shape_text(expected)}: "
             f"{length} ids hold {expected[0]} windows of {seq_length} (the last one starts at "
             f"{expected[0] - 1}, so that its targets end on the last id)."
             + (f"\nLikely mistake: {likely}." if likely else ""))


def test_inputs_are_the_windows_of_the_text(learner, reference):
    """The inputs X[i] are ids[i : i+seq_length]"""
    for seed, length, seq_length in ((25, 43, 5), (26, 70, 9)):
        ids = random_ids(seed, length)
        X, y, call = learner_sequences(learner, ids, seq_length)
        expected_X, expected_y = reference.create_sequences(ids, seq_length)
        if same_rows(X, expected_X):
            continue
        likely = None
        if same_rows(X, expected_y) and same_rows(y, expected_X):
            likely = SWAPPED
        elif same_rows(X, expected_y):
            likely = X_SHIFTED
        elif same_rows(X, windows(ids, seq_length, step=seq_length)):
            likely = STEPPED
        row = first_wrong_row(X, expected_X)
        fail(f"X[{row}] of {call} is not ids[{row} : {row + seq_length}]."
             + (f"\nLikely mistake: {likely}." if likely else "")
             + table([("ids", ids_text(ids, 12)), (f"expected X[{row}]", ids_text(expected_X[row])),
                      (f"got      X[{row}]", row_text(X, row))]))


def test_targets_are_the_inputs_shifted_by_one(learner, reference):
    """The targets y[i] are the inputs shifted by one: ids[i+1 : i+1+seq_length]"""
    for seed, length, seq_length in ((27, 45, 7), (28, 66, 4)):
        ids = random_ids(seed, length)
        X, y, call = learner_sequences(learner, ids, seq_length)
        expected_X, expected_y = reference.create_sequences(ids, seq_length)
        if same_rows(y, expected_y):
            continue
        likely = None
        if same_rows(y, expected_X) and same_rows(X, expected_y):
            likely = SWAPPED
        elif same_rows(y, expected_X) or (same_rows(y, X) and y.shape == X.shape):
            likely = NOT_SHIFTED
        elif same_rows(y, windows(ids, seq_length, offset=2)):
            likely = SHIFTED_BY_TWO
        elif same_rows(y, windows(ids, seq_length, offset=1, step=seq_length)):
            likely = STEPPED
        row = first_wrong_row(y, expected_y)
        fail(f"y[{row}] of {call} is not ids[{row + 1} : {row + 1 + seq_length}], the targets of "
             f"X[{row}]." + (f"\nLikely mistake: {likely}." if likely else "")
             + table([("ids", ids_text(ids, 12)), (f"X[{row}]", ids_text(expected_X[row])),
                      (f"expected y[{row}]", ids_text(expected_y[row])),
                      (f"got      y[{row}]", row_text(y, row))]))


def test_create_sequences_takes_a_list_or_a_tensor(learner):
    """create_sequences gives the same windows for ids as a list and as a 1-D tensor"""
    ids = random_ids(29, 38)
    list_X, list_y, _ = learner_sequences(learner, list(ids), 5)
    call = f"create_sequences(ids as a 1-D tensor of length {len(ids)}, seq_length=5)"
    try:
        result = call_create_sequences(learner, torch.tensor(ids), 5)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as error:  # noqa: BLE001 - explained, with the learner's traceback
        fail(f"{call} raised an error, although the same ids as a list did not:\n"
             f"{format_learner_traceback(error)}\nids may come as a list or as a tensor: "
             "torch.as_tensor(ids, dtype=torch.long) accepts both.")
    X, y = (as_windows(value, name, call) for value, name in zip(as_pair(result, call), "Xy"))
    if not (close(X, list_X, atol=0, rtol=0) and close(y, list_y, atol=0, rtol=0)):
        fail(f"{call} gave X {shape_text(X.shape)} and y {shape_text(y.shape)}, not the windows "
             f"that the same ids as a list gave (X {shape_text(list_X.shape)}, y "
             f"{shape_text(list_y.shape)}): a tensor of ids must be cut exactly like a list.")


def test_too_short_text_raises_value_error(learner):
    """A text too short for one window raises ValueError"""
    for length, seq_length in ((6, 6), (3, 8), (0, 4)):
        ids = random_ids(30, length)
        call = f"create_sequences(ids of length {length}, seq_length={seq_length})"
        why = (f"one window needs seq_length + 1 = {seq_length + 1} ids (seq_length inputs and one "
               "more for the last target)")
        try:
            result = learner.create_sequences(ids, seq_length)
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - the wrong kind of error: say which
            said = f" ({str(error).splitlines()[0]})" if str(error) else ""
            fail(f"{call} raised {type(error).__name__}{said}; it should raise ValueError, with "
                 f"a message saying the text is too short: {why}. Check the length yourself "
                 "before cutting windows: "
                 "`if len(ids) <= seq_length: raise ValueError(...)`.")
        returned = f"a {type(result).__name__}"
        if isinstance(result, (tuple, list)) and len(result) == 2 and all(map(_is_tensor, result)):
            returned = f"X of shape {shape_text(result[0].shape)}"
        fail(f"{call} returned {returned} instead of raising ValueError: {why}. "
             "Check the length yourself: `if len(ids) <= seq_length: raise ValueError(...)`.")


# ---------------------------------------------------------------------------- CharDataset

def build_dataset(learner, ids, seq_length, kind):
    try:
        return learner.CharDataset(ids, seq_length)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - explained, with the learner's traceback
        fail(f"CharDataset(ids as {kind} of length {len(ids)}, seq_length={seq_length}) raised an "
             f"error:\n{format_learner_traceback(error)}\nids may come as a list or as a tensor.")


def test_dataset_length_is_the_number_of_windows(learner):
    """len(CharDataset) is the number of windows, len(ids) - seq_length"""
    for seed, length, seq_length in ((31, 50, 7), (32, 23, 22)):
        ids = random_ids(seed, length)
        got = len(build_dataset(learner, ids, seq_length, "a list"))
        expected = length - seq_length
        if got == expected:
            continue
        likely = {expected - 1: ONE_TOO_FEW, expected + 1: ONE_TOO_MANY,
                  length: "len(ids) was returned; there are len(ids) - seq_length windows",
                  len(range(0, expected, seq_length)): STEPPED,
                  length // seq_length: STEPPED}.get(got)
        fail(f"len(CharDataset(ids of length {length}, seq_length={seq_length})) is {got}; "
             f"expected {expected}, one window per start, as in create_sequences."
             + (f"\nLikely mistake: {likely}." if likely else ""))


def expect_item(item, index, call, ids, seq_length, expected_X, expected_y):
    """One item of the learner's dataset against window `index` of the reference."""
    where = f"{call}[{index}]"
    if not (isinstance(item, (tuple, list)) and len(item) == 2):
        fail(f"{where} should be the pair (x, y); it is {type(item).__name__}"
             + (f" of length {len(item)}" if isinstance(item, (tuple, list)) else "") + ".")
    for name, value in zip("xy", item):
        if isinstance(value, (list, tuple)) or type(value).__module__ == "numpy":
            fail(f"The {name} of {where} is a {type(value).__name__}; return tensors, like "
                 "create_sequences, so that a DataLoader can stack them into batches "
                 "(torch.tensor(..., dtype=torch.long), or keep the ids in a tensor and slice it).")
        if not _is_tensor(value):
            fail(f"The {name} of {where} should be a torch tensor; it is {type(value).__name__}.")
        if value.dtype != _long:
            fail(f"The {name} of {where} has dtype {value.dtype}; expected torch.long.\n"
                 f"Likely mistake: {LONG_NEEDED}.")
        if tuple(value.shape) != (seq_length,):
            fail(f"The {name} of {where} has shape {shape_text(value.shape)}; expected "
                 f"({seq_length},): one window of seq_length ids.")
    x, y = item
    want_x, want_y = expected_X[index], expected_y[index]
    if close(x, want_x, atol=0, rtol=0) and close(y, want_y, atol=0, rtol=0):
        return
    ids = _as_tensor(ids, dtype=_long)
    likely = None
    if close(x, want_y, atol=0, rtol=0) and close(y, want_x, atol=0, rtol=0):
        likely = SWAPPED
    elif close(x, want_x, atol=0, rtol=0) and close(y, want_x, atol=0, rtol=0):
        likely = NOT_SHIFTED
    elif close(x, want_x, atol=0, rtol=0) and close(y, ids[index + 2:index + 2 + seq_length], 0, 0):
        likely = SHIFTED_BY_TWO
    elif index * seq_length + seq_length < len(ids) and close(
            x, ids[index * seq_length:index * seq_length + seq_length], atol=0, rtol=0):
        likely = STEPPED
    fail(f"{where} is not window {index} of create_sequences: x should be ids[{index} : "
         f"{index + seq_length}] and y ids[{index + 1} : {index + 1 + seq_length}]."
         + (f"\nLikely mistake: {likely}." if likely else "")
         + f"\n  expected x = {ids_text(want_x)}, y = {ids_text(want_y)}"
         f"\n  got      x = {ids_text(x)}, y = {ids_text(y)}")


def test_dataset_items_are_the_windows(learner, reference):
    """CharDataset's items are the windows of create_sequences, as long tensors"""
    length, seq_length = 53, 8
    ids = random_ids(33, length)
    expected_X, expected_y = reference.create_sequences(ids, seq_length)
    count = length - seq_length
    for kind, given in (("a list", list(ids)), ("a 1-D tensor", torch.tensor(ids))):
        dataset = build_dataset(learner, given, seq_length, kind)
        call = f"CharDataset(ids as {kind} of length {length}, seq_length={seq_length})"
        for index in (0, 1, count // 2, count - 1):
            expect_item(dataset[index], index, call, ids, seq_length, expected_X, expected_y)


def test_dataset_works_with_a_dataloader(learner, reference):
    """A DataLoader over CharDataset gives (batch, seq_length) batches of every window"""
    length, seq_length, batch_size = 83, 7, 10
    ids = random_ids(34, length)
    expected_X, expected_y = reference.create_sequences(ids, seq_length)
    dataset = build_dataset(learner, torch.tensor(ids), seq_length, "a 1-D tensor")
    if not isinstance(dataset, Dataset):
        fail("CharDataset should be a torch.utils.data.Dataset: declare it as "
             "`class CharDataset(Dataset):` (from torch.utils.data import Dataset).")
    try:
        batches = list(DataLoader(dataset, batch_size=batch_size, shuffle=False))
    except NotImplementedError:
        raise
    except (RuntimeError, ValueError) as error:
        if not any(pattern in str(error) for pattern in RAGGED_ERRORS):
            raise
        fail("A DataLoader over CharDataset could not stack the items into batches "
             f"({str(error).splitlines()[0]}): some windows are shorter than seq_length. Usually "
             "len(dataset) counts windows that run past the end of the text; there are "
             "len(ids) - seq_length of them.")
    for number, batch in enumerate(batches):
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2
                and all(map(_is_tensor, batch))):
            parts = (f" of {len(batch)} {type(batch[0]).__name__}s"
                     if isinstance(batch, (list, tuple)) and batch else "")
            fail("The DataLoader's batches should be pairs of tensors (x, y); the first one is "
                 f"{type(batch).__name__}{parts}. Return tensors from __getitem__, "
                 "`return x, y`, so that the DataLoader stacks them.")
        start = number * batch_size
        rows = min(batch_size, len(expected_X) - start)
        for name, got, expected in (("x", batch[0], expected_X), ("y", batch[1], expected_y)):
            if tuple(got.shape) != (rows, seq_length):
                fail(f"Batch {number} of DataLoader(CharDataset(...), batch_size={batch_size}) has "
                     f"{name} of shape {shape_text(got.shape)}; expected ({rows}, {seq_length}).")
            if not close(got, expected[start:start + rows], atol=0, rtol=0):
                fail(f"Batch {number} of DataLoader(CharDataset(...), batch_size={batch_size}, "
                     f"shuffle=False) has {name} that are not windows {start} to "
                     f"{start + rows - 1} of create_sequences.")
    expected_batches = -(-len(expected_X) // batch_size)
    if len(batches) != expected_batches:
        fail(f"A DataLoader with batch_size={batch_size} over {len(expected_X)} windows gave "
             f"{len(batches)} batches; expected {expected_batches}. Check len(dataset).")


# --------------------------------------------------------------------- memory of CharDataset

def resident_bytes():
    """The process's resident memory now (Linux's /proc/self/statm), or None without /proc."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


def peak_resident_bytes():
    """The process's peak resident memory since the last reset (VmHWM), or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def record_resident_bytes():
    """The highest resident memory this process has ever had (getrusage), or None (Windows).

    It cannot be reset, so it only grows when something beats the old record; where /proc is
    missing (macOS) it still catches a dataset that builds a big tensor and throws it away."""
    try:
        import resource
    except ImportError:
        return None
    record = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return record if sys.platform == "darwin" else record * 1024  # macOS: bytes; Linux: KiB


def reset_peak() -> bool:
    """Make the peak resident memory start again from now (Linux >= 4.0), so that a dataset that
    builds every window and throws them away is caught too. False where that cannot be done."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    peak, now = peak_resident_bytes(), resident_bytes()
    # Where the write is accepted but does nothing (some sandboxes), the old peak stays far above.
    return peak is not None and now is not None and peak - now < 4_000_000


# What one tensor object costs besides its data (the Python object, the C++ TensorImpl, its sizes
# and strides): about 600 bytes measured on Linux; counted low, so that no estimate is too high.
TENSOR_OVERHEAD = 400

NOT_FOLLOWED = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType,
                types.MethodType, int, float, complex, bool, str, type(None), torch.dtype,
                torch.device)


def held_bytes(root, depth: int = 5) -> int:
    """The bytes held by the tensors, arrays and containers reachable from `root`'s attributes.

    Tensors count by their storage, once per storage, so that a view of one long tensor (a slice,
    unfold) costs only its object: the windows' copies, if any, are what this measures. Where
    there is no /proc to read resident memory from, this is the whole measure.
    """
    seen, storages, total = set(), set(), 0
    pending = [(value, 1) for value in vars(root).values()] if hasattr(root, "__dict__") else []
    while pending:
        value, level = pending.pop()
        if id(value) in seen or isinstance(value, NOT_FOLLOWED):
            continue
        seen.add(id(value))
        if _is_tensor(value):
            total += TENSOR_OVERHEAD
            storage = value.untyped_storage()
            if storage.data_ptr() not in storages:
                storages.add(storage.data_ptr())
                total += storage.nbytes()
            continue
        if type(value).__module__ == "numpy" and hasattr(value, "nbytes"):
            base = value
            while getattr(base, "base", None) is not None and hasattr(base.base, "nbytes"):
                base = base.base
            if id(base) not in storages:
                storages.add(id(base))
                total += int(base.nbytes)
            continue
        if isinstance(value, (bytes, bytearray, array.array)):
            total += sys.getsizeof(value)
            continue
        children = ()
        if isinstance(value, (list, tuple, set, frozenset)):
            total += sys.getsizeof(value)
            children = value
        elif isinstance(value, dict):
            total += sys.getsizeof(value)
            children = list(value.values())
        elif hasattr(value, "__dict__"):
            children = list(vars(value).values())
        if level < depth:
            pending.extend((child, level + 1) for child in children
                           if not isinstance(child, NOT_FOLLOWED))
    return total


def memory_taken(learner, ids, seq_length):
    """(bytes, dataset): what building a CharDataset over `ids` and reading its first and last
    windows took, the larger of the growth of peak resident memory and the bytes it holds."""
    gc.collect()
    peak_known = reset_peak()
    before, record_before = resident_bytes(), record_resident_bytes()
    dataset = build_dataset(learner, ids, seq_length, "a list")
    count = len(dataset)
    dataset[0], dataset[count - 1]  # noqa: B018 - a dataset that builds its windows on first use
    after, record_after = (peak_resident_bytes() if peak_known else resident_bytes(),
                           record_resident_bytes())
    growth = after - before if before is not None and after is not None else 0
    record_growth = record_after - record_before if record_before is not None else 0
    return max(growth, record_growth, held_bytes(dataset)), dataset


def test_dataset_memory_grows_with_the_text_only(learner):
    """CharDataset does not materialise its windows: a million ids cost about the ids alone"""
    seq_length = 256
    small = random_ids(35, 20_000)
    materialised = 2 * (len(small) - seq_length) * seq_length * 8
    taken, dataset = memory_taken(learner, small, seq_length)
    del dataset
    if taken > materialised / 4:
        fail(f"CharDataset materialises every window: over a text of {len(small):,} ids with "
             f"windows of {seq_length}, building it and reading two windows took "
             f"{taken / 1e6:.0f} MB, where the ids alone take {len(small) * 8 / 1e6:.2f} MB and X "
             f"and y of all {len(small) - seq_length:,} windows {materialised / 1e6:.0f} MB. On a book of a million characters that would be "
             f"{2e6 * seq_length * 8 / 1e9:.0f} GB. Keep the ids in one long tensor and cut window "
             "i in __getitem__: self.ids[i : i+seq_length] and self.ids[i+1 : i+1+seq_length].")
    if taken > 400 * len(small):  # far above noise, so a heavy dataset fails before a million ids
        fail_per_id(taken, len(small), seq_length)
    large = random_ids(36, 1_000_000)
    taken, dataset = memory_taken(learner, large, seq_length)
    del dataset
    if taken > 100 * len(large):
        fail_per_id(taken, len(large), seq_length)


def fail_per_id(taken, count, seq_length):
    fail(f"CharDataset over {count:,} ids with windows of {seq_length} took {taken / 1e6:.0f} MB, "
         f"{taken / count:.0f} bytes per id; keeping the ids alone takes about 8 bytes per id (a "
         "long tensor or a list). Keep only the ids, and cut each window in __getitem__ when it is "
         "asked for, not ahead of time (not even as one tensor per window).")


# ------------------------------------------------------------------------------- split_ids

def as_id_list(value, name):
    """The ids of a part, whatever sequence holds them (a list, a tuple, a tensor, an array)."""
    if _is_tensor(value):
        return [int(v) for v in value.reshape(-1).tolist()]
    try:
        return [int(v) for v in value]
    except (TypeError, ValueError):
        fail(f"The {name} part returned by split_ids should be a sequence of ids (a list or a "
             f"tensor); it is {type(value).__name__}.")


def learner_split(learner, ids, *fraction):
    told = f", val_fraction={fraction[0]}" if fraction else ""
    call = f"split_ids(ids of length {len(ids)}{told})"
    result = learner.split_ids(ids, *fraction)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        hint = " (did you forget a `return`?)" if result is None else ""
        fail(f"{call} should return the pair (train_ids, val_ids); it returned "
             f"{type(result).__name__}{hint}.")
    return as_id_list(result[0], "training"), as_id_list(result[1], "validation"), call


def distinct_ids(seed, length):
    """Ids that are all different, so that every returned id tells where it came from."""
    return torch.randperm(length, generator=generator(seed)).add(2).tolist()


def test_split_keeps_training_first_and_validation_last(learner):
    """split_ids is contiguous: training first, then validation, and no id in both"""
    ids = distinct_ids(37, 1000)
    train, val, call = learner_split(learner, ids)
    if train + val == ids and train and val:
        return
    position = {value: index for index, value in enumerate(ids)}
    train_at = [position.get(v, -1) for v in train]
    val_at = [position.get(v, -1) for v in val]
    shared = sorted(set(train_at) & set(val_at))
    if val + train == ids:
        fail(f"{call} gave the END of the text ({len(train)} ids) as the training part and the "
             f"beginning ({len(val)} ids) as the validation part.\nLikely mistake: validation "
             "first; the training part is the beginning, ids[:split], and the validation part the "
             "last val_fraction, ids[split:].")
    if shared:
        fail(f"{call}: the id at position {shared[0]} is in both parts ({len(shared)} shared in "
             "all). No character may be in both, or the validation loss would be measured on "
             "text the model trained on: cut at ONE split point, train = ids[:split], "
             "val = ids[split:].")
    if not train or not val:
        fail(f"{call} gave {len(train)} training ids and {len(val)} validation ids; both parts "
             "should hold ids (about 900 and 100).")
    if sorted(train_at + val_at) == list(range(len(ids))):
        fail(f"{call} split the ids, but not at one point: the training part should be one "
             "stretch of text at the start and the validation part the stretch after it. "
             "Likely mistake: the ids were shuffled (a random split), so validation text sits "
             "between training text; slice instead: ids[:split], ids[split:].")
    missing = len(ids) - len(set(train_at + val_at) - {-1})
    fail(f"{call} lost {missing} ids: training ({len(train)}) and validation ({len(val)}) "
         f"together should hold all {len(ids)} ids, train = ids[:split], val = ids[split:], "
         "with the same split point.")


def test_validation_is_the_last_val_fraction(learner):
    """The validation part is the last val_fraction of the text (0.1 unless told)"""
    for length, fraction in ((1000, None), (1000, 0.2), (537, 0.25), (90, 0.5)):
        ids = distinct_ids(38, length)
        train, val, call = learner_split(learner, ids, *(() if fraction is None else (fraction,)))
        wanted = length * (0.1 if fraction is None else fraction)
        said = "the default val_fraction=0.1" if fraction is None else f"val_fraction={fraction}"
        if abs(len(val) - wanted) <= 1 + 1e-9:
            if val == ids[length - len(val):]:
                continue
            fail(f"With {said}, {call} gave {len(val)} validation ids, the right number, but not "
                 f"the last {len(val)} ids of the text: the validation part is the END of the "
                 f"text, ids[{length - len(val)}:].")
        likely = ""
        if abs(len(val) - (length - wanted)) <= 1 and len(val) != len(train):
            likely = ("\nLikely mistake: the fractions are swapped; validation is the SMALL part, "
                      "the last val_fraction of the text.")
        elif fraction is not None and abs(len(val) - length * 0.1) <= 1:
            likely = ("\nLikely mistake: val_fraction is ignored (0.1 is fixed); use the argument.")
        fail(f"With {said}, {call} gave {len(val)} validation ids of {length}; expected the last "
             f"{wanted:g} (one more or less for rounding), ids[{length - round(wanted)}:], and all "
             f"the ids before them for training.{likely}")


def test_split_takes_a_list_or_a_tensor(learner):
    """split_ids takes the ids as a list or as a tensor"""
    ids = distinct_ids(39, 200)
    train, val, _ = learner_split(learner, list(ids))
    for kind, given in (("a 1-D tensor", torch.tensor(ids)),):
        call = f"split_ids(ids as {kind} of length {len(ids)})"
        try:
            result = learner.split_ids(given)
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - explained, with the learner's traceback
            fail(f"{call} raised an error:\n{format_learner_traceback(error)}\nSlicing works on a "
                 "list and on a tensor alike: ids[:split], ids[split:].")
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            fail(f"{call} should return the pair (train_ids, val_ids).")
        got = (as_id_list(result[0], "training"), as_id_list(result[1], "validation"))
        if got != (train, val):
            fail(f"{call} gave {len(got[0])} training and {len(got[1])} validation ids, but the "
                 f"same ids as a list gave {len(train)} and {len(val)}: a tensor should be split "
                 "at the same point as a list.")
