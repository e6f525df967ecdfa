"""The pre-commit hooks, run for real with `pre-commit try-repo`.

try-repo clones the hook repository at its HEAD plus the uncommitted changes of tracked
files; untracked files are left out. So the test copies this working tree (tracked and
untracked files git does not ignore) into a temporary repository, commits it there, and
points try-repo at that copy. pre-commit then installs reasonlint into a fresh virtual
environment from the package index: once per test module (a shared `PRE_COMMIT_HOME`),
which takes most of this module's time. Each dataset is its own temporary git repository:
the bundled demo (a bad card and a malformed line) and a clean one.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

DATASETS = REPO / "fixtures" / "datasets"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
    pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None,
                       reason="needs pre-commit (the `test` extra installs it)"),
]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c",
                           "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree as a committed repository, so that try-repo sees new files too."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip(f"{REPO} is not a git checkout: {listed.stderr.strip()}")
    copy = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "working tree")
    return copy


def dataset_repo(tmp_path: Path, fixture: str) -> Path:
    repo = tmp_path / fixture
    shutil.copytree(DATASETS / fixture, repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    return repo


def pre_commit(dataset: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args, "--all-files"], cwd=dataset, env=env,
                          capture_output=True, text=True, timeout=900)


def hook_output(output: str, hook: str) -> str:
    """The part of pre-commit's output that belongs to `hook`."""
    start = output.index(f"- hook id: {hook}\n")
    end = output.find("- hook id: ", start + 1)
    return output[start:end if end >= 0 else None]


def test_try_repo_fails_the_bad_dataset_with_located_findings_per_hook(hook_repo: Path, tmp_path: Path) -> None:
    """try-repo runs every default-stage hook; it installs into a temporary store each time."""
    result = pre_commit(dataset_repo(tmp_path, "demo"), tmp_path / "home", "try-repo", str(hook_repo))
    assert result.returncode == 1, result.stdout + result.stderr
    card = hook_output(result.stdout, "reasonlint-card")
    assert "README.md:7: META011 [error] tags lack 'reasoning-datasets-competition'" in card
    assert "SCH001" not in card  # the card hook reads no row rules
    data = hook_output(result.stdout, "reasonlint-data")
    assert "data/train.jsonl:6: SCH001 [error] record cannot be read" in data
    assert "data/train.jsonl:7: SCH005 [warning]" in data
    assert "META011" not in data  # the card families are the card hook's
    assert "reasonlint (full run)" not in result.stdout  # manual stage only


def test_configured_hooks_pass_a_clean_dataset_and_the_manual_run_checks_everything(
        hook_repo: Path, tmp_path: Path) -> None:
    """The same hooks from a `.pre-commit-config.yaml`, as users install them (one shared store)."""
    home = tmp_path / "home"
    rev = git(hook_repo, "rev-parse", "HEAD").strip()
    config = f"repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n" + "".join(
        f"  - id: {hook}\n" for hook in ("reasonlint-card", "reasonlint-data", "reasonlint"))
    clean, bad = dataset_repo(tmp_path, "clean"), dataset_repo(tmp_path, "demo")
    for dataset in (clean, bad):
        (dataset / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
        git(dataset, "add", "-A")
    passed = pre_commit(clean, home, "run")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.count("Passed") == 2
    full = pre_commit(bad, home, "run", "--hook-stage", "manual", "reasonlint")
    assert full.returncode == 1, full.stdout + full.stderr
    assert "README.md:7: META011" in full.stdout
    assert "data/train.jsonl:6: SCH001" in full.stdout
