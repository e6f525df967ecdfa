"""Response-only loss of (prompt, response) pairs, batched for throughput.

The recipe is the reference loss: the prompt rendered with the model's chat template
(generation prompt added) is the context, the response is tokenised on its own and
appended, and the loss is the mean cross-entropy over the response tokens only. Speed
comes from never computing what is thrown away:
- rows are sorted by length and packed into batches by a token budget (padded size), so
  padding is a few percent instead of half;
- the language-model head runs only on response positions, in chunks, so a 49k or 150k
  vocabulary never materialises logits for prompt tokens or padding;
- tokenisation of the next rows runs on a thread while the model computes;
- `torch.inference_mode`, and bf16 with SDPA attention on CUDA (see model.py).
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from reasonlint.perplexity.model import Loaded
from reasonlint.perplexity.reference import SYSTEM_PROMPT

FORMATS = ("chat", "reference")
_TOKENISE_CHUNK = 64  # rows tokenised per background task
_HEAD_CHUNK = 4096  # response positions per language-model-head call
_MEMO_SIZE = 65536
_MAX_PADDING = 1.25  # padded tokens per real token in a batch, at most


@dataclass(frozen=True, slots=True)
class Scored:
    """One row's measure: mean loss over `tokens` scored response tokens (NaN when none),
    the row's full length in tokens, and whether it was cut to fit the scoring limit."""

    loss: float
    tokens: int
    length: int
    truncated: bool


@dataclass(frozen=True, slots=True)
class Encoded:
    index: int
    context: list[int]
    response: list[int]
    length: int  # before truncation
    truncated: bool


def render_context(tokenizer: Any, prompt: str, fmt: str) -> str:
    """The prompt as the model sees it before the response: its chat template with the
    generation prompt, and in `reference` format the competition's fixed system prompt."""
    messages = [{"role": "user", "content": prompt}]
    if fmt == "reference":
        messages.insert(0, {"role": "system", "content": SYSTEM_PROMPT})
    if getattr(tokenizer, "chat_template", None):
        return str(tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False))
    return "\n\n".join(message["content"] for message in messages) + "\n\n"


def encode(tokenizer: Any, fmt: str, limit: int, pairs: Sequence[tuple[str, str]],
           indices: Sequence[int]) -> list[Encoded]:
    """Context and response token ids of each pair, cut to `limit` tokens."""
    contexts = [render_context(tokenizer, prompt, fmt) for prompt, _ in pairs]
    context_ids = tokenizer(contexts, add_special_tokens=False)["input_ids"]
    response_ids = tokenizer([response for _, response in pairs], add_special_tokens=False)["input_ids"]
    return [_fit(limit, index, list(context), list(response))
            for index, context, response in zip(indices, context_ids, response_ids, strict=True)]


def _fit(limit: int, index: int, context: list[int], response: list[int]) -> Encoded:
    """Cut a row to the limit: the response's tail first; a context longer than half the
    limit keeps its last half-limit tokens (the turn header next to the response)."""
    length = len(context) + len(response)
    if length <= limit:
        return Encoded(index, context, response, length, False)
    if len(context) > limit // 2:
        context = context[-max(limit // 2, limit - len(response)):]
    response = response[: limit - len(context)]
    return Encoded(index, context, response, length, True)


class Scorer:
    """Scores pairs with one loaded model under one format and token limit. Results are
    memoised per process by content, so several rules over the same rows (high and low
    loss) run the model once."""

    def __init__(self, loaded: Loaded, *, fmt: str, max_tokens: int, batch_tokens: int,
                 remember: bool = True) -> None:
        self.loaded = loaded
        self.remember = remember
        self.fmt = fmt
        self.limit = max(8, min(max_tokens, loaded.context))
        self.batch_tokens = max(batch_tokens, 1)
        self.tokens_seen = 0  # tokens run through the model, padding included (for throughput figures)

    # --- tokenisation -------------------------------------------------------------------

    def encode(self, pairs: Sequence[tuple[str, str]], indices: Sequence[int]) -> list[Encoded]:
        return encode(self.loaded.tokenizer, self.fmt, self.limit, pairs, indices)

    # --- scoring ------------------------------------------------------------------------

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[Scored]:
        """Mean response loss per pair, in input order; memoised pairs are not run again."""
        keys = [self._key(prompt, response) for prompt, response in pairs]
        results: list[Scored | None] = [_MEMO.get(key) if self.remember else None for key in keys]
        todo = sorted((i for i, found in enumerate(results) if found is None),
                      key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        for encoded, scored in self._run(pairs, todo):
            results[encoded.index] = scored
            if self.remember:
                _remember(keys[encoded.index], scored)
        return [result for result in results if result is not None]

    def _key(self, prompt: str, response: str) -> tuple[str, str, int, bytes]:
        digest = hashlib.blake2b(digest_size=16)
        digest.update(prompt.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
        digest.update(response.encode("utf-8", "surrogatepass"))
        return (f"{self.loaded.name}|{self.loaded.device}|{self.loaded.dtype}", self.fmt, self.limit,
                digest.digest())

    def _run(self, pairs: Sequence[tuple[str, str]], order: list[int]) -> Iterator[tuple[Encoded, Scored]]:
        """Tokenise `order` (rows sorted by characters) in chunks on a thread, pack the
        encoded rows into batches by padded size and score each batch."""
        chunks = [order[i: i + _TOKENISE_CHUNK] for i in range(0, len(order), _TOKENISE_CHUNK)]
        with ThreadPoolExecutor(max_workers=1) as pool:
            encoded = pool.map(lambda chunk: self.encode([pairs[i] for i in chunk], chunk), chunks)
            for batch in _packed((row for rows in encoded for row in rows), self.batch_tokens):
                yield from zip(batch, self._forward(batch), strict=True)

    def _forward(self, batch: list[Encoded]) -> list[Scored]:
        import torch
        import torch.nn.functional as functional

        loaded = self.loaded
        model = loaded.model
        width = max(len(row.context) + len(row.response) for row in batch)
        pad = loaded.tokenizer.pad_token_id or 0
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        rows: list[int] = []
        positions: list[int] = []
        for b, row in enumerate(batch):
            sequence = row.context + row.response
            ids[b, : len(sequence)] = torch.tensor(sequence, dtype=torch.long)
            mask[b, : len(sequence)] = 1
            start = len(row.context)
            # position p predicts token p + 1: the response's tokens are predicted from start - 1 on
            first = max(start, 1)
            span = range(first - 1, len(sequence) - 1)
            rows.extend([b] * len(span))
            positions.extend(span)
        self.tokens_seen += ids.numel()
        device = loaded.device
        with torch.inference_mode():
            base = getattr(model, model.base_model_prefix)
            hidden = base(input_ids=ids.to(device), attention_mask=mask.to(device)).last_hidden_state
            row_index = torch.tensor(rows, dtype=torch.long, device=device)
            position_index = torch.tensor(positions, dtype=torch.long, device=device)
            targets = ids.to(device)[row_index, position_index + 1]
            selected = hidden[row_index, position_index]
            head = model.get_output_embeddings()
            softcap = getattr(model.config, "final_logit_softcapping", None)
            losses = torch.empty(len(positions), dtype=torch.float32, device=device)
            for i in range(0, len(positions), _HEAD_CHUNK):
                logits = head(selected[i: i + _HEAD_CHUNK]).float()
                if softcap:
                    logits = torch.tanh(logits / softcap) * softcap
                losses[i: i + _HEAD_CHUNK] = functional.cross_entropy(logits, targets[i: i + _HEAD_CHUNK],
                                                                      reduction="none")
            sums = torch.zeros(len(batch), dtype=torch.float64, device=device)
            sums.index_add_(0, row_index, losses.double())
            sums_list = sums.cpu().tolist()
        results = []
        for b, row in enumerate(batch):
            count = len(row.response) - (1 if not row.context and row.response else 0)
            loss = sums_list[b] / count if count > 0 else math.nan
            results.append(Scored(loss, count, row.length, row.truncated))
        return results


def _packed(rows: Iterator[Encoded], budget: int) -> Iterator[list[Encoded]]:
    """Batches whose padded size (rows × longest) stays within `budget` tokens and whose
    padding stays under a fifth of it; a row longer than the budget goes alone. Rows arrive
    sorted by length, so a batch closes when the next row is much longer than its first."""
    batch: list[Encoded] = []
    width = real = 0
    for row in rows:
        size = len(row.context) + len(row.response)
        padded = max(width, size) * (len(batch) + 1)
        if batch and (padded > budget or padded > _MAX_PADDING * (real + size)):
            yield batch
            batch, width, real = [], 0, 0
        batch.append(row)
        width = max(width, size)
        real += size
    if batch:
        yield batch


_MEMO: OrderedDict[tuple[str, str, int, bytes], Scored] = OrderedDict()


def _remember(key: tuple[str, str, int, bytes], scored: Scored) -> None:
    _MEMO[key] = scored
    if len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
