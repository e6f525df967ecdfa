"""Targets: local folders and files, and Hub datasets read from a pre-populated cache.

The Hub is never called: every CLI run sets HF_HUB_OFFLINE=1 and points HF_HUB_CACHE (or
HF_HOME) at a cache built in tmp_path in the layout `huggingface_hub` writes:

    <cache>/datasets--<user>--<name>/refs/<ref>              (a 40-hex commit sha, no newline)
    <cache>/datasets--<user>--<name>/snapshots/<sha>/...      (files, or symlinks into blobs/)
    <cache>/datasets--<user>--<name>/blobs/<hash>             (only with `blobs=True`)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from reasonlint.source.target import Target, TargetError, resolve_target
from tests.conftest import engine_rules, run_cli

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER_SHA = "89abcdef0123456789abcdef0123456789abcdef"
CARD = "---\nlicense: mit\n---\n# A small reasoning set\n\nQuestions with worked answers.\n"


def _rows(count: int, prefix: str = "q") -> str:
    return "".join(json.dumps({"question": f"{prefix}{i}?", "answer": f"Add one. #### {i}"}) + "\n"
                   for i in range(count))


def build_cache(cache: Path, repo: str, files: dict[str, str], *, sha: str = SHA,
                refs: dict[str, str] | None = None, blobs: bool = False) -> Path:
    """Put one snapshot of dataset `repo` into a Hub cache; returns the snapshot folder.

    `refs` maps ref names to the commit they point at (default: main -> sha). With `blobs`,
    snapshot files are relative symlinks into `blobs/`, as `huggingface_hub` writes them.
    """
    storage = cache / f"datasets--{repo.replace('/', '--')}"
    snapshot = storage / "snapshots" / sha
    for name, text in files.items():
        path = snapshot / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if blobs:
            data = text.encode("utf-8")
            blob = storage / "blobs" / hashlib.sha256(data).hexdigest()
            blob.parent.mkdir(parents=True, exist_ok=True)
            blob.write_bytes(data)
            path.symlink_to(os.path.relpath(blob, path.parent))
        else:
            path.write_text(text, encoding="utf-8")
    for ref, commit in (refs if refs is not None else {"main": sha}).items():
        ref_path = storage / "refs" / ref
        ref_path.parent.mkdir(parents=True, exist_ok=True)
        ref_path.write_text(commit, encoding="utf-8")  # no trailing newline, as huggingface_hub writes it
    return snapshot


def hub_env(tmp_path: Path, cache: Path | None) -> dict[str, str]:
    env = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "home"), "HF_TOKEN": ""}
    if cache is not None:
        env["HF_HUB_CACHE"] = str(cache)
    return env


def check_hub(tmp_path: Path, spec: str, cache: Path | None, *args: str,
              env: dict[str, str] | None = None) -> tuple[int, dict[str, Any] | None, str]:
    """Run `reasonlint check SPEC --output-format json` offline; (exit code, report or None, stderr)."""
    full_env = env if env is not None else hub_env(tmp_path, cache)
    # The cache's own HF_HUB_CACHE must win over anything inherited from the outer environment.
    if cache is None:
        full_env = {**full_env, "HF_HUB_CACHE": str(Path(full_env["HF_HOME"]) / "hub")}
    result = run_cli("check", spec, "--output-format", "json", *engine_rules(*args), cwd=tmp_path, env=full_env)
    report = json.loads(result.stdout) if result.stdout.strip() else None
    return result.returncode, report, result.stderr


def assert_one_line_error(stderr: str, *needles: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("reasonlint: error: "), stderr
    for needle in needles:
        assert needle in lines[0], (needle, stderr)


# --- Hub datasets, from the cache -----------------------------------------------------------


def test_hub_dataset_in_cache_is_checked_and_report_names_the_commit(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build_cache(cache, "user/name", {"README.md": CARD, "data/train.jsonl": _rows(3)})

    code, report, stderr = check_hub(tmp_path, "user/name", cache)

    assert report is not None, stderr
    assert report["target"] == {"id": "user/name", "kind": "hub", "revision": None, "sha": SHA}
    assert report["run"]["rows_read"] == 3
    [table] = report["tables"]
    assert (table["split"], table["files"], table["rows"]) == ("train", ["data/train.jsonl"], 3)
    assert table["mapping"] == {"prompt": "question", "response": "answer"}
    # Three rows are below the minimum size: the dataset really was checked, not just found.
    assert [finding["code"] for finding in report["findings"]] == ["SIZE001"]
    assert code == 1


def test_hub_dataset_splits_come_from_snapshot_file_names(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build_cache(cache, "user/name", {
        "README.md": CARD,
        "data/train.jsonl": _rows(4),
        "data/test.jsonl": _rows(2, prefix="t"),
    })

    _, report, stderr = check_hub(tmp_path, "user/name", cache)

    assert report is not None, stderr
    splits = {table["split"]: (table["files"], table["rows"]) for table in report["tables"]}
    assert splits == {"train": (["data/train.jsonl"], 4), "test": (["data/test.jsonl"], 2)}
    assert report["run"]["rows_read"] == 6


def test_hub_snapshot_of_blob_symlinks_reports_snapshot_paths_not_blob_names(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    card = ("---\nlicense: mit\nconfigs:\n- config_name: default\n  data_files:\n"
            "  - split: train\n    path: data/train.jsonl\n---\n# Card\n")
    broken = _rows(2) + "{not json\n"
    build_cache(cache, "user/name", {"README.md": card, "data/train.jsonl": broken}, blobs=True)

    _, report, stderr = check_hub(tmp_path, "user/name", cache)

    assert report is not None, stderr
    assert report["target"]["sha"] == SHA
    [table] = report["tables"]
    assert (table["files"], table["rows"]) == (["data/train.jsonl"], 2)
    paths = {finding["code"]: finding["location"]["path"] for finding in report["findings"]}
    assert paths.get("SCH001") == "data/train.jsonl", report["findings"]
    assert paths.get("SIZE001") == "README.md", report["findings"]


def test_hub_revision_pinned_to_the_commit_sha_is_read(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build_cache(cache, "user/name", {"README.md": CARD, "data/train.jsonl": _rows(3)})

    _, report, stderr = check_hub(tmp_path, f"user/name@{SHA}", cache)

    assert report is not None, stderr
    assert report["target"] == {"id": "user/name", "kind": "hub", "revision": SHA, "sha": SHA}
    assert report["run"]["rows_read"] == 3


def test_hub_revision_tag_is_resolved_through_its_ref_and_recorded(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build_cache(cache, "user/name", {"README.md": CARD, "data/train.jsonl": _rows(3)}, sha=SHA)
    build_cache(cache, "user/name", {"README.md": CARD, "data/train.jsonl": _rows(5)},
                sha=OTHER_SHA, refs={"main": SHA, "v1.0": OTHER_SHA})

    _, tagged, stderr = check_hub(tmp_path, "user/name@v1.0", cache)
    _, latest, _ = check_hub(tmp_path, "user/name", cache)

    assert tagged is not None, stderr
    assert tagged["target"] == {"id": "user/name", "kind": "hub", "revision": "v1.0", "sha": OTHER_SHA}
    assert tagged["run"]["rows_read"] == 5
    assert latest is not None
    assert latest["target"]["sha"] == SHA
    assert latest["run"]["rows_read"] == 3


def test_hub_cache_in_default_place_under_hidden_cache_folder_is_read(tmp_path: Path) -> None:
    # The default cache is ~/.cache/huggingface/hub: a hidden folder must not hide the data files.
    home = tmp_path / ".cache" / "huggingface"
    build_cache(home / "hub", "user/name", {"README.md": CARD, "data/train.jsonl": _rows(3)})
    env = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(home), "HF_TOKEN": ""}

    _, report, stderr = check_hub(tmp_path, "user/name", None, env=env)

    assert report is not None, stderr
    assert report["target"]["sha"] == SHA
    assert [(t["files"], t["rows"]) for t in report["tables"]] == [(["data/train.jsonl"], 3)]


def test_hub_dataset_missing_from_cache_is_a_one_line_error(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build_cache(cache, "user/name", {"README.md": CARD, "data/train.jsonl": _rows(3)})

    code, report, stderr = check_hub(tmp_path, "other/missing", cache)

    assert code == 2
    assert report is None
    assert_one_line_error(stderr, "other/missing", "cannot be reached", "not in the local cache")


def test_hub_revision_missing_from_cache_is_a_one_line_error_naming_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build_cache(cache, "user/name", {"README.md": CARD, "data/train.jsonl": _rows(3)})

    for spec in ("user/name@v9.9", f"user/name@{OTHER_SHA}"):
        code, report, stderr = check_hub(tmp_path, spec, cache)
        assert code == 2, spec
        assert report is None
        assert_one_line_error(stderr, spec, "not in the local cache")


def test_hub_snapshot_known_incomplete_is_a_one_line_error(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build_cache(cache, "user/name", {"README.md": CARD, "data/train.jsonl": _rows(3)})
    # The cached tree listing says the commit also has data/test.jsonl, which was never downloaded.
    trees = cache / "datasets--user--name" / "trees"
    trees.mkdir()
    listing = {name: {"size": 10, "blob_id": "0" * 40} for name in ("README.md", "data/train.jsonl", "data/test.jsonl")}
    (trees / f"{SHA}.json").write_text(json.dumps({"format_version": 1, "files": listing}), encoding="utf-8")

    code, report, stderr = check_hub(tmp_path, "user/name", cache)

    assert code == 2
    assert report is None
    assert_one_line_error(stderr, "user/name")


@pytest.mark.parametrize("spec", ["./nope", "../nope/data", "/nonexistent/nope"])
def test_path_like_target_that_does_not_exist_is_a_one_line_error_naming_it(tmp_path: Path, spec: str) -> None:
    code, report, stderr = check_hub(tmp_path, spec, tmp_path / "cache")

    assert code == 2
    assert report is None
    assert_one_line_error(stderr, spec, "no such file or folder")


@pytest.mark.parametrize("spec", ["nope", "a/b/c", "user/name@", "user name/x"])
def test_text_that_is_neither_a_path_nor_a_hub_id_is_rejected(tmp_path: Path, spec: str) -> None:
    code, _, stderr = check_hub(tmp_path, spec, tmp_path / "cache")

    assert code == 2
    assert_one_line_error(stderr, spec, "not a Hub dataset id")


@pytest.mark.parametrize("spec", ["user/a--b", "user/a..b", "user/-name", "user/name.git"])
def test_hub_id_that_the_hub_would_refuse_is_a_one_line_error_not_a_traceback(tmp_path: Path, spec: str) -> None:
    # These pass reasonlint's own `user/name` pattern, but huggingface_hub rejects them as repo ids.
    code, report, stderr = check_hub(tmp_path, spec, tmp_path / "cache")

    assert code == 2, stderr
    assert report is None
    assert_one_line_error(stderr, spec)


# --- resolve_target, in process ---------------------------------------------------------------


def test_resolve_target_existing_folder_is_a_folder_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)

    target = resolve_target("set")

    assert target == Target(root=folder.resolve(), kind="folder", id="set")
    assert target.root.is_absolute()
    assert (target.file, target.revision, target.sha) == (None, None, None)


def test_resolve_target_existing_file_is_a_file_target_rooted_at_its_folder(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "set" / "rows.jsonl"
    data.parent.mkdir()
    data.write_text(_rows(1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    target = resolve_target("set/rows.jsonl")

    assert target.kind == "file"
    assert target.id == "set/rows.jsonl"
    assert target.file == data.resolve()
    assert target.root == data.parent.resolve()


def test_resolve_target_prefers_an_existing_path_that_looks_like_a_hub_id(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "user" / "name").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("huggingface_hub.snapshot_download", _never_called)

    target = resolve_target("user/name")

    assert target.kind == "folder"
    assert target.root == (tmp_path / "user" / "name").resolve()


def test_resolve_target_missing_path_raises_target_error(tmp_path: Path) -> None:
    missing = tmp_path / "absent"

    with pytest.raises(TargetError, match="no such file or folder"):
        resolve_target(str(missing))


def _never_called(**kwargs: Any) -> str:
    raise AssertionError(f"snapshot_download was called: {kwargs}")


def _fake_download(tmp_path: Path, calls: list[dict[str, Any]]) -> Callable[..., str]:
    def download(**kwargs: Any) -> str:
        calls.append(kwargs)
        folder = tmp_path / "snapshots" / SHA
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder)
    return download


@pytest.mark.parametrize(("spec", "repo", "revision"), [
    ("user/name", "user/name", None),
    ("user/name@v1.0", "user/name", "v1.0"),
    ("org-x/data.set_2@refs/pr/3", "org-x/data.set_2", "refs/pr/3"),
    (f"user/name@{SHA}", "user/name", SHA),
])
def test_resolve_target_hub_id_asks_for_the_dataset_at_its_revision(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str, repo: str, revision: str | None) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("huggingface_hub.snapshot_download", _fake_download(tmp_path, calls))

    target = resolve_target(spec)

    assert target == Target(root=tmp_path / "snapshots" / SHA, kind="hub", id=repo, revision=revision, sha=SHA)
    [call] = calls
    assert (call["repo_id"], call["repo_type"], call["revision"]) == (repo, "dataset", revision)
    # Only the card and the formats reasonlint reads are fetched, at the root and in subfolders.
    patterns = call["allow_patterns"]
    assert "README.md" in patterns
    assert {"*.jsonl", "**/*.jsonl", "*.parquet", "**/*.parquet"} <= set(patterns)
    assert not any(pattern in ("*", "**/*", "**") for pattern in patterns)


def test_resolve_target_passes_hf_token_only_when_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("huggingface_hub.snapshot_download", _fake_download(tmp_path, calls))

    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    resolve_target("user/name")
    monkeypatch.setenv("HF_TOKEN", "")
    resolve_target("user/name")

    assert [call["token"] for call in calls] == ["hf_secret", None]


def _response(status: int) -> httpx2.Response:
    return httpx2.Response(status, request=httpx2.Request("GET", "http://localhost/api/datasets/user/name"))


@pytest.mark.parametrize(("error", "expected"), [
    (GatedRepoError("gated", response=_response(403)), "gated"),
    (RepositoryNotFoundError("missing", response=_response(404)), "no such dataset"),
    (RevisionNotFoundError("no rev", response=_response(404)), "no revision 'v2'"),
    (LocalEntryNotFoundError("offline"), "not in the local cache"),
    (HfHubHTTPError("503 Server Error: down\nrequest id: abc", response=_response(503)), "503 Server Error: down"),
    (OSError("disk full"), "disk full"),
])
def test_resolve_target_hub_errors_become_one_line_target_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, expected: str) -> None:
    def download(**kwargs: Any) -> str:
        raise error

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("huggingface_hub.snapshot_download", download)

    with pytest.raises(TargetError) as caught:
        resolve_target("user/name@v2")

    message = str(caught.value)
    assert message.startswith("user/name@v2: ")
    assert expected in message
    assert "\n" not in message

