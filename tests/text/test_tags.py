"""The tag scanner: the facts per pair, and linear cost on hostile texts."""

from __future__ import annotations

import time

from reasonlint.text.tags import ANSWER, THINK, THOUGHT, scan, scan_blocks


def test_balanced_output_has_one_block_and_no_problem() -> None:
    think = scan("<think>2+2=4.</think><answer>4</answer>").of(THINK)

    assert (think.opens, think.closes, think.blocks, think.first_close) == (1, 1, 1, 13)
    assert not (think.unbalanced or think.truncated or think.repeated or think.close_before_open)


def test_r1_style_close_only_is_not_unbalanced() -> None:
    think = scan("2+2=4.</think> 4").of(THINK)

    assert think.close_only and not think.unbalanced and not think.close_before_open


def test_cut_text_is_truncated_not_unbalanced() -> None:
    think = scan("<think>a</think> b <think>c").of(THINK)

    assert think.truncated and not think.unbalanced
    assert think.open_at == 19


def test_nesting_is_located_and_counts_as_unbalanced_when_left_open() -> None:
    think = scan("<think>a<think>b</think>").of(THINK)

    assert (think.nested, think.nested_at, think.nested_in) == (1, 8, 0)
    assert think.unbalanced and not think.truncated


def test_openthoughts_markers_and_answer_tags_are_separate_pairs() -> None:
    result = scan("<|begin_of_thought|>x<|end_of_thought|><|begin_of_solution|>y<|end_of_solution|><answer>")

    assert result.of(THOUGHT).blocks == 1
    assert result.of(ANSWER).truncated


def test_declared_blocks_report_wrong_and_stray_closings() -> None:
    blocks = scan_blocks("<a>x</a><b>y</a></b>", ["a", "b"])

    assert (blocks["a"].opens, blocks["a"].closes) == (1, 2)
    assert blocks["b"].problems == ["</a> at offset 12 closes <b> (offset 8)", "</b> at offset 16 closes nothing"]
    assert blocks["b"].closes == 1


def test_hostile_texts_scan_in_linear_time() -> None:
    huge = "word " * 1_000_000  # 5 MB without a tag
    many = "<think>" * 200_000 + "</think>" * 100_000  # 2.2 MB of tags
    junk = bytes(range(256)).decode("latin-1") * 20_000
    started = time.perf_counter()
    assert not scan(huge).any
    deep = scan(many).of(THINK)
    assert (deep.opens, deep.closes, deep.depth) == (200_000, 100_000, 100_000)
    assert not scan(junk).any
    assert scan_blocks(many, ["think"])["think"].opens == 200_000
    assert len(scan_blocks(many, ["think"])["think"].problems) <= 3  # bounded, whatever the input
    assert time.perf_counter() - started < 2.0
