"""Hidden checks for exercise 8 · rnn.

The oracles. For CharRNN, its behaviour rather than one formula, because an LSTM, a GRU or a stack
of either are all right: the sizes read from its layers, the logits' shape, each row of a batch
computed as if it were alone, causality (changing later characters leaves earlier logits
unchanged) and memory (changing the first character changes every later logit). For compare:
probe models defined here (they record the mode and the autograd state they are called in), the
sum of numel() over parameters(), F.cross_entropy in float64 on every consecutive window of the
validation ids (one mean over all the predicted characters), and math.log(2). Every known mistake
is recomputed on the same models and ids, so that a failure can name it. Within a case every size
differs from every other (batch, time, vocabulary, embedding, hidden), so that a swapped axis
cannot hide.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from grader.checks.support import (close, expect_close, expect_tensor, fail, generator, shape_text,
                                   values_text)

_is_grad_enabled = torch.is_grad_enabled
_float64 = torch.float64

LN2 = math.log(2)

# The mistakes, in the lesson's words.
NOT_BATCH_FIRST = ("the LSTM was made without batch_first=True: it then takes its input as (T, B, "
                   "features) and reads the batch axis as time, so the sequences of a batch flow "
                   "into each other. Pass batch_first=True to nn.LSTM")
BIDIRECTIONAL = ("the LSTM is bidirectional: its backward half reads the sequence from the end, so "
                 "position t sees the characters after it. A language model must read forwards "
                 "only: leave bidirectional at False")
STATE_NOT_CARRIED = ("the hidden state is not carried from one step to the next: every position is "
                     "computed from its own character alone (the LSTM run on each position as a "
                     "sequence of length 1, a fresh state at each step, or the LSTM skipped). Run "
                     "the LSTM once over the whole (B, T, embed_dim) sequence: output, _ = self.rnn(x)")
FINAL_STATE_USED = ("the logits were computed from h_n, the final hidden state, which holds only the "
                    "last step of each layer; use `output`, the first thing the LSTM returns, which "
                    "holds the top layer's hidden state at every step")
NO_LM_HEAD = "lm_head was not applied: the LSTM's output goes through lm_head to become logits"
TIME_BATCH_SWAPPED = "the batch and time axes are swapped: the logits should be (B, T, vocab_size)"
ONLY_LAST_STEP = ("only the last step was kept (output[:, -1]); a language model predicts the next "
                  "character at every position")

TENSORS_COUNTED = ("the number of parameter tensors was counted (len(list(model.parameters()))); "
                   "count the numbers inside them: sum(p.numel() for p in model.parameters())")
LM_HEAD_TWICE = ("lm_head was counted twice: model.parameters() already includes it, so the sum of "
                 "p.numel() over model.parameters() is the whole count")
BUFFERS_COUNTED = ("the buffers were counted too (model.state_dict() holds the parameters and the "
                   "buffers, such as a positional-encoding table); count model.parameters() only")
BIASES_LEFT_OUT = "the biases were left out: every parameter counts, weights and biases"

MEAN_OF_WINDOW_MEANS = ("a mean of means: the loss of each window was averaged, then those window "
                        "means averaged; the last window is shorter, so its few characters weigh as "
                        "much as a full window. Sum the loss of every character (reduction='sum') and "
                        "divide once by the number of characters")
MEAN_OF_BATCH_MEANS = ("a mean of means: the loss was averaged per batch of windows, then those "
                       "batch means averaged; the last batch is smaller, so its characters weigh "
                       "more. Sum the loss of every character (reduction='sum') and divide once by "
                       "the number of characters")
IN_BITS = ("val_loss is in bits (log base 2); it should be in nats, the natural log that "
           "F.cross_entropy uses. Only bits_per_char is in bits")
IN_LOG10 = "val_loss uses log base 10; it should be in nats, the natural log that F.cross_entropy uses"
SUMMED = "the losses were summed but never divided by the number of characters"
PER_WINDOW = ("the summed loss was divided by the number of windows; divide by the number of "
              "characters predicted, len(val_ids) - 1")
BY_LENGTH = ("the summed loss was divided by len(val_ids); the first character is never predicted, so "
             "the number of characters predicted is len(val_ids) - 1")
TAIL_DROPPED = ("the last, shorter window was dropped: when len(val_ids) - 1 is not a multiple of "
                "seq_length, the characters left over still form one shorter window")
STRIDE_PLUS_ONE = ("the windows were taken every seq_length + 1 characters, so the first character of "
                   "each later window is never predicted; step by seq_length: a window's last target "
                   "is the next window's first input")
OVERLAPPING = ("overlapping windows were used (one at every position, as create_sequences makes); "
               "cut the text into consecutive, non-overlapping windows of seq_length")
ONE_SEQUENCE = ("the whole text was given to the model as one sequence; cut it into consecutive "
                "windows of seq_length, as in training")
NOT_SHIFTED = ("the targets were not shifted: each position must predict the NEXT character, "
               "targets = val_ids[s + 1 : s + seq_length + 1]")

BITS_TIMES_LN2 = "bits_per_char was multiplied by ln 2; divide instead: bits = nats / ln 2"
BITS_LOG10 = ("bits_per_char was converted with log base 10 (val_loss / ln 10); a bit is log base 2: "
              "bits = val_loss / ln 2")
BITS_OVER_LOG10_2 = "bits_per_char was divided by log10(2); divide by ln 2, the natural log of 2"
BITS_UNCONVERTED = "bits_per_char was not converted: it equals val_loss; bits = val_loss / ln 2"
BITS_LOG2_OF_LOSS = ("bits_per_char is log2(val_loss); a change of units is a division: "
                     "bits = val_loss / ln 2")
BITS_PERPLEXITY = "bits_per_char holds the perplexity exp(val_loss); bits = val_loss / ln 2"

RESULT_KEYS = ("parameters", "val_loss", "bits_per_char")


# ------------------------------------------------------------------------------- helpers

def build(seed, make):
    """Whatever make() builds, with the global RNG seeded for it and restored after, so that
    a model's initial weights never depend on the order in which the checks ran."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()


def describe_rnn(vocab_size, embed_dim, hidden_dim, num_layers=1, dropout=0.0):
    text = f"CharRNN({vocab_size}, embed_dim={embed_dim}, hidden_dim={hidden_dim}"
    if num_layers != 1:
        text += f", num_layers={num_layers}"
    if dropout:
        text += f", dropout={dropout}"
    return text + ")"


def make_rnn(learner, vocab_size, embed_dim, hidden_dim, num_layers=1, dropout=0.0, seed=80):
    """The learner's CharRNN in eval mode, built with a seeded RNG."""
    model = build(seed, lambda: learner.CharRNN(vocab_size, embed_dim=embed_dim, hidden_dim=hidden_dim,
                                                num_layers=num_layers, dropout=dropout))
    if not isinstance(model, nn.Module):
        fail("CharRNN should be an nn.Module: `class CharRNN(nn.Module):`, with super().__init__() "
             "first in __init__.")
    return model.eval()


def random_ids(gen, vocab_size, *shape):
    """Ids of real characters only: 0 and 1 are <pad> and <unk>, which a text never holds."""
    return torch.randint(2, vocab_size, shape, generator=gen)


def changed_ids(gen, ids, vocab_size):
    """Ids like `ids`, each one replaced by a different character."""
    shift = torch.randint(1, vocab_size - 2, ids.shape, generator=gen)
    return (ids - 2 + shift) % (vocab_size - 2) + 2


def rnn_of(model):
    return getattr(model, "rnn", None)


def logits_of(model, ids, vocab_size, call, num_layers=1):
    """The learner's logits for `ids`, their shape checked against (B, T, vocab_size)."""
    with torch.no_grad():
        logits = model(ids)
    batch, time = ids.shape
    expect_tensor(logits, f"The logits of {call}")
    expected = (batch, time, vocab_size)
    if tuple(logits.shape) != expected:
        hidden = getattr(getattr(model, "lm_head", None), "in_features", None)
        known = {(time, batch, vocab_size): TIME_BATCH_SWAPPED, (batch, vocab_size): ONLY_LAST_STEP,
                 (num_layers, batch, vocab_size): FINAL_STATE_USED,
                 (batch, time, hidden): NO_LM_HEAD}
        likely = known.get(tuple(logits.shape))
        fail(f"The logits of {call} on ids of shape {shape_text(ids.shape)} have shape "
             f"{shape_text(logits.shape)}; expected (B, T, vocab_size) = {shape_text(expected)}."
             + (f"\nLikely mistake: {likely}." if likely else ""))
    if not logits.is_floating_point():
        fail(f"The logits of {call} have dtype {logits.dtype}; they should be floating-point scores.")
    return logits


def layer(model, name, call):
    part = getattr(model, name, None)
    if part is None:
        fail(f"{call} has no attribute `{name}`. The model needs three parts named embedding, rnn and "
             f"lm_head: set `self.{name} = ...` in __init__.")
    if not isinstance(part, nn.Module):
        fail(f"`{name}` of {call} is a {type(part).__name__}, not an nn.Module (a layer); its weights "
             "would not be among model.parameters(), so training would never change them.")
    return part


# -------------------------------------------------------------------------------- CharRNN

def expect_sizes(model, vocab_size, embed_dim, hidden_dim, call):
    """The three parts exist and have the sizes the arguments asked for."""
    embedding, rnn, lm_head = (layer(model, name, call) for name in ("embedding", "rnn", "lm_head"))
    weight = getattr(embedding, "weight", None)
    if torch.is_tensor(weight) and tuple(weight.shape) != (vocab_size, embed_dim):
        likely = ""
        if tuple(weight.shape) == (vocab_size, hidden_dim):
            likely = ("\nLikely mistake: the embedding has hidden_dim features; give it embed_dim: "
                      "nn.Embedding(vocab_size, embed_dim), and the LSTM input_size=embed_dim.")
        fail(f"The embedding of {call} has a weight of shape {shape_text(weight.shape)}; expected "
             f"(vocab_size, embed_dim) = ({vocab_size}, {embed_dim}): one vector of embed_dim numbers "
             f"per character.{likely}")
    for attribute, expected, meaning in (("input_size", embed_dim, "embed_dim, the size of the "
                                          "embedding's vectors"),
                                         ("hidden_size", hidden_dim, "hidden_dim")):
        got = getattr(rnn, attribute, expected)
        if got != expected:
            fail(f"The rnn of {call} has {attribute}={got}; expected {expected} ({meaning}). Note "
                 "that embed_dim and hidden_dim are two different sizes: the embedding's vectors "
                 "enter the LSTM, whose state has hidden_dim numbers.")
    if not isinstance(lm_head, nn.Linear):
        fail(f"lm_head of {call} is a {type(lm_head).__name__}; expected nn.Linear(hidden_dim, "
             "vocab_size).")
    if (lm_head.in_features, lm_head.out_features) != (hidden_dim, vocab_size):
        likely = ""
        if lm_head.in_features == 2 * hidden_dim and getattr(rnn, "bidirectional", False):
            likely = f"\nLikely mistake: {BIDIRECTIONAL}."
        fail(f"lm_head of {call} is nn.Linear({lm_head.in_features}, {lm_head.out_features}); "
             f"expected nn.Linear(hidden_dim, vocab_size) = nn.Linear({hidden_dim}, {vocab_size}).{likely}")


def test_rnn_has_embedding_rnn_and_lm_head(learner):
    """CharRNN has an embedding, an rnn and an lm_head of the sizes asked for"""
    for vocab_size, embed_dim, hidden_dim in ((11, 5, 13), (17, 9, 6)):
        model = make_rnn(learner, vocab_size, embed_dim, hidden_dim)
        expect_sizes(model, vocab_size, embed_dim, hidden_dim,
                     describe_rnn(vocab_size, embed_dim, hidden_dim))
    default = build(81, lambda: learner.CharRNN(23))
    expect_sizes(default, 23, 64, 256, "CharRNN(23) (the defaults: embed_dim=64, hidden_dim=256)")


def test_num_layers_and_dropout_are_honoured(learner):
    """CharRNN stacks num_layers recurrent layers and accepts a dropout"""
    for num_layers, dropout in ((2, 0.25), (3, 0.0), (1, 0.1)):
        call = describe_rnn(11, 5, 13, num_layers, dropout)
        model = make_rnn(learner, 11, 5, 13, num_layers=num_layers, dropout=dropout)
        rnn = layer(model, "rnn", call)
        got = getattr(rnn, "num_layers", num_layers)
        if got != num_layers:
            fail(f"The rnn of {call} has num_layers={got}; expected {num_layers}.\nLikely mistake: "
                 "num_layers was not passed on to the LSTM: nn.LSTM(embed_dim, hidden_dim, "
                 "num_layers=num_layers, batch_first=True, ...).")
        gen = generator(82 + num_layers)
        logits_of(model, random_ids(gen, 11, 3, 7), 11, call, num_layers)
        model.train()
        with torch.no_grad():
            model(random_ids(gen, 11, 3, 7))


def test_logits_have_shape_batch_time_vocab(learner):
    """forward turns ids (B, T) into logits (B, T, vocab_size)"""
    gen = generator(83)
    for vocab_size, embed_dim, hidden_dim, batch, time in ((11, 5, 13, 3, 7), (17, 9, 6, 4, 1)):
        call = describe_rnn(vocab_size, embed_dim, hidden_dim)
        model = make_rnn(learner, vocab_size, embed_dim, hidden_dim)
        logits_of(model, random_ids(gen, vocab_size, batch, time), vocab_size, call)


def test_each_sequence_of_a_batch_is_read_on_its_own(learner):
    """Each sequence of a batch is read on its own, along its time axis"""
    gen = generator(84)
    call = describe_rnn(11, 5, 13)
    model = make_rnn(learner, 11, 5, 13)
    ids = random_ids(gen, 11, 2, 6)
    together = logits_of(model, ids, 11, call)
    for row in range(2):
        alone = logits_of(model, ids[row:row + 1], 11, call)
        if close(together[row:row + 1], alone):
            continue
        if getattr(rnn_of(model), "batch_first", None) is False:
            likely = NOT_BATCH_FIRST
        else:
            likely = ("a transpose, view or reshape mixes the batch axis with the time axis; the "
                      "LSTM must read (B, T, features) with batch_first=True")
        fail(f"The logits of sequence {row} in a batch of 2 (ids {shape_text(ids.shape)}) differ from "
             "its logits when it is run alone: the sequences of a batch must not see each other."
             f"\nLikely mistake: {likely}."
             f"\n  in the batch {values_text(together[row])}\n  alone        {values_text(alone[0])}")


def test_logits_are_causal(learner):
    """The logits at position t do not depend on the characters after t"""
    gen = generator(85)
    call = describe_rnn(11, 5, 13)
    model = make_rnn(learner, 11, 5, 13)
    ids = random_ids(gen, 11, 3, 8)
    logits = logits_of(model, ids, 11, call)
    for position in (5, 2, 0):
        future_changed = ids.clone()
        future_changed[:, position + 1:] = changed_ids(gen, ids[:, position + 1:], 11)
        changed = logits_of(model, future_changed, 11, call)
        if close(changed[:, :position + 1], logits[:, :position + 1]):
            continue
        likely = BIDIRECTIONAL if getattr(rnn_of(model), "bidirectional", False) else (
            "something reads the sequence backwards or as a whole (a flip, a bidirectional layer, "
            "or a mean over time); an LSTM run forwards is causal by construction")
        fail(f"Changing the characters after position {position} changed the logits at positions 0 "
             f"to {position} (ids {shape_text(ids.shape)}): a language model may only look back, or "
             f"predicting the next character is trivial.\nLikely mistake: {likely}."
             f"\n  before {values_text(logits[:, position])}\n  after  {values_text(changed[:, position])}")


def test_hidden_state_carries_earlier_characters(learner):
    """The logits at position t depend on the characters before t"""
    gen = generator(86)
    for num_layers in (1, 2):
        call = describe_rnn(11, 5, 13, num_layers)
        model = make_rnn(learner, 11, 5, 13, num_layers=num_layers)
        ids = random_ids(gen, 11, 3, 6)
        first_changed = ids.clone()
        first_changed[:, 0] = changed_ids(gen, ids[:, 0], 11)
        before = logits_of(model, ids, 11, call, num_layers)
        after = logits_of(model, first_changed, 11, call, num_layers)
        difference = (after - before).detach().abs().to(_float64).amax(dim=(0, 2))
        unchanged = [t for t in range(1, ids.size(1)) if float(difference[t]) < 1e-6]
        if not unchanged:
            continue
        likely = NOT_BATCH_FIRST if getattr(rnn_of(model), "batch_first", None) is False \
            else STATE_NOT_CARRIED
        fail(f"Changing the first character of each sequence (ids {shape_text(ids.shape)}) left the "
             f"logits at position{'s' if len(unchanged) > 1 else ''} "
             f"{', '.join(map(str, unchanged))} unchanged: what the model predicts there should "
             "depend on everything it has read so far, carried in the hidden state."
             f"\nLikely mistake: {likely}.")


def test_gradients_reach_every_part(learner):
    """Gradients flow back to the embedding, the rnn and lm_head"""
    gen = generator(87)
    call = describe_rnn(11, 5, 13)
    model = make_rnn(learner, 11, 5, 13).train()
    parts = {name: layer(model, name, call) for name in ("embedding", "rnn", "lm_head")}
    logits = model(random_ids(gen, 11, 3, 7))
    expect_tensor(logits, f"The logits of {call}")
    if not logits.requires_grad:
        fail(f"The logits of {call} carry no gradient (requires_grad is False): is the forward pass "
             "inside torch.no_grad(), or is something .detach()ed?")
    (logits * torch.randn(logits.shape, generator=gen)).sum().backward()
    missing = [name for name, part in parts.items()
               if not any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in part.parameters())]
    if missing:
        fail(f"No gradient reached {', '.join(f'`{n}`' for n in missing)} when backward() ran from "
             "the logits: its result is cut off from them (a .detach(), .data, torch.no_grad(), or a "
             "layer that is not used), so training would never change it.")


# -------------------------------------------------------------------------------- compare

class PrefixAverageLM(nn.Module):
    """A probe language model that is not an RNN: position t sees the average of the embeddings
    of positions 0..t (causal, and it depends on where a window starts). It has a buffer, which
    is not a parameter, and it records the mode and the autograd state of every call."""

    def __init__(self, vocab_size, embed_dim, dropout, seed):
        super().__init__()
        gen = generator(seed)
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.dropout = nn.Dropout(dropout)
        self.mix = nn.Linear(embed_dim, embed_dim)
        self.lm_head = nn.Linear(embed_dim, vocab_size)
        self.register_buffer("positions", torch.arange(1, 257, dtype=torch.float32))
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=gen))
        self.calls = []

    def forward(self, ids):
        self.calls.append((self.training, _is_grad_enabled()))
        x = self.dropout(self.embedding(ids))
        x = x.cumsum(dim=1) / self.positions[: ids.size(1)].unsqueeze(-1)
        return self.lm_head(torch.tanh(self.mix(x)))


def probe_models(reference, vocab_size, dropout=0.0):
    """Two models of different kinds and sizes: the probe above, and the reference CharRNN."""
    lstm = build(89, lambda: reference.CharRNN(vocab_size, embed_dim=5, hidden_dim=12, num_layers=2))
    with torch.no_grad():  # sharper predictions than a fresh model's, so that mistakes show
        lstm.lm_head.weight.mul_(6.0)
    return {"average": PrefixAverageLM(vocab_size, 6, dropout, seed=88).eval(), "lstm": lstm.eval()}


def call_compare(learner, models, val_ids, seq_length):
    """The learner's results, checked to hold every model with the three numbers."""
    shown = ", ".join(f"{name!r}: ..." for name in models)
    call = f"compare({{{shown}}}, val_ids of {len(val_ids)} ids, seq_length={seq_length})"
    results = learner.compare(models, val_ids.clone(), seq_length)
    if not isinstance(results, dict):
        fail(f"{call} returned {type(results).__name__}"
             + (" (did you forget a `return`?)" if results is None else "")
             + "; it should return a dict: {model name: {\"parameters\": ..., \"val_loss\": ..., "
             "\"bits_per_char\": ...}}.")
    missing = [name for name in models if name not in results]
    if missing:
        fail(f"{call} returned results for {sorted(map(str, results))}; expected one entry for each "
             f"model, keyed by the names given: {list(models)}. Missing: {missing}.")
    for name in models:
        entry = results[name]
        if not isinstance(entry, dict):
            fail(f"{call}[{name!r}] is a {type(entry).__name__}; it should be a dict with the keys "
                 f"{list(RESULT_KEYS)}.")
        absent = [key for key in RESULT_KEYS if key not in entry]
        if absent:
            fail(f"{call}[{name!r}] has the keys {sorted(map(str, entry))}; expected {list(RESULT_KEYS)} "
                 f"(spelt exactly so). Missing: {absent}.")
        for key in RESULT_KEYS:
            number(entry[key], f"{call}[{name!r}][{key!r}]")
    return results, call


def number(value, what):
    """A float from a Python number or a one-element tensor; anything else fails the check."""
    if torch.is_tensor(value):
        if value.numel() != 1:
            fail(f"{what} is a tensor of shape {shape_text(value.shape)}; it should be one number.")
        value = value.detach().item()
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        fail(f"{what} is {type(value).__name__} {value!r:.60}; it should be a number.")
    value = float(value)
    if not math.isfinite(value):
        fail(f"{what} is {value}; it should be a finite number (an empty window, or a division by 0?).")
    return value


def windows(val_ids, seq_length, step=None):
    """(inputs, targets) of the consecutive windows, starting every `step` (seq_length) ids."""
    step = step or seq_length
    predicted = len(val_ids) - 1
    pairs = []
    for start in range(0, predicted, step):
        stop = min(start + seq_length, predicted)
        pairs.append((val_ids[start:stop], val_ids[start + 1:stop + 1]))
    return pairs


def window_losses(model, pairs, shifted=True):
    """The cross-entropy (float64) of every predicted character, one tensor per window, computed
    on whatever device the model is on now (compare may have moved it) and in eval mode."""
    device = next(model.parameters()).device
    model.eval()
    losses = []
    with torch.no_grad():
        for x, y in pairs:
            logits = model(x.unsqueeze(0).to(device))[0].cpu().to(_float64)
            losses.append(F.cross_entropy(logits, y if shifted else x, reduction="none"))
    return losses


def mean_of_batch_means(losses, batch_size, tail_alone):
    """The mean of per-batch means, batches of `batch_size` consecutive windows."""
    full, tail = (losses[:-1], losses[-1:]) if tail_alone else (losses, [])
    batches = [full[i:i + batch_size] for i in range(0, len(full), batch_size)] + ([tail] if tail else [])
    return torch.stack([torch.cat(batch).mean() for batch in batches]).mean()


def loss_mistakes(model, val_ids, seq_length, losses, got):
    """What val_loss would be under each known mistake (computed only when needed)."""
    per_character = torch.cat(losses)
    correct = per_character.mean()

    def as_tensor(value):
        return torch.as_tensor(value, dtype=_float64).reshape(1)

    def mean_over(pairs, shifted=True):
        return lambda: as_tensor(torch.cat(window_losses(model, pairs, shifted)).mean())

    def matching_batch_means():
        """The mean of batch means, for the batch size (if any) that gives what the learner got."""
        candidates = (as_tensor(mean_of_batch_means(losses, batch_size, tail_alone))
                      for batch_size in range(2, len(losses) + 1) for tail_alone in (True, False))
        return next((candidate for candidate in candidates if close(got, candidate)), None)

    overlapping = [(val_ids[i:i + seq_length], val_ids[i + 1:i + seq_length + 1])
                   for i in range(len(val_ids) - seq_length)] or [(val_ids[:-1], val_ids[1:])]
    mistakes = {
        MEAN_OF_WINDOW_MEANS: as_tensor(torch.stack([loss.mean() for loss in losses]).mean()),
        MEAN_OF_BATCH_MEANS: matching_batch_means,
        IN_BITS: as_tensor(correct / LN2),
        IN_LOG10: as_tensor(correct / math.log(10)),
        SUMMED: as_tensor(per_character.sum()),
        PER_WINDOW: as_tensor(per_character.sum() / len(losses)),
        BY_LENGTH: as_tensor(per_character.sum() / len(val_ids)),
        STRIDE_PLUS_ONE: mean_over(windows(val_ids, seq_length + 1, step=seq_length + 1)),
        OVERLAPPING: mean_over(overlapping),
        ONE_SEQUENCE: mean_over([(val_ids[:-1], val_ids[1:])]),
        NOT_SHIFTED: mean_over(windows(val_ids, seq_length), shifted=False),
    }
    if len(losses) > 1 and len(losses[-1]) < seq_length:
        mistakes[TAIL_DROPPED] = as_tensor(torch.cat(losses[:-1]).mean())
    return mistakes


COMPARE_CASES = (  # (len(val_ids), seq_length): a short last window, none, a long one, one window only
    (39, 7), (36, 7), (35, 7), (6, 9),
)


def test_compare_reports_every_model(learner, reference):
    """compare reports parameters, val_loss and bits_per_char for every model it is given"""
    gen = generator(90)
    models = probe_models(reference, 13)
    models["tiny lstm"] = build(91, lambda: reference.CharRNN(13, embed_dim=3, hidden_dim=4)).eval()
    call_compare(learner, models, random_ids(gen, 13, 39), 7)
    call_compare(learner, {"alone": models["lstm"]}, random_ids(gen, 13, 20), 5)


def test_compare_counts_parameters(learner, reference):
    """parameters is the number of numbers in the model's parameters"""
    gen = generator(92)
    models = probe_models(reference, 13)
    results, call = call_compare(learner, models, random_ids(gen, 13, 39), 7)
    for name, model in models.items():
        got = number(results[name]["parameters"], f"{call}[{name!r}]['parameters']")
        expected = sum(p.numel() for p in model.parameters())
        if got == expected:
            continue
        candidates = {
            TENSORS_COUNTED: len(list(model.parameters())),
            LM_HEAD_TWICE: expected + sum(p.numel() for p in model.lm_head.parameters()),
            BUFFERS_COUNTED: sum(t.numel() for t in model.state_dict().values()),
            BIASES_LEFT_OUT: sum(p.numel() for n, p in model.named_parameters() if not n.endswith("bias")),
        }
        likely = next((sentence for sentence, count in candidates.items() if count == got), None)
        fail(f"{call}[{name!r}]['parameters'] is {got:g}; expected {expected}, the sum of p.numel() over "
             f"its {len(list(model.parameters()))} parameter tensors."
             + (f"\nLikely mistake: {likely}." if likely else ""))


def test_compare_val_loss_is_the_mean_per_character(learner, reference):
    """val_loss is the mean cross-entropy per character, in nats, over consecutive windows"""
    gen = generator(93)
    models = probe_models(reference, 13)
    for length, seq_length in COMPARE_CASES:
        val_ids = random_ids(gen, 13, length)
        results, call = call_compare(learner, models, val_ids, seq_length)
        pairs = windows(val_ids, seq_length)
        shape = ", ".join(str(len(x)) for x, _ in pairs)
        for name, model in models.items():
            got = number(results[name]["val_loss"], f"{call}[{name!r}]['val_loss']")
            losses = window_losses(model, pairs)
            expected = torch.cat(losses).mean().reshape(1)
            got_tensor = torch.tensor([got], dtype=_float64)
            mistakes = loss_mistakes(model, val_ids, seq_length, losses, got_tensor)
            expect_close(got_tensor, expected, f"{call}[{name!r}]['val_loss']", mistakes=mistakes,
                         context=f": the windows hold {shape} inputs, {len(val_ids) - 1} characters "
                                 "predicted in all")


def test_bits_per_char_is_val_loss_over_ln2(learner, reference):
    """bits_per_char is val_loss / ln 2"""
    gen = generator(94)
    models = probe_models(reference, 13)
    results, call = call_compare(learner, models, random_ids(gen, 13, 39), 7)
    for name in models:
        entry = results[name]
        loss = number(entry["val_loss"], f"{call}[{name!r}]['val_loss']")
        got = torch.tensor([number(entry["bits_per_char"], f"{call}[{name!r}]['bits_per_char']")],
                           dtype=_float64)
        candidates = {
            BITS_TIMES_LN2: loss * LN2, BITS_LOG10: loss / math.log(10),
            BITS_OVER_LOG10_2: loss / math.log10(2), BITS_UNCONVERTED: loss,
            BITS_PERPLEXITY: math.exp(loss),
        }
        if loss > 0:
            candidates[BITS_LOG2_OF_LOSS] = math.log2(loss)
        expect_close(got, torch.tensor([loss / LN2], dtype=_float64), f"{call}[{name!r}]['bits_per_char']",
                     mistakes={k: torch.tensor([v], dtype=_float64) for k, v in candidates.items()},
                     context=f", with val_loss = {loss:.6g} nats: one nat is 1 / ln 2 = "
                             f"{1 / LN2:.4f} bits")


def test_compare_evaluates_in_eval_mode_without_autograd(learner, reference):
    """compare runs every model in eval mode, without autograd"""
    gen = generator(95)
    probe = PrefixAverageLM(13, 6, dropout=0.5, seed=96).train()
    _, call = call_compare(learner, {"probe": probe}, random_ids(gen, 13, 39), 7)
    if not probe.calls:
        fail(f"{call} never called the model: its val_loss must come from the model's logits on "
             "val_ids.")
    if any(training for training, _ in probe.calls):
        fail(f"{call} ran a model that was in training mode without switching it to eval mode "
             "(model.training was True during the forward pass), so its dropout was still "
             "dropping values and the loss came out noisy and too high.\nLikely mistake: "
             "model.eval() was not called before measuring the model; call it first (and "
             "model.train() afterwards if you like).")
    if any(grad for _, grad in probe.calls):
        fail(f"{call} ran the model with autograd on, so PyTorch kept every intermediate result for "
             "a backward pass that never comes.\nLikely mistake: the evaluation is not inside "
             "`with torch.no_grad():` (or torch.inference_mode()); wrap the forward passes in it.")
