"""The real datasets of ../shared/realdata (see its SOURCES.md): each loads, and the defects
seen by hand there are found, while the clean control (openai_gsm8k) stays quiet.

Skipped as a whole when ../shared/realdata is absent. The rows and cards are only read
from there, never copied into the project.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from reasonlint.source.mapping import detect_mapping, records_of
from tests.conftest import REALDATA, run_cli

pytestmark = pytest.mark.realdata

FOLDERS = sorted(path.name for path in REALDATA.iterdir() if path.is_dir()) if REALDATA.is_dir() else []
CARD_ONLY = [name for name in FOLDERS if name.startswith("card_")]

# Rows per dataset as SOURCES.md states them (luckyiitr: 413 traces + 200 filtered, both read as train).
ROWS = {
    "openai_gsm8k": 7473,
    "rinkaname_tetralemma_reasoning": 900,
    "u-10bei__structured_data_with_cot_dataset_v2": 2500,
    "u-10bei__structured_data_with_cot_dataset_512_v2": 3933,
    "rinkaname_financial_reasoning": 1006,
    "huatuogpt_o1_medical_demo": 198,
    "logic_rl_knights_knaves_3ppl": 900,
    "simplerl_math_cot_maj8_100": 100,
    "curator_test_fixture_s1k_5rows": 5,
    "marcodsn_altered_riddles": 700,
    "luckyiitr_r1_distill_pcmb_traces": 413 + 200,
    "sky_t1_data_17k_lfs_pointer": 0,
}


@functools.cache
def _check(folder: str, *args: str) -> tuple[int, str, str]:
    """`reasonlint check <realdata>/<folder> --output-format json ARGS`, run once per argument list."""
    result = run_cli("check", str(REALDATA / folder), "--output-format", "json", *args)
    return result.returncode, result.stdout, result.stderr


def report_of(folder: str, *args: str) -> dict[str, Any]:
    code, stdout, stderr = _check(folder, "--exit-zero", *args)
    assert code == 0, stderr
    assert stdout, stderr
    report: dict[str, Any] = json.loads(stdout)
    return report


def codes(report: dict[str, Any]) -> list[str]:
    return [finding["code"] for finding in report["findings"]]


def findings_of(report: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [finding for finding in report["findings"] if finding["code"] == code]


def only_table(report: dict[str, Any]) -> dict[str, Any]:
    [table] = report["tables"]
    assert isinstance(table, dict)
    return table


def _jsonl_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# --- every folder loads -----------------------------------------------------------------------


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_realdata_folder_is_checked_without_a_crash(realdata: Path, folder: str) -> None:
    code, stdout, stderr = _check(folder, "--exit-zero")

    assert "Traceback" not in stderr, stderr
    assert code != 2, stderr
    assert code == 0, stderr  # --exit-zero: findings never fail the run
    report = json.loads(stdout)
    assert report["target"]["kind"] == "folder"
    assert report["errors"] == []
    assert report["run"]["complete"] is True
    assert report["run"]["rows_checked"] == report["run"]["rows_read"]
    assert sum(table["rows"] for table in report["tables"]) == report["run"]["rows_read"]


@pytest.mark.parametrize("folder", sorted(ROWS))
def test_rows_read_match_sources_md(realdata: Path, folder: str) -> None:
    report = report_of(folder)

    assert report["run"]["rows_read"] == ROWS[folder]
    assert sum(table["rows"] for table in report["tables"]) == ROWS[folder]


@pytest.mark.parametrize("folder", CARD_ONLY)
def test_card_only_folder_reports_no_data_files_and_reads_no_rows(realdata: Path, folder: str) -> None:
    report = report_of(folder)

    assert report["run"]["rows_read"] == 0
    [no_data] = findings_of(report, "SCH006")
    assert no_data["location"]["path"] == "README.md"


# --- the defects SOURCES.md lists ----------------------------------------------------------------


def test_sky_t1_lfs_pointer_is_reported_as_a_pointer_not_a_parse_error(realdata: Path) -> None:
    report = report_of("sky_t1_data_17k_lfs_pointer")

    [pointer] = findings_of(report, "SCH003")
    assert pointer["location"]["path"] == "Sky-T1_data_17k.json"
    assert "268,380,746" in pointer["message"] or "268380746" in pointer["message"]
    assert findings_of(report, "SCH002") == []
    assert report["run"]["rows_read"] == 0


def test_curator_s1k_fixture_of_five_rows_is_too_small(realdata: Path) -> None:
    report = report_of("curator_test_fixture_s1k_5rows", "--profile", "competition")

    [size] = findings_of(report, "SIZE001")
    assert "5" in size["message"]
    assert only_table(report)["rows"] == 5
    assert only_table(report)["mapping"]["trace"] == "gemini_thinking_trajectory"


def test_luckyiitr_trace_stats_json_is_not_data_nor_a_broken_file(realdata: Path) -> None:
    report = report_of("luckyiitr_r1_distill_pcmb_traces")

    assert not findings_of(report, "SCH002")  # issue 18: it was an error
    [stats] = findings_of(report, "SCH012")
    assert (stats["location"]["path"], stats["severity"]) == ("trace_stats.json", "warning")
    assert "8 settings or statistics (total_sourced, total_verified" in stats["message"]
    # The filtered file is one finding, not 200 (issue 18).
    [subset] = findings_of(report, "DUP001")
    assert "all 200 rows of pcmb_traces_filtered.jsonl repeat rows of pcmb_traces.jsonl" in subset["message"]
    # The two trace files are still read in full, with the reasoning column as the trace.
    assert report["run"]["rows_read"] == 413 + 200
    assert only_table(report)["mapping"]["trace"] == "reasoning"


def test_marcodsn_card_data_files_match_nothing_yet_the_rows_are_read(realdata: Path) -> None:
    report = report_of("marcodsn_altered_riddles")

    layout = findings_of(report, "SCH007")
    assert any("'data.jsonl'" in finding["message"] for finding in layout), layout
    assert all(finding["location"]["path"] == "README.md" for finding in layout)
    table = only_table(report)
    assert table["files"] == ["benchmark.jsonl"]
    assert table["rows"] == 700
    # Names alone mapped nothing here (SCH004); the altered riddle, its reasoning and its answer
    # are found from the `altered_` qualifier the three share, and the rows are checked.
    assert table["mapping"] == {"prompt": "altered_riddle", "trace": "altered_reasoning",
                                "answer": "altered_answer"}
    assert not findings_of(report, "SCH004")


def test_gsm8k_control_reports_only_its_genuine_overlaps_as_warnings(realdata: Path) -> None:
    """GSM8K train is clean but for one near-copied problem and four problems that are the
    test set's with other names and numbers (printed; read by hand: same story, same steps)."""
    code, stdout, stderr = _check("openai_gsm8k")  # no --exit-zero

    report = json.loads(stdout)
    for finding in report["findings"]:
        print(finding["location"]["line"], finding["code"], finding["message"])
    assert code == 1, stderr  # warnings fail the run by default (`--fail-level`)
    # Issue 18: the four share the test items' story but not their numbers: renumbered variants
    # (CON004, warnings), not verbatim leaks; no error is left on the clean control.
    assert [(f["code"], f["location"]["line"]) for f in report["findings"]] == [
        ("CON004", 21), ("CON004", 1315), ("DUP006", 2484), ("CON004", 2601), ("CON004", 5163)]
    assert [f["message"].split(" with other numbers")[0] for f in findings_of(report, "CON004")] == [
        "question covers 63% of gsm8k_test:632", "question covers 89% of gsm8k_test:602",
        "question covers 54% of gsm8k_test:974", "question covers 89% of gsm8k_test:602"]
    assert not [f for f in report["findings"] if f["severity"] == "error"]
    assert "also train.jsonl:6692" in findings_of(report, "DUP006")[0]["message"]
    table = only_table(report)
    assert (table["split"], table["files"], table["rows"]) == ("train", ["train.jsonl"], 7473)
    assert table["mapping"] == {"prompt": "question", "response": "answer"}


def test_logic_rl_chat_prompts_without_outputs_are_a_prompt_only_table(realdata: Path) -> None:
    report = report_of("logic_rl_knights_knaves_3ppl")

    mapping = only_table(report)["mapping"]
    assert mapping.get("messages") == "prompt"
    assert "trace" not in mapping and "response" not in mapping
    assert not findings_of(report, "SCH004")  # an RL prompt set: by design, not an error (issue 18)
    [partly] = findings_of(report, "SCH010")
    assert partly["severity"] == "info" and "trace or response" in partly["message"]


# --- cards: what a careful reviewer writes, and nothing more ------------------------------------

CARD_CODES = ("CARD", "LIC", "META", "LANG001", "LANG002")
# Findings of the card, license, metadata and language rules per folder, default profile.
# Folders not listed get none.
CARD_FINDINGS: dict[str, dict[str, int]] = {
    "card_chinese_deepseek_r1_distill_110k": {"CARD002": 1},
    "card_hf2023_aqua_rat": {"CARD006": 1, "CARD007": 10},
    "card_hf2023_gsm8k": {"CARD006": 1, "CARD007": 11},
    "card_hf2023_hendrycks_ethics": {"CARD006": 1},
    "card_hf2023_jonathanli_legal-advice-reddit": {"CARD006": 1, "LIC001": 1},
    "card_hf2023_raldblox_cotlin": {"CARD005": 1, "CARD006": 1},
    "card_hf2023_reasoning-machines_gsm-hard": {"CARD006": 1, "META004": 1, "META006": 1},
    "card_openthoughts_114k": {"CARD006": 1},
    # CARD022: the `model_outputs/` records' keys are not the data's (issue 18); `set` and
    # `version_added` are named as fields and are not in the file.
    "marcodsn_altered_riddles": {"META009": 1, "META010": 2, "CARD020": 1, "CARD021": 2, "CARD022": 1},
    "rinkaname_tetralemma_reasoning": {"CARD002": 1, "CARD006": 1, "CARD020": 3, "CARD021": 2},
    "u-10bei__structured_data_with_cot_dataset_512_v2": {"CARD003": 1, "CARD006": 1, "CARD023": 1, "LANG001": 1},
    "u-10bei__structured_data_with_cot_dataset_v2": {"CARD005": 1, "CARD006": 1, "LIC001": 1},
}


@pytest.mark.parametrize("folder", FOLDERS)
def test_card_findings_per_folder(realdata: Path, folder: str) -> None:
    found = Counter(code for code in codes(report_of(folder)) if code.startswith(CARD_CODES))

    assert dict(found) == CARD_FINDINGS.get(folder, {})


def messages_at(report: dict[str, Any], code: str) -> list[tuple[int | None, str]]:
    return [(f["location"]["line"], f["message"]) for f in findings_of(report, code)]


def test_marcodsn_card_claims_250_rows_a_data_jsonl_and_a_model_column(realdata: Path) -> None:
    report = report_of("marcodsn_altered_riddles")

    [(_, claim)] = messages_at(report, "CARD020")
    assert "'250 carefully edited riddle pairs'" in claim and "700 rows" in claim
    assert [line for line, _ in messages_at(report, "CARD021")] == [54, 67]
    assert all("'data.jsonl'" in m for _, m in messages_at(report, "CARD021"))
    assert (30, "dataset_info default/train: num_examples 250, but 700 rows read") in messages_at(report, "META009")
    assert any("feature 'model' is not a column" in m for _, m in messages_at(report, "META010"))


def test_tetralemma_card_claims_192_rows_for_900(realdata: Path) -> None:
    claims = messages_at(report_of("rinkaname_tetralemma_reasoning"), "CARD020")

    assert claims[0] == (18, "card claims '192 examples' in train, the data has 900 rows (train: 900)")


def test_u10bei_card_is_japanese_for_english_data_claims_jsonl_and_starts_late(realdata: Path) -> None:
    report = report_of("u-10bei__structured_data_with_cot_dataset_512_v2")

    [(_, language)] = messages_at(report, "LANG001")
    assert language.startswith("card prose is ja") and "data: en" in language
    [(_, format_claim)] = messages_at(report, "CARD023")
    assert "JSONL" in format_claim and "Parquet" in format_claim
    [(line, late)] = messages_at(report, "CARD003")
    assert line == 1 and "after 1 blank line" in late


def test_gsm_hard_language_and_size_category_are_invalid(realdata: Path) -> None:
    report = report_of("card_hf2023_reasoning-machines_gsm-hard")

    assert [line for line, _ in messages_at(report, "META004")] == [7]
    assert messages_at(report, "META006") == [(13, "size_categories 'unknown' is not a Hub size bucket")]


def test_competition_profile_asks_a_good_card_for_the_competition_sections_and_tag(realdata: Path) -> None:
    report = report_of("card_openthoughts_114k", "--profile", "competition")

    missing = sorted(m for _, m in messages_at(report, "CARD005"))
    assert missing == ["no limitations section", "no purpose section", "no uses section"]
    assert findings_of(report, "META011")


# --- traces and answers ---------------------------------------------------------------------------


def test_luckyiitr_extreme_trace_lengths_are_reported_with_the_distribution(realdata: Path) -> None:
    outliers = findings_of(report_of("luckyiitr_r1_distill_pcmb_traces"), "TRC023")

    assert 1 <= len(outliers) <= 10
    assert any("51,366 chars" in finding["message"] for finding in outliers)
    assert all("the median 2,908" in finding["message"] for finding in outliers)
    assert {finding["location"]["field"] for finding in outliers} == {"reasoning"}


def test_gsm8k_clean_control_has_no_trace_or_answer_error(realdata: Path) -> None:
    report = report_of("openai_gsm8k", "--select", "trace,answer,language")

    assert report["findings"] == []


# --- detected mappings --------------------------------------------------------------------------


@pytest.mark.parametrize(("folder", "expected"), [
    # `Question` (not the MedQA `question`) is what Complex_CoT and Response answer: SOURCES notes it
    # repeats "Open-ended Verifiable Question"; the MedQA options and gold letter are mapped too.
    ("huatuogpt_o1_medical_demo", {"prompt": "Question", "trace": "Complex_CoT", "response": "Response",
                                   "reference": "Ground-True Answer", "options": "options"}),
    ("rinkaname_financial_reasoning", {"prompt": "question", "trace": "cot", "answer": "answer"}),
    # answer_text follows the reasoning (the response); the letters are the model's and the gold.
    ("luckyiitr_r1_distill_pcmb_traces", {"prompt": "question", "trace": "reasoning", "response": "answer_text",
                                          "answer": "predicted_letter", "reference": "answer_letter",
                                          "options": "options"}),
    ("u-10bei__structured_data_with_cot_dataset_v2", {"messages": "messages"}),
    ("u-10bei__structured_data_with_cot_dataset_512_v2", {"messages": "messages"}),
    ("simplerl_math_cot_maj8_100", {"response": "response", "reference": "gt"}),
    ("rinkaname_tetralemma_reasoning", {"prompt": "Question", "trace": "Reasoning"}),
    ("logic_rl_knights_knaves_3ppl", {"messages": "prompt"}),
])
def test_detected_mapping_of_real_dataset(realdata: Path, folder: str, expected: dict[str, str]) -> None:
    mapping = only_table(report_of(folder))["mapping"]

    assert {role: mapping.get(role) for role in expected} == expected, mapping


def test_rinkaname_financial_mapping_is_exactly_question_cot_answer(realdata: Path) -> None:
    mapping = only_table(report_of("rinkaname_financial_reasoning"))["mapping"]

    assert mapping == {"prompt": "question", "trace": "cot", "answer": "answer"}


def test_simplerl_response_list_gives_one_record_per_generation(realdata: Path) -> None:
    rows = _jsonl_rows(realdata / "simplerl_math_cot_maj8_100" / "math_cot_100.jsonl")
    mapping = detect_mapping(rows[:200])

    records = records_of(rows[0], mapping)

    assert (mapping.response, mapping.reference) == ("response", "gt")
    assert len(records) == 8
    assert [record.generation for record in records] == list(range(8))
    assert [record.fields["response"] for record in records] == [f"response[{i}]" for i in range(8)]
    assert [record.response for record in records] == rows[0]["response"]
    assert {record.reference for record in records} == {rows[0]["gt"]}
    assert {record.prompt for record in records} == {rows[0]["question"]}


def test_tetralemma_csv_beside_the_parquet_is_reported_as_not_loaded(realdata: Path) -> None:
    report = report_of("rinkaname_tetralemma_reasoning")

    table = only_table(report)
    assert table["files"] == ["tetralemma-reasoning-train.parquet"]
    assert any("tetralemma-reasoning-train.csv" in finding["message"] for finding in findings_of(report, "SCH007"))


# --- duplicates and contamination ---------------------------------------------------------------

DUPLICATE_CODES = ("DUP", "CON")
# Findings of the duplicate and contamination rules per folder, default profile (counted by
# hand in SOURCES.md's terms where it gives them). Folders not listed get none.
DUPLICATE_FINDINGS: dict[str, dict[str, int]] = {
    # Four train questions are GSM8K test items renumbered: CON004 warnings (issue 18).
    "openai_gsm8k": {"CON004": 4, "DUP006": 1},
    # Rows read through `Question`, the open-ended rewording each Complex_CoT answers: no two alike.
    # (Through the MedQA `question`, one question had several responses: DUP003.)
    # pcmb_traces_filtered.jsonl repeats 200 rows of pcmb_traces.jsonl in the same split.
    "luckyiitr_r1_distill_pcmb_traces": {"DUP001": 1},
    # SOURCES: 25 exact duplicate rows; one more question has two different reasonings.
    "rinkaname_tetralemma_reasoning": {"DUP001": 25, "DUP003": 1},
    # SOURCES: 34 rows hold byte-identical generations (ANS010's, not DUP002's: issue 18). 6
    # questions are MATH-500 test problems, a seventh is one with another altitude (CON004).
    "simplerl_math_cot_maj8_100": {"DUP003": 1, "CON001": 6, "CON004": 1},
    "rinkaname_financial_reasoning": {"DUP003": 1},  # SOURCES: 5 duplicate questions, other CoTs
    "u-10bei__structured_data_with_cot_dataset_v2": {"DUP003": 1, "DUP008": 1},
    # DUP006 gave 65 here: one input under different instructions ("into JSON", "into TOML").
    "u-10bei__structured_data_with_cot_dataset_512_v2": {"DUP003": 1, "DUP008": 1},
    # The altered riddles are minimal edits of one another by design, each with its own answer:
    # not near duplicates (26 warnings were, issue 18) but for lines 81 and 336, which differ by one
    # character and answer "wheat" and "money".
    "marcodsn_altered_riddles": {"DUP006": 1},
}


@pytest.mark.parametrize("folder", FOLDERS)
def test_duplicate_and_contamination_findings_per_folder(realdata: Path, folder: str) -> None:
    found = Counter(code for code in codes(report_of(folder)) if code.startswith(DUPLICATE_CODES))

    assert dict(found) == DUPLICATE_FINDINGS.get(folder, {})


def test_tetralemma_duplicate_rows_name_every_copy(realdata: Path) -> None:
    duplicates = findings_of(report_of("rinkaname_tetralemma_reasoning"), "DUP001")

    assert all(f["message"].startswith("row repeated in 2 rows: also tetralemma-reasoning-train.parquet[row ")
               for f in duplicates), duplicates[0]["message"]
    assert sum(f["severity"] == "warning" for f in duplicates) == 25


def test_financial_repeated_questions_are_a_statistic_not_an_error(realdata: Path) -> None:
    [several] = findings_of(report_of("rinkaname_financial_reasoning"), "DUP003")

    assert several["severity"] == "info"
    assert several["message"].startswith("5 of 1,001 prompts have several different responses")


def test_marcodsn_repeated_original_riddles_are_multi_sample_not_errors(realdata: Path) -> None:
    """Each original riddle seeds 1 to 17 altered ones: with the seed mapped as the prompt,
    that design reads as several responses per prompt (info), never as an error. Three
    riddles are also stored in a second spelling ("You heart it speak", "What am I?"
    dropped, `...` for `…`): near duplicates, warnings."""
    report = report_of("marcodsn_altered_riddles", "--select", "DUP", "--column", "prompt=original_riddle",
                       "--column", "trace=altered_reasoning", "--column", "answer=altered_answer")

    [several] = findings_of(report, "DUP003")
    assert several["severity"] == "info"
    assert several["message"].startswith("163 of 186 prompts have several different responses (2–12 each")
    near = findings_of(report, "DUP006")
    # Line 141 is spelled twice too, but its two rows carry different answers, so it is not one
    # item twice (issue 18); 147 and 152 differ by one letter ("hear"/"heart").
    assert [(f["location"]["line"], f["severity"]) for f in near] == [(147, "warning"), (288, "warning")]
    assert "also benchmark.jsonl:152" in near[0]["message"]
    assert sorted(set(codes(report))) == ["DUP003", "DUP006"]


def test_u10bei_templated_approach_lines_are_named_with_their_share(realdata: Path) -> None:
    [templated] = findings_of(report_of("u-10bei__structured_data_with_cot_dataset_v2"), "DUP008")

    assert "100% of traces (2,500 of 2,500) share one skeleton" in templated["message"]
    assert "approach:" in templated["message"]


def test_simplerl_math500_questions_name_the_item_and_the_span(realdata: Path) -> None:
    leaks = findings_of(report_of("simplerl_math_cot_maj8_100"), "CON001")

    # Line 46 is MATH-500's item with another altitude (6 for 4√2): CON004's variant (issue 18).
    assert [f["location"]["line"] for f in leaks] == [16, 19, 29, 44, 69, 98]
    assert all(f["location"]["field"] == "question" and "of math500:test/" in f["message"] for f in leaks)
    assert all(f["severity"] == "error" for f in leaks)


# --- sampling ------------------------------------------------------------------------------------


def test_gsm8k_sample_checks_100_rows_of_7473(realdata: Path) -> None:
    report = report_of("openai_gsm8k", "--sample", "100", "--seed", "1")

    assert report["run"]["rows_checked"] == 100
    assert report["run"]["rows_read"] == 7473
    assert (report["run"]["sample"], report["run"]["seed"]) == (100, 1)
    assert report["run"]["complete"] is True
    assert only_table(report)["rows"] == 7473


def test_gsm8k_sample_with_the_same_seed_gives_identical_json(realdata: Path) -> None:
    args = ("--exit-zero", "--sample", "100", "--seed", "1")
    first = run_cli("check", str(realdata / "openai_gsm8k"), "--output-format", "json", *args)
    second = run_cli("check", str(realdata / "openai_gsm8k"), "--output-format", "json", *args)

    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout
    assert first.stdout == second.stdout


def test_gsm8k_sample_with_another_seed_records_its_seed_and_checks_as_many_rows(realdata: Path) -> None:
    one = report_of("openai_gsm8k", "--sample", "100", "--seed", "1")
    two = report_of("openai_gsm8k", "--sample", "100", "--seed", "2")

    assert two["run"] == {**one["run"], "seed": 2}
    # Another seed may pick other rows, so findings, what they measure and the scores may
    # differ; everything else may not.
    varies = ("run", "findings", "counts", "scores", "profile", "measurements")
    assert {key: value for key, value in two.items() if key not in varies} == \
        {key: value for key, value in one.items() if key not in varies}
