"""Issue 20, a warm pre-commit check of one manifest: its documents and those of the Namespace it is placed in
(read from the repository as context) come from the manifest cache, so the run imports no YAML parser; the
cache's key names the installed PyYAML without importing it. The output is the uncached one throughout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import imports_of, run_cli, write_tree

from ownlint.loaders import identity
from ownlint.loaders.kubernetes import documents

NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    owner: platform\n"
ESTATE = {
    "ownlint.yaml": "parties:\n  internal: [platform]\n",
    "apps/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: apps\n",
    "apps/namespace.yaml": NAMESPACE,
    "other/other.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: o\n  namespace: elsewhere\n",
}
PYYAML = {"yaml", "yaml.loader", "yaml.reader", "_yaml", "yaml._yaml", "ownlint.loaders.kubernetes.composing"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    found = write_tree(tmp_path / "repo", ESTATE)
    (found / ".git").mkdir()  # the repository's top: the namespace comes from its context
    return found


def _settled(repo: Path) -> None:
    """Files changed long enough before the run for the cache to record their identities."""
    for directory, _, names in os.walk(repo):
        for name in names:
            os.utime(os.path.join(directory, name), (1_000_000_000, 1_000_000_000))


@pytest.mark.parametrize("first", ["one file", "whole repository"])
def test_a_warm_manifest_check_imports_no_yaml_parser(repo: Path, tmp_path: Path, first: str) -> None:
    _settled(repo)
    cache = str(tmp_path / "cache")
    uncached, _ = imports_of(repo, "check", "--no-cache", "--", "apps/app.yaml")
    assert "Namespace/apps" in uncached  # its owner comes from the context's Namespace
    imports_of(repo, "check", "--cache-dir", cache, *(["--", "apps/app.yaml"] if first == "one file" else []))
    warm, imported = imports_of(repo, "check", "--cache-dir", cache, "--", "apps/app.yaml")
    assert warm == uncached
    assert "ownlint.loaders.kubernetes.cached" in imported  # the probe sees the run's imports
    assert sorted(imported & PYYAML) == []


def test_a_context_namespace_changed_since_it_was_recorded_is_parsed_again(repo: Path, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    for owner in ("platform", "nobody", "platform"):
        (repo / "apps" / "namespace.yaml").write_text(NAMESPACE.replace("platform", owner))
        uncached = run_cli("check", "--no-cache", "--", str(repo / "apps" / "app.yaml"))
        for _ in range(2):
            run = run_cli("check", "--cache-dir", cache, "--", str(repo / "apps" / "app.yaml"))
            assert (run.exit_code, run.stdout) == (uncached.exit_code, uncached.stdout), owner


def test_a_context_namespace_is_taken_from_the_cache_by_its_text(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(identity, "RACY_NS", 0)
    cache = str(tmp_path / "cache")
    named = str(repo / "apps" / "app.yaml")
    uncached = run_cli("check", "--no-cache", "--", named)
    assert run_cli("check", "--cache-dir", cache, "--", named).stdout == uncached.stdout
    parsed: list[str] = []
    original = documents.parsed

    def counting(text: str, shown: str) -> tuple[list[documents.Manifest], list[object], bool]:
        parsed.append(shown)
        return original(text, shown)  # type: ignore[return-value]

    monkeypatch.setattr(documents, "parsed", counting)
    from ownlint.loaders.kubernetes import reading

    monkeypatch.setattr(reading, "parsed_documents", counting)
    assert run_cli("check", "--cache-dir", cache, "--", named).stdout == uncached.stdout
    assert parsed == []


def test_the_cache_key_names_the_installed_pyyaml_without_importing_it() -> None:
    probe = (
        "import sys\n"
        "from ownlint.loaders.kubernetes import cached\n"
        "key = cached.backend()\n"
        "assert 'yaml' not in sys.modules, 'imported'\n"
        "import yaml\n"
        "assert yaml.__file__ + ':' in key, key\n"
        "assert ('_yaml.' in key) == yaml.__with_libyaml__, key\n"
        "assert key.endswith('core12'), key\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_manifest_check_without_kustomizations_imports_no_kustomize_builder(repo: Path, tmp_path: Path) -> None:
    output, imported = imports_of(repo, "check", "--cache-dir", str(tmp_path / "cache"), "--", "apps/app.yaml")
    assert "Namespace/apps" in output
    assert "ownlint.loaders.kubernetes.users" in imported  # the repository's kustomizations were sought
    builder = {"kustomize", "steps", "transform", "patches", "generators"}
    assert sorted(imported & {f"ownlint.loaders.kubernetes.{name}" for name in builder}) == []
