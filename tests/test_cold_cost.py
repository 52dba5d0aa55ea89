"""Issue 20, a cold check nearer the parse floor on small files and small repositories: what a cold run
does per directory and per file is counted, and every shortcut gives the same answers as the long way."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import run_cli, write_tree

STACKS = 5


def _estate(root: Path) -> Path:
    files = {"modules/bucket/main.tf": 'resource "aws_s3_bucket" "inner" {\n  bucket = "b"\n}\n'}
    for stack in range(STACKS):
        files[f"stacks/s{stack}/main.tf"] = 'module "m" {\n  source = "../../modules/bucket"\n}\n'
        files[f"stacks/s{stack}/r.tf"] = 'resource "aws_s3_bucket" "r" {\n  bucket = "x"\n}\n'
        files[f"stacks/s{stack}/terraform.tfvars"] = 'x = "y"\n'
        files[f"stacks/s{stack}/README.md"] = "not Terraform\n"
    return write_tree(root, files)


def _listings(monkeypatch: pytest.MonkeyPatch, directory: Path, *args: str) -> tuple[Counter[str], Any]:
    """How often each directory was listed (``os.scandir``) in one check of ``directory``, and its JSON."""
    counted: Counter[str] = Counter()
    original = os.scandir

    def scandir(path: Any = ".") -> Any:
        counted[os.path.realpath(os.fspath(path))] += 1
        return original(path)

    monkeypatch.setattr(os, "scandir", scandir)
    run = run_cli("check", *args, "--format", "json", str(directory))
    monkeypatch.undo()
    assert run.exit_code == 1, run.stderr
    return counted, run.json()


def test_a_cold_check_lists_each_terraform_directory_once_after_discovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discovery lists the tree; the Terraform loader lists no directory the walk listed again (not to count
    its files, nor to read them, nor to look its names up for links)."""
    repo = _estate(tmp_path / "repo")
    counted, found = _listings(monkeypatch, repo, "--no-cache", "--jobs", "1")
    stacks = [str((repo / f"stacks/s{n}").resolve()) for n in range(STACKS)]
    module = str((repo / "modules/bucket").resolve())
    assert {d: counted[d] for d in [*stacks, module]} == {d: 1 for d in [*stacks, module]}, counted
    resources = sorted({f["resource"] for f in found["findings"]})
    assert resources == ["aws_s3_bucket.r", "module.m.aws_s3_bucket.inner"]


def _instances_tree(root: Path) -> Path:
    return write_tree(
        root,
        {
            "main.tf": 'module "a" {\n  source = "./m"\n  for_each = toset(["x", "y", "z"])\n  owner = each.key\n}\n'
            'module "b" {\n  source = "./m"\n}\n',
            "m/main.tf": 'variable "owner" {}\nvariable "team" {\n  default = "t"\n}\n'
            "locals {\n  tags = { Owner = var.owner, Team = var.team }\n}\n"
            'resource "aws_s3_bucket" "b" {\n  tags = local.tags\n}\noutput "o" {\n  value = local.tags\n}\n',
        },
    )


def test_a_module_s_declarations_are_read_once_per_run_not_per_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four instances of one module (three by for_each, one more call): its variable, local and output
    blocks are gathered once, and each instance still gets its own inputs and its own reasons."""
    from ownlint.loaders.terraform import variables

    counted: Counter[str] = Counter()
    for name in ("locals_of", "outputs_of", "top_blocks"):
        original = getattr(variables, name)

        def wrapped(*args: Any, _name: str = name, _original: Any = original) -> Any:
            counted[_name] += 1
            return _original(*args)

        monkeypatch.setattr(variables, name, wrapped)
    run = run_cli("check", "--no-cache", "--jobs", "1", "--format", "json", str(_instances_tree(tmp_path / "r")))
    monkeypatch.undo()
    assert run.exit_code == 1, run.stderr
    assert counted["locals_of"] == 2 and counted["outputs_of"] == 2, counted  # the root module and ./m
    assert counted["top_blocks"] <= 6, counted  # variable, locals, output blocks of each: not of each instance
    found = [(f["rule"], f["resource"], f["message"]) for f in run.json()["findings"] if f["rule"] == "OWN012"]
    assert found == [  # module.a's instances set the input; module.b's reason names module.b
        (
            "OWN012",
            "module.b.aws_s3_bucket.b",
            "module.b.aws_s3_bucket.b: cannot be known statically: owner: var.owner has no default and module.b "
            "does not set it (variable owner (m/main.tf:1))",
        )
    ]


def test_resolving_a_real_path_makes_no_new_path_and_links_are_still_followed(tmp_path: Path) -> None:
    from ownlint.loaders.files import one_run, relative, resolved
    from ownlint.loaders.terraform.probes import ProbeContext
    from ownlint.loaders.terraform.reads import listing

    repo = write_tree(tmp_path.resolve() / "repo", {"a/main.tf": "", "b/real.tf": ""})
    (repo / "a/link.tf").symlink_to("../b/real.tf")
    (repo / "c").symlink_to("a")
    plain = repo / "a/main.tf"
    with one_run():
        assert resolved(plain) is plain  # thousands of discovered files: no second Path each
        assert resolved(repo / "a/link.tf") == repo / "b/real.tf"
        assert resolved(repo / "c/main.tf") == plain
        assert resolved(Path(os.path.relpath(plain))) == plain
        # a directory's files shown by its real path resolved once: as one by one
        for directory in (repo / "a", repo / "c"):
            listed = listing(ProbeContext(repo, repo, 1 << 20), directory)[1]
            assert [shown for _, shown in listed] == [
                relative(repo, directory / "link.tf"),
                relative(repo, directory / "main.tf"),
            ]
            assert [shown for _, shown in listed] == ["b/real.tf", "a/main.tf"]
        below = listing(ProbeContext(repo / "b", repo, 1 << 20), repo / "a")[1]
        assert [shown for _, shown in below] == ["real.tf", "../a/main.tf"]


def test_a_module_shared_by_many_roots_is_shaped_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Five roots call one module (terraform-aws-vpc's examples call their module so): what each of its blocks
    refers to (``addresses.Shape``) is worked out once per run, not once per root; each root's resources still
    carry their own addresses and findings."""
    from ownlint.loaders.terraform import addresses

    shaped: Counter[tuple[str, ...]] = Counter()
    original = addresses._links

    def links(block: Any, outer: str = "") -> Any:
        if not outer:
            shaped[tuple(block.labels)] += 1
        return original(block, outer)

    monkeypatch.setattr(addresses, "_links", links)
    run = run_cli("check", "--no-cache", "--jobs", "1", "--format", "json", str(_estate(tmp_path / "repo")))
    monkeypatch.undo()
    assert run.exit_code == 1, run.stderr
    assert shaped[("aws_s3_bucket", "inner")] == 1, shaped  # (each root's own blocks are shaped in its evaluation)
    found = sorted((f["file"], f["resource"]) for f in run.json()["findings"] if f["rule"] == "OWN001")
    assert found == sorted(
        [(f"stacks/s{n}/r.tf", "aws_s3_bucket.r") for n in range(STACKS)]
        + [("modules/bucket/main.tf", "module.m.aws_s3_bucket.inner")] * STACKS
    )
