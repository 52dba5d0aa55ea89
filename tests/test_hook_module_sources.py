"""A warm pre-commit check of a module file finds its callers from the outline store without parsing them (issue 20:
the module sources a caller file's ``module`` blocks name are remembered with the file's identity), and gives
what an uncached run gives after every kind of edit to a caller's calls."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import git_repo, run_cli, write_tree

from ownlint.loaders import identity
from ownlint.loaders.terraform import callers, outline_cache

CALL = 'module "queue" {\n  source = "../modules/queue"\n}\n'
TREE = {
    "ownlint.yaml": "parties:\n  internal: [platform]\n",
    "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
    "modules/other/main.tf": 'resource "aws_sns_topic" "t" {\n  name = "t"\n}\n',
    "stack/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  tags = { owner = "platform" }\n}\n' + CALL,
    "stack/terraform.tfvars": "",
    "live/main.tf": 'module "q" {\n  source = "../modules/queue"\n}\n',  # no root files: found as a root by search
}
NAMED = "modules/queue/main.tf"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return git_repo(tmp_path / "repo", TREE, monkeypatch)


def _outlined(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the callers search outlines (reads their module blocks with the HCL parser)."""
    seen: list[str] = []
    original = callers.local_sources

    def counted(text: str, name: str, outline: Any) -> list[str]:
        seen.append(name)
        return original(text, name, outline)

    monkeypatch.setattr(callers, "local_sources", counted)
    return seen


def test_a_warm_module_check_outlines_no_caller_file(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = str(tmp_path / "cache")
    uncached = run_cli("check", "--no-cache", "--", NAMED)
    cold = run_cli("check", "--cache-dir", cache, "--", NAMED)
    outlined = _outlined(monkeypatch)
    warm = run_cli("check", "--cache-dir", cache, "--", NAMED)
    assert "module.queue.aws_sqs_queue.q" in warm.stdout
    assert warm.stdout == cold.stdout == uncached.stdout
    assert outlined == []


def _edits(root: Path) -> list[tuple[str, Callable[[], Any]]]:
    """Edits of the callers' ``module`` blocks that a stale remembered source would miss."""
    stack = root / "stack/main.tf"
    text = stack.read_text()
    return [
        ("nothing changed", lambda: None),
        ("call retargeted", lambda: stack.write_text(text.replace("modules/queue", "modules/other"))),
        ("call restored", lambda: stack.write_text(text)),
        # the quoted path and the word module are still there: only an outline tells it calls nothing
        (
            "call commented out",
            lambda: stack.write_text(text.replace(CALL, "".join(f"# {x}\n" for x in CALL.split("\n")))),
        ),
        (
            "call as a variable default",
            lambda: stack.write_text(text.replace(CALL, 'variable "module" {\n  default = "../modules/queue"\n}\n')),
        ),
        ("call restored again", lambda: stack.write_text(text)),
        ("same size, other target", lambda: stack.write_text(text.replace("modules/queue", "modules/qu3ue"))),
        ("call in a second file", lambda: write_tree(root, {"stack/calls.tf": CALL.replace('"queue"', '"again"')})),
        ("that file emptied", lambda: (root / "stack/calls.tf").write_text("")),
        ("caller made JSON", lambda: (root / "live/main.tf").rename(root / "live/main.tf.json")),
        (
            "JSON caller written",
            lambda: (root / "live/main.tf.json").write_text('{"module": {"q": {"source": "../modules/queue"}}}'),
        ),
        ("caller removed", lambda: (root / "live/main.tf.json").unlink()),
        ("caller edited in place", lambda: _in_place(stack, text.replace("modules/queue", "modules/other"))),
    ]


def _in_place(path: Path, text: str) -> None:
    """Rewritten through the same inode, its modification time put back: only the change time tells."""
    before = path.stat()
    with path.open("r+") as stream:
        stream.truncate(0)
        stream.write(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.parametrize("parser", ["auto", "hcl2"])
def test_a_warm_module_check_follows_every_edit_of_its_callers(repo: Path, tmp_path: Path, parser: str) -> None:
    cache = str(tmp_path / "cache")
    run_cli("check", "--cache-dir", cache, "--parser", parser, "--", NAMED)
    for what, edit in _edits(repo):
        time.sleep(0.02)  # past the clock's tick: a change is seen in a file's times
        edit()
        uncached = run_cli("check", "--no-cache", "--parser", parser, "--", NAMED)
        for _ in range(2):  # the first run records what it read, the second uses it
            warm = run_cli("check", "--cache-dir", cache, "--parser", parser, "--", NAMED)
            assert (warm.stdout, warm.exit_code) == (uncached.stdout, uncached.exit_code), what


def test_sources_remembered_by_one_parser_are_not_used_by_another(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = str(tmp_path / "cache")
    run_cli("check", "--cache-dir", cache, "--parser", "hcl2", "--", NAMED)
    uncached = run_cli("check", "--no-cache", "--parser", "tree-sitter", "--", NAMED)
    outlined = _outlined(monkeypatch)
    warm = run_cli("check", "--cache-dir", cache, "--parser", "tree-sitter", "--", NAMED)
    assert warm.stdout == uncached.stdout
    assert sorted(outlined) == ["main.tf", "main.tf"]  # the callers, outlined by this parser
    outlined.clear()
    run_cli("check", "--cache-dir", cache, "--parser", "tree-sitter", "--", NAMED)
    assert outlined == []


@pytest.mark.parametrize(
    "source",
    ["./mods/queue", "./mods/queue/", "./real/../mods/queue", "./.hidden/queue"],
    ids=["through a linked directory", "trailing slash", "a dot-dot part", "a hidden directory"],
)
def test_a_caller_reaching_the_module_through_links_is_found(repo: Path, tmp_path: Path, source: str) -> None:
    # the listing never enters a linked directory: such a path is compared by identity, never by its text
    write_tree(repo, {"via/main.tf": f'module "via" {{\n  source = "{source}"\n}}\n', "via/real/x.tf": ""})
    os.symlink("../modules", repo / "via/mods")
    os.symlink("../modules", repo / "via/.hidden")
    cache = str(tmp_path / "cache")
    uncached = run_cli("check", "--no-cache", "--", NAMED)
    assert "module.via.aws_sqs_queue.q" in uncached.stdout  # the caller was found
    for _ in range(2):
        warm = run_cli("check", "--cache-dir", cache, "--", NAMED)
        assert warm.stdout == uncached.stdout


def test_a_caller_beside_the_module_is_found_from_the_listing(repo: Path, tmp_path: Path) -> None:
    write_tree(
        repo, {"modules/main.tf": 'module "beside" {\n  source = "./queue"\n}\n', "modules/terraform.tfvars": ""}
    )
    write_tree(repo, {"modules/other/main.tf": 'module "elsewhere" {\n  source = "./queue"\n}\n'})  # no such module
    cache = str(tmp_path / "cache")
    uncached = run_cli("check", "--no-cache", "--", NAMED)
    assert "module.beside.aws_sqs_queue.q" in uncached.stdout
    assert "module.elsewhere" not in uncached.stdout
    for _ in range(2):
        assert run_cli("check", "--cache-dir", cache, "--", NAMED).stdout == uncached.stdout


# -- the files a context seeks, found in the remembered walk's texts (issue 20: no lists made for every directory) --


def _sought(root: Path, cache: Path | None) -> tuple[Any, ...]:
    """What the contexts ask of the listing of ``root``, through the store in ``cache`` (saved after) or walked."""
    from ownlint.loaders.listing import Listing

    listing = Listing(root.resolve())
    store = outline_cache.open_store(cache, root) if cache is not None else None
    if store is not None:
        listing.remember(store)
    named = listing.files_named(frozenset({"terragrunt.hcl", "kustomization.yaml", "Kustomization"}))
    ending = listing.files_ending((".tf", ".tf.json"))
    links = sorted(listing.links)
    names = {d: listing.names(d) for d, _, _ in Listing(root.resolve())}
    if store is not None:
        store.save()
    return named, ending, links, names, [(d, list(s), list(n)) for d, s, n in listing]


def test_the_files_sought_in_the_remembered_walk_are_those_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_hook_speed import _estate, _mutations

    monkeypatch.setattr(identity, "RACY_NS", 0)  # record directories changed a moment ago (the worst case)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _estate(root, tmp_path / "outside")
    write_tree(
        root, {"k8s/Kustomization": "", "a/terragrunt.hcl": "", "a/b/x.tf.json": "{}", "a/b/terragrunt.hcl.bak": ""}
    )
    os.symlink("../a/main.tf", root / "k8s/linked.tf")
    os.symlink("../a/terragrunt.hcl", root / "k8s/terragrunt.hcl")
    fresh = _sought(root, None)
    assert fresh[0] and fresh[1] and fresh[2]  # each kind is there to be found
    assert _sought(root, cache) == fresh  # cold: the store is filled
    for what, change in _mutations(root):
        time.sleep(0.02)
        change()
        fresh = _sought(root, None)
        assert _sought(root, cache) == fresh, what
        assert _sought(root, cache) == fresh, what  # and from what that run recorded (an unchanged walk)
