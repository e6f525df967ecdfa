"""Files outside the dataset never reach a report: links out of the root, FIFOs, /proc.

A pull request can add a symbolic link where a data file or the card should be; reasonlint
runs on it in CI, where secrets live in files and the environment. Each case plants a secret
outside the dataset, links to it, runs the real CLI in every output format, and asserts
that the link is named in a finding and that no byte of the secret appears anywhere.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.report import reporter
from reasonlint.source.target import Target, resolve_target
from tests.conftest import GOOD_ROW, run_cli, write_files

SECRET = "RL_SECRET_TOKEN_7f3a9c"
FORMATS = ("full", "concise", "json", "jsonl", "github", "sarif", "markdown", "html")
CARD = "---\nlicense: mit\n---\n# A dataset\n"


def _secret_file(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.jsonl"
    secret.write_text(json.dumps({"question": SECRET, "reasoning": SECRET, "answer": SECRET}) + "\n" + SECRET + "\n")
    return secret


def _dataset(tmp_path: Path) -> Path:
    return write_files(tmp_path / "dataset", {"README.md": CARD, "data/train.jsonl": {"rows": [GOOD_ROW]}})


def _assert_never_leaks(target: Path, *extra: str) -> list[dict[str, object]]:
    """One real CLI run (JSON), then the same report rendered in every other format."""
    result = run_cli("check", str(target), "--output-format", "json", "--no-cache", *extra)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert SECRET not in result.stdout + result.stderr
    report = run(resolve_target(str(target)), builtin_catalogue(), Settings(jobs=1, cache=False))
    for fmt in FORMATS:
        out = io.StringIO()
        reporter(fmt).render(report, out)
        assert SECRET not in out.getvalue(), fmt
    findings: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return findings


def _refused(findings: list[dict[str, object]]) -> dict[str, str]:
    return {str(f["location"]["path"]): str(f["message"]) for f in findings  # type: ignore[index]
            if f["code"] == "SCH009"}


def test_data_file_linked_outside_the_root_is_named_never_read(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    (root / "data" / "test.jsonl").symlink_to(_secret_file(tmp_path))
    refused = _refused(_assert_never_leaks(root))
    assert refused == {"data/test.jsonl": "data/test.jsonl is a symbolic link to a path outside the dataset "
                                          "folder; not read"}


def test_card_linked_outside_the_root_is_named_never_read(tmp_path: Path) -> None:
    root = write_files(tmp_path / "dataset", {"data/train.jsonl": {"rows": [GOOD_ROW]}})
    (root / "README.md").symlink_to(_secret_file(tmp_path))
    assert "README.md" in _refused(_assert_never_leaks(root))


def test_folder_linked_outside_the_root_is_refused_file_by_file(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    secret = _secret_file(tmp_path)
    (root / "extra").symlink_to(secret.parent, target_is_directory=True)
    write_files(root, {"README.md": CARD + "---\n"})  # the same card; data_files by convention
    findings = _assert_never_leaks(root)
    assert not any(SECRET in json.dumps(f) for f in findings)


def test_proc_environ_link_never_reaches_the_report(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    (root / "data" / "validation.jsonl").symlink_to("/proc/self/environ")
    env = {**os.environ, "RL_CI_SECRET": SECRET}
    for fmt in ("json", "sarif", "github", "full"):
        result = run_cli("check", str(root), "--output-format", fmt, env=env)
        assert SECRET not in result.stdout + result.stderr, fmt
    result = run_cli("check", str(root), "--output-format", "json", env=env)
    assert "data/validation.jsonl" in _refused(json.loads(result.stdout)["findings"])


def test_single_file_target_that_links_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "pr"
    folder.mkdir()
    (folder / "train.jsonl").symlink_to(_secret_file(tmp_path))
    findings = _assert_never_leaks(folder / "train.jsonl")
    assert "train.jsonl" in _refused(findings)


def test_fifo_never_blocks_the_run(tmp_path: Path) -> None:
    """In a folder, the `datasets` file patterns skip what is not a regular file; named as the
    target, a FIFO is refused rather than opened (opening one blocks until a writer comes)."""
    root = _dataset(tmp_path)
    os.mkfifo(root / "data" / "test.jsonl")
    result = run_cli("check", str(root), "--output-format", "json")
    assert json.loads(result.stdout)["run"]["rows_read"] == 1
    result = run_cli("check", str(root / "data" / "test.jsonl"), "--output-format", "json")
    refused = _refused(json.loads(result.stdout)["findings"])
    assert refused == {"test.jsonl": "test.jsonl is a FIFO, not a regular file; not read"}


def test_dangling_link_does_not_stop_the_run(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    (root / "data" / "test.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    result = run_cli("check", str(root), "--output-format", "json")
    assert result.returncode in (0, 1)
    assert json.loads(result.stdout)["run"]["rows_read"] == 1


def test_links_inside_the_root_are_read(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    write_files(root, {"raw/all.jsonl": {"rows": [{**GOOD_ROW, "question": "What is 3 + 3?"}]}})
    (root / "data" / "test.jsonl").symlink_to(root / "raw" / "all.jsonl")
    result = run_cli("check", str(root), "--output-format", "json")
    report = json.loads(result.stdout)
    assert not _refused(report["findings"])
    assert report["run"]["rows_read"] == 2


def test_baseline_linked_outside_the_root_stops_the_run(tmp_path: Path) -> None:
    root = _dataset(tmp_path)
    (root / ".reasonlint-baseline.json").symlink_to(_secret_file(tmp_path))
    result = run_cli("check", str(root))
    assert result.returncode == 2
    assert "outside the dataset folder" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_hub_snapshot_links_into_its_blobs_are_read(tmp_path: Path) -> None:
    """A Hub cache snapshot's files are links into the repository's blobs/: inside the boundary."""
    repo = tmp_path / "hub" / "datasets--user--name"
    blobs, snapshot = repo / "blobs", repo / "snapshots" / ("a" * 40)
    write_files(blobs, {"b1": CARD, "b2": {"rows": [GOOD_ROW]}})
    (snapshot / "data").mkdir(parents=True)
    (snapshot / "README.md").symlink_to(blobs / "b1")
    (snapshot / "data" / "train.jsonl").symlink_to(blobs / "b2")
    (snapshot / "data" / "test.jsonl").symlink_to(_secret_file(tmp_path))
    target = Target(root=snapshot, kind="hub", id="user/name", sha="a" * 40)
    report = run(target, builtin_catalogue(), Settings(jobs=1, cache=False))
    assert report.rows_read == 1
    assert [f.location.path for f in report.findings if f.code == "SCH009"] == ["data/test.jsonl"]
