"""Hidden checks for exercise 7 · sampling.

The oracles are probe models defined here: tiny nn.Modules with a `max_len` whose logits the check
chooses (a table indexed by the id at each position, so that the logits at position t predict the
character after ids[t], as in a real causal model), and which note how `generate` called them:
the ids of every context, the module's and its child's training flag, and whether autograd was
on. A probe may also fill every position but the last with logits that favour another character,
so that reading the wrong position shows.

Greedy decoding is judged exactly, by replaying it on the probe's table; each known mistake is
replayed the same way so that a failure can name it. Sampling is judged by counting: with a
seeded generator and hundreds of draws, each character's count must lie within six standard
deviations of what softmax(logits / T) (after top-k) predicts, a bound a correct implementation
misses with probability below one in a million, while every mistake named here lands many bounds
away. The vocabulary is a small class of this module offering exercise 1's Vocab interface.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from grader.checks.support import CheckFailure, close, fail, generator
from grader.loader import format_learner_traceback

# Bound before any learner code loads, so that patching torch cannot change what the checks see.
_is_grad_enabled = torch.is_grad_enabled
_set_grad_enabled = torch.set_grad_enabled
_fork_rng = torch.random.fork_rng
_manual_seed = torch.manual_seed
_softmax = torch.softmax
_is_tensor = torch.is_tensor
_float64 = torch.float64

SPECIALS = ("<pad>", "<unk>")
LETTERS = "abcdef"
NEG_INF = float("-inf")

# The mistakes, in the lesson's words.
PROMPT_INCLUDED = "the prompt was returned too: return only the `length` new characters"
ONE_TOO_MANY = "one character too many: the loop should run exactly `length` times"
ONE_TOO_FEW = "one character too few: the loop should run exactly `length` times"
SPECIALS_EMITTED = ("<pad> or <unk> was generated: set their logits to -inf (logits[vocab['<pad>']] = "
                    "float('-inf'), the same for '<unk>') before the argmax and before the softmax")
SPECIALS_DROPPED = ("the model was called once per character, but some steps gave no character: were "
                    "<pad> and <unk> removed from the text after sampling? Set their logits to -inf "
                    "BEFORE picking, so that every step picks a real character")
GREEDY_DIVIDES = ("temperature=0 was used as a divisor (logits / 0 gives inf and nan). Treat "
                  "temperature == 0 apart: take the most likely character, logits.argmax(), without "
                  "sampling")
GREEDY_SAMPLES = ("temperature=0 still samples (the text changes with the seed): when temperature == 0, "
                  "take the most likely character, logits.argmax(), instead of sampling")
FIRST_POSITION = ("the next character was read from the logits at the first position (logits[:, 0]); "
                  "the prediction for the character after the context is at the last position, "
                  "logits[:, -1]")
NOT_APPENDED = ("the new character was not appended to the context, so every step saw the same "
                "prompt: add each new id to the ids before the next step")
NOT_CROPPED = ("the context was not cropped to the model's max_len: a real model has only max_len "
               "positions (its positional encoding would fail). Feed it the last max_len ids, "
               "ids[-model.max_len:]")
CROPPED_FRONT = ("the first max_len ids were kept (ids[:max_len]); keep the LAST ones, the most recent "
                 "characters: ids[-model.max_len:]")
CROPPED_SHORT = ("the context was cropped to max_len - 1 ids; it may hold max_len ids: "
                 "ids[-model.max_len:]")
ONLY_LAST = ("the model was given only the last character; give it the whole context, up to max_len "
             "ids, so that it can use what came before")
TEMPERATURE_IGNORED = ("the temperature had no effect: divide the logits by it before the softmax "
                       "(dividing the probabilities after the softmax changes nothing: they are "
                       "normalised again)")
TEMPERATURE_MULTIPLIED = ("the logits were multiplied by the temperature (or the probabilities raised "
                          "to the power T); divide the logits by it: a low temperature sharpens the "
                          "distribution, a high one flattens it")
POSITIONS_MIXED = ("the probabilities were not read from the last position's logits alone: take "
                   "logits[0, -1] (shape (V,)) first, then the softmax over the vocabulary, dim=-1 (a "
                   "softmax over the positions, dim=1, mixes in the other positions)")
UNIFORM = ("every character came out about equally often, whatever the logits: is the softmax over "
           "the wrong axis? It belongs on the vocabulary axis, dim=-1, of the last position's logits "
           "(on shape (1, V), softmax(dim=0) gives all ones; on (1, T, V), dim=1 mixes the positions)")
TOP_K_ONE_MORE = ("top_k kept one character too many (k + 1): keep the logits >= the k-th largest, "
                  "torch.topk(logits, k).values[-1], and hide the rest")
TOP_K_ONE_LESS = ("top_k kept one character too few (k - 1): the k-th largest logit must stay; hide "
                  "only the logits strictly below it (logits < kth, not <=)")
TOP_K_LEAST = ("top_k kept the k LEAST likely characters: keep the largest ones (torch.topk's default, "
               "largest=True; or sort in descending order)")
TOP_K_IGNORED = ("top_k had no effect: set every logit below the k-th largest to -inf before the "
                 "softmax")
GENERATOR_IGNORED = ("the generator was not used, so the same seed gave different texts: sample with "
                     "torch.multinomial(probs, 1, generator=generator)")
GENERATOR_REPLACED = ("different seeds gave the same text: the generator passed in is not what draws "
                      "the samples (a generator of your own, or a fixed seed?). Sample with "
                      "torch.multinomial(probs, 1, generator=generator)")
TRAINING_WHILE_SAMPLING = ("the model was in training mode while sampling: call model.eval() first "
                           "(in training mode dropout drops random activations and spoils the text)")
TRAINING_FLAG_ONLY = ("only model.training was set to False: the model's layers (its dropouts) stayed "
                      "in training mode. Call model.eval(), which switches every submodule")
AUTOGRAD_ON = ("autograd was on while sampling: wrap the loop in `with torch.no_grad():` (or "
               "torch.inference_mode()); nothing is trained here, so no graph is needed")
GRAD_LEFT_OFF = ("autograd was still off after generate returned, which would silently stop the "
                 "training that follows: use `with torch.no_grad():`, which switches it back on, not "
                 "torch.set_grad_enabled(False)")
MODE_NOT_RESTORED = ("the model was left in eval mode, but it was in training mode before generate: "
                     "remember was_training = model.training first, and end with "
                     "model.train(was_training)")
MULTINOMIAL_NAN = ("the probabilities given to torch.multinomial hold nan or inf. A softmax over the "
                   "wrong axis does that (on logits of shape (1, V), softmax(dim=0) turns the -inf of "
                   "<pad> and <unk> into nan): take it over the vocabulary, dim=-1. So does a "
                   "temperature of 0 used as a divisor")
MANY_POSITIONS = ("a tensor of many values was turned into one number (int() or .item()): were the "
                  "logits of every position kept? Take the last position's only, logits[0, -1], "
                  "of shape (V,)")
MODE_FORCED_TRAIN = ("the model was switched to training mode at the end, but it was in eval mode "
                     "before: restore the mode it had, model.train(was_training), not model.train()")


# ---------------------------------------------------------------------------------- vocabulary

class ProbeVocab:
    """Exercise 1's Vocab interface over a fixed list of tokens: `<pad>` = 0, `<unk>` = 1, then
    the letters a to f. It also has exercise 1's `itos` and `stoi`, for code that reads them."""

    def __init__(self, tokens):
        self.itos = list(tokens)
        self.stoi = {token: index for index, token in enumerate(self.itos)}
        self.unk_index = self.stoi["<unk>"]

    def __len__(self):
        return len(self.itos)

    def __getitem__(self, token):
        return self.stoi.get(token, self.unk_index)

    def __contains__(self, token):
        return token in self.stoi

    def lookup_token(self, index):
        index = int(index)
        if not 0 <= index < len(self.itos):
            raise IndexError(f"no token has id {index}; ids run from 0 to {len(self.itos) - 1}")
        return self.itos[index]

    def encode(self, text):
        return [self[token] for token in text.lower()]

    def decode(self, ids):
        return "".join(self.lookup_token(index) for index in ids)


VOCAB = ProbeVocab([*SPECIALS, *LETTERS])
V = len(VOCAB)
LETTER_IDS = [VOCAB[letter] for letter in LETTERS]
SPECIAL_IDS = [VOCAB[token] for token in SPECIALS]


def letter_logits(values, specials=-3.0):
    """A (V,) row of logits: `values` for the letters a to f, `specials` for <pad> and <unk>."""
    row = torch.full((V,), float(specials), dtype=_float64)
    row[LETTER_IDS] = torch.tensor(values, dtype=_float64)
    return row


def chain_table(pattern, specials=-3.0):
    """A (V, V) bigram table: after letter i the most likely is letter i + 1 (f is followed by a),
    `pattern[k]` being the logit of letter i + 1 + k. The rows of the specials are flat."""
    table = torch.stack([letter_logits([0.0] * len(LETTERS), specials)] * V)
    for i, row_id in enumerate(LETTER_IDS):
        values = [0.0] * len(LETTERS)
        for k, logit in enumerate(pattern):
            values[(i + 1 + k) % len(LETTERS)] = logit
        table[row_id] = letter_logits(values, specials)
    return table


def constant_table(row):
    """A table whose every row is `row`: the same logits whatever came before."""
    return row.unsqueeze(0).repeat(V, 1)


# A mild chain: the most likely letter wins a greedy pick, but sampling often strays from it.
MILD_CHAIN = chain_table([2.0, 1.6, 1.0, 0.6, 0.3, 0.0])
# A sharp chain: at temperature 1 the most likely letter comes about 92% of the time.
SHARP_CHAIN = chain_table([4.0, 0.0, 0.0, 0.0, 0.0, 0.0])
# Logits that favour `a` by far, for the positions a correct generate never reads.
DECOY_ROW = letter_logits([6.0, 0.0, 0.0, 0.0, 0.0, 0.0])
# Distinct logits, so that top-k is never decided by a tie: b > d > f > a > c > e.
SPREAD_ROW = letter_logits([0.0, 2.0, -0.5, 1.0, -1.5, 0.5], specials=-4.0)
# <unk> and <pad> the most likely by far: a generate that does not ban them writes them.
SPECIALS_FIRST_ROW = torch.tensor([4.0, 5.0, 0.0, 0.5, 1.2, 0.3, -0.4, 0.8], dtype=_float64)
FLAT_ROW = letter_logits([0.0] * len(LETTERS))


# -------------------------------------------------------------------------------------- probes

class Call:
    """What the probe saw in one forward call."""

    def __init__(self, ids, training, child_training, grad_enabled):
        self.ids = ids
        self.training = training
        self.child_training = child_training
        self.grad_enabled = grad_enabled


class Probe(nn.Module):
    """A stand-in language model whose logits the check chooses, and which notes every call.

    The logits at position t are `table[ids[t]]`; with `decoy` given, every position but the last
    gets the decoy row instead. It has a parameter (for code that finds the device from it) and a
    dropout child (to see whether model.eval() reached the submodules).
    """

    def __init__(self, table, max_len, decoy=None):
        super().__init__()
        self.max_len = max_len
        self.table = table
        self.decoy = decoy
        self.anchor = nn.Parameter(torch.zeros(1))
        self.dropout = nn.Dropout(0.5)
        self.calls = []

    def logits_for(self, ids):
        """(T, V) float64 logits for a list of ids."""
        rows = self.table[ids].clone()
        if self.decoy is not None and len(ids) > 1:
            rows[:-1] = self.decoy
        return rows

    def forward(self, ids):
        if not _is_tensor(ids):
            fail(f"The model was called with a {type(ids).__name__}; it expects a tensor of ids of "
                 "shape (1, T), dtype torch.long: torch.tensor([ids], dtype=torch.long).")
        if ids.dim() != 2 or ids.size(0) != 1:
            shape = "(" + ", ".join(str(n) for n in ids.shape) + ")"
            fail(f"The model was called with ids of shape {shape}; it expects a batch of one "
                 "sequence, shape (1, T): torch.tensor([ids]) or ids.unsqueeze(0).")
        if ids.dtype not in (torch.long, torch.int):
            fail(f"The model was called with ids of dtype {ids.dtype}; an embedding needs integer "
                 "ids: dtype=torch.long.")
        if ids.size(1) == 0:
            fail("The model was called with an empty context (shape (1, 0)).")
        id_list = [int(i) for i in ids[0].tolist()]
        if min(id_list) < 0 or max(id_list) >= V:
            fail(f"The model was called with ids {id_list}, but the vocabulary's ids run from 0 to "
                 f"{V - 1}.")
        self.calls.append(Call(id_list, self.training, self.dropout.training, _is_grad_enabled()))
        return self.logits_for(id_list).float().unsqueeze(0).to(ids.device)


def describe_call(prompt, length, options):
    shown = "".join(f", {name}={value!r}" for name, value in options.items() if name != "generator")
    if "generator" in options:
        shown += ", generator=..." if options["generator"] is not None else ", generator=None"
    return f"generate(model, vocab, {prompt!r}, {length}{shown})"


class GenerateError(CheckFailure):
    """The learner's generate raised an error; `call` and `details` say where and what."""

    def __init__(self, call, details, hint=None):
        super().__init__(f"{call} raised an error:\n{details}"
                         + (f"\nLikely mistake: {hint}." if hint else ""))
        self.call = call
        self.details = details


# Errors whose text says what went wrong: (a piece of the error message, the likely mistake).
ERROR_HINTS = (
    ("probability tensor contains", MULTINOMIAL_NAN),
    ("only one element tensors", MANY_POSITIONS),
)


def run_generate(learner, model, prompt, length, **options):
    """The learner's text and the call written out, or a failure that says which call went wrong."""
    call = describe_call(prompt, length, options)
    try:
        text = learner.generate(model, VOCAB, prompt, length, **options)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as error:  # noqa: BLE001 - the learner's own error, shown with the call
        hint = next((sentence for piece, sentence in ERROR_HINTS if piece in str(error)), None)
        raise GenerateError(call, format_learner_traceback(error), hint) from None
    finally:
        if not _is_grad_enabled():
            _set_grad_enabled(True)
            fail(f"After {call}, {GRAD_LEFT_OFF}.")
    return text, call


def text_to_ids(text, length, prompt, call, model):
    """The ids of the learner's text, after checking that it is `length` letters of the vocabulary."""
    if not isinstance(text, str):
        extra = " (did you forget a `return`?)" if text is None else \
            " (turn the new ids into text with vocab.decode(new_ids))" if isinstance(text, (list, tuple)) \
            or _is_tensor(text) else ""
        fail(f"{call} should return a str, the new characters; it returned "
             f"{type(text).__name__}{extra}.")
    if any(token in text for token in SPECIALS):
        fail(f"{call} wrote a special token: {text[:60]!r}.\nLikely mistake: {SPECIALS_EMITTED}.")
    if len(text) != length:
        if len(text) == len(prompt) + length and text.startswith(prompt):
            likely = PROMPT_INCLUDED
        elif len(text) == length + 1:
            likely = ONE_TOO_MANY
        elif len(text) < length and len(model.calls) >= length:
            likely = SPECIALS_DROPPED
        elif len(text) == length - 1:
            likely = ONE_TOO_FEW
        else:
            likely = None
        fail(f"{call} returned {len(text)} characters, {text[:60]!r}; expected {length}, the new "
             "characters only." + (f"\nLikely mistake: {likely}." if likely else ""))
    unknown = sorted({c for c in text if c not in VOCAB})
    if unknown:
        fail(f"{call} returned characters that are not in the vocabulary ({unknown}): {text[:60]!r}. "
             "Decode the new ids with vocab.decode.")
    return VOCAB.encode(text)


# ------------------------------------------------------------------------- greedy, replayed

def replay_greedy(model, prompt, length, read="last", append=True, keep="last"):
    """The text greedy decoding writes on a probe, or what one of its mistakes writes: reading
    the first position's logits, never appending the new ids to the context, or keeping the
    first max_len ids of the context instead of the last."""
    context = VOCAB.encode(prompt)
    new = []
    for _ in range(length):
        window = context[-model.max_len:] if keep == "last" else context[:model.max_len]
        rows = model.logits_for(window)
        logits = (rows[-1] if read == "last" else rows[0]).clone()
        logits[SPECIAL_IDS] = NEG_INF
        next_id = int(logits.argmax())
        new.append(next_id)
        if append:
            context.append(next_id)
    return VOCAB.decode(new)


def greedy_mistakes(model, prompt, length):
    return {
        FIRST_POSITION: lambda: replay_greedy(model, prompt, length, read="first"),
        NOT_APPENDED: lambda: replay_greedy(model, prompt, length, append=False),
        CROPPED_FRONT: lambda: replay_greedy(model, prompt, length, keep="first"),
    }


def runs_at_temperature_one(learner, model, prompt, length):
    """True when the learner's generate runs without error at temperature 1 on a fresh probe."""
    fresh = Probe(model.table, model.max_len, model.decoy)
    try:
        run_generate(learner, fresh, prompt, length, temperature=1.0, generator=generator(2))
    except GenerateError:
        return False
    return True


def expect_greedy(learner, model, prompt, length, temperature, note=""):
    """Run generate at temperature 0 and compare with greedy decoding replayed on the probe."""
    expected = replay_greedy(model, prompt, length)
    try:
        text, call = run_generate(learner, model, prompt, length, temperature=temperature,
                                  generator=generator(3))
    except GenerateError as error:
        if not runs_at_temperature_one(learner, model, prompt, length):
            raise
        fail(f"{error.call} raised an error, though it runs at temperature 1:\n{error.details}"
             f"\nLikely mistake: {GREEDY_DIVIDES}.")
    text_to_ids(text, length, prompt, call, model)
    if text == expected:
        return
    likely = next((name for name, replay in greedy_mistakes(model, prompt, length).items()
                   if replay() == text), None)
    if likely is None:
        again, _ = run_generate(learner, model, prompt, length, temperature=temperature,
                                generator=generator(4))
        if again != text:
            likely = GREEDY_SAMPLES
    fail(f"{call} should write the most likely character at every step{note}; it did not."
         + (f"\nLikely mistake: {likely}." if likely else "")
         + f"\n  expected {expected!r}\n  got      {text!r}")


# ------------------------------------------------------------------------ sampling, counted

def letter_counts(ids):
    counts = torch.zeros(len(LETTERS), dtype=_float64)
    for index in ids:
        counts[LETTER_IDS.index(index)] += 1
    return counts


def letter_probs(row, temperature=1.0, keep=None):
    """softmax(row / T) over the letters (the specials banned), kept to the letters in `keep`."""
    logits = row[LETTER_IDS] / temperature
    if keep is not None:
        hidden = torch.tensor([letter not in keep for letter in LETTERS])
        logits = logits.masked_fill(hidden, NEG_INF)
    return _softmax(logits, dim=-1)


def ranked_letters(row):
    """The letters, most likely first."""
    return sorted(LETTERS, key=lambda letter: -float(row[VOCAB[letter]]))


def fits(counts, probs):
    """True when every count lies within six standard deviations (and 3 draws) of n * p, and is
    exactly 0 where p = 0."""
    n = float(counts.sum())
    expected = n * probs
    bound = 6 * (n * probs * (1 - probs)).sqrt() + 3 * (probs > 0) + 0.5
    return bool(((counts - expected).abs() <= bound).all())


def frequency_table(expected, counts):
    n = float(counts.sum())
    header = "".join(f"{letter:>7}" for letter in LETTERS)
    wanted = "".join(f"{100 * float(p):6.1f}%" for p in expected)
    got = "".join(f"{100 * float(c) / n:6.1f}%" for c in counts)
    return f"\n  character{header}\n  expected {wanted}\n  got      {got}"


def expect_frequencies(counts, expected, mistakes, what):
    """Fail unless the counts follow `expected`; name the first mistake whose distribution they
    follow. `mistakes` is a list of (sentence, probabilities over the letters)."""
    if fits(counts, expected):
        return
    likely = next((name for name, probs in mistakes
                   if not close(probs, expected) and fits(counts, probs)), None)
    fail(f"The characters written {what} do not come as often as the logits say they should "
         f"({int(counts.sum())} samples)." + (f"\nLikely mistake: {likely}." if likely else "")
         + frequency_table(expected, counts))


def sample_counts(learner, row, length, seed, **options):
    """Counts of each letter in `length` characters sampled from a probe whose logits are always
    `row` (at every position, whatever came before)."""
    model = Probe(constant_table(row), max_len=6)
    text, call = run_generate(learner, model, "abc", length, generator=generator(seed), **options)
    return letter_counts(text_to_ids(text, length, "abc", call, model)), call


# -------------------------------------------------------------------------------------- checks

def test_returns_only_the_new_characters(learner):
    """generate returns a str of exactly `length` new characters, without the prompt"""
    for prompt, length in (("cab", 7), ("fed", 1), ("bad", 12)):
        model = Probe(MILD_CHAIN, max_len=5)
        text, call = run_generate(learner, model, prompt, length, temperature=1.0,
                                  generator=generator(length))
        text_to_ids(text, length, prompt, call, model)
        if not model.calls:
            fail(f"{call} never called the model: each new character comes from the model's logits.")


def test_eval_mode_without_autograd_while_sampling(learner):
    """The model runs in eval mode, with autograd off, while it samples"""
    model = Probe(MILD_CHAIN, max_len=5).train()
    text, call = run_generate(learner, model, "abc", 6, temperature=1.0, generator=generator(5))
    text_to_ids(text, 6, "abc", call, model)
    if not model.calls:
        fail(f"{call} never called the model: each new character comes from the model's logits.")
    if any(c.training for c in model.calls):
        fail(f"During {call}, the model (which was in training mode) was still in training mode "
             f"when it was called.\nLikely mistake: {TRAINING_WHILE_SAMPLING}.")
    if any(c.child_training for c in model.calls):
        fail(f"During {call}, the model's own training flag was off but its dropout layer was still "
             f"in training mode.\nLikely mistake: {TRAINING_FLAG_ONLY}.")
    if any(c.grad_enabled for c in model.calls):
        fail(f"During {call}, torch.is_grad_enabled() was True when the model was called.\n"
             f"Likely mistake: {AUTOGRAD_ON}.")


def test_leaves_the_model_in_the_mode_it_found(learner):
    """generate leaves the model in the mode it was in: training or eval"""
    model = Probe(MILD_CHAIN, max_len=5).train()
    _, call = run_generate(learner, model, "abc", 4, temperature=1.0, generator=generator(6))
    if not (model.training and model.dropout.training):
        fail(f"After {call} the model is in eval mode.\nLikely mistake: {MODE_NOT_RESTORED}.")
    model = Probe(MILD_CHAIN, max_len=5).eval()
    _, call = run_generate(learner, model, "abc", 4, temperature=1.0, generator=generator(7))
    if model.training or model.dropout.training:
        fail(f"After {call} the model is in training mode.\nLikely mistake: {MODE_FORCED_TRAIN}.")


def expected_contexts(prompt_ids, new_ids, max_len):
    """The context each step should feed: the last max_len ids of the prompt and the new ids so far."""
    every = prompt_ids + new_ids
    return [every[:n][-max_len:] for n in range(len(prompt_ids), len(every))]


def context_mistake(got, expected, every, n, prompt_ids, max_len):
    """Which known cropping mistake turns the expected context into the one the model got."""
    if len(got) > max_len:
        return NOT_CROPPED
    if n > max_len and got == every[:n][:max_len]:
        return CROPPED_FRONT
    if len(expected) == max_len and got == expected[1:]:
        return CROPPED_SHORT
    if len(got) == 1 and len(expected) > 1 and got == expected[-1:]:
        return ONLY_LAST
    if got == prompt_ids[-max_len:] and n > len(prompt_ids):
        return NOT_APPENDED
    return None


def test_context_is_cropped_to_the_last_max_len_ids(learner):
    """The model sees the prompt and the new characters, cropped to its last max_len ids"""
    max_len = 4
    for prompt, length in (("cab", 6), ("abcdefab", 3)):
        model = Probe(MILD_CHAIN, max_len=max_len)
        text, call = run_generate(learner, model, prompt, length, temperature=1.0,
                                  generator=generator(8))
        new_ids = text_to_ids(text, length, prompt, call, model)
        prompt_ids = VOCAB.encode(prompt)
        every = prompt_ids + new_ids
        expected = expected_contexts(prompt_ids, new_ids, max_len)
        got = [c.ids for c in model.calls]
        if len(got) < length:
            fail(f"{call} called the model {len(got)} times for {length} new characters: each new "
                 "character needs its own call, on the context that ends with the character before.")
        for step, (want, seen) in enumerate(zip(expected, got)):
            if want == seen:
                continue
            n = len(prompt_ids) + step
            likely = context_mistake(seen, want, every, n, prompt_ids, max_len)
            fail(f"In {call}, with model.max_len = {max_len}, the model was given the wrong context "
                 f"for new character {step + 1}." + (f"\nLikely mistake: {likely}." if likely else "")
                 + f"\n  expected {VOCAB.decode(want)!r} ({len(want)} ids)"
                 f"\n  got      {VOCAB.decode(seen)!r} ({len(seen)} ids)")


def test_next_character_comes_from_the_last_position(learner):
    """The next character comes from the logits at the last position"""
    # Every position but the last favours `a`: reading another position shows at once.
    model = Probe(SHARP_CHAIN, max_len=5, decoy=DECOY_ROW)
    expect_greedy(learner, model, "dbe", 10, 0)
    model = Probe(SHARP_CHAIN, max_len=5, decoy=DECOY_ROW)
    length = 400
    text, call = run_generate(learner, model, "dbe", length, temperature=1.0, generator=generator(9))
    ids = VOCAB.encode("dbe")[-1:] + text_to_ids(text, length, "dbe", call, model)
    followed = sum(int(model.table[before].argmax()) == after for before, after in zip(ids, ids[1:]))
    p_follow = float(letter_probs(SHARP_CHAIN[LETTER_IDS[0]]).max())
    bound = 6 * math.sqrt(length * p_follow * (1 - p_follow))
    if abs(followed - length * p_follow) <= bound:
        return
    decoys = sum(after == VOCAB["a"] for after in ids[1:])
    p_uniform = 1 / len(LETTERS)
    if decoys > 0.8 * length:
        likely = FIRST_POSITION
    elif abs(followed - length * p_uniform) <= 6 * math.sqrt(length * p_uniform * (1 - p_uniform)):
        likely = UNIFORM
    else:
        likely = POSITIONS_MIXED
    fail(f"In {call}, the model's logits at the last position make the character after x the next "
         f"letter (a->b, b->c, ..., f->a) {100 * p_follow:.0f}% of the time; every other position "
         f"favours 'a'. Your text follows the last position {100 * followed / length:.0f}% of the "
         f"time, and is 'a' {100 * decoys / length:.0f}% of the time.\nLikely mistake: {likely}."
         f"\n  got {text[:48]!r}...")


def test_temperature_zero_is_greedy(learner):
    """temperature=0 picks the most likely character every time (greedy)"""
    expect_greedy(learner, Probe(MILD_CHAIN, max_len=5), "cab", 12, 0)
    expect_greedy(learner, Probe(MILD_CHAIN, max_len=6), "fe", 9, 0.0)


def test_never_writes_pad_or_unk(learner):
    """<pad> and <unk> are never written, even when the model favours them"""
    model = Probe(constant_table(SPECIALS_FIRST_ROW), max_len=5)
    expect_greedy(learner, model, "abc", 6, 0,
                  " (the most likely apart from <unk> and <pad>, which this model favours)")
    for temperature, length in ((1.0, 120), (0.7, 60)):
        options = {"temperature": temperature, "generator": generator(10)}
        text, call = run_generate(learner, model, "abc", length, **options)
        text_to_ids(text, length, "abc", call, model)


def test_temperature_divides_the_logits(learner):
    """Sampled characters follow softmax(logits / temperature)"""
    for temperature, seed in ((0.5, 11), (2.0, 12)):
        counts, call = sample_counts(learner, SPREAD_ROW, 900, seed, temperature=temperature)
        expected = letter_probs(SPREAD_ROW, temperature)
        mistakes = [
            (TEMPERATURE_IGNORED, letter_probs(SPREAD_ROW, 1.0)),
            (TEMPERATURE_MULTIPLIED, letter_probs(SPREAD_ROW, 1 / temperature)),
            (UNIFORM, letter_probs(FLAT_ROW)),
        ]
        expect_frequencies(counts, expected, mistakes, f"by {call}")


def test_top_k_keeps_the_k_most_likely(learner):
    """top_k samples among the k most likely characters only, as often as their logits say"""
    ranked = ranked_letters(SPREAD_ROW)
    for top_k, temperature, seed in ((3, 1.0, 13), (2, 0.8, 14), (4, 1.5, 15)):
        counts, call = sample_counts(learner, SPREAD_ROW, 700, seed, temperature=temperature,
                                     top_k=top_k)
        expected = letter_probs(SPREAD_ROW, temperature, keep=ranked[:top_k])
        mistakes = [
            (TOP_K_ONE_MORE, letter_probs(SPREAD_ROW, temperature, keep=ranked[:top_k + 1])),
            (TOP_K_ONE_LESS, letter_probs(SPREAD_ROW, temperature, keep=ranked[:top_k - 1])),
            (TOP_K_LEAST, letter_probs(SPREAD_ROW, temperature, keep=ranked[-top_k:])),
            # The k least likely of the whole vocabulary, the (banned) <pad> and <unk> among them.
            (TOP_K_LEAST, letter_probs(SPREAD_ROW, temperature,
                                       keep=ranked[len(ranked) + len(SPECIALS) - top_k:])),
            (TOP_K_IGNORED, letter_probs(SPREAD_ROW, temperature)),
            (TEMPERATURE_MULTIPLIED, letter_probs(SPREAD_ROW, 1 / temperature, keep=ranked[:top_k])),
            (UNIFORM, letter_probs(FLAT_ROW, keep=ranked[:top_k])),
            (UNIFORM, letter_probs(FLAT_ROW)),
        ]
        kept = ", ".join(ranked[:top_k])
        expect_frequencies(counts, expected, mistakes,
                           f"by {call} (the {top_k} most likely are {kept})")


def test_same_seed_gives_the_same_text(learner):
    """The same generator seed gives the same text, and another seed another text"""
    length = 40
    texts = []
    with _fork_rng():
        for global_seed, seed in ((101, 7), (202, 7), (303, 8)):
            _manual_seed(global_seed)  # the global RNG moves on; a seeded generator must not care
            model = Probe(constant_table(FLAT_ROW), max_len=5)
            text, call = run_generate(learner, model, "abc", length, temperature=1.0,
                                      generator=generator(seed))
            text_to_ids(text, length, "abc", call, model)
            texts.append(text)
        _manual_seed(404)
        model = Probe(constant_table(FLAT_ROW), max_len=5)
        text, call = run_generate(learner, model, "abc", 10, temperature=1.0, generator=None)
        text_to_ids(text, 10, "abc", call, model)
    first, again, other = texts
    if first != again:
        fail(f"Two calls with generator=torch.Generator().manual_seed(7) gave different texts.\n"
             f"Likely mistake: {GENERATOR_IGNORED}.\n  first  {first!r}\n  second {again!r}")
    if first == other:
        fail(f"Seeds 7 and 8 gave the same text, {first!r}, from a model that finds every letter "
             f"equally likely.\nLikely mistake: {GENERATOR_REPLACED}.")
