"""Normalisation, the index format and matching, on invented texts only."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from reasonlint.contamination.build import items_of, read_rows
from reasonlint.contamination.index import FingerprintIndex, Matcher, MatcherSet, resolve, shipped_names
from reasonlint.contamination.normalise import grams_of, normalise

HERE = Path(__file__).parent
INVENTED = HERE / "invented_bench.jsonl"

ITEMS = [
    ("k1", "A baker fills 12 trays with rolls each morning and sells all but 5 trays by noon. "
           "How many rolls are left if every tray holds 18 rolls and the baker eats two of them?"),
    ("k2", "Let $f(x) = \\frac{x^2 + 3}{x - 1}$ for every real $x \\neq 1$. Find the least value of "
           "$f(x)$ over all $x > 1$, where m and n are relatively prime positive integers."),
    ("k3", "Find the least value of the expression over all reals, where m and n are relatively prime "
           "positive integers, given that the circle through the three lattice points has radius 7."),
    ("k4", "Ravi mixes a drink of two parts juice and three parts soda, where m and n are relatively prime "
           "positive integers, and asks how much soda goes into a jug of ten parts in all."),
    ("k5", "A snail climbs up a wall where m and n are relatively prime positive integers and slides back "
           "down at night; on which day does it reach the top of the wall?"),
]


def _matcher() -> MatcherSet:
    return MatcherSet([FingerprintIndex.build("toy", ITEMS)])


def test_normalise_keeps_byte_offsets_and_merges_variants() -> None:
    a = b"Find $\\dfrac{1}{2}$ of \\left( x \\right)"
    b = b"find \\frac 1 2 of ( x )"
    assert len(normalise(a)) == len(a)
    assert normalise(a).split() == normalise(b).split()
    assert normalise(b"(A) red\nB. blue").split() == [b"red", b"blue"]


def test_numbers_are_one_token_and_number_runs_are_dropped() -> None:
    changed = grams_of(b"she has 12 apples and 7 pears in one big basket today", 4).hashes
    assert np.array_equal(changed, grams_of(b"she has 305 apples and 1 pears in one big basket today", 4).hashes)
    assert len(grams_of(b"1 2 3 4 5 6 7 8 9", 4, wordy_only=True).hashes) == 0


@pytest.mark.parametrize("disguise", [
    lambda t: "Solve this carefully.\n\n" + t,
    lambda t: 'The task reads: "' + t + '" so we begin.',
    lambda t: t.replace("\\frac", "\\dfrac").replace("$", "").replace(" ", "  "),
    lambda t: t.replace("12", "15").replace("18", "20").replace("3", "8"),
])
def test_disguised_items_match(disguise: object) -> None:
    for item_id, text in ITEMS[:2]:
        found = _matcher().match(disguise(text), min_coverage=0.5, min_matches=5)  # type: ignore[operator]
        assert found is not None and found.item == item_id and found.coverage >= 0.9


def test_boilerplate_shared_by_items_is_ignored() -> None:
    boiler = "The answer is a fraction where m and n are relatively prime positive integers. Find m+n."
    assert _matcher().match(boiler, min_coverage=0.2, min_matches=1) is None


def test_span_points_into_the_users_text() -> None:
    text = "Intro words first. " + ITEMS[0][1] + " Then my own solution follows here."
    found = _matcher().match(text, min_coverage=0.5, min_matches=5)
    assert found is not None
    span = text.encode()[found.start:found.stop].decode()
    assert span.startswith("A baker fills") and span.endswith("eats two of them")


def test_save_load_round_trip(tmp_path: Path) -> None:
    index = FingerprintIndex.build("toy", ITEMS, source_sha256="ab")
    index.save(tmp_path / "toy.npz")
    loaded = FingerprintIndex.load(tmp_path / "toy.npz")
    assert loaded.ids == index.ids and loaded.n == 8 and loaded.source_sha256 == "ab"
    assert np.array_equal(loaded.hashes, index.hashes) and np.array_equal(loaded.offsets, index.offsets)
    assert np.array_equal(loaded.short_hashes, index.short_hashes)
    assert np.array_equal(loaded.short_items, index.short_items)
    assert np.array_equal(loaded.number_hashes, index.number_hashes)
    assert [len(numbers) for numbers in loaded.item_numbers()] == [len(numbers) for numbers in index.item_numbers()]
    with np.load(tmp_path / "toy.npz", allow_pickle=False) as data:
        assert sorted(data.files) == ["hashes", "ids", "meta", "number_hashes", "number_offsets", "offsets",
                                      "short_anchors", "short_hashes", "short_items", "short_lengths"]
        assert data["hashes"].dtype == np.uint64 and data["short_hashes"].dtype == np.uint64


def test_short_items_are_found_whole_with_their_numbers_never_renumbered() -> None:
    index = FingerprintIndex.build("toy", [("s1", "Compute $99^2+99+1$ in your head."),
                                           ("s2", "Simplify $\\sqrt{242}$.")])
    matcher = MatcherSet([index])
    found = matcher.match("Please solve: compute 99^2 + 99 + 1 in your head!", min_coverage=0.5, min_matches=6)
    assert found is not None and found.whole and found.item == "s1" and found.coverage == 1.0
    assert matcher.match("Compute $98^2+98+1$ in your head.", min_coverage=0.5, min_matches=6) is None
    assert matcher.match("Simplify $\\sqrt{242}$.", min_coverage=0.5, min_matches=6) is not None
    # Three tokens inside a long trace are a step of another solution, not the item.
    trace = "We first simplify sqrt 242 as part of a longer computation. " * 5
    assert matcher.match(trace, min_coverage=0.5, min_matches=6) is None


def test_zip_with_password_and_field_choice(tmp_path: Path) -> None:
    rows = [{"qid": "z1", "stem": ITEMS[0][1]}, {"qid": "z2", "stem": ITEMS[1][1]}]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("set.jsonl", "\n".join(json.dumps(row) for row in rows))
    (tmp_path / "set.zip").write_bytes(buffer.getvalue())
    read = read_rows(tmp_path / "set.zip")
    assert list(items_of(read, "qid", ["stem"])) == [("z1", ITEMS[0][1]), ("z2", ITEMS[1][1])]
    with pytest.raises(ValueError, match="no text field"):
        list(items_of(read))


def test_invented_fixture_index_is_up_to_date() -> None:
    rebuilt = FingerprintIndex.build("invented", items_of(read_rows(INVENTED)))
    shipped = FingerprintIndex.load(HERE / "invented.npz")
    assert rebuilt.ids == shipped.ids and np.array_equal(rebuilt.hashes, shipped.hashes)


def test_shipped_indexes_resolve() -> None:
    assert {"aime2024", "aime2025", "amc2023", "math500", "gpqa_diamond", "gsm8k_test", "humaneval",
            "livecodebench_v5"} <= set(shipped_names())
    assert len(resolve([])) == len(shipped_names())
    with pytest.raises(ValueError, match="neither a shipped index"):
        resolve(["no_such_benchmark"])


def test_a_renumbered_item_is_told_from_the_item() -> None:
    # GSM8K train holds siblings of test items with the story kept and the numbers changed.
    item = ("t1", "A train travels 270 miles in 3 hours. At the same rate, how many additional hours "
                  "would it take to travel an additional 180 miles?")
    matcher = Matcher([FingerprintIndex.build("toy", [item])])
    same = matcher.match(item[1].encode(), min_coverage=0.5, min_matches=5)
    sibling = matcher.match(item[1].replace("270", "360").replace("180", "240").encode(), min_coverage=0.5,
                            min_matches=5)
    assert same is not None and (same.numbers, same.numbers_found, same.renumbered) == (3, 3, False)
    assert sibling is not None and (sibling.numbers, sibling.numbers_found, sibling.renumbered) == (3, 1, True)

