from __future__ import annotations

import random

import numpy as np

from reasonlint.text.minhash import MinHasher, band_keys, candidate_pairs, estimated_jaccard, optimal_bands
from reasonlint.text.normalise import fold, key_of


def _text(rng: random.Random, words: int) -> list[str]:
    vocabulary = [f"w{index}" for index in range(3000)]
    return [rng.choice(vocabulary) for _ in range(words)]


def _exact_jaccard(hasher: MinHasher, a: str, b: str) -> float:
    left, right = set(hasher.shingles(a).tolist()), set(hasher.shingles(b).tolist())
    return len(left & right) / len(left | right)


def test_estimate_is_close_to_the_exact_jaccard() -> None:
    rng = random.Random(7)
    hasher = MinHasher(num_perm=256)
    for edits in (10, 40, 120, 300):
        words = _text(rng, 600)
        copy = list(words)
        for position in rng.sample(range(len(copy)), edits):
            copy[position] = "edited"
        a, b = " ".join(words), " ".join(copy)
        signature_a, signature_b = hasher.signature(a), hasher.signature(b)
        assert signature_a is not None and signature_b is not None
        assert abs(estimated_jaccard(signature_a, signature_b) - _exact_jaccard(hasher, a, b)) < 0.1


def test_identical_texts_give_identical_signatures_and_runs_agree() -> None:
    text = " ".join(_text(random.Random(1), 300))
    first, second = MinHasher().signature(text), MinHasher().signature(text)
    assert first is not None and second is not None
    assert np.array_equal(first, second)
    assert MinHasher().signature("") is None
    assert MinHasher().signature("two words") is not None


def test_bands_match_datasketch_choice_and_find_near_pairs() -> None:
    assert optimal_bands(0.8, 128) == (9, 13)
    rng = random.Random(3)
    hasher = MinHasher()
    base = _text(rng, 400)
    near = base[:200] + ["changed"] + base[201:]
    other = _text(rng, 400)
    keys = np.stack([band_keys(hasher.signature(" ".join(words)), 9, 13)  # type: ignore[arg-type]
                     for words in (base, other, near)])
    assert candidate_pairs(keys).tolist() == [[0, 2]]


def test_fold_ignores_case_spacing_and_punctuation() -> None:
    assert fold("  What is 2+2? ") == fold("what is 2 + 2") == "what is 2 2"
    assert key_of("Hello, World!") == key_of("hello world")
    assert key_of("hello world") != key_of("hello word")


def test_fold_keeps_the_sign_of_a_number() -> None:
    assert fold("x = -2.") == "x -2"
    assert key_of("The answer is -2") != key_of("The answer is 2")
