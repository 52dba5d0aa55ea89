"""The pre-commit path stays fast: a one-file check imports only what its kind of file needs, and walks the
repository once (issue 20). Each guard names what a regression would bring back."""

from __future__ import annotations

import collections
import io
import os
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import imports_of, run_cli, write_tree

TERRAFORM = {
    "ownlint.yaml": "parties:\n  internal: [platform]\n",
    "stack/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  tags = { owner = "platform" }\n}\n',
    "stack/terraform.tfvars": "",
}
MANIFEST = {
    "ownlint.yaml": "parties:\n  internal: [platform]\n",
    "apps/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: apps\n"
    "  labels:\n    owner: platform\n",
    "apps/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    owner: platform\n",
}

# what a check of .tf files never needs: the Kubernetes loaders, the audit, terragrunt's reader (no unit is
# on the path); (ipaddress is not listed: pathlib imports it through urllib.parse)
NOT_FOR_TERRAFORM = (
    "ownlint.loaders.kubernetes.kustomize",
    "ownlint.loaders.kubernetes.load",
    "ownlint.loaders.kubernetes.documents",
    "ownlint.loaders.kubernetes.helm",
    "ownlint.loaders.codeowners",
    "ownlint.cli.audit",
    "ownlint.report.audit",
    "ownlint.audit",
    "ownlint.loaders.terraform.terragrunt.config",
)
# what a check of manifests never needs: the HCL parsers, the evaluator, terragrunt
NOT_FOR_MANIFESTS = (
    "ownlint.loaders.terraform.load",
    "ownlint.loaders.terraform.evaluate",
    "ownlint.loaders.terraform.ts_backend",
    "ownlint.loaders.terraform.terragrunt.load",
    "tree_sitter",
    "ownlint.loaders.codeowners",
    "ownlint.cli.audit",
    "ownlint.audit",
)


def test_a_terraform_file_check_imports_no_kubernetes_audit_or_terragrunt_reader(tmp_path: Path) -> None:
    write_tree(tmp_path, TERRAFORM)
    _, imported = imports_of(tmp_path, "check", "--cache-dir", str(tmp_path / "cache"), "--", "stack/main.tf")
    assert "ownlint.loaders.terraform.load" in imported  # the probe sees the run's imports
    assert sorted(imported.intersection(NOT_FOR_TERRAFORM)) == []


def test_a_manifest_check_imports_no_hcl_parser_or_evaluator(tmp_path: Path) -> None:
    write_tree(tmp_path, MANIFEST)
    _, imported = imports_of(tmp_path, "check", "--cache-dir", str(tmp_path / "cache"), "--", "apps/app.yaml")
    assert "ownlint.loaders.kubernetes.load" in imported
    assert sorted(imported.intersection(NOT_FOR_MANIFESTS)) == []


def _listings(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    """How many times each directory is listed (``os.scandir``, which ``os.walk`` uses, and ``os.listdir``)."""
    listed: collections.Counter[str] = collections.Counter()
    scandir, listdir = os.scandir, os.listdir

    def counted_scandir(path: Any = ".") -> Any:
        if not isinstance(path, int):  # a directory opened by descriptor (the cache's own) is not the tree's
            listed[os.path.realpath(path)] += 1
        return scandir(path)

    def counted_listdir(path: Any = ".") -> Any:
        if not isinstance(path, int):
            listed[os.path.realpath(path)] += 1
        return listdir(path)

    monkeypatch.setattr(os, "scandir", counted_scandir)
    monkeypatch.setattr(os, "listdir", counted_listdir)
    return listed


ELSEWHERE = {f"other/team-{n}/deep/main.tf": 'resource "aws_sqs_queue" "q" {}\n' for n in range(3)}


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({**TERRAFORM, "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {}\n'}, "modules/queue/main.tf"),
        (TERRAFORM, "stack/main.tf"),
        ({**MANIFEST, "apps/app.yaml": MANIFEST["apps/app.yaml"].replace("apps", "elsewhere")}, "apps/app.yaml"),
    ],
    ids=["module file", "root file", "manifest whose Namespace is nowhere"],
)
def test_a_one_file_check_lists_each_directory_of_the_repository_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], named: str
) -> None:
    write_tree(tmp_path, {**files, **ELSEWHERE, "other/k8s/x.yaml": "apiVersion: v1\nkind: ConfigMap\n"})
    (tmp_path / ".git").mkdir()  # the repository's top: context comes from all of it
    monkeypatch.chdir(tmp_path)
    listed = _listings(monkeypatch)
    run = run_cli("check", "--no-cache", "--", named)
    assert run.exit_code in (0, 1), run.stderr
    deep = os.path.realpath(tmp_path / "other/team-0/deep")
    assert listed[deep] == 1
    own = os.path.realpath(tmp_path / named).rpartition("/")[0]  # its loader lists it as it reads it
    assert [(d, n) for d, n in listed.items() if n > 1 and d != own] == []


def _opened(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The files opened (``os.open`` and ``io.open``, which pathlib's reads use), as real paths."""
    opened: set[str] = set()
    os_open, io_open = os.open, io.open

    def counted_os_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(path, (str, os.PathLike)):
            opened.add(os.path.realpath(path))
        return os_open(path, *args, **kwargs)

    def counted_io_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(path, (str, os.PathLike)):
            opened.add(os.path.realpath(path))
        return io_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", counted_os_open)
    monkeypatch.setattr(io, "open", counted_io_open)
    return opened


CALLED = {
    **TERRAFORM,
    "stack/main.tf": TERRAFORM["stack/main.tf"] + 'module "queue" {\n  source = "../modules/queue"\n}\n',
    "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
    **{f"other/team-{n}/main.tf": f'module "m" {{\n  source = "./modules/m{n}"\n}}\n' for n in range(3)},
}


def _repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> tuple[Path, str]:
    """A git repository of ``files`` as the working directory, and a cache directory beside it; files written a
    moment ago are recorded (the test's own)."""
    from ownlint.loaders import identity

    monkeypatch.setattr(identity, "RACY_NS", 0)
    repo = write_tree(tmp_path / "repo", files)
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo)
    return repo, str(tmp_path / "cache")


def test_a_warm_module_file_check_reads_only_the_files_of_its_callers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    repo, cache = _repository(tmp_path, monkeypatch, CALLED)
    uncached = run_cli("check", "--no-cache", "--", "modules/queue/main.tf")
    cold = run_cli("check", "--cache-dir", cache, "--", "modules/queue/main.tf")
    opened = _opened(monkeypatch)
    warm = run_cli("check", "--cache-dir", cache, "--", "modules/queue/main.tf")
    assert "module.queue.aws_sqs_queue.q" in warm.stdout  # checked as its caller instantiates it
    assert warm.stdout == cold.stdout == uncached.stdout
    others = {os.path.realpath(repo / f"other/team-{n}/main.tf") for n in range(3)}
    assert opened & others == set()


# -- the repository's listing, remembered between runs (issue 20: a warm one-file check lists no directory) --


def _walk(root: Path, cache: Path | None) -> tuple[list[tuple[str, list[str], list[str]]], list[str]]:
    """The listing of ``root`` as a run sees it: walked, or through the store in ``cache`` (saved after)."""
    from ownlint.loaders.listing import Listing
    from ownlint.loaders.terraform.outline_cache import open_store

    listing = Listing(root.resolve())
    store = open_store(cache, root) if cache is not None else None
    if store is not None:
        listing.remember(store)
    walked = [(d, list(dirs), list(names)) for d, dirs, names in listing]
    if store is not None:
        store.save()
    return walked, sorted(listing.links)


def _estate(root: Path, outside: Path) -> None:
    write_tree(
        root,
        {
            "a/main.tf": "",
            "a/b/c/deep.tf": "",
            "a/.terraform/modules/m/x.tf": "",  # skipped directories are not entered
            "node_modules/p/x.tf": "",
            "nested/.git/config": "",  # a nested repository is walked as any directory (its .git is not)
            "nested/x/main.tf": "",
            "k8s/app.yaml": "",
            "k8s/kustomization.yaml": "",
        },
    )
    write_tree(outside, {"far/main.tf": ""})
    os.symlink("../k8s", root / "a/linked-dir")  # a link to a directory: listed as a name, not entered
    os.symlink("main.tf", root / "a/linked.tf")
    os.symlink(str(outside / "far"), root / "out")
    os.symlink("missing", root / "a/dangling.tf")
    os.mkdir(root / "empty")
    (root / os.fsdecode(b"bad-\xff.tf")).write_text("")


def _mutations(root: Path) -> list[tuple[str, Any]]:
    """Changes between runs that a stale listing would miss: every kind of entry added, removed or renamed."""
    return [
        ("file added", lambda: (root / "a/b/new.tf").write_text("")),
        ("file removed", lambda: (root / "a/b/c/deep.tf").unlink()),
        ("file renamed", lambda: (root / "a/main.tf").rename(root / "a/renamed.tf")),
        ("directory added", lambda: write_tree(root, {"a/b/d/e/more.tf": ""})),
        ("directory renamed", lambda: (root / "a/b/d").rename(root / "a/b/z")),
        ("directory removed", lambda: [p.unlink() for p in (root / "a/b/z/e").iterdir()] and None),
        ("directory made a link", lambda: _replace_with_link(root / "nested/x", "../k8s")),
        ("link made a directory", lambda: _replace_link_with_directory(root / "a/linked-dir")),
        ("link retargeted", lambda: _retarget(root / "a/linked.tf", "renamed.tf")),
        ("nothing changed", lambda: None),
    ]


def _replace_with_link(path: Path, target: str) -> None:
    import shutil

    shutil.rmtree(path)
    os.symlink(target, path)


def _replace_link_with_directory(path: Path) -> None:
    path.unlink()
    write_tree(path, {"inner.tf": ""})


def _retarget(path: Path, target: str) -> None:
    path.unlink()
    os.symlink(target, path)


def test_the_remembered_listing_is_the_walk_after_every_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from ownlint.loaders import identity

    monkeypatch.setattr(identity, "RACY_NS", 0)  # record directories changed a moment ago (the worst case)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _estate(root, tmp_path / "outside")
    assert _walk(root, cache) == _walk(root, None)  # cold: the store is filled
    for what, change in _mutations(root):
        time.sleep(0.02)  # past the clock's tick: a change is seen in a directory's times
        change()
        walked = _walk(root, None)
        assert _walk(root, cache) == walked, what
        assert _walk(root, cache) == walked, what  # and again from what that run recorded
    directories = {os.path.relpath(d, root.resolve()) for d, _, _ in walked[0]}  # (the test's tree is walked)
    assert {"a/b/c", "a/linked-dir", "nested", "empty"} <= directories
    assert {"nested/.git", "a/.terraform", "node_modules", "out"} & directories == set()


def test_a_directory_changed_within_the_clock_tick_is_not_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ownlint.loaders import identity

    def coarse(info: os.stat_result) -> tuple[int, ...]:  # a file system with one-second times (FAT, HFS+, ...)
        return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns // 10**9, info.st_ctime_ns // 10**9

    monkeypatch.setattr(identity, "fields", coarse)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _estate(root, tmp_path / "outside")
    _walk(root, cache)
    (root / "a/b/new.tf").write_text("")  # within RACY_NS of the first run: the same mtime could hide it
    assert _walk(root, cache) == _walk(root, None)


def test_a_warm_one_file_check_lists_no_directory_of_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ownlint.loaders import identity

    repo, cache = _repository(tmp_path, monkeypatch, {**CALLED, **ELSEWHERE, "k8s/x.yaml": MANIFEST["apps/app.yaml"]})
    for named in ("modules/queue/main.tf", "stack/main.tf", "k8s/x.yaml"):
        cold = run_cli("check", "--cache-dir", cache, "--", named)
        listed = _listings(monkeypatch)
        warm = run_cli("check", "--cache-dir", cache, "--", named)
        monkeypatch.undo()
        monkeypatch.setattr(identity, "RACY_NS", 0)
        monkeypatch.chdir(repo)
        assert warm.stdout == cold.stdout, named
        # its loader lists the directories it reads: the file's, its callers' and the modules they call
        read = {os.path.realpath(repo / d) for d in (named.rpartition("/")[0], "stack", "modules/queue")}
        assert [d for d in listed if d not in read and d.startswith(os.path.realpath(repo))] == [], named


@pytest.mark.parametrize("ahead", [False, True], ids=["stat-here", "stat-ahead"])
def test_a_warm_module_check_finds_callers_added_removed_and_renamed_between_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead: bool
) -> None:
    import time

    from ownlint.loaders import stat_ahead
    from ownlint.loaders.terraform import outline_cache

    if ahead:  # the stored files' identities made in a child process, however few (``stat_ahead``)
        monkeypatch.setattr(outline_cache, "AHEAD_BYTES", 0)
        monkeypatch.setattr(stat_ahead, "_threaded", lambda: False)
    stated: list[int] = []  # the runs that stat'ed the files themselves
    own = outline_cache._stats
    monkeypatch.setattr(outline_cache, "_stats", lambda paths: stated.append(1) or own(paths))
    repo, cache = _repository(tmp_path, monkeypatch, {**CALLED, **ELSEWHERE})
    named = "modules/queue/main.tf"
    call = 'module "queue" {\n  source = "../../modules/queue"\n}\n'
    steps = [
        lambda: write_tree(repo, {"live/new/main.tf": call, "live/new/terraform.tfvars": ""}),  # a new caller
        lambda: (repo / "live/new").rename(repo / "live/moved"),
        lambda: (repo / "live/moved/main.tf").rename(repo / "live/moved/calls.tf"),
        lambda: (repo / "live/moved/calls.tf").write_text(""),  # its call removed
        lambda: (repo / "live/moved/calls.tf").write_text(call),
        lambda: (repo / "stack/main.tf").unlink(),
    ]
    for step in [lambda: None, *steps]:
        time.sleep(0.02)
        step()
        warm = run_cli("check", "--cache-dir", cache, "--", named)
        uncached = run_cli("check", "--no-cache", "--", named)
        assert warm.stdout == uncached.stdout
    assert "live/moved" in uncached.stdout or "module.queue" in uncached.stdout
    assert len(stated) == (1 if ahead else 1 + len(steps))  # with the child, only the run without a store


def test_a_run_that_does_not_search_callers_keeps_what_the_store_knows_of_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    repo, cache = _repository(tmp_path, monkeypatch, CALLED)
    run_cli("check", "--cache-dir", cache, "--", "modules/queue/main.tf")  # the files' outlines are stored
    time.sleep(0.02)
    write_tree(repo, {"new/dir/x.yaml": ""})  # the walk changes: the store is written again
    run_cli("check", "--cache-dir", cache, "--", "stack/main.tf")  # by a run that reads no other file
    opened = _opened(monkeypatch)
    warm = run_cli("check", "--cache-dir", cache, "--", "modules/queue/main.tf")
    assert "module.queue.aws_sqs_queue.q" in warm.stdout
    others = {os.path.realpath(repo / f"other/team-{n}/main.tf") for n in range(3)}
    assert opened & others == set()


def test_a_run_that_does_not_walk_keeps_the_last_walk_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ownlint.loaders import identity
    from ownlint.loaders.listing import Listing
    from ownlint.loaders.terraform import outline_cache
    from ownlint.loaders.terraform.callers import local_strings

    monkeypatch.setattr(identity, "RACY_NS", 0)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _estate(root, tmp_path / "outside")
    walked = _walk(root, cache)
    listing = Listing(root.resolve())
    monkeypatch.setattr(outline_cache, "MAX_ENTRIES", len(list(listing)))  # files recorded leave no room
    store = outline_cache.open_store(cache, root)
    assert store is not None
    files = [str(root.resolve() / name) for name in ("a/main.tf", "nested/x/main.tf", "k8s/app.yaml")]
    assert len(list(store.strings_of(files, 1 << 20, local_strings))) == 3  # no walk: files recorded
    store.save()
    store = outline_cache.open_store(cache, root)
    assert store is not None
    remembered = store.unchanged_walk()
    assert remembered is not None  # the walk is still whole...
    assert list(remembered) == [d for d, _, _ in walked[0]]  # ...and all there, in its order


# -- a one-file check builds nothing its rules cannot use, and reads the shipped preset without parsing YAML --

MSP_CONFIG = (
    "parties:\n  internal: [platform]\n  msp:\n    acme:\n      identities:\n"
    '        aws_principals: ["arn:aws:iam::111122223333:root"]\n'
)
TRUSTING = (
    'resource "aws_iam_role" "ops" {\n  name = "ops"\n  tags = { owner = "platform" }\n'
    '  assume_role_policy = jsonencode({Statement = [{Effect = "Allow", Action = "sts:AssumeRole",\n'
    '    Principal = {AWS = "arn:aws:iam::111122223333:root"}}]})\n}\n'
    'resource "aws_iam_role_policy" "read" {\n  role = aws_iam_role.ops.name\n'
    '  policy = jsonencode({Statement = [{Effect = "Allow", Action = "s3:GetObject",\n'
    '    Resource = "${aws_s3_bucket.ledger.arn}/*"}]})\n}\n'
)
BUCKET = 'resource "aws_s3_bucket" "ledger" {\n  bucket = "l"\n  tags = { owner = "platform"%s }\n}\n'


def _graphs_built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many resource graphs the run builds (each with its resources' count)."""
    import ownlint.graph

    built: list[int] = []
    build = ownlint.graph.build_graph

    def counted(resources: Any, *args: Any, **kwargs: Any) -> Any:
        listed = list(resources)
        built.append(len(listed))
        return build(listed, *args, **kwargs)

    monkeypatch.setattr(ownlint.graph, "build_graph", counted)
    return built


def test_the_boundary_rules_build_no_graph_when_no_resource_is_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"ownlint.yaml": MSP_CONFIG, "stack/main.tf": TRUSTING + BUCKET % ""})
    monkeypatch.chdir(tmp_path)
    built = _graphs_built(monkeypatch)
    clean = run_cli("check", "--no-cache", "--format", "json", "--", "stack/main.tf")
    assert built == []  # the MSP reaches the bucket, but no boundary denies it: no path can be a finding
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    import ownlint.rules.paths as paths

    monkeypatch.setattr(paths, "_denying", lambda context, boundaries, also: boundaries)  # as before: built
    assert run_cli("check", "--no-cache", "--format", "json", "--", "stack/main.tf").stdout == clean.stdout


def test_the_boundary_rules_build_the_graph_when_a_resource_is_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    restricted = BUCKET % ', data-classification = "restricted"'
    write_tree(tmp_path, {"ownlint.yaml": MSP_CONFIG, "stack/main.tf": TRUSTING + restricted})
    monkeypatch.chdir(tmp_path)
    built = _graphs_built(monkeypatch)
    run = run_cli("check", "--no-cache", "--format", "json", "--", "stack/main.tf")
    assert built == [3]
    assert [f["rule"] for f in run.json()["findings"] if f["rule"] == "OWN008"] == ["OWN008"]


def test_a_module_file_check_builds_no_graph_when_only_its_caller_holds_a_denied_resource(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller's restricted bucket is context: a path to it is never a finding on the module file, so the graph
    is not built (issue 20: ~10 ms of a hook run); a check of the caller's own file still builds it."""
    restricted = BUCKET % ', data-classification = "restricted"'
    call = 'module "queue" {\n  source = "../modules/queue"\n}\n'
    files = {
        "ownlint.yaml": MSP_CONFIG,
        "stack/main.tf": TRUSTING + restricted + call,
        "stack/terraform.tfvars": "",
        "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n  tags = { owner = "platform" }\n}\n',
    }
    repo = write_tree(tmp_path, files)
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo)
    built = _graphs_built(monkeypatch)
    module = run_cli("check", "--no-cache", "--format", "json", "--", "modules/queue/main.tf")
    assert built == []
    assert "module.queue.aws_sqs_queue.q" in module.stdout  # checked through its caller
    caller = run_cli("check", "--no-cache", "--format", "json", "--", "stack/main.tf")
    assert built == [5]
    assert "OWN008" in [f["rule"] for f in caller.json()["findings"]]
    monkeypatch.undo()
    monkeypatch.chdir(repo)
    import ownlint.rules.paths as paths

    monkeypatch.setattr(paths, "_reportable", lambda context, boundaries, also: True)  # as before: built
    assert run_cli("check", "--no-cache", "--format", "json", "--", "modules/queue/main.tf").stdout == module.stdout


def test_the_shipped_preset_is_read_without_parsing_its_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ownlint.config.yaml

    parsed: list[str] = []
    load_located = ownlint.config.yaml.load_located

    def counted(text: str, file: str) -> Any:
        parsed.append(file)
        return load_located(text, file)

    monkeypatch.setattr(ownlint.config.yaml, "load_located", counted)
    write_tree(tmp_path, TERRAFORM)
    monkeypatch.chdir(tmp_path)
    run = run_cli("check", "--no-cache", "--", "stack/main.tf")
    assert run.exit_code == 1, run.stderr  # the preset's categories and facts are applied
    assert "OWN005 missing-compliance-label" in run.stdout
    assert [os.path.basename(f) for f in parsed] == ["ownlint.yaml"]  # the user's config only


def test_the_precomputed_preset_is_the_parsed_yaml() -> None:
    from ownlint.config.load import PRESETS, preset_located, preset_text
    from ownlint.config.yaml import load_located

    for name in PRESETS:
        parsed = load_located(preset_text(name), f"preset {name}")
        assert preset_located(name) == parsed, "run scripts/presets.py to write presets/*.json again"


def test_a_warm_check_without_a_config_file_imports_no_yaml_parser(tmp_path: Path) -> None:
    files = {name: text for name, text in TERRAFORM.items() if name != "ownlint.yaml"}
    repo = write_tree(tmp_path / "repo", files)
    (repo / ".git").mkdir()
    cache = str(tmp_path / "cache")
    cold, _ = imports_of(repo, "check", "--cache-dir", cache, "--", "stack/main.tf")
    warm, imported = imports_of(repo, "check", "--cache-dir", cache, "--", "stack/main.tf")
    assert warm == cold
    assert "preset hybrid-it" in warm
    assert "ownlint.config.load" in imported  # the probe sees the run's imports
    assert sorted(imported & {"yaml", "ownlint.config.yaml"}) == []  # the shipped preset is read as JSON


def test_a_check_that_parses_and_evaluates_terraform_imports_no_yaml_parser(tmp_path: Path) -> None:
    """A pre-commit check of a changed ``.tf`` file parses and evaluates its root: the readers of Terraform's JSON
    syntax and of ``yamldecode`` (which bring the YAML parser, ~8 ms) are imported only for a file or call of theirs."""
    files = {name: text for name, text in TERRAFORM.items() if name != "ownlint.yaml"}
    repo = write_tree(tmp_path / "repo", {**files, "stack/locals.tf": "locals {\n  x = jsonencode({ a = 1 })\n}\n"})
    (repo / ".git").mkdir()
    checked, imported = imports_of(repo, "check", "--no-cache", "--", "stack/main.tf")
    assert "aws_s3_bucket.b" in checked or "No findings" in checked
    assert "ownlint.loaders.terraform.evaluate" in imported  # the root was evaluated
    assert sorted(imported & {"yaml", "ownlint.loaders.terraform.json_syntax"}) == []
    yaml_tags = 'resource "aws_s3_bucket" "y" {\n  tags = yamldecode("owner: platform")\n}\n'
    write_tree(repo, {"stack/yaml.tf": yaml_tags})
    checked, imported = imports_of(repo, "check", "--no-cache", "--", "stack/main.tf")
    assert "aws_s3_bucket.y" not in checked  # its tags were decoded: it has its owner
    assert "ownlint.loaders.terraform.functions.yaml_values" in imported  # (the probe sees it when it is used)
    assert "ownlint.loaders.terraform.json_syntax" not in imported
    write_tree(repo, {"stack/more.tf.json": '{"locals": {"y": 1}}'})
    checked, imported = imports_of(repo, "check", "--no-cache", "--", "stack/main.tf")
    assert "ownlint.loaders.terraform.json_syntax" in imported


# -- the config's composition remembered in the user's cache: a warm Terraform check imports no YAML parser --

WAIVED = (
    "parties:\n  internal: [platform]\nwaivers:\n  - rule: OWN005\n    resource: aws_s3_bucket.b\n"
    "    reason: legacy\n    expires: 2099-01-01\n"
)


def test_a_warm_terraform_check_with_a_config_file_imports_no_yaml_parser(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {**TERRAFORM, "ownlint.yaml": WAIVED})
    (repo / ".git").mkdir()
    cache = str(tmp_path / "cache")
    uncached, _ = imports_of(repo, "check", "--no-cache", "--", "stack/main.tf")
    cold, _ = imports_of(repo, "check", "--cache-dir", cache, "--", "stack/main.tf")
    warm, imported = imports_of(repo, "check", "--cache-dir", cache, "--", "stack/main.tf")
    assert warm == cold == uncached
    assert "suppressed" in warm  # the waiver (a date in the config) was applied
    assert "ownlint.config.load" in imported
    assert sorted(imported & {"yaml", "ownlint.config.yaml"}) == []


def _config_entries(cache: Path) -> list[Path]:
    return sorted((cache / "configs").glob("*.json"))


def test_a_planted_or_changed_config_entry_is_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    repo = write_tree(tmp_path / "repo", {**TERRAFORM, "ownlint.yaml": WAIVED})
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo)
    cache = tmp_path / "cache"
    uncached = run_cli("check", "--no-cache", "--", "stack/main.tf")
    run_cli("check", "--cache-dir", str(cache), "--", "stack/main.tf")
    [entry] = _config_entries(cache)
    signature, _, body = entry.read_bytes().partition(b"\n")
    stored = json.loads(body)
    stored["data"][1][0][1] = ["m", [["internal", ["l", [["s", "attacker"]]]]]]  # parties: internal: [attacker]
    forged = json.dumps(stored).encode()
    for planted in (signature + b"\n" + forged, b"0" * 64 + b"\n" + forged, b"not json"):
        entry.write_bytes(planted)
        warm = run_cli("check", "--cache-dir", str(cache), "--", "stack/main.tf")
        assert (warm.exit_code, warm.stdout) == (uncached.exit_code, uncached.stdout)
        assert "attacker" not in warm.stdout
    (repo / "ownlint.yaml").write_text(WAIVED.replace("platform", "platform, data-eng"))  # another text: another entry
    changed = run_cli("check", "--no-cache", "--", "stack/main.tf")
    warm = run_cli("check", "--cache-dir", str(cache), "--", "stack/main.tf")
    assert (warm.exit_code, warm.stdout) == (changed.exit_code, changed.stdout)
    (repo / "ownlint.yaml").write_text("parties: [\n")  # a config that does not compose: its error, every time
    for _ in range(2):
        broken = run_cli("check", "--cache-dir", str(cache), "--", "stack/main.tf")
        assert broken.exit_code == 2 and "invalid YAML" in broken.stderr


def test_a_config_cache_inside_the_scanned_repository_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_tree(tmp_path / "repo", {**TERRAFORM, "ownlint.yaml": WAIVED})
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo)
    run_cli("check", "--cache-dir", str(repo / ".cache"), "--", "stack/main.tf")
    assert _config_entries(repo / ".cache") == []


# -- start-up: what every run builds at import (issue 20: a one-file check is import-bound) --


def _made_at_import(module: str) -> list[str]:
    """The methods ``dataclass`` writes (and compiles, ~0.4M instructions each) while ``module`` is imported."""
    import subprocess
    import sys

    probe = (
        "import dataclasses, importlib, sys\n"
        "made = []\n"
        "create = dataclasses._create_fn\n"
        "def counted(name, *args, **kwargs):\n"
        "    made.append(name)\n"
        "    return create(name, *args, **kwargs)\n"
        "dataclasses._create_fn = counted\n"
        f"importlib.import_module({module!r})\n"
        "print(' '.join(made))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_the_models_records_write_no_method_at_import() -> None:
    """``record`` makes the model's records: none compiles a method at import (the hot records' ``__init__``,
    with their slots set directly, is written when first looked up)."""
    assert _made_at_import("ownlint.model") == []


@pytest.mark.parametrize(("files", "named"), [(TERRAFORM, "stack/main.tf"), (MANIFEST, "apps/app.yaml")])
def test_the_records_a_check_imports_have_docstrings(tmp_path: Path, files: dict[str, str], named: str) -> None:
    """A dataclass without a docstring gets one made from ``inspect.signature`` at import (~0.7M instructions)."""
    import dataclasses
    import importlib

    write_tree(tmp_path, files)
    _, imported = imports_of(tmp_path, "check", "--no-cache", "--", named)
    undocumented = []
    for name in sorted(n for n in imported if n.startswith("ownlint")):
        for value in vars(importlib.import_module(name)).values():
            written = isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == name
            if written and (value.__doc__ or "").startswith(f"{value.__name__}("):
                undocumented.append(f"{name}.{value.__name__}")
    assert undocumented == [], " ".join(undocumented)


def _compiled_by(cwd: Path, *args: str) -> set[str]:
    """The regular expressions ``ownlint ARGS`` compiles in a fresh interpreter (the module's and the run's)."""
    import subprocess
    import sys

    probe = (  # told at exit: the command ends the process itself (``cli.run``), after its exit functions
        "import atexit, re, runpy, sys\n"
        "compiled = set()\n"
        "compile = re._compiler.compile\n"
        "def counted(pattern, flags):\n"
        "    compiled.add(pattern if isinstance(pattern, str) else repr(pattern))\n"
        "    return compile(pattern, flags)\n"
        "re._compiler.compile = counted\n"
        "atexit.register(lambda: sys.stderr.write('\\0'.join(sorted(compiled))))\n"
        "sys.argv = ['ownlint', *sys.argv[1:]]\n"
        "runpy.run_module('ownlint', run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *args], cwd=cwd, capture_output=True, text=True, check=False)
    return set(done.stderr.rpartition("\n")[2].split("\0"))


def test_a_warm_one_file_check_compiles_no_pattern_it_does_not_use(tmp_path: Path) -> None:
    """Module calls are searched, surrogates replaced, Markdown escaped, GKE members read only when there is
    something to do it to: their patterns are compiled then, not at import."""
    from ownlint.graph.relations import cloud_iam
    from ownlint.loaders import files
    from ownlint.loaders.terraform import callers
    from ownlint.report import escape

    unused = [
        callers.MODULE_WORD,
        callers._SOURCE,
        callers._LITERAL,
        files._SURROGATE,
        files._SURROGATE_ESCAPE,
        escape._MARKDOWN_SIGN,
        escape._LONE_UNDERSCORE,
        cloud_iam.WORKLOAD_IDENTITY,
    ]
    repo = write_tree(
        tmp_path / "repo", {**TERRAFORM, "ownlint.yaml": MSP_CONFIG, "stack/main.tf": TRUSTING + BUCKET % ""}
    )
    (repo / ".git").mkdir()
    cache = str(tmp_path / "cache")
    run_cli_args = ("check", "--cache-dir", cache, "--", "stack/main.tf")
    _compiled_by(repo, *run_cli_args)
    compiled = _compiled_by(repo, *run_cli_args)
    assert len(compiled) > 3  # the probe sees the run's patterns
    assert sorted(compiled & {getattr(p, "pattern", p) for p in unused}) == []


def test_the_command_line_builds_only_the_check_command_at_import() -> None:
    """The other commands' options (~7M instructions) are built when one of them is run or listed."""
    import subprocess
    import sys

    probe = "import ownlint.cli as c; print(' '.join(sorted(c.cli.commands)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["check"]
    listed = run_cli("--help")
    for name in ("audit", "baseline", "check", "explain", "fix", "graph", "init", "report", "rules"):
        assert f"\n  {name} " in listed.stdout, name
    assert run_cli("fix", "--help").exit_code == 0


def _calling_files(root: Path, count: int) -> list[str]:
    """``count`` files under ``root``, each calling a module of its own, as the callers search is given them."""
    write_tree(root, {f"s{n}/main.tf": f'module "m" {{\n  source = "../m{n}"\n}}\n' for n in range(count)})
    return [str(root.resolve() / f"s{n}/main.tf") for n in range(count)]


def _searched(cache: Path, root: Path, paths: list[str], read: Any = None) -> list[tuple[str, Any]]:
    """One run's pass over ``paths`` through the outline store in ``cache`` (``read``: how a file is read; the
    search's own by default), the store saved after it."""
    from ownlint.loaders.terraform import outline_cache
    from ownlint.loaders.terraform.callers import local_strings

    store = outline_cache.open_store(cache, root)
    assert store is not None
    found = store.strings_of(paths, 1 << 20, read or local_strings)
    store.save()
    return found


def _compared_by_key(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A mark for each time a run compares the files with their stored identities one by one."""
    from ownlint.loaders.terraform import outline_cache

    compared: list[int] = []
    by_key = outline_cache.OutlineStore._identity_of
    monkeypatch.setattr(outline_cache.OutlineStore, "_identity_of", lambda self: compared.append(1) or by_key(self))
    return compared


def test_a_file_recorded_again_keeps_the_next_unchanged_run_on_its_one_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that records a changed file writes the files in its walk's order: the next run, with nothing changed,
    compares one digest (the changed file recorded last made every later run compare each file by its key)."""
    from ownlint.loaders import identity

    monkeypatch.setattr(identity, "RACY_NS", 0)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    files = _calling_files(root, 4)
    first = _searched(cache, root, files)
    (root / "s1/main.tf").write_text('module "m" {\n  source = "../moved"\n}\n')  # recorded by the next run
    changed = _searched(cache, root, files)
    assert changed != first
    compared = _compared_by_key(monkeypatch)
    assert _searched(cache, root, files) == changed
    assert compared == []


def test_a_changed_file_is_told_apart_by_its_identity_written_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the files are not the stored ones in their order, each is compared with its stored identity: written as
    one text each (a list of numbers per file took a pre-commit run ~20 ms to decode and check in a 21.5k-file
    repository), and only the files whose identity changed, or that are new, are read again."""
    import json

    from ownlint.loaders import identity
    from ownlint.loaders.terraform import outline_cache
    from ownlint.loaders.terraform.callers import local_strings

    monkeypatch.setattr(identity, "RACY_NS", 0)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    files = _calling_files(root, 5)
    read: list[str] = []

    def reading(path: str, max_bytes: int) -> list[str] | None:
        read.append(os.path.basename(os.path.dirname(path)))
        return local_strings(path, max_bytes)

    _searched(cache, root, files[:4], reading)
    stored = next((cache / "outlines").glob("*.json")).read_bytes().split(b"\n")
    identities = json.loads(stored[1 + outline_cache.FILE_IDENTITIES])  # (after the signature's line)
    assert len(identities) == 4 and all(type(text) is str and text.count(".") == 4 for text in identities)
    (root / "s2/main.tf").write_text('module "m" {\n  source = "../moved"\n}\n')  # another size
    read.clear()
    found = dict(_searched(cache, root, list(reversed(files)), reading))  # another order, one more file: by key
    assert sorted(read) == ["s2", "s4"]
    assert found[files[2]] == ["../moved"] and found[files[0]] == ["../m0"]


def test_a_run_whose_walk_is_the_stored_one_writes_its_lines_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file changed since the last run is recorded and the store written again: the walk, unchanged, is written
    as it was read (its thousands of directories and their identities were encoded again: ~10 ms), and the next
    run takes it as the same walk."""
    from ownlint.loaders import identity
    from ownlint.loaders.terraform import outline_cache
    from ownlint.loaders.terraform.callers import local_strings

    monkeypatch.setattr(identity, "RACY_NS", 0)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    files = _calling_files(root, 3)
    walked = _walk(root, cache)
    (root / "s1/main.tf").write_text('module "m" {\n  source = "../moved"\n}\n')
    encoded: list[Any] = []
    dumps = outline_cache._dumps
    monkeypatch.setattr(outline_cache, "_dumps", lambda value: encoded.append(value) or dumps(value))
    store = outline_cache.open_store(cache, root)
    assert store is not None
    assert store.unchanged_walk() is not None
    assert dict(store.strings_of(files, 1 << 20, local_strings))[files[1]] == ["../moved"]
    store.save()
    assert encoded and not [value for value in encoded if isinstance(value, dict) and "dirs" in value]
    again = outline_cache.open_store(cache, root)
    assert again is not None
    assert list(again.unchanged_walk() or {}) == [d for d, _, _ in walked[0]]


def test_a_run_given_the_same_files_again_compares_one_digest_though_others_were_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-file check leaves its own directory's files out of the search; the store keeps them (another run needs
    them), after this run's files. The next run of the same directory, nothing changed, compares one digest: it
    compared every file by its key for good (a module checked after any other had recorded its files)."""
    from ownlint.loaders import identity

    monkeypatch.setattr(identity, "RACY_NS", 0)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    files = _calling_files(root, 4)
    _searched(cache, root, files)  # a check of another directory: every file recorded
    (root / "s2/main.tf").write_text('module "m" {\n  source = "../moved"\n}\n')  # recorded by the next run
    first = _searched(cache, root, files[1:])  # a check of s0: its file is kept, after the others
    compared = _compared_by_key(monkeypatch)
    assert _searched(cache, root, files[1:]) == first
    assert compared == []
    (root / "s3/main.tf").write_text('module "m" {\n  source = "../again"\n}\n')  # one of them changed: seen
    assert dict(_searched(cache, root, files[1:]))[files[3]] == ["../again"]
    assert compared  # compared by key
