"""The domain classifier: our own sentences per domain, the card and shape signals, its cost,
and the mapping the issue asks for on ../shared/realdata."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reasonlint.score.domain import builtin_lexicon, detect_domains
from reasonlint.score.weights import builtin_taxonomy, builtin_weights
from reasonlint.source.card import read_card
from tests.score.helpers import scores_of

SENTENCES = {
    "math": ["Solve for x: 3x + 7 = 22, then find the remainder when x is divided by 4.",
             "A rectangle has a perimeter of 30 and an area of 56. What are its side lengths?"],
    "code": ["Write a Python function that returns the longest increasing subsequence of an array.",
             "Fix the bug in this JavaScript class: the method returns undefined instead of the sorted array."],
    "science": ["A 2 kg mass is accelerated by a constant force of 10 N. What is its velocity after 3 s?",
                "Balance the reaction between the acid and the base and name the compound formed."],
    "medicine": ["A 45-year-old patient presents with chest pain and fever. What is the most likely diagnosis?",
                 "Which drug dose adjustment is needed for a patient with chronic kidney disease?"],
    "legal": ["My landlord kept the deposit after the lease ended. Can I sue him in small claims court?",
              "Is the defendant liable under the contract if the statute of limitations has passed?"],
    "finance": ["How should a portfolio manager hedge equity exposure with index futures under basis risk?",
                "Estimate the valuation of the firm from its free cash flow, debt and dividend policy."],
    "ethics/philosophy": ["Is it morally wrong to lie to protect a friend? Weigh the ethical dilemma.",
                          "Does free will survive determinism? Discuss the philosophical paradox."],
    "literature/creative": ["Write a short story about a lighthouse keeper whose protagonist fears the sea.",
                            "Compose a sonnet with a strong central metaphor about autumn."],
    "logic puzzles": ["Knights always tell the truth and knaves always lie. Who is a knight?",
                      "Solve this riddle: what has keys but cannot open any lock? Deduce it step by step."],
    "structured extraction": ["Convert the following YAML record to JSON, keeping every field.",
                              "Extract the named entities from the text and return them as a CSV table."],
    "classification": ["Classify the sentiment of this review as positive or negative.",
                       "Label each email as spam or not spam and give the category."],
    "search/retrieval": ["Given the passages below, retrieve the relevant documents for the query and rank them.",
                         "Search the sources and cite the passage that answers the question."],
    "diagrams": ["Draw a flowchart diagram of the login process in mermaid.",
                 "Describe the UML diagram in the image and explain the chart."],
    "constraint satisfaction": ["Schedule five meetings so that every constraint is satisfied and no room is "
                                "double-booked.",
                                "Fill in this sudoku; each assignment must satisfy the row and column constraints."],
    "evidence evaluation": ["Does the evidence support the claim, or is it misinformation? Judge the credibility "
                            "of the source.",
                            "Fact-check this claim and name the fallacy in the argument."],
    "counterfactuals": ["What if the printing press had not been invented? Describe the counterfactual history.",
                        "Suppose that the Moon had never formed: what would have changed, hypothetically?"],
    "multilingual": ["Translate this paragraph into French and explain the translation choices.",
                     "Give a bilingual glossary and translate each term in Spanish."],
}


def test_taxonomy_covers_the_competition_list() -> None:
    domains = set(builtin_taxonomy().domains)
    assert domains == set(SENTENCES) | {"other"}
    assert set(builtin_weights().domain.bonus) == domains


@pytest.mark.parametrize("domain", sorted(SENTENCES))
def test_own_sentences_get_their_domain(domain: str) -> None:
    result = detect_domains(None, SENTENCES[domain], [])
    assert result.shares[0].name == domain, result.shares
    assert result.shares[0].share == 1.0


def test_unrelated_text_is_other() -> None:
    assert detect_domains(None, ["Hello there, nice weather today."], []).shares[0].name == "other"


def test_card_labels_decide_when_prompts_are_mixed(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("---\ntags:\n- law\n---\n# Advice\n\nQuestions people ask.\n", encoding="utf-8")
    card = read_card(tmp_path)
    prompts = ["My neighbour's tree fell on my fence, what can I do?", "Can my employer keep my last paycheck?"]
    assert detect_domains(None, prompts, []).shares[0].name == "other"
    result = detect_domains(card, prompts, [])
    assert result.shares[0].name == "legal"
    assert any("tags: law" in item.source for item in result.evidence)


def test_structured_outputs_and_languages_are_signals() -> None:
    traces = ['Plan the fields.\n{"name": "Ada", "age": 36}'] * 10
    result = detect_domains(None, ["Please help with this record."] * 10, traces)
    assert result.shares[0].name == "structured extraction"
    prompts = ["What is the capital of the country and how is it governed?"] * 5 + \
              ["Quelle est la capitale de la France et pour qui est le vote dans les villes?"] * 5
    result = detect_domains(None, prompts, [])
    assert result.languages == {"en": 0.5, "fr": 0.5}
    # Language is its own axis: prompts in two languages do not make a set "multilingual".
    assert not any(item.domain == "multilingual" for item in result.evidence)


@pytest.mark.parametrize(("domain", "prompts", "language"), [
    # Issue 18: a German legal exam is legal, a Bangla math set is math, Chinese medical and
    # legal sets (realdata-more/huatuo_med_instruct_zh, lawyer_llama_fakao_gpt4_zh) were "other".
    ("legal", ["Der Kläger verlangt Schadensersatz aus dem Vertrag. Hat die Klage vor dem Gericht Erfolg?",
               "Ist der Anspruch nach dem BGB verjährt, wenn das Urteil später erging?"], "de"),
    ("math", ["একটি সমীকরণ সমাধান করুন এবং x এর মান নির্ণয় করুন।",
              "দুটি ছক্কা নিক্ষেপ করলে যোগফল সাত হওয়ার সম্ভাবনা নির্ণয় করুন।"], None),
    ("medicine", ["患者男性，45岁，发热三天，咳嗽，请给出诊断和治疗方案。", "糖尿病患者的症状有哪些？"], "zh"),
    ("legal", ["根据我国刑法，下列哪种行为构成犯罪？", "合同纠纷诉讼中，原告应当向哪个法院起诉？"], "zh"),
])
def test_the_subject_is_found_in_any_language(domain: str, prompts: list[str], language: str | None) -> None:
    result = detect_domains(None, prompts, [])
    assert result.shares[0].name == domain, result.shares
    if language is not None:
        assert max(result.languages, key=lambda code: result.languages[code]) == language


def test_topic_coverage_counts_distinct_topics() -> None:
    narrow = detect_domains(None, ["What is the area of the triangle with vertices A, B, C?"] * 4, [])
    broad = detect_domains(None, SENTENCES["math"] + ["What is the probability that two dice show a prime sum?"], [])
    assert narrow.coverage("math") < broad.coverage("math")


def test_deterministic_and_fast() -> None:
    lexicon = builtin_lexicon()
    base = [sentence for sentences in SENTENCES.values() for sentence in sentences]
    prompts = [(base[index % len(base)] + " ") * 20 for index in range(400)]
    prompts = [prompt[:1500] for prompt in prompts]
    first = detect_domains(None, prompts, [], lexicon)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        again = detect_domains(None, prompts, [], lexicon)
        best = min(best, time.perf_counter() - started)
    assert again == first
    assert best < 0.2, f"{best * 1000:.1f} ms for 400 prompts of 1,500 characters"  # ~10-20 ms; loose for CI


REALDATA_DOMAINS = {
    "rinkaname_financial_reasoning": "finance",
    "rinkaname_tetralemma_reasoning": "ethics/philosophy",
    "huatuogpt_o1_medical_demo": "medicine",
    "openai_gsm8k": "math",
    "logic_rl_knights_knaves_3ppl": "logic puzzles",
    "u-10bei__structured_data_with_cot_dataset_512_v2": "structured extraction",
    "u-10bei__structured_data_with_cot_dataset_v2": "structured extraction",
    "luckyiitr_r1_distill_pcmb_traces": "science",
}


@pytest.mark.realdata
@pytest.mark.parametrize("folder", sorted(REALDATA_DOMAINS))
def test_realdata_domains(realdata: Path, folder: str) -> None:
    scores = scores_of(realdata / folder, max_rows=1000, select=["SCH001"])  # the domain needs no rules
    assert scores.primary_domain == REALDATA_DOMAINS[folder], scores.domains
    assert scores.domains[0].share >= 0.6
