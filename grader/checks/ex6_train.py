"""Hidden checks for exercise 6 · train.

The learner's functions run on small probe models and a probe optimiser that note what is done to
them: every forward pass records the model's mode, whether autograd was on and the input's
device; a step pre-hook on a plain SGD records, at every optimizer.step(), the weights and the
gradients it found there.

The oracles, all in float64 on a copy of the probe holding the same weights:
- the loss of train_step and the per-character loss of evaluate: F.cross_entropy on the probe's
  logits, every position scored once;
- the gradient that should reach optimizer.step(): autograd on that loss at the weights the
  optimiser saw, then the formula of clip_grad_norm_ (one norm over all the parameters);
- get_batch: the windows themselves, read back from ids whose values are all different, so that
  every row tells where it starts.
Every known mistake is recomputed on the same inputs so that a failure can name it. Sizes all
differ (batch, positions, vocabulary, width) so that a swapped axis cannot hide.
"""

from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from grader.checks.support import (CheckFailure, expect_close, expect_tensor, fail, generator,
                                   shape_text, values_text)
from grader.loader import format_learner_traceback

_equal = torch.equal
_is_tensor = torch.is_tensor
_float64 = torch.float64

# ------------------------------------------------------------------------ the mistakes, in words

# get_batch
Y_NOT_SHIFTED = ("y is not shifted: y[b] must be the window one character later, "
                 "ids[s+1 : s+seq_length+1], so that y[b, t] is the character after x[b, t]")
Y_SHIFTED_BACK = ("y is shifted the wrong way (one character earlier): y[b] = ids[s+1 : s+seq_length+1], "
                  "the characters that come after x[b]")
SEPARATE_STARTS = ("x and y were cut from different random starts: draw the starts once, then cut "
                   "x = ids[s : s+seq_length] and y = ids[s+1 : s+seq_length+1] from the same s")
NOT_RANDOM = ("the windows are not random: every batch holds the same windows from the start of ids. "
              "Draw one random start per row with "
              "torch.randint(len(ids) - seq_length, (batch_size,), generator=generator)")
SAME_START_PER_BATCH = ("every row of a batch starts at the same offset: draw one random start per row, "
                        "torch.randint(..., (batch_size,), ...)")
LAST_START_MISSED = ("the last possible start, len(ids) - seq_length - 1, is never drawn: torch.randint's "
                     "upper bound is excluded, so pass len(ids) - seq_length as the bound")
PAST_THE_END = ("the windows run past the end of ids: the last valid start is len(ids) - seq_length - 1, "
                "because y needs one character after the window. Draw starts with "
                "torch.randint(len(ids) - seq_length, (batch_size,), generator=generator)")
GENERATOR_IGNORED = ("the generator was ignored: pass it on, torch.randint(..., generator=generator), "
                     "so that the same seed gives the same batch")

# train_step: the loss
LOSS_SUM = ("the loss is the sum over the positions, not the mean: use F.cross_entropy's default "
            "reduction='mean'")
LOSS_PER_SEQUENCE = ("the loss was summed over the positions and averaged over the rows only: take "
                     "the mean over every position of every row")
LOSS_LAST_POSITION = ("only the last position was scored (logits[:, -1] against y[:, -1]): a language "
                      "model learns from every position, so score all B*T of them")
LOSS_SHIFTED_AGAIN = ("the targets were shifted a second time (logits[:, :-1] against y[:, 1:]): "
                      "get_batch already shifted y, so position t of the logits is scored against y[:, t]")
LOSS_VIEW_NOT_TRANSPOSE = ("the logits were viewed as (B, vocab_size, T) with .view/.reshape, which "
                           "scrambles them: to give F.cross_entropy the classes on dim 1, use "
                           "logits.transpose(1, 2), or flatten: logits.reshape(-1, vocab_size) with "
                           "y.reshape(-1)")
LOSS_MISALIGNED = ("the logits and the targets were flattened in different orders (a transpose on "
                   "one of them only), so positions are scored against the wrong characters: "
                   "logits.reshape(-1, vocab_size) goes with y.reshape(-1)")
LOSS_SOFTMAX_FIRST = ("a softmax was applied before F.cross_entropy, which applies log_softmax "
                      "itself: pass it the raw logits")
LOSS_NLL_RAW = ("F.nll_loss was given the raw logits: it expects log-probabilities. Use "
                "F.cross_entropy on the logits (or nll_loss on log_softmax(logits, dim=-1))")
LOSS_AFTER_STEP = ("the loss returned was computed again after optimizer.step(), with the new "
                   "weights: return the loss of the forward pass the step was taken on")

# train_step: the step and its gradient
NO_STEP = ("optimizer.step() was never called on the optimiser passed in, so the weights never "
           "change: call optimizer.step() after loss.backward() (and use the `optimizer` argument, "
           "not one of your own)")
NO_GRADIENT_AT_STEP = ("when optimizer.step() ran, the weights had no gradient (None or all zeros). "
                       "The order is: optimizer.zero_grad(), loss.backward(), clip, optimizer.step(). "
                       "Was step() called before backward(), or zero_grad() called between "
                       "backward() and step()?")
GRADIENTS_ACCUMULATE = ("the gradients carry over from one step to the next: the last step's "
                        "gradient was still there when this step's backward() added to it. Call "
                        "optimizer.zero_grad() before loss.backward() (or after optimizer.step())")
GRADIENT_OF_SUM = ("the gradient is that of the summed loss (B*T times too big): call backward() on "
                   "the mean cross-entropy, the loss you return")

# train_step: clipping
NOT_CLIPPED = ("the gradients reaching optimizer.step() were not clipped: call "
               "torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm) after "
               "loss.backward() and before optimizer.step()")
CLIPPED_AT_ONE = ("the gradient norm was clipped to 1.0 whatever clip_grad_norm says: pass the "
                  "argument, clip_grad_norm_(model.parameters(), clip_grad_norm)")
CLIPPED_WHEN_NONE = ("the gradients were clipped although clip_grad_norm is None: None means no "
                     "clipping at all (`if clip_grad_norm is not None:`)")
CLIPPED_BY_VALUE = ("each gradient value was clamped (clip_grad_value_); clip the norm instead: "
                    "torch.nn.utils.clip_grad_norm_")
CLIPPED_PER_PARAMETER = ("each parameter's gradient was clipped on its own; clip_grad_norm_ takes "
                         "one norm over all the parameters together: pass model.parameters() in "
                         "one call")

# evaluate
MEAN_OF_BATCH_MEANS = ("the result is the mean of the per-batch means: the last batch is smaller, so "
                       "its characters weigh more. Add up the loss of every character "
                       "(reduction='sum', or mean times count) and divide by the number of characters")
LAST_BATCH_DROPPED = ("the last, smaller batch of windows was left out: every window counts")
LAST_WINDOW_DROPPED = ("the last full window was left out: the windows start at i = 0, seq_length, "
                       "2*seq_length, ... as long as i + seq_length + 1 <= len(ids)")
IN_BITS = "the result is in bits (divided by ln 2); evaluate gives nats, F.cross_entropy's unit"
SUM_PER_WINDOW = ("the result is the summed loss per window, not per character: divide by the "
                  "number of characters scored")
TOTAL_SUM = "the result is the total loss, not the mean per character"
OVERLAPPING_WINDOWS = ("the windows overlap (a new window at every character): evaluate uses "
                       "consecutive windows that do not overlap, i = 0, seq_length, 2*seq_length, ...")
TARGETS_NOT_SHIFTED = ("the targets are the inputs themselves: y = ids[i+1 : i+seq_length+1], one "
                       "character later than x")


# --------------------------------------------------------------------------------- the probes

@dataclass
class Forward:
    """What a probe saw in one forward pass."""

    training: bool  # True if the probe or any of its submodules was in training mode
    grad_enabled: bool
    device: str  # of the input ids


class ProbeLM(nn.Module):
    """A tiny language model that writes down every forward pass it makes.

    Its logits at position t depend on the character there and on t itself (a learned vector per
    position), so which windows a function reads changes the numbers. `dropout` (p = 0) is a
    submodule, so that a mode set on the top module only (model.training = False) shows up.
    `logit_scale` makes the gradients large enough for clipping to matter.
    """

    def __init__(self, vocab_size, width, max_len, seed, logit_scale=1.0):
        super().__init__()
        gen = generator(seed)
        self.embedding = nn.Embedding(vocab_size, width)
        self.position = nn.Parameter(0.5 * torch.randn(max_len, width, generator=gen))
        self.dropout = nn.Dropout(0.0)
        self.lm_head = nn.Linear(width, vocab_size)
        with torch.no_grad():
            self.embedding.weight.copy_(torch.randn(vocab_size, width, generator=gen))
            self.lm_head.weight.copy_(torch.randn(vocab_size, width, generator=gen) / math.sqrt(width))
            self.lm_head.bias.copy_(0.2 * torch.randn(vocab_size, generator=gen))
        self.logit_scale = logit_scale
        self.max_len = max_len
        self.forwards: list[Forward] = []

    def forward(self, ids):
        self.forwards.append(Forward(training=any(m.training for m in self.modules()),
                                     grad_enabled=torch.is_grad_enabled(), device=ids.device.type))
        hidden = torch.tanh(self.embedding(ids) + self.position[: ids.size(-1)])
        return self.lm_head(self.dropout(hidden)) * self.logit_scale


@dataclass
class Step:
    """What the optimiser found when step() was called."""

    weights: list
    grads: list  # None where a parameter had no gradient


class StepRecorder:
    """Watches an optimiser: at every step() it copies the weights and gradients it finds."""

    def __init__(self, optimizer):
        self.steps: list[Step] = []
        optimizer.register_step_pre_hook(self._record)

    def _record(self, optimizer, args, kwargs):
        params = [p for group in optimizer.param_groups for p in group["params"]]
        self.steps.append(Step(weights=[p.detach().clone() for p in params],
                               grads=[None if p.grad is None else p.grad.detach().clone() for p in params]))


# Batch, positions, vocabulary and width all differ.
BATCH, POSITIONS, VOCAB, WIDTH, MAX_LEN = 3, 5, 11, 6, 16
LOGIT_SCALE = 4.0  # the raw gradient norm is then well above 1, so every clip value matters


def probe(seed, logit_scale=LOGIT_SCALE):
    return ProbeLM(VOCAB, WIDTH, MAX_LEN, seed, logit_scale)


def probe_with_optimizer(seed):
    model = probe(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    return model, optimizer, StepRecorder(optimizer)


def random_batch(seed, batch=BATCH, positions=POSITIONS):
    gen = generator(seed)
    return (torch.randint(VOCAB, (batch, positions), generator=gen),
            torch.randint(VOCAB, (batch, positions), generator=gen))


# -------------------------------------------------------------------------------- the oracles

def float64_copy(model, weights=None):
    """A float64 copy of a probe, optionally holding other weights (in parameters() order)."""
    twin = copy.deepcopy(model).double()
    if weights is not None:
        with torch.no_grad():
            for parameter, weight in zip(twin.parameters(), weights):
                parameter.copy_(weight.double())
    return twin


def logits64(model, x, weights=None):
    with torch.no_grad():
        return float64_copy(model, weights)(x)


def mean_cross_entropy(logits, y):
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))


def loss_mistakes(logits, y):
    """The loss under each known mistake of train_step, on the same logits (computed lazily)."""
    batch, positions, vocab = logits.shape
    flat_logits, flat_y = logits.reshape(-1, vocab), y.reshape(-1)
    return {
        LOSS_SUM: lambda: F.cross_entropy(flat_logits, flat_y, reduction="sum"),
        LOSS_PER_SEQUENCE: lambda: F.cross_entropy(flat_logits, flat_y, reduction="sum") / batch,
        LOSS_LAST_POSITION: lambda: F.cross_entropy(logits[:, -1], y[:, -1]),
        LOSS_SHIFTED_AGAIN: lambda: mean_cross_entropy(logits[:, :-1], y[:, 1:]),
        LOSS_VIEW_NOT_TRANSPOSE: lambda: F.cross_entropy(logits.reshape(batch, vocab, positions), y),
        LOSS_MISALIGNED: lambda: F.cross_entropy(flat_logits, y.t().reshape(-1)),
        LOSS_MISALIGNED + " ": lambda: F.cross_entropy(logits.transpose(0, 1).reshape(-1, vocab), flat_y),
        LOSS_SOFTMAX_FIRST: lambda: F.cross_entropy(flat_logits.softmax(-1), flat_y),
        LOSS_NLL_RAW: lambda: F.nll_loss(flat_logits, flat_y),
    }


def raw_gradient(model, weights, x, y):
    """The gradient of the mean cross-entropy of (x, y) at `weights`, one float64 tensor per
    parameter, in parameters() order."""
    twin = float64_copy(model, weights)
    with torch.enable_grad():
        loss = mean_cross_entropy(twin(x), y)
        return list(torch.autograd.grad(loss, list(twin.parameters())))


def flat(tensors):
    return torch.cat([t.reshape(-1).to(_float64) for t in tensors])


def clip_by_norm(grads, max_norm):
    """What clip_grad_norm_ leaves: every gradient scaled by max_norm / (total norm), if that is < 1."""
    total = float(flat(grads).norm())
    factor = min(1.0, max_norm / (total + 1e-6))
    return [g * factor for g in grads]


def clip_mistakes(grads, max_norm):
    """The gradients reaching step() under each clipping mistake."""
    return {
        NOT_CLIPPED: lambda: flat(grads),
        CLIPPED_AT_ONE: lambda: flat(clip_by_norm(grads, 1.0)),
        CLIPPED_BY_VALUE: lambda: flat([g.clamp(-max_norm, max_norm) for g in grads]),
        CLIPPED_PER_PARAMETER: lambda: flat([clip_by_norm([g], max_norm)[0] for g in grads]),
    }


def windows(ids, seq_length, stride=None):
    """(x, y) of the windows starting at 0, stride, 2*stride, ... with a full target window."""
    stride = stride or seq_length
    starts = range(0, len(ids) - seq_length, stride)
    return (torch.stack([ids[i:i + seq_length] for i in starts]),
            torch.stack([ids[i + 1:i + seq_length + 1] for i in starts]))


def per_character_losses(model, x, y):
    """(windows, positions) float64 cross-entropies of the probe on the windows (x, y)."""
    logits = logits64(model, x)
    return F.cross_entropy(logits.transpose(1, 2), y, reduction="none")


def evaluate_mistakes(model, ids, seq_length, batch_size):
    """evaluate's result under each known mistake (full windows only: len(ids) - 1 is a multiple
    of seq_length in these checks)."""
    x, y = windows(ids, seq_length)
    losses = per_character_losses(model, x, y)
    batch_means = [losses[i:i + batch_size].mean() for i in range(0, len(losses), batch_size)]
    full_batches = len(losses) // batch_size * batch_size
    return {
        MEAN_OF_BATCH_MEANS: lambda: torch.stack(batch_means).mean(),
        LAST_BATCH_DROPPED: lambda: losses[:full_batches].mean(),
        LAST_WINDOW_DROPPED: lambda: losses[:-1].mean(),
        IN_BITS: lambda: losses.mean() / math.log(2),
        SUM_PER_WINDOW: lambda: losses.sum(1).mean(),
        TOTAL_SUM: lambda: losses.sum(),
        OVERLAPPING_WINDOWS: lambda: per_character_losses(model, *windows(ids, seq_length, 1)).mean(),
        TARGETS_NOT_SHIFTED: lambda: per_character_losses(model, x, x).mean(),
    }


def expected_evaluation(model, ids, seq_length):
    return per_character_losses(model, *windows(ids, seq_length)).mean()


# ---------------------------------------------------------------------------------- helpers

class DeviceSpy(TorchFunctionMode):
    """Notes whether any torch call made inside it was handed a device of the given type: on a
    machine with a CPU only, this is how a check can tell that `device` is used, not ignored."""

    def __init__(self, device_type):
        super().__init__()
        self.device_type = device_type
        self.used = False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if not self.used:
            for argument in (*args, *kwargs.values()):
                if isinstance(argument, torch.device) and argument.type == self.device_type:
                    self.used = True
        return func(*args, **kwargs)


def as_number(value, what):
    """A returned loss as a Python float; a 0-d tensor is accepted here (another check names it)."""
    if _is_tensor(value) and value.numel() == 1:
        return float(value.detach())
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    fail(f"{what} should be a Python float, but your code gave {type(value).__name__}"
         + (" (did you forget a `return`?)" if value is None else "") + ".")


def expect_python_float(value, what, fix):
    if _is_tensor(value):
        attached = " still attached to its autograd graph" if value.requires_grad else ""
        fail(f"{what} returned a tensor{attached} ({values_text(value)}); it should return a Python "
             f"float: {fix}. A tensor kept in a history list keeps its whole graph (and memory) alive.")
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        fail(f"{what} should return a Python float, but it gave {type(value).__name__}"
             + (" (did you forget a `return`?)" if value is None else "") + ".")


def distinct_ids(length, seed):
    """1-D long ids whose values are all different, so each window tells where it starts."""
    return torch.randperm(length, generator=generator(seed)) + 3


def call_get_batch(learner, ids, batch_size, seq_length, **options):
    """The learner's (x, y), checked for type, shape and dtype."""
    call = f"get_batch(ids of length {len(ids)}, batch_size={batch_size}, seq_length={seq_length})"
    result = learner.get_batch(ids, batch_size, seq_length, **options)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        what = type(result).__name__
        fail(f"{call} should return the pair (x, y); it returned {what}"
             + (" (did you forget a `return`?)" if result is None else "") + ".")
    for name, tensor in zip("xy", result):
        expect_tensor(tensor, f"{name} from {call}")
        if tuple(tensor.shape) == (seq_length, batch_size):
            fail(f"{name} from {call} has shape {shape_text(tensor.shape)}, that is (seq_length, "
                 f"batch_size); expected (batch_size, seq_length) = ({batch_size}, {seq_length}): one "
                 "window per row (torch.stack the windows along dim 0).")
        expect_tensor(tensor, f"{name} from {call}", shape=(batch_size, seq_length))
        if tensor.dtype != torch.long:
            fail(f"{name} from {call} has dtype {tensor.dtype}; expected torch.long: nn.Embedding and "
                 "F.cross_entropy want int64 ids (keep ids' own dtype, or .long()).")
    return result


def starts_of(x, ids):
    """The offset in `ids` where each row of x begins (ids' values are all different)."""
    where = {int(v): i for i, v in enumerate(ids)}
    return [where.get(int(row[0]), -1) for row in x]


# --------------------------------------------------------------------------------- get_batch

def test_batch_has_the_right_shape_dtype_and_device(learner):
    """get_batch returns x and y of shape (batch_size, seq_length), torch.long, on the device asked for"""
    ids = distinct_ids(60, seed=1)
    call_get_batch(learner, ids, 4, 7, generator=generator(2))
    call_get_batch(learner, ids, 9, 3, generator=generator(3))
    torch.manual_seed(4)
    call_get_batch(learner, ids, 2, 5)  # generator=None: the global generator is used
    spy = DeviceSpy("cpu")
    device = torch.device("cpu")  # made outside the spy: torch.device(...) itself goes through it
    with spy:
        x, y = call_get_batch(learner, ids, 4, 7, generator=generator(5), device=device)
    if x.device.type != "cpu" or y.device.type != "cpu":
        fail(f"get_batch(..., device=torch.device('cpu')) gave x on {x.device}, y on {y.device}; "
             "expected both on the cpu.")
    if not spy.used:
        fail("get_batch(..., device=torch.device('cpu')) never handed `device` to torch: the argument "
             "is ignored, so on a GPU the batch would stay on the CPU, away from the model. End with "
             "x.to(device), y.to(device).")


def test_batch_rows_are_windows_and_their_next_characters(learner):
    """Each row of x is a window of ids, and y is the same window shifted by one character"""
    ids, seq_length = distinct_ids(50, seed=6), 6
    x, y = call_get_batch(learner, ids, 5, seq_length, generator=generator(7))
    for row, start in enumerate(starts_of(x, ids)):
        window = ids[start:start + seq_length]
        if start < 0 or len(window) != seq_length or not _equal(x[row].cpu(), window):
            fail(f"Row {row} of x is not a stretch of consecutive ids: x[{row}] = "
                 f"{x[row].tolist()}. Each row should be ids[s : s+seq_length] for a random start s "
                 f"(the ids in this check are all different, so the row cannot match by chance).")
        target = ids[start + 1:start + seq_length + 1]
        if _equal(y[row].cpu(), target):
            continue
        y_start = starts_of(y[row:row + 1], ids)[0]
        likely = {start: Y_NOT_SHIFTED, start - 1: Y_SHIFTED_BACK}.get(
            y_start, SEPARATE_STARTS if y_start >= 0 else None)
        fail(f"Row {row} of y is not row {row} of x shifted by one character (x[{row}] starts at "
             f"offset {start} of ids)." + (f"\nLikely mistake: {likely}." if likely else "")
             + f"\n  expected y[{row}] = {target.tolist()}\n  got      y[{row}] = {y[row].tolist()}")


def looks_out_of_range(error):
    """True for the errors a window running past the end of ids gives: an index out of range, or
    torch.stack refusing a shorter last window."""
    text = str(error).lower()
    return isinstance(error, IndexError) or any(
        words in text for words in ("out of bounds", "out of range", "stack expects", "equal size"))


def draw_x(learner, ids, batch_size, seq_length, gen):
    """x of one batch; an error is reported with the likely mistake when it looks like a window
    running off the end of ids."""
    try:
        return call_get_batch(learner, ids, batch_size, seq_length, generator=gen)[0]
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as error:  # noqa: BLE001 - named below, with the learner's traceback
        likely = f"\nLikely mistake: {PAST_THE_END}." if looks_out_of_range(error) else ""
        fail(f"get_batch(ids of length {len(ids)}, batch_size={batch_size}, seq_length={seq_length}) "
             f"raised an error (the windows may start at 0 to "
             f"{len(ids) - seq_length - 1} only).{likely}\n" + format_learner_traceback(error))


def test_batch_windows_start_anywhere_they_fit(learner):
    """Windows start at random offsets, from 0 up to len(ids) - seq_length - 1"""
    # First on a long text: ten batches in a row from one generator must not all be the same.
    ids, gen = distinct_ids(200, seed=8), generator(9)
    batches = [draw_x(learner, ids, 4, 7, gen) for _ in range(10)]
    if all(_equal(batch, batches[0]) for batch in batches):
        starts = starts_of(batches[0], ids)
        fixed = starts in ([0] * 4, [0, 7, 14, 21])
        fail(f"Ten batches drawn one after another with the same generator were all the same "
             f"(rows starting at offsets {starts}).\nLikely mistake: "
             + (NOT_RANDOM if fixed else "the starts are drawn with a fixed seed set inside get_batch, "
                "or from a generator made afresh at every call: draw them with the `generator` "
                "argument, which moves on at every draw") + ".")
    # Then on a text with six possible starts only, 0 to 5: every one should come up.
    seq_length, length, batch_size = 7, 13, 4
    last = length - seq_length - 1
    ids, gen = distinct_ids(length, seed=10), generator(11)
    seen, rows_alike = set(), True
    for _ in range(40):
        starts = starts_of(draw_x(learner, ids, batch_size, seq_length, gen), ids)
        seen.update(start for start in starts if start >= 0)  # -1: not a window (another check)
        rows_alike = rows_alike and len(set(starts)) == 1
    if rows_alike:
        fail(f"In 40 batches of {batch_size} rows, all the rows of a batch started at the same "
             f"offset.\nLikely mistake: {SAME_START_PER_BATCH}.")
    if seen and max(seen) > last:
        fail(f"With len(ids) = {length} and seq_length = {seq_length}, a window started at offset "
             f"{max(seen)}.\nLikely mistake: {PAST_THE_END}.")
    missing = sorted(set(range(last + 1)) - seen)
    if missing == [last]:
        fail(f"With len(ids) = {length} and seq_length = {seq_length}, the starts 0 to {last} are all "
             f"possible, but in 40 batches no window started at {last}.\nLikely mistake: "
             f"{LAST_START_MISSED}.")
    if missing:
        fail(f"With len(ids) = {length} and seq_length = {seq_length}, the starts 0 to {last} are all "
             f"possible, but in 40 batches of {batch_size} no window started at {missing}: draw each "
             "start uniformly, torch.randint(len(ids) - seq_length, (batch_size,), generator=generator).")


def test_batch_follows_the_generator(learner):
    """The same generator seed gives the same batch, and another seed another batch"""
    ids = distinct_ids(300, seed=10)
    first = call_get_batch(learner, ids, 6, 8, generator=generator(11))
    again = call_get_batch(learner, ids, 6, 8, generator=generator(11))
    other = call_get_batch(learner, ids, 6, 8, generator=generator(12))
    if not (_equal(first[0], again[0]) and _equal(first[1], again[1])):
        fail("Two calls with generators seeded alike (torch.Generator().manual_seed(11)) gave "
             f"different batches.\nLikely mistake: {GENERATOR_IGNORED}.\n  first call x[:, 0] = "
             f"{first[0][:, 0].tolist()}\n  second call x[:, 0] = {again[0][:, 0].tolist()}")
    if _equal(first[0], other[0]):
        fixed = starts_of(first[0], ids)[0] == 0
        fail("Generators seeded 11 and 12 gave the same batch: the starts do not come from the "
             "generator" + ("" if fixed else " (a fixed seed inside get_batch?)") + ".\nLikely mistake: "
             f"{NOT_RANDOM if fixed else GENERATOR_IGNORED}.")


# -------------------------------------------------------------------------------- train_step

def test_train_step_returns_a_python_float(learner):
    """train_step returns the loss as a Python float"""
    model, optimizer, _ = probe_with_optimizer(seed=20)
    x, y = random_batch(seed=21)
    result = learner.train_step(model, x, y, optimizer)
    expect_python_float(result, "train_step", "return loss.item()")


def test_train_step_loss_is_the_mean_over_every_position(learner):
    """train_step's loss is the mean cross-entropy over every position of every row"""
    for seed in (22, 23):
        model, optimizer, _ = probe_with_optimizer(seed)
        x, y = random_batch(seed + 100)
        before = float64_copy(model)
        value = as_number(learner.train_step(model, x, y, optimizer), "The loss train_step returned")
        with torch.no_grad():
            logits = before(x)
        mistakes = loss_mistakes(logits, y)
        mistakes[LOSS_AFTER_STEP] = lambda: mean_cross_entropy(logits64(model, x), y)
        expect_close(torch.tensor(value, dtype=_float64), mean_cross_entropy(logits, y),
                     "The loss train_step returned", mistakes=mistakes,
                     context=(f" for x, y of shape {shape_text(x.shape)} and logits "
                              f"{shape_text(logits.shape)} (compared with F.cross_entropy over all "
                              f"{x.numel()} positions)"))


def recorded_step(recorder, what, expected_steps=1):
    """The steps the optimiser saw, failing if there were not exactly `expected_steps`."""
    count = len(recorder.steps)
    if count == 0:
        fail(f"{what}: optimizer.step() was not called.\nLikely mistake: {NO_STEP}.")
    if count != expected_steps:
        fail(f"{what}: optimizer.step() was called {count} times; expected {expected_steps} "
             f"(once per train_step).")
    return recorder.steps


def grads_at_step(step, what):
    """The gradients the optimiser found, failing with a message if there were none."""
    if any(g is None for g in step.grads) or not bool(flat(step.grads).abs().sum() > 0):
        fail(f"{what}.\nLikely mistake: {NO_GRADIENT_AT_STEP}")
    return flat(step.grads)


def gradient_close(got, expected, what, mistakes, context):
    """expect_close for gradients; when no known mistake matches, it points at the loss, which
    the gradient follows from."""
    scale = float(expected.abs().max())
    try:
        expect_close(got, expected, what, mistakes=mistakes, atol=1e-5 * scale + 1e-7, rtol=1e-4,
                     context=context)
    except CheckFailure as failure:
        message = str(failure)
        if "Likely mistake" not in message:
            message += ("\nThe gradient follows from the loss: if the check of train_step's loss "
                        "fails too, fix the loss first.")
        fail(message)


def test_train_step_steps_once_on_this_batch_gradient(learner):
    """train_step calls optimizer.step() once, on the gradient of the batch's mean loss"""
    model, optimizer, recorder = probe_with_optimizer(seed=30)
    x, y = random_batch(seed=31)
    learner.train_step(model, x, y, optimizer, clip_grad_norm=None)
    (step,) = recorded_step(recorder, "In one call of train_step(..., clip_grad_norm=None)")
    got = grads_at_step(step, "When optimizer.step() ran, the parameters had no gradient")
    raw = raw_gradient(model, step.weights, x, y)
    gradient_close(got, flat(raw), "The gradient that reached optimizer.step()",
                   mistakes={CLIPPED_WHEN_NONE: lambda: flat(clip_by_norm(raw, 1.0)),
                             GRADIENT_OF_SUM: lambda: flat(raw) * x.numel()},
                   context=(" in train_step(..., clip_grad_norm=None) (compared with autograd on "
                            "the mean cross-entropy of the batch, at the same weights)"))


def test_gradients_do_not_carry_over_between_steps(learner):
    """Gradients do not carry over from one train_step to the next"""
    model, optimizer, recorder = probe_with_optimizer(seed=32)
    batches = [random_batch(seed=33), random_batch(seed=34)]
    for x, y in batches:
        learner.train_step(model, x, y, optimizer, clip_grad_norm=None)
    first, second = recorded_step(recorder, "In two calls of train_step", expected_steps=2)
    got = grads_at_step(second, "At the second step, the parameters had no gradient when "
                                "optimizer.step() ran")
    raw_first = raw_gradient(model, first.weights, *batches[0])
    raw_second = raw_gradient(model, second.weights, *batches[1])
    gradient_close(got, flat(raw_second), "The gradient at the second optimizer.step()",
                   mistakes={GRADIENTS_ACCUMULATE: lambda: flat(raw_first) + flat(raw_second)},
                   context=(" after two calls of train_step (clip_grad_norm=None) on two different "
                            "batches: it should be the gradient of the second batch alone"))


def test_gradient_norm_is_clipped(learner):
    """The gradient norm is clipped to clip_grad_norm (1.0 by default) before the step"""
    x, y = random_batch(seed=36)
    # 0.4 first: there some gradient values exceed the limit, so clamping the values differs
    # from leaving them alone. None: the argument left out, so 1.0.
    for max_norm in (0.4, None, 1000.0):
        model, optimizer, recorder = probe_with_optimizer(seed=35)
        if max_norm is None:
            learner.train_step(model, x, y, optimizer)
            max_norm, shown = 1.0, "train_step(model, x, y, optimizer) (the default, 1.0)"
        else:
            learner.train_step(model, x, y, optimizer, clip_grad_norm=max_norm)
            shown = f"train_step(..., clip_grad_norm={max_norm:g})"
        (step,) = recorded_step(recorder, f"In one call of {shown}")
        got = grads_at_step(step, "When optimizer.step() ran, the parameters had no gradient")
        raw = raw_gradient(model, step.weights, x, y)
        mistakes = clip_mistakes(raw, max_norm)
        norm = float(flat(raw).norm())
        gradient_close(got, flat(clip_by_norm(raw, max_norm)), "The gradient that reached optimizer.step()",
                       mistakes=mistakes,
                       context=(f" in {shown}: the raw gradient's norm is {norm:.3g}, so it should "
                                f"reach step() with norm {min(norm, max_norm):.3g} (yours: "
                                f"{float(got.norm()):.3g})"))


# ---------------------------------------------------------------------------------- evaluate

def evaluation_case(seed, seq_length, windows_count):
    """A probe and ids of length seq_length * windows_count + 1: full windows only."""
    gen = generator(seed)
    ids = torch.randint(VOCAB, (seq_length * windows_count + 1,), generator=gen)
    return ProbeLM(VOCAB, WIDTH, MAX_LEN, seed, logit_scale=1.5), ids


def test_evaluate_gives_the_mean_loss_per_character(learner):
    """evaluate gives the mean cross-entropy per character over consecutive windows"""
    for seed, seq_length, windows_count, batch_size in ((40, 7, 11, 4), (41, 5, 9, None)):
        model, ids = evaluation_case(seed, seq_length, windows_count)
        model.eval()
        options = {} if batch_size is None else {"batch_size": batch_size}
        result = learner.evaluate(model, ids, seq_length, **options)
        shown = (f"evaluate(model, ids of length {len(ids)}, seq_length={seq_length}"
                 + (f", batch_size={batch_size})" if batch_size else ")"))
        expect_python_float(result, shown, "add up Python numbers (loss.item()) and return a float")
        expected = expected_evaluation(model, ids, seq_length)
        expect_close(torch.tensor(float(result), dtype=_float64), expected, f"The result of {shown}",
                     mistakes=evaluate_mistakes(model, ids, seq_length, batch_size or 64),
                     context=(f": {windows_count} windows of {seq_length} characters, "
                              f"{windows_count * seq_length} characters scored"))


def evaluate_forwards(learner, model, ids, seq_length, batch_size):
    """The forward passes evaluate made, failing if it made none."""
    model.forwards.clear()
    learner.evaluate(model, ids, seq_length, batch_size=batch_size)
    if not model.forwards:
        fail("evaluate never called the model: run model(x) on each batch of windows.")
    return list(model.forwards)


def test_evaluate_runs_in_eval_mode_without_autograd(learner):
    """evaluate runs the model in eval mode, without autograd"""
    model, ids = evaluation_case(42, 6, 5)
    model.train()
    forwards = evaluate_forwards(learner, model, ids, 6, 2)
    if any(f.training for f in forwards):
        fail("evaluate ran the model in training mode (dropout on), so the validation loss is "
             "noisy and too high: call model.eval() before the forward passes (and restore the "
             "mode afterwards).")
    if any(f.grad_enabled for f in forwards):
        fail("evaluate ran the model with autograd on, so every batch builds a graph that is never "
             "used (slow, and memory-hungry on long texts): wrap the loop in `with torch.no_grad():`.")
    if not torch.is_grad_enabled():
        torch.set_grad_enabled(True)
        fail("evaluate left autograd switched off for everything that runs after it (training "
             "would stop learning): use `with torch.no_grad():` rather than "
             "torch.set_grad_enabled(False).")


def test_evaluate_leaves_the_model_in_the_mode_it_found(learner):
    """evaluate leaves the model in the mode it found it in"""
    model, ids = evaluation_case(43, 6, 5)
    model.train()
    learner.evaluate(model, ids, 6, batch_size=2)
    if not model.training or not model.dropout.training:
        fail("The model was training when evaluate was called and was left in eval mode after it, "
             "so the training that follows would run without dropout: note "
             "`was_training = model.training` first, and end with model.train(was_training).")
    model.eval()
    learner.evaluate(model, ids, 6, batch_size=2)
    if model.training or model.dropout.training:
        fail("The model was in eval mode when evaluate was called, and evaluate switched it to "
             "train mode: restore the mode it found, model.train(was_training), rather than "
             "calling model.train().")


# ------------------------------------------------------------------------------------- train

def repetitive_text(length, seed):
    """Ids of a text in which the next character always follows from the current one."""
    cycle = torch.randperm(VOCAB, generator=generator(seed))
    return cycle[torch.arange(length) % VOCAB]


def call_train(learner, model, steps, eval_every, **options):
    text = repetitive_text(300, seed=50)
    options = {"batch_size": 4, "seq_length": 6, "lr": 0.5, "generator": generator(51), **options}
    torch.manual_seed(52)  # for a learner whose train draws from the global generator
    history = learner.train(model, text[:240], text[240:], steps=steps, eval_every=eval_every, **options)
    shown = f"train(..., steps={steps}, eval_every={eval_every})"
    if not isinstance(history, dict):
        fail(f"{shown} should return a dict with the lists 'step', 'train_loss' and 'val_loss'; it "
             f"returned {type(history).__name__}" + (" (did you forget a `return`?)" if history is None
                                                      else "") + ".")
    missing = [key for key in ("step", "train_loss", "val_loss") if key not in history]
    if missing:
        fail(f"The dict {shown} returned has no {', '.join(repr(k) for k in missing)}; its keys are "
             f"{sorted(history, key=str)}.")
    for key in ("step", "train_loss", "val_loss"):
        values = history[key]
        if not isinstance(values, (list, tuple)):
            fail(f"history[{key!r}] should be a list; it is {type(values).__name__}.")
        for value in values:
            if _is_tensor(value):
                fail(f"history[{key!r}] holds tensors ({values_text(value)}); store Python numbers "
                     "(loss.item(), or the float train_step and evaluate return), so that no graph "
                     "is kept alive.")
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
                fail(f"history[{key!r}] holds {value!r}; expected finite numbers.")
    lengths = {key: len(history[key]) for key in ("step", "train_loss", "val_loss")}
    if len(set(lengths.values())) != 1:
        fail(f"The lists of {shown} have different lengths, {lengths}: each evaluation adds one "
             "entry to each list.")
    return history, shown


def test_train_returns_a_history_of_equal_lists(learner):
    """train returns a dict of equal-length lists: step, train_loss and val_loss"""
    model = ProbeLM(VOCAB, WIDTH, MAX_LEN, seed=53, logit_scale=1.0)
    history, shown = call_train(learner, model, steps=12, eval_every=4, device=torch.device("cpu"))
    if not history["step"]:
        fail(f"{shown} returned empty lists: record the step, the training loss and the validation "
             "loss every eval_every steps.")


def test_train_records_every_eval_every_steps(learner):
    """train records the losses every eval_every steps"""
    for steps, eval_every in ((20, 5), (9, 3)):
        model = ProbeLM(VOCAB, WIDTH, MAX_LEN, seed=54, logit_scale=1.0)
        history, shown = call_train(learner, model, steps=steps, eval_every=eval_every)
        recorded, expected = history["step"], steps // eval_every
        if len(recorded) == steps and steps > expected + 2:
            fail(f"{shown} recorded {len(recorded)} entries, one per step; expected about {expected}, "
                 "one every eval_every steps (`if step % eval_every == 0:`).")
        if not expected <= len(recorded) <= expected + 2:
            fail(f"{shown} recorded {len(recorded)} entries, at steps {list(recorded)}; expected "
                 f"about {expected}: one every {eval_every} steps (a first one at step 0 and a last "
                 "one after the final step are fine too).")
        if any(b <= a for a, b in zip(recorded, recorded[1:])) or min(recorded) < 0 or max(recorded) > steps:
            fail(f"{shown} recorded the steps {list(recorded)}; expected increasing step numbers "
                 f"between 0 and {steps}.")
        gaps = [b - a for a, b in zip(recorded, recorded[1:])]
        if gaps and max(gaps) > eval_every:
            fail(f"{shown} recorded the steps {list(recorded)}: {max(gaps)} steps apart at most; "
                 f"expected one record every {eval_every} steps.")


def test_train_lowers_the_loss(learner):
    """train lowers the validation loss of a small model on a repetitive text"""
    model = ProbeLM(VOCAB, WIDTH, MAX_LEN, seed=55, logit_scale=1.0)
    text = repetitive_text(300, seed=50)
    before = float(expected_evaluation(model, text[240:], 6))
    spy = DeviceSpy("cpu")
    device = torch.device("cpu")
    with spy:
        _, shown = call_train(learner, model, steps=60, eval_every=20, device=device)
    after = float(expected_evaluation(model, text[240:], 6))
    if not after < 0.5 * before:
        fail(f"After {shown} the validation loss went from {before:.4f} to {after:.4f} nats per "
             f"character; on a text this regular it should fall below {0.5 * before:.4f}. Does every "
             "step call train_step (or optimizer.step()) on a fresh random batch, with an optimiser "
             "built with the `lr` given?")
    if any(f.device != "cpu" for f in model.forwards):
        fail(f"With device=torch.device('cpu'), the model received inputs on "
             f"{sorted({f.device for f in model.forwards})}.")
    if not spy.used:
        fail("train(..., device=torch.device('cpu')) never handed `device` to torch: on a GPU the "
             "model and the batches would stay on the CPU. Move the model (model.to(device)) and "
             "ask get_batch for batches on it (get_batch(..., device=device)).")
