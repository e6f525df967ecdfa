"""Ecosystem check: run reasonlint over every real dataset and compare with the audited expectations.

Like ruff's ecosystem check, every change to a rule shows its effect on real data before it
lands. The corpus is ../shared/realdata and ../shared/realdata-more (36 real datasets and
cards, never copied into the project). For each folder the script runs
`reasonlint check FOLDER --output-format json --no-cache`, writes a findings snapshot (every
finding's rule, message and location, by rule) to bench/out/ecosystem/, and compares the
counts per rule with bench/ecosystem.yaml, the committed audit: per dataset and rule, the
findings expected, how many of them were opened and judged by hand, how many were true, and why.

    python bench/ecosystem.py                    # every folder present, print the differences
    python bench/ecosystem.py --only openai_gsm8k --only pubmedqa_labeled_train_parquet
    python bench/ecosystem.py --precision        # also the per-rule precision table of the audit
    python bench/ecosystem.py --write-counts     # refresh the counts in bench/ecosystem.yaml
                                                 # (verdicts are kept; new pairs come unjudged)

Exit status 1 when an error-level finding appears that the audit does not explain (a new
rule code, or more findings than expected, at error level); tests/test_ecosystem.py runs it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPORA = ("realdata", "realdata-more")
EXPECTED = ROOT / "bench" / "ecosystem.yaml"
SNAPSHOTS = ROOT / "bench" / "out" / "ecosystem"


def folders(only: list[str]) -> list[tuple[str, Path]]:
    """(key, folder) for every dataset folder present, keyed `corpus/name`."""
    found = []
    for corpus in CORPORA:
        base = SHARED / corpus
        if not base.is_dir():
            continue
        for folder in sorted(path for path in base.iterdir() if path.is_dir()):
            if not only or folder.name in only:
                found.append((f"{corpus}/{folder.name}", folder))
    return found


def run_one(key: str, folder: Path) -> dict[str, Any]:
    """One reasonlint run; returns the snapshot (counts per code and severity, a few findings)."""
    command = [sys.executable, "-m", "reasonlint", "check", str(folder), "--output-format", "json",
               "--no-cache", "--exit-zero", "--jobs", "1"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if result.returncode != 0 or not result.stdout:
        return {"dataset": key, "exit": result.returncode, "stderr": result.stderr[-2000:], "rules": {}}
    report = json.loads(result.stdout)
    rules: dict[str, dict[str, Any]] = {}
    for finding in report["findings"]:
        entry = rules.setdefault(finding["code"], {"severity": finding["severity"], "count": 0, "findings": []})
        entry["count"] += 1
        entry["findings"].append({"message": finding["message"], "location": finding["location"]})
    return {"dataset": key, "exit": 0, "rules": dict(sorted(rules.items()))}


def load_expected() -> dict[str, dict[str, dict[str, Any]]]:
    if not EXPECTED.is_file():
        return {}
    loaded = YAML(typ="safe").load(EXPECTED.read_text(encoding="utf-8")) or {}
    return {key: value or {} for key, value in loaded.items()}


def differences(snapshot: dict[str, Any], expected: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(kind, code, text) for every rule whose count or severity differs from the audit."""
    found = []
    seen = snapshot["rules"]
    for code in sorted(set(seen) | set(expected)):
        now, then = seen.get(code), expected.get(code)
        if now is None and then is not None:
            found.append(("lost", code, f"{then['count']} {then['severity']} expected, none now"))
        elif now is not None and then is None:
            found.append(("new", code, f"{now['count']} {now['severity']} not in the audit"))
        elif now is not None and then is not None:
            if now["severity"] != then["severity"]:
                found.append(("severity", code, f"{then['severity']} -> {now['severity']} ({now['count']})"))
            elif now["count"] != then["count"]:
                kind = "more" if now["count"] > then["count"] else "fewer"
                found.append((kind, code, f"{then['count']} -> {now['count']} {now['severity']}"))
    return found


def unexplained_errors(snapshot: dict[str, Any], expected: dict[str, dict[str, Any]]) -> list[str]:
    """Error-level findings the audit does not account for: a new code, or more than audited."""
    problems = []
    for code, now in snapshot["rules"].items():
        if now["severity"] != "error":
            continue
        then = expected.get(code)
        if then is None or then["severity"] != "error" or now["count"] > then["count"]:
            audited = 0 if then is None or then["severity"] != "error" else then["count"]
            first = now["findings"][0]
            problems.append(f"{snapshot['dataset']}: {code} {now['count']} error(s), {audited} audited; "
                            f"first: {first['location'].get('path')}: {first['message']}")
    return problems


def precision_table(expected: dict[str, dict[str, dict[str, Any]]]) -> list[tuple[str, str, int, int, int]]:
    """(code, severity, findings, judged, correct) summed over datasets, from the audit."""
    totals: dict[tuple[str, str], Counter[str]] = {}
    for rules in expected.values():
        for code, entry in rules.items():
            counter = totals.setdefault((code, entry["severity"]), Counter())
            counter["count"] += entry["count"]
            counter["judged"] += entry.get("judged", 0)
            counter["correct"] += entry.get("correct", 0)
    return [(code, severity, c["count"], c["judged"], c["correct"]) for (code, severity), c in sorted(totals.items())]


def print_precision(expected: dict[str, dict[str, dict[str, Any]]]) -> None:
    rows = precision_table(expected)
    print(f"\n{'rule':<8} {'severity':<8} {'findings':>8} {'judged':>6} {'correct':>7} {'precision':>9}")
    by_severity: dict[str, Counter[str]] = {}
    for code, severity, count, judged, correct in rows:
        share = f"{correct / judged:.2f}" if judged else "-"
        print(f"{code:<8} {severity:<8} {count:>8} {judged:>6} {correct:>7} {share:>9}")
        for level in (by_severity.setdefault(severity, Counter()),
                      *((by_severity.setdefault(f"{severity}, contamination aside", Counter()),)
                        if severity == "error" else ())):
            if level is not by_severity[severity] and code.startswith("CON"):
                continue
            level["judged"] += judged
            level["correct"] += correct
            level["count"] += count
    for severity, level in sorted(by_severity.items()):
        if not level["judged"]:
            continue
        print(f"{severity}: {level['correct']}/{level['judged']} judged correct = "
              f"{level['correct'] / level['judged']:.3f} ({level['count']} findings)")


def write_counts(snapshots: list[dict[str, Any]]) -> None:
    """Refresh counts and severities in the audit file, keeping verdicts and notes."""
    yaml = YAML()
    yaml.width = 4096
    document = yaml.load(EXPECTED.read_text(encoding="utf-8")) if EXPECTED.is_file() else None
    document = document if document is not None else {}
    for snapshot in snapshots:
        entries = document.setdefault(snapshot["dataset"], {}) or {}
        document[snapshot["dataset"]] = entries
        for code in [code for code in entries if code not in snapshot["rules"]]:
            del entries[code]
        for code, now in snapshot["rules"].items():
            entry = entries.setdefault(code, {"severity": now["severity"], "count": now["count"]})
            entry["severity"], entry["count"] = now["severity"], now["count"]
    with EXPECTED.open("w", encoding="utf-8") as handle:
        yaml.dump(document, handle)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], help="a folder name (repeatable)")
    parser.add_argument("--parallel", type=int, default=2, help="folders checked at once")
    parser.add_argument("--precision", action="store_true", help="print the audit's precision table")
    parser.add_argument("--write-counts", action="store_true", help="refresh counts in bench/ecosystem.yaml")
    args = parser.parse_args()

    targets = folders(args.only)
    if not targets:
        print(f"no dataset folders under {SHARED}/{{{','.join(CORPORA)}}}", file=sys.stderr)
        return 2
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        snapshots = list(pool.map(lambda target: run_one(*target), targets))
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    expected = load_expected()
    problems: list[str] = []
    totals: Counter[str] = Counter()
    for snapshot in snapshots:
        key = snapshot["dataset"]
        (SNAPSHOTS / f"{key.replace('/', '__')}.json").write_text(json.dumps(snapshot, indent=1, ensure_ascii=False))
        if snapshot["exit"] != 0:
            problems.append(f"{key}: reasonlint exited {snapshot['exit']}: {snapshot['stderr'].strip()[-300:]}")
            continue
        for now in snapshot["rules"].values():
            totals[now["severity"]] += now["count"]
        changes = differences(snapshot, expected.get(key, {}))
        if changes:
            print(f"{key}")
            for kind, code, text in changes:
                print(f"  {kind:<8} {code:<8} {text}")
        problems += unexplained_errors(snapshot, expected.get(key, {}))
    print(f"\n{len(snapshots)} datasets; findings: "
          + ", ".join(f"{totals[level]} {level}" for level in ("error", "warning", "info")))
    print(f"snapshots: {SNAPSHOTS.relative_to(ROOT)}/")
    if args.write_counts:
        write_counts([snapshot for snapshot in snapshots if snapshot["exit"] == 0])
        print(f"counts written to {EXPECTED.relative_to(ROOT)}")
    if args.precision:
        print_precision(load_expected())
    for problem in problems:
        print(f"UNEXPLAINED {problem}")
    return 1 if problems and not args.write_counts else 0


if __name__ == "__main__":
    sys.exit(main())
