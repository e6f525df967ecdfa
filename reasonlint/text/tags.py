"""Reasoning-tag structure: one linear pass over a text, constant memory per tag pair.

A model's raw output marks its thinking with tag pairs (`<think>…</think>`, the
OpenThoughts `<|begin_of_thought|>…<|end_of_thought|>` markers, `<answer>…</answer>`).
The trace rules need a handful of facts per pair — how many opens and closes, where the
first of each is, whether one opened inside another, whether the text ends inside one —
and never the list of every tag: a 5 MB trace holding a million tags must cost one regex
pass and a few integers, not a million objects. `scan` gives those facts for the built-in
pairs; `scan_blocks` does the same for a user-declared scheme of flat blocks
(`<reason>…</reason><conclusion>…</conclusion>`) and adds which block a wrong closing
tag closed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Pair:
    """A tag pair: its name in facts, and its opening and closing text."""

    name: str
    open: str
    close: str


THINK = Pair("think", "<think>", "</think>")
THOUGHT = Pair("thought", "<|begin_of_thought|>", "<|end_of_thought|>")
SOLUTION = Pair("solution", "<|begin_of_solution|>", "<|end_of_solution|>")
ANSWER = Pair("answer", "<answer>", "</answer>")
PAIRS: tuple[Pair, ...] = (THINK, THOUGHT, SOLUTION, ANSWER)
# Blocks that must come after the reasoning block they follow: (reasoning, after it).
ORDERED: tuple[tuple[Pair, Pair], ...] = ((THINK, ANSWER), (THOUGHT, SOLUTION))

# A literal `<` before the alternation lets the regex engine skip to each `<` with a fast
# search, so the pass is linear and quick on text with few tags.
_TAG_RE = re.compile("<(?:" + "|".join(re.escape(tag[1:]) for pair in PAIRS for tag in (pair.open, pair.close)) + ")")
_TAG_OF = {tag: (index, tag == pair.close) for index, pair in enumerate(PAIRS) for tag in (pair.open, pair.close)}


@dataclass(slots=True)
class PairStructure:
    """What one pass saw of one pair. Offsets are character offsets into the text; -1 for none."""

    pair: Pair
    opens: int = 0
    closes: int = 0
    first_open: int = -1
    first_close: int = -1
    last_close: int = -1
    blocks: int = 0  # complete top-level blocks
    depth: int = 0  # opens not yet closed at the end
    open_at: int = -1  # the outermost open block still open
    nested_at: int = -1  # the first open inside an open block of the same pair
    nested_in: int = -1  # the block it opened inside
    nested: int = 0

    def add(self, offset: int, closing: bool) -> None:
        if closing:
            self.closes += 1
            if self.first_close < 0:
                self.first_close = offset
            self.last_close = offset
            if self.depth > 0:
                self.depth -= 1
                if self.depth == 0:
                    self.blocks += 1
                    self.open_at = -1
            return
        self.opens += 1
        if self.first_open < 0:
            self.first_open = offset
        if self.depth == 0:
            self.open_at = offset
        else:
            self.nested += 1
            if self.nested_at < 0:
                self.nested_at, self.nested_in = offset, self.open_at
        self.depth += 1

    @property
    def present(self) -> bool:
        return self.opens > 0 or self.closes > 0

    @property
    def close_only(self) -> bool:
        """R1 style: the chat template injected the opening tag, the output carries one closing tag."""
        return self.opens == 0 and self.closes == 1

    @property
    def truncated(self) -> bool:
        """The text ends inside a block that was never closed, with nothing else wrong."""
        return self.depth > 0 and self.nested == 0

    @property
    def unbalanced(self) -> bool:
        """Opens and closes differ, other than by R1 style or by the one block a cut text left open."""
        if self.opens == self.closes or self.close_only:
            return False
        # One block left open with no nesting means no stray closing tag either: a cut text.
        return not (self.truncated and self.opens == self.closes + 1)

    @property
    def close_before_open(self) -> bool:
        return self.opens > 0 and 0 <= self.first_close < self.first_open

    @property
    def repeated(self) -> bool:
        return self.blocks > 1 and self.nested == 0


@dataclass(frozen=True, slots=True)
class Scan:
    """The built-in pairs' structure in one text, in `PAIRS` order."""

    length: int
    pairs: tuple[PairStructure, ...]

    def of(self, pair: Pair) -> PairStructure:
        return self.pairs[PAIRS.index(pair)]

    @property
    def any(self) -> bool:
        return any(structure.present for structure in self.pairs)


@lru_cache(maxsize=64)
def scan(text: str) -> Scan:
    """Scan `text` once for the built-in pairs. Cached: several rules read the same response,
    and CPython caches a string's hash, so a repeat costs one dictionary look-up."""
    structures = tuple(PairStructure(pair) for pair in PAIRS)
    if "<" in text:
        for match in _TAG_RE.finditer(text):
            index, closing = _TAG_OF[match.group()]
            structures[index].add(match.start(), closing)
    return Scan(len(text), structures)


@dataclass(slots=True)
class BlockStructure:
    """One declared block in one text: counts, first open, and what went wrong in order."""

    name: str
    opens: int = 0
    closes: int = 0
    first_open: int = -1
    problems: list[str] = field(default_factory=list)  # bounded: see `_MAX_PROBLEMS`


_MAX_PROBLEMS = 3


@lru_cache(maxsize=32)
def _block_regex(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"<(/?)({alternatives})\s*>")


def scan_blocks(text: str, names: Sequence[str]) -> dict[str, BlockStructure]:
    """Walk the declared blocks' tags as a flat sequence (blocks do not nest): each opening tag
    should be closed by its own closing tag before the next block opens. Records, per block,
    openings inside another block, closings of the wrong block, stray closings and a block
    left open at the end."""
    blocks = {name: BlockStructure(name) for name in names}
    current: BlockStructure | None = None
    current_at = -1

    def note(block: BlockStructure, problem: str) -> None:
        if len(block.problems) < _MAX_PROBLEMS:
            block.problems.append(problem)

    if "<" not in text or not names:
        return blocks
    for match in _block_regex(tuple(names)).finditer(text):
        closing, block, offset = bool(match.group(1)), blocks[match.group(2)], match.start()
        if closing:
            block.closes += 1
            if current is None:
                note(block, f"</{block.name}> at offset {offset} closes nothing")
            elif current is not block:
                note(current, f"</{block.name}> at offset {offset} closes <{current.name}> (offset {current_at})")
            current = None
            continue
        block.opens += 1
        if block.first_open < 0:
            block.first_open = offset
        if current is not None:
            note(current, f"<{block.name}> at offset {offset} opens before it is closed")
        current, current_at = block, offset
    if current is not None:
        note(current, f"<{current.name}> at offset {current_at} is never closed")
    return blocks
