"""Issue 20, a warm run with nothing changed on a Kubernetes monorepo: a manifest whose identity (device, inode,
size, modification and change times) is the one its cache entry recorded is not read again, its documents come
from the entry; one that changed, was replaced, grew past the size limit or changed too close to the run that
recorded it is read and parsed. The output is the same either way."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from tests.conftest import run_cli, write_tree
from tests.security.test_yaml_cache import UNOWNED

from ownlint.config.load import load_config
from ownlint.loaders import identity
from ownlint.loaders.kubernetes import reading, resources
from ownlint.loaders.kubernetes.documents import Manifest
from ownlint.model import Place, PlaceKind, Resource, TagValue
from ownlint.ownership import CONTRACT, ESCALATION, OPERATOR, OWNER, Facts, fact
from ownlint.rules import KNOWN_IDS

MISSING_OWNER = '"rule": "OWN001"'
OWNED = UNOWNED.replace("app: web", "owner: x")  # the same size: only the identity tells it changed
NAMESPACE = """apiVersion: v1
kind: Namespace
metadata:
  name: team-a
  labels:
    owner: platform
  annotations:
    contact: a@example.com
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-a
  labels:
    App: web
spec:
  template:
    metadata:
      labels:
        app: other
        tier: front
"""


def check(repo: Path, *options: str) -> tuple[int, str, str]:
    run = run_cli("check", str(repo), "--format", "json", *options)
    return run.exit_code, run.stdout, run.stderr


def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The manifests a run reads as text, by name."""
    read: list[str] = []
    original = reading.read_text

    def counting(path: str, shown: str, limit: int, looked: object = None) -> object:
        read.append(shown)
        return original(path, shown, limit, looked)  # type: ignore[arg-type]

    monkeypatch.setattr(reading, "read_text", counting)
    return read


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "RACY_NS", 0)


def test_a_warm_run_reads_no_manifest_whose_identity_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None
) -> None:
    repo = write_tree(tmp_path / "repo", {"ns.yaml": NAMESPACE, "app.yaml": UNOWNED, "team/web.yaml": DEPLOYMENT})
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache")
    assert MISSING_OWNER in expected[1]
    assert check(repo, "--cache-dir", str(cache)) == expected
    read = counted_reads(monkeypatch)
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert read == []


def assert_only_app_read_again(repo: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """app.yaml, now owned, is read again (and only it); the warm run gives what ``--no-cache`` gives."""
    expected = check(repo, "--no-cache")
    assert MISSING_OWNER not in expected[1]
    read = counted_reads(monkeypatch)
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert read == ["app.yaml"]


def test_a_manifest_changed_in_place_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None
) -> None:
    repo = write_tree(tmp_path / "repo", {"ns.yaml": NAMESPACE, "app.yaml": UNOWNED})
    cache = tmp_path / "cache"
    check(repo, "--cache-dir", str(cache))
    before = os.stat(repo / "app.yaml")
    with open(repo / "app.yaml", "r+") as stream:  # the same inode, the same size
        stream.write(OWNED)
    os.utime(repo / "app.yaml", ns=(before.st_atime_ns, before.st_mtime_ns))  # even the modification time kept
    assert os.stat(repo / "app.yaml").st_size == before.st_size
    assert_only_app_read_again(repo, cache, monkeypatch)


def test_a_manifest_replaced_by_another_file_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None
) -> None:
    repo = write_tree(tmp_path / "repo", {"ns.yaml": NAMESPACE, "app.yaml": UNOWNED, "other.yaml": OWNED})
    cache = tmp_path / "cache"
    check(repo, "--cache-dir", str(cache))
    os.replace(repo / "other.yaml", repo / "app.yaml")  # a new inode at the old name
    assert_only_app_read_again(repo, cache, monkeypatch)


def test_a_manifest_over_the_size_limit_of_this_run_is_a_problem_though_its_entry_matches(
    tmp_path: Path, no_racy_window: None
) -> None:
    repo = write_tree(tmp_path / "repo", {"ns.yaml": NAMESPACE, "app.yaml": UNOWNED})
    cache = tmp_path / "cache"
    check(repo, "--cache-dir", str(cache))
    limited = check(repo, "--cache-dir", str(cache), "--max-file-size", "100")
    assert limited == check(repo, "--no-cache", "--max-file-size", "100")
    assert "over the 100 byte limit" in limited[1]


def test_a_manifest_changed_within_the_racy_window_is_not_taken_by_its_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written just before the run (as every file of this test is): a change within the same clock tick would
    keep its identity, so the entry records none and the next run reads the file (and takes it by its digest)."""
    repo = write_tree(tmp_path / "repo", {"ns.yaml": NAMESPACE, "app.yaml": UNOWNED})
    cache = tmp_path / "cache"
    expected = check(repo, "--cache-dir", str(cache))
    read = counted_reads(monkeypatch)
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert sorted(read) == ["app.yaml", "ns.yaml"]


def test_a_warm_run_in_a_checkout_moved_elsewhere_reads_its_manifests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None
) -> None:
    """Entries are the repository's: another checkout (another path) has its own, whatever its files' identities."""
    repo = write_tree(tmp_path / "repo", {"ns.yaml": NAMESPACE, "app.yaml": UNOWNED})
    cache = tmp_path / "cache"
    check(repo, "--cache-dir", str(cache))
    moved = tmp_path / "moved"
    os.rename(repo, moved)  # the same inodes and times, under another path
    expected = check(moved, "--no-cache")
    read = counted_reads(monkeypatch)
    assert check(moved, "--cache-dir", str(cache)) == expected
    assert sorted(read) == ["app.yaml", "ns.yaml"]


# --- the resources of a run's objects share the words of their label places ---------------------------------


def _objects(count: int) -> list[Manifest]:
    data = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app": "web"}}}
    return [
        Manifest({**data, "metadata": {**data["metadata"], "name": f"c{i}"}}, f"f{i}.yaml", 1, 5, {})
        for i in range(count)
    ]


def test_the_words_of_a_label_place_are_one_string_for_all_objects() -> None:
    """Memory on a large estate: ``label app`` is one string for every object that has the label, not one each."""
    found: list[Resource] = resources.resources(_objects(3))
    words = [r.tags[0].provenance[0].what for r in found]
    assert words == ["label app"] * 3
    assert len({id(w) for w in words}) == 1


def test_tags_of_an_object_its_pod_template_and_its_namespace_in_order() -> None:
    """Its own first (a label over an annotation of the same key), then its template's, then its Namespace's."""
    namespace = Manifest(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "team-a", "annotations": {"app": "n", "c": "d"}},
        },
        "ns.yaml",
        1,
        6,
        {},
    )
    deployment = Manifest(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "team-a", "annotations": {"Tier": "a"}, "labels": {"App": "web"}},
            "spec": {"template": {"metadata": {"labels": {"app": "other", "tier": "front", "x": True}}}},
        },
        "web.yaml",
        1,
        12,
        {},
    )
    web = next(r for r in resources.resources([namespace, deployment]) if r.name == "web")
    assert [(t.key, t.value, t.provenance[0].what) for t in web.tags] == [
        ("Tier", "a", "annotation Tier"),
        ("App", "web", "label App"),
        ("x", "true", "pod template label x"),
        ("c", "d", "annotation c of Namespace/team-a"),
    ]


# --- the facts of one resource asked one after another: its tags scanned once ---------------------------------


class CountedTags(tuple):  # type: ignore[type-arg]
    """Tags that count how often they are walked."""

    walks = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        CountedTags.walks += 1
        return super().__iter__()


def test_the_facts_a_rule_asks_of_one_resource_scan_its_tags_once() -> None:
    """OWN012 asks six facts of each resource, OWN007 three: one walk of the tags answers them all (the same
    answers as ``fact``), and nothing is held of the resource itself."""
    config = load_config(Path("ownlint.yaml"), KNOWN_IDS, text="keys:\n  owner: [owner, Team]\n")
    tags = CountedTags(
        TagValue(key, value, (Place("a.yaml", 3, f"label {key}", PlaceKind.LABEL, key),))
        for key, value in [("app", "web"), ("team", "b"), ("Owner", "a"), ("operated-by", "msp")]
    )
    resource = Resource("ConfigMap/default/c", "k8s:ConfigMap", "c", "kubernetes", "a.yaml", 1, 9, tags=tags)
    names = [OWNER, OPERATOR, CONTRACT, ESCALATION, "data-classification", OWNER]
    facts = Facts(config)
    first = Resource("ConfigMap/default/b", "k8s:ConfigMap", "b", "kubernetes", "b.yaml", 1, 9)
    assert [facts(first, name) for name in names] == [fact(config, first, name) for name in names]  # learnt: the facts
    held = sys.getrefcount(resource)
    CountedTags.walks = 0
    answers = [facts(resource, name) for name in names]
    assert CountedTags.walks == 1
    assert sys.getrefcount(resource) == held
    assert answers == [fact(config, resource, name) for name in names]
    assert answers[0].value == "a"
    other = Resource("ConfigMap/default/d", "k8s:ConfigMap", "d", "kubernetes", "a.yaml", 1, 9, tags=tags[:2])
    assert facts(other, OWNER) == fact(config, other, OWNER)  # another resource: its own tags
    assert facts(other, OWNER).value == "b"


NOT_KUBERNETES = "groups:\n  - name: platform\n    members: [a, b]\n"  # a YAML file of some other tool


def test_a_warm_run_reads_no_yaml_file_that_is_not_kubernetes_whose_identity_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None
) -> None:
    """cloud-foundation-fabric holds 1,391 such files: each warm run read every one again (and forked a pool to),
    since nothing was recorded for a file without ``apiVersion`` and ``kind``; its entry now says it has none."""
    repo = write_tree(tmp_path / "repo", {"ns.yaml": NAMESPACE, "groups.yaml": NOT_KUBERNETES})
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache")
    assert check(repo, "--cache-dir", str(cache)) == expected
    read = counted_reads(monkeypatch)
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert read == []
    (repo / "groups.yaml").write_text(UNOWNED)  # now a manifest: read, and its object checked
    changed = check(repo, "--no-cache")
    assert MISSING_OWNER in changed[1]
    read.clear()
    assert check(repo, "--cache-dir", str(cache)) == changed
    assert read == ["groups.yaml"]


def test_a_yaml_file_that_is_not_kubernetes_is_taken_by_its_identity_once_settled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_tree(tmp_path / "repo", {"ns.yaml": NAMESPACE, "groups.yaml": NOT_KUBERNETES})
    cache = tmp_path / "cache"
    expected = check(repo, "--cache-dir", str(cache))  # written just now: no identity recorded
    read = counted_reads(monkeypatch)
    monkeypatch.setattr(identity, "RACY_NS", 0)  # settled since
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert sorted(read) == ["groups.yaml", "ns.yaml"]
    read.clear()
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert read == []
