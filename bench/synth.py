#!/usr/bin/env python3
"""Synthetic scale corpus: raw Chinese text of any size with planted invented words.

The text is drawn from a word-bigram model estimated on gold-segmented corpora (words separated
by two spaces, one sentence or paragraph a line); K invented words are planted in it at
Zipf-distributed rates, so that a word-discovery run on it can be scored for recall (of the
planted words) and precision (its words against the gold word types and the planted words).

Model
  * Tokens are the gold words, punctuation included, plus a sentence-start state <s> and a
    sentence-end token </s> (written as a newline). Words are written without separators.
  * P(w | v) = lam(v) * c(v, w) / c(v) + (1 - lam(v)) * P_uni(w): the bigram interpolated with the
    unigram (over the words and </s>) by Witten-Bell, lam(v) = c(v) / (c(v) + T(v)), T(v) the
    number of distinct words that follow v.
  * Sampling is vectorised: B independent chains (``--chains``) advance together, one NumPy step
    per token position. Row v of the bigram table is stored expanded, each follower w repeated
    c(v, w) times (3.6 M slots for PKU + MSR), so a bigram draw is one uniform slot of the row and
    a unigram draw one uniform slot of the training token stream. Each chain's unfinished
    sentence is carried over to the next chunk, so no sentence is cut.

Planted words
  * K strings of 2-4 Han characters (lengths 2, 3, 4 with probabilities 0.5, 0.3, 0.2), each
    character drawn from the Han character distribution of the gold text; a candidate is rejected
    when it is a gold word type, occurs anywhere in the gold text (as a substring, also across
    word boundaries), or is a substring or superstring of another planted word.
  * Rank r (1..K) is planted at rate f_r = f_1 / r^s per generated token, with f_1 = 1/top_every
    and s chosen so that f_K = 1/bottom_every. Defaults: one in 20,000 tokens for the most frequent
    and one in 600,000 for the rarest (s = ln 30 / ln K = 0.642 for K = 200), i.e. about 1,000 and
    33 expected occurrences at 100 MB (19.5 M tokens), ten times that at 1 GB (195 M tokens): the
    rarest still some dozens of times at 100 MB, above cikuang's default min_count there (11).
  * A planted word replaces a content-word slot: a generated token that is a Han word of two or
    more characters, chosen uniformly among the chunk's such tokens, so its neighbours are those
    of an ordinary word (varied, sentence-internal). In each chunk of n word tokens (line ends not
    counted), word r is planted Poisson(f_r * n) times. A planted string can also arise by chance
    across word boundaries (about 0.2 % more occurrences than planted, measured at 50 MB).

Output: OUT (UTF-8, one line per generated sentence, cut after the first newline once ``--size``
bytes are reached), OUT.planted.tsv (word, rank, rate, one_in, expected, planted: the planned rate
per token, the expected count for the tokens written, and the number actually planted) and
OUT.meta.json. The same arguments and seed give byte-identical files; with the same seed, a
smaller corpus is a prefix of a larger one (up to the last line).

Usage:
  python bench/synth.py --gold ../shared/data/gold/pku1998.seg.txt ../shared/data/gold/msr_train.seg.txt \\
      --size 100M --planted 200 --seed 1 -o /tmp/synth/synth-100M.txt
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections import Counter

import numpy as np

BOS, EOS = "<s>", "</s>"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


def parse_size(text: str) -> int:
    """'100M' -> 100_000_000 (decimal units K, M, G, T; a plain number is bytes)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*", text.upper())
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (e.g. 100M, 1G, 250000)")
    return int(float(m.group(1)) * 1000 ** " KMGT".index(m.group(2) or " "))


def read_gold(paths) -> tuple[list[list[str]], str]:
    """Sentences as word lists, and the raw text (words joined, lines joined by newlines)."""
    sentences, raw = [], []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                words = [w for w in line.strip().split("  ") if w.strip()]
                words = [w.strip() for w in words]
                if words:
                    sentences.append(words)
                    raw.append("".join(words))
    return sentences, "\n".join(raw)


class BigramModel:
    """Word bigram with Witten-Bell interpolation to the unigram, in flat NumPy arrays."""

    def __init__(self, sentences):
        vocab = {BOS: 0, EOS: 1}
        ids = []
        for words in sentences:
            ids.append(0)
            for w in words:
                i = vocab.get(w)
                if i is None:
                    i = vocab[w] = len(vocab)
                ids.append(i)
            ids.append(1)
        self.words = list(vocab)
        V = self.V = len(self.words)
        seq = np.asarray(ids, dtype=np.int64)
        prev, nxt = seq[:-1], seq[1:]
        ok = prev != 1                                   # no transition out of </s>
        prev, nxt = prev[ok], nxt[ok]
        keys, counts = np.unique(prev * V + nxt, return_counts=True)   # sorted by (prev, next)
        rows = keys // V
        # Each row v of the bigram table expanded to c(v) slots (entry w repeated c(v, w) times):
        # a uniform slot of the row is a draw from c(v, .) / c(v) with one memory access.
        self.expanded = np.repeat((keys % V).astype(np.int32), counts)
        self.row_total = np.bincount(rows, weights=counts, minlength=V).astype(np.int64)
        self.row_start = np.concatenate(([0], np.cumsum(self.row_total)[:-1])).astype(np.int64)
        types = np.bincount(rows, minlength=V).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            lam = self.row_total / (self.row_total + types)
        self.lam = np.nan_to_num(lam, nan=0.0)
        # the unigram (words and </s>, not <s>) expanded the same way: the token stream itself
        self.uni = nxt.astype(np.int32)
        self.n_tokens = int(len(nxt))
        self.n_bigrams = int(len(keys))

    def step(self, rng, state):
        """One token for each chain in state (int32 ids; <s> = 0 starts a sentence).

        One uniform u per chain picks both the component and the slot: u < lam(v) draws slot
        floor(u / lam * c(v)) of v's bigram row, otherwise slot floor((u - lam) / (1 - lam) * N)
        of the unigram."""
        u = rng.random(len(state))
        lam = self.lam[state]
        big = u < lam
        total = self.row_total[state]
        pos_big = self.row_start[state] + np.minimum((u / np.where(big, lam, 1.0) * total).astype(np.int64),
                                                     np.maximum(total - 1, 0))
        n_uni = len(self.uni)
        pos_uni = np.minimum(((u - lam) / np.where(big, 1.0, 1.0 - lam) * n_uni).astype(np.int64), n_uni - 1)
        return np.where(big, self.expanded[np.where(big, pos_big, 0)], self.uni[np.maximum(pos_uni, 0)])


def invent_words(rng, raw: str, gold_types: set, k: int) -> list[str]:
    counts = {ch: c for ch, c in Counter(raw).items() if HAN.fullmatch(ch)}
    chars = sorted(counts)
    p = np.array([counts[c] for c in chars], dtype=np.float64)
    p /= p.sum()
    out: list[str] = []
    tries = 0
    while len(out) < k:
        tries += 1
        if tries > 200 * k + 1000:
            raise SystemExit(f"could not invent {k} words absent from the gold text")
        n = int(rng.choice([2, 3, 4], p=[0.5, 0.3, 0.2]))
        w = "".join(chars[i] for i in rng.choice(len(chars), size=n, p=p))
        if w in gold_types or w in raw or any(w in o or o in w for o in out):
            continue
        out.append(w)
    return out


def zipf_rates(k: int, top_every: float, bottom_every: float) -> tuple[np.ndarray, float]:
    s = math.log(bottom_every / top_every) / math.log(k) if k > 1 else 0.0
    return (1.0 / top_every) / np.arange(1, k + 1, dtype=np.float64) ** s, s


def generate(gold, size, out, planted=200, seed=0, top_every=20000.0, bottom_every=600000.0,
             chains=10000, steps=400, quiet=False):
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    sentences, raw = read_gold(gold)
    model = BigramModel(sentences)
    gold_types = set(model.words[2:])
    new = invent_words(rng, raw, gold_types, planted)
    del sentences, raw
    rates, s = zipf_rates(planted, top_every, bottom_every) if planted else (np.zeros(0), 0.0)
    t_model = time.perf_counter() - t0

    # byte table: gold words, then the planted words; </s> is the newline, <s> is never written
    table = [b""] * model.V
    for i, w in enumerate(model.words):
        table[i] = w.encode("utf-8")
    table[0], table[1] = b"", b"\n"
    table += [w.encode("utf-8") for w in new]
    blen = np.array([len(b) for b in table], dtype=np.int32)
    boff = np.concatenate(([0], np.cumsum(blen)[:-1])).astype(np.int32)
    blob = np.frombuffer(b"".join(table), dtype=np.uint8)
    content = np.zeros(len(table), dtype=bool)
    content[[i for i, w in enumerate(model.words) if i > 1 and _HAN_WORD.fullmatch(w)]] = True

    state = np.zeros(chains, dtype=np.int32)
    tails = [np.zeros(0, dtype=np.int32)] * chains
    planted_counts = np.zeros(planted, dtype=np.int64)
    written = tokens_written = 0
    tmp = out + ".part"
    with open(tmp, "wb") as f:
        while written < size:
            block = np.empty((steps, chains), dtype=np.int32)
            for t in range(steps):
                tok = model.step(rng, state)
                block[t] = tok
                state = np.where(tok == 1, 0, tok)
            cols = block.T                                  # one row per chain
            is_end = cols == 1
            has_end = is_end.any(axis=1)
            last = np.where(has_end, steps - 1 - np.argmax(is_end[:, ::-1], axis=1), -1)
            pieces = []
            for b in range(chains):
                cut = int(last[b]) + 1
                if cut:
                    pieces.append(tails[b])
                    pieces.append(cols[b, :cut])
                    tails[b] = cols[b, cut:].copy()
                else:
                    tails[b] = np.concatenate((tails[b], cols[b]))
            stream = np.concatenate(pieces)
            if planted:
                n_each = rng.poisson(rates * np.count_nonzero(stream != 1))     # per word, not line end
                slots = np.flatnonzero(content[stream])
                m = min(int(n_each.sum()), len(slots))
                which = rng.permutation(np.repeat(np.arange(planted, dtype=np.int32), n_each))[:m]
                where = slots[rng.choice(len(slots), size=m, replace=False)] if m else slots[:0]
                stream[where] = model.V + which
            lens = blen[stream]
            ends = np.cumsum(lens, dtype=np.int64)
            if written + int(ends[-1]) >= size:             # last chunk: stop after the next newline
                over = int(np.searchsorted(ends, size - written, side="left"))
                nl = np.flatnonzero(stream[over:] == 1)
                stop = over + int(nl[0]) + 1 if len(nl) else len(stream)
                stream, lens, ends = stream[:stop], lens[:stop], ends[:stop]
            total = int(ends[-1])
            # byte i of the chunk is byte (i - start of its token) of that token's bytes in blob
            shift = (boff[stream] - (ends - lens)).astype(np.int32)
            idx = np.repeat(shift, lens)
            idx += np.arange(total, dtype=np.int32)
            f.write(blob[idx].tobytes())
            written += total
            tokens_written += int(np.count_nonzero(stream != 1))
            if planted:
                planted_counts += np.bincount(stream[stream >= model.V] - model.V, minlength=planted)
            if not quiet:
                el = time.perf_counter() - t0
                print(f"\r{written / 1e6:,.0f} MB, {tokens_written / 1e6:,.1f} M tokens, {el:.0f} s",
                      end="", file=sys.stderr, flush=True)
    os.replace(tmp, out)
    elapsed = time.perf_counter() - t0
    if not quiet:
        print(file=sys.stderr)

    with open(out + ".planted.tsv", "w", encoding="utf-8") as f:
        f.write("word\trank\trate\tone_in\texpected\tplanted\n")
        for r, w in enumerate(new):
            f.write(f"{w}\t{r + 1}\t{rates[r]:.4g}\t{1 / rates[r]:.0f}\t"
                    f"{rates[r] * tokens_written:.1f}\t{planted_counts[r]}\n")
    meta = {
        "gold": [os.path.abspath(p) for p in gold], "size": size, "bytes": written,
        "tokens": tokens_written, "planted": planted, "seed": seed, "top_every": top_every,
        "bottom_every": bottom_every, "zipf_s": s, "chains": chains, "steps": steps,
        "model_tokens": model.n_tokens, "model_types": model.V - 2, "model_bigrams": model.n_bigrams,
        "seconds_model": round(t_model, 2), "seconds": round(elapsed, 2),
        "mb_per_s": round(written / 1e6 / max(elapsed - t_model, 1e-9), 1),
    }
    with open(out + ".meta.json", "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    return meta


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", nargs="+", required=True, help="gold-segmented corpora (words separated by two spaces)")
    ap.add_argument("--size", type=parse_size, required=True, help="output size in UTF-8 bytes: 100M, 1G (decimal)")
    ap.add_argument("--planted", type=int, default=200, help="number K of invented words (default 200)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--top-every", type=float, default=20000.0,
                    help="the most frequent planted word occurs once in this many tokens (default 20000)")
    ap.add_argument("--bottom-every", type=float, default=600000.0,
                    help="the rarest planted word occurs once in this many tokens (default 600000); "
                         "the Zipf exponent s follows")
    ap.add_argument("--chains", type=int, default=10000, help="sentences generated in parallel (default 10000)")
    ap.add_argument("--steps", type=int, default=400, help="tokens per chain per chunk (default 400)")
    ap.add_argument("-q", "--quiet", action="store_true")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    meta = generate(a.gold, a.size, a.output, a.planted, a.seed, a.top_every, a.bottom_every,
                    a.chains, a.steps, a.quiet)
    if not a.quiet:
        print(json.dumps(meta), file=sys.stderr)


if __name__ == "__main__":
    main()
