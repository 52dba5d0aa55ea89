"""The result cache per root module (issue 20): a root whose inputs did not change is replayed, not evaluated.

An entry records every input its root's evaluation read (file digests, directory listings, paths found
missing, the vendored modules) and the key material around it (options, version, backend, scan root); a
warm run validates those and replays the result. Invisible in the output: cold, warm and uncached runs
agree byte for byte; an entry that does not match, or that someone else could have written, is not used.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import fixture_config, run_cli, write_tree
from tests.test_speed import TODAY, _fixture_directories

from ownlint.loaders.discovery import discover
from ownlint.loaders.terraform import codec, packs, results
from ownlint.loaders.terraform import load as terraform_load
from ownlint.loaders.terraform.directories import ModuleLoader
from ownlint.loaders.terraform.inputs import TerraformInputs
from ownlint.loaders.terraform.instances import ModuleTree


def _run(directory: Path, *options: str, format: str = "json") -> tuple[int, str, str]:
    config = fixture_config(directory)
    found = run_cli("check", str(directory), *config, "--format", format, "--today", TODAY, *options)
    return found.exit_code, found.stdout, found.stderr


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--jobs 2`` uses worker processes even for a fixture's few files."""
    monkeypatch.setattr(terraform_load, "MIN_PARALLEL_FILES", 1)


@pytest.mark.usefixtures("parallel")
def test_cold_warm_and_uncached_runs_agree_byte_for_byte_on_every_fixture(tmp_path: Path) -> None:
    """In json and text, with one process and with two workers (and each reading the other's entries)."""
    directories = _fixture_directories()
    assert len(directories) > 40
    for index, directory in enumerate(directories):
        cache = str(tmp_path / f"cache-{index}")
        for jobs in ("1", "2"):
            uncached = _run(directory, "--jobs", jobs, "--no-cache")
            assert _run(directory, "--jobs", jobs, "--cache-dir", cache) == uncached, (directory, jobs)
            assert _run(directory, "--jobs", jobs, "--cache-dir", cache) == uncached, (directory, jobs)
            text = _run(directory, "--jobs", jobs, "--no-cache", format="text")
            assert _run(directory, "--jobs", jobs, "--cache-dir", cache, format="text") == text, (directory, jobs)
    assert list((tmp_path / "cache-0" / "results").glob("*/*.json"))  # the cache was filled (and so used)


def _loaded(directory: Path, cache: str | None) -> str:
    """Everything the Terraform loader gives, with the resources' attributes, their types shown (repr)."""
    found = discover([directory])
    loaded = terraform_load.load_terraform(found.root, found.terraform, TerraformInputs(cache_dir=cache))
    return repr([(r, r.attributes) for r in loaded.resources]) + repr(loaded)


def test_a_replayed_root_gives_back_exactly_the_objects_an_evaluation_gives(tmp_path: Path) -> None:
    """Tuples stay tuples, mappings the same mappings, bools, None and numbers their types."""
    for index, directory in enumerate(_fixture_directories()):
        cache = str(tmp_path / f"cache-{index}")
        uncached = _loaded(directory, None)
        assert _loaded(directory, cache) == uncached, directory
        assert _loaded(directory, cache) == uncached, directory


SHARED = """variable "tags" {
  default = {}
}
resource "aws_sqs_queue" "shared" {
  name = "shared"
  tags = var.tags
}
"""
ONLY_A = """resource "aws_sns_topic" "only_a" {
  name = "only-a"
  tags = { owner = "team-a" }
}
"""
ROOT_A = """provider "aws" {}
module "shared" {
  source = "../../modules/shared"
  tags   = { owner = "team-a" }
}
module "only_a" {
  source = "../../modules/only_a"
}
"""
ROOT_B = """provider "aws" {}
variable "owner" {
  default = "nobody"
}
module "shared" {
  source = "../../modules/shared"
  tags   = { owner = var.owner }
}
resource "aws_s3_bucket" "b" {
  bucket = "b"
  tags   = { owner = var.owner }
}
"""
CONFIG = """extends: hybrid-it
parties:
  internal: [team-a]
"""


def _estate(root: Path) -> Path:
    return write_tree(
        root,
        {
            "ownlint.yaml": CONFIG,
            "modules/shared/main.tf": SHARED,
            "modules/only_a/main.tf": ONLY_A,
            "roots/a/main.tf": ROOT_A,
            "roots/b/main.tf": ROOT_B,
            "roots/b/terraform.tfvars": 'owner = "team-b"\n',
        },
    )


class Counted:
    """The root modules evaluated and the files parsed by the runs since the last ``take``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.roots: list[str] = []
        self.files = 0
        load_root, load_file = ModuleTree.load_root, ModuleLoader.load_file

        def counted_root(tree: ModuleTree, source: Any, *args: Any, **kwargs: Any) -> None:
            self.roots.append(source.path)
            load_root(tree, source, *args, **kwargs)

        def counted_file(loader: ModuleLoader, *args: Any) -> Any:
            self.files += 1
            return load_file(loader, *args)

        monkeypatch.setattr(ModuleTree, "load_root", counted_root)
        monkeypatch.setattr(ModuleLoader, "load_file", counted_file)

    def take(self) -> tuple[set[str], int]:
        taken = (set(self.roots), self.files)
        self.roots.clear()
        self.files = 0
        return taken


def _edits(estate: Path) -> Iterator[tuple[str, tuple[str, ...], set[str]]]:
    """Each step changes the estate (or the options) and names the roots whose result it can change."""
    (estate / "modules/only_a/main.tf").write_text(ONLY_A.replace("team-a", "team-x"))
    yield "a module file only root A calls", (), {"roots/a"}
    (estate / "roots/b/terraform.tfvars").write_text('owner = "team-c"\n')
    yield "root B's tfvars", (), {"roots/b"}
    (estate / "modules/shared/extra.tf").write_text('resource "aws_sqs_queue" "extra" {\n  name = "x"\n}\n')
    yield "a file added to the shared module", (), {"roots/a", "roots/b"}
    (estate / "modules/shared/extra.tf").unlink()
    yield "that file deleted", (), {"roots/a", "roots/b"}
    (estate / "modules/only_a/main_override.tf").write_text('resource "aws_sns_topic" "only_a" {\n  tags = {}\n}\n')
    yield "an override file in root A's module", (), {"roots/a"}
    yield "a var option", ("--var", "owner=team-d"), {"roots/a", "roots/b"}
    yield "the same var option", ("--var", "owner=team-d"), set()
    (estate / "ownlint.yaml").write_text(CONFIG.replace("[team-a]", "[team-a, team-b]"))
    yield "the config (loading reads nothing of it)", (), set()
    (estate / "roots/a/.terraform.lock.hcl").write_text("# lock\n")
    yield "a file beside root A, which has a provider (so the file cannot make it a root)", (), set()
    yield "nothing", (), set()


def test_after_an_edit_only_the_roots_that_read_it_are_evaluated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    estate = _estate(tmp_path / "estate")
    cache = str(tmp_path / "cache")
    counted = Counted(monkeypatch)

    def run(*options: str) -> tuple[int, str, str]:
        return _run(estate, "--config", str(estate / "ownlint.yaml"), *options)

    assert run("--cache-dir", cache) == run("--no-cache")
    counted.take()
    assert run("--cache-dir", cache) == run("--no-cache")
    counted.take()
    assert run("--cache-dir", cache)[0] == 1
    assert counted.take() == (set(), 0)  # nothing changed: no root evaluated, no file read as a model
    outputs = set()
    for name, options, evaluated in _edits(estate):
        cached = run("--cache-dir", cache, *options)
        assert counted.take()[0] == evaluated, name
        assert cached == run("--no-cache", *options), name
        counted.take()
        outputs.add(cached)
    assert len(outputs) >= 6  # the edits changed what the run reports


def test_two_workers_replay_and_write_entries_as_one_process_does(tmp_path: Path, parallel: None) -> None:
    estate = _estate(tmp_path / "estate")
    config = ("--config", str(estate / "ownlint.yaml"))
    cache = str(tmp_path / "cache")
    uncached = _run(estate, *config, "--no-cache")
    assert _run(estate, *config, "--jobs", "2", "--cache-dir", cache) == uncached
    assert len(_entries(Path(cache), "root")) == 2  # written by the workers
    assert _run(estate, *config, "--jobs", "2", "--cache-dir", cache) == uncached
    (estate / "modules/only_a/main.tf").write_text(ONLY_A.replace("team-a", "team-x"))
    assert _run(estate, *config, "--jobs", "2", "--cache-dir", cache) == _run(estate, *config, "--no-cache")


@dataclass(frozen=True)
class _Entry:
    """One entry inside its pack file (the file holds the entries of several directories, in parts)."""

    pack: Path
    name: str

    def items(self) -> tuple[Any, list[tuple[str, str, bytes]]]:
        """The pack's key material and its entries (name, directory, bytes) as a reader sees them."""
        data = self.pack.read_bytes()
        material = json.loads(data.partition(b"\n")[0])["key"]
        index, data, _ = packs.parsed(data, material)
        return material, [(name, directory, data[o : o + length]) for name, (o, length, directory) in index.items()]

    def secret(self) -> bytes:
        """The key the cache signs its entries with (beside its packs' subdirectories)."""
        return (self.pack.parent.parent / "key").read_bytes()

    def read(self) -> bytes:
        return {name: blob for name, _, blob in self.items()[1]}[self.name]

    def write(self, data: bytes) -> None:
        """Put ``data`` in the entry's place (the pack written again as one part)."""
        material, items = self.items()
        body = packs.part(material, [(n, d, data if n == self.name else blob) for n, d, blob in items])
        self.pack.write_bytes(body + packs.footer(0, len(body)))


def _entries(cache: Path, kind: str) -> dict[str, _Entry]:
    """The cache's entries of ``kind`` by the directory they are for."""
    found = {}
    for path in (cache / "results").glob("*/*.json"):
        material, items = _Entry(path, "").items()
        for name, directory, _ in items:
            if material["kind"] == kind:  # (an entry records its key; its pack part the key material)
                found[Path(directory).name] = _Entry(path, name)
    return found


def _parts(entry: _Entry) -> tuple[Any, Any, Any]:
    """An entry's key material, inputs and payload (the whole-JSON layout of format 1 read too)."""
    data = entry.read()
    if data.startswith(b"{"):
        entry = json.loads(data)
        return entry["key"], entry["inputs"], entry["result"]
    parts = results.read_entry(data, entry.secret())
    assert parts is not None
    return parts


def _replaced(value: Any, old: str, new: str) -> Any:
    """Data as ``marshal`` gives it with ``old`` replaced by ``new`` in every text (bytes are the codec's tags)."""
    if type(value) is str:
        return value.replace(old, new)
    if type(value) in (tuple, list):
        return type(value)(_replaced(item, old, new) for item in value)
    if type(value) is dict:
        return {_replaced(k, old, new): _replaced(v, old, new) for k, v in value.items()}
    return value


def _forge(entry: _Entry) -> None:
    """Make the entry say root B's bucket has another owner, as a valid entry (checksum and all)."""
    material, inputs, payload = _parts(entry)
    tree = marshal.loads(payload[0])
    assert "team-b" in str(codec.decode(tree))
    forged = marshal.dumps(_replaced(tree, "team-b", "team-forged"), codec.VERSION)
    entry.write(results.entry_bytes(material, inputs, (forged, *payload[1:]), entry.secret()))


def _filled(tmp_path: Path) -> tuple[Path, Path, tuple[int, str, str]]:
    estate = _estate(tmp_path / "estate")
    cache = tmp_path / "cache"
    config = ("--config", str(estate / "ownlint.yaml"))
    expected = _run(estate, *config, "--no-cache")
    assert _run(estate, *config, "--cache-dir", str(cache)) == expected
    return estate, cache, expected


def test_the_forgery_helper_makes_an_entry_that_would_be_used(tmp_path: Path) -> None:
    """The attacks below would change the output: the entry forged is well-formed and matches its inputs."""
    estate, cache, _ = _filled(tmp_path)
    _forge(_entries(cache, "root")["b"])
    forged = _run(estate, "--config", str(estate / "ownlint.yaml"), "--cache-dir", str(cache))
    assert "team-forged" in forged[1]


def test_an_entry_forged_with_a_recomputed_checksum_but_not_the_key_is_not_used(tmp_path: Path) -> None:
    """The checksum anyone can recompute does not make an entry: only one signed with the cache's key is loaded
    (a cache directory restored from elsewhere, e.g. a CI cache another run filled, holds no key of ours)."""
    estate, cache, expected = _filled(tmp_path)
    entry = _entries(cache, "root")["b"]
    material, inputs, payload = _parts(entry)
    tree = marshal.loads(payload[0])
    forged = marshal.dumps(_replaced(tree, "team-b", "team-forged"), codec.VERSION)
    body = marshal.dumps((material, inputs, (forged, *payload[1:])), codec.VERSION)
    entry.write(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    assert _run(estate, "--config", str(estate / "ownlint.yaml"), "--cache-dir", str(cache)) == expected


def test_an_edited_result_without_its_checksum_is_not_used(tmp_path: Path) -> None:
    estate, cache, expected = _filled(tmp_path)
    entry = _entries(cache, "root")["b"]
    entry.write(entry.read().replace(b"team-b", b"team-forged"))
    assert _run(estate, "--config", str(estate / "ownlint.yaml"), "--cache-dir", str(cache)) == expected


def test_an_entry_in_the_layout_of_format_1_is_not_used(tmp_path: Path) -> None:
    """One whole JSON object with its checksum inside (as format 1 wrote them), forged but intact."""
    estate, cache, expected = _filled(tmp_path)
    planted = _entries(cache, "root")["b"]
    material, inputs, payload = _parts(planted)
    forged = str(_replaced(payload, "team-b", "team-forged"))
    check = json.dumps([material, inputs, forged], separators=(",", ":"))
    entry = {"key": material, "inputs": inputs, "result": forged}
    planted.write(json.dumps({**entry, "check": hashlib.sha256(check.encode()).hexdigest()}).encode())
    assert _run(estate, "--config", str(estate / "ownlint.yaml"), "--cache-dir", str(cache)) == expected


def test_an_entry_for_another_tree_planted_under_the_right_key_is_not_used(tmp_path: Path) -> None:
    estate, cache, expected = _filled(tmp_path)
    decoy = _estate(tmp_path / "decoy")
    (decoy / "roots/b/terraform.tfvars").write_text('owner = "team-forged"\n')
    decoy_cache = tmp_path / "decoy-cache"
    _run(decoy, "--config", str(decoy / "ownlint.yaml"), "--cache-dir", str(decoy_cache))
    for kind in ("root", "directory"):
        victims, decoys = _entries(cache, kind), _entries(decoy_cache, kind)
        for name, entry in victims.items():
            entry.write(decoys[name].read())
    assert _run(estate, "--config", str(estate / "ownlint.yaml"), "--cache-dir", str(cache)) == expected


def test_an_entry_built_with_other_options_planted_under_this_runs_key_is_not_used(tmp_path: Path) -> None:
    """Its inputs all match (the same files): only the key material it records (the ``--var`` values) differs."""
    estate, cache, expected = _filled(tmp_path)
    other = tmp_path / "other-cache"
    config = ("--config", str(estate / "ownlint.yaml"))
    assert "team-forged" in _run(estate, *config, "--var", "owner=team-forged", "--cache-dir", str(other))[1]
    planted = _entries(other, "root")
    for name, entry in _entries(cache, "root").items():
        entry.write(planted[name].read())
    assert _run(estate, *config, "--cache-dir", str(cache)) == expected


def test_a_stale_entry_is_not_used(tmp_path: Path) -> None:
    """Built from the same paths when they held other text: the digests it recorded no longer match."""
    estate, cache, _ = _filled(tmp_path)
    config = ("--config", str(estate / "ownlint.yaml"))
    old = {name: entry.read() for name, entry in _entries(cache, "root").items()}
    (estate / "roots/b/terraform.tfvars").write_text('owner = "team-e"\n')
    expected = _run(estate, *config, "--no-cache")
    assert _run(estate, *config, "--cache-dir", str(cache)) == expected
    for name, entry in _entries(cache, "root").items():
        entry.write(old[name])
    assert _run(estate, *config, "--cache-dir", str(cache)) == expected


def _linked(path: Path) -> None:
    real = path.with_name("elsewhere")
    path.rename(real)
    path.symlink_to(real)


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _oversized(path: Path) -> None:
    with path.open("a") as stream:
        stream.write(" " * results.MAX_ENTRY_BYTES)


@pytest.mark.parametrize("attack", [_linked, _fifo, _oversized], ids=["symlink", "fifo", "oversized"])
def test_an_entry_that_is_no_regular_file_of_this_size_is_not_used(tmp_path: Path, attack: Any) -> None:
    estate, cache, expected = _filled(tmp_path)
    entry = _entries(cache, "root")["b"]
    _forge(entry)
    attack(entry.pack)
    assert _run(estate, "--config", str(estate / "ownlint.yaml"), "--cache-dir", str(cache)) == expected


def test_a_results_directory_others_can_write_is_not_used(tmp_path: Path) -> None:
    estate, cache, expected = _filled(tmp_path)
    _forge(_entries(cache, "root")["b"])
    (cache / "results").chmod(0o777)
    run = _run(estate, "--config", str(estate / "ownlint.yaml"), "--cache-dir", str(cache))
    assert run[:2] == expected[:2]
    assert run[2] == f"note: result cache not used: {cache / 'results'} is writable by other users\n"


def test_another_users_results_directory_is_not_used(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a directory to another user")
    estate, cache, expected = _filled(tmp_path)
    _forge(_entries(cache, "root")["b"])
    os.chown(cache / "results", 4242, 4242)
    run = _run(estate, "--config", str(estate / "ownlint.yaml"), "--cache-dir", str(cache))
    assert run[:2] == expected[:2]


def test_no_cache_writes_and_reads_no_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    estate, cache, expected = _filled(tmp_path)
    _forge(_entries(cache, "root")["b"])
    counted = Counted(monkeypatch)
    assert _run(estate, "--config", str(estate / "ownlint.yaml"), "--no-cache") == expected
    assert counted.take()[0] == {"roots/a", "roots/b"}


def test_a_file_read_by_a_function_is_an_input_of_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``file()`` reads outside the Terraform files: an edit there re-evaluates the root that read it."""
    estate = _estate(tmp_path / "estate")
    (estate / "roots/c/tags.json").parent.mkdir(parents=True)
    (estate / "roots/c/tags.json").write_text('{"owner": "team-b"}\n')
    (estate / "roots/c/main.tf").write_text(
        'provider "aws" {}\nresource "aws_sqs_queue" "c" {\n  name = "c"\n  tags = jsondecode(file("tags.json"))\n}\n'
    )
    config = ("--config", str(estate / "ownlint.yaml"))
    cache = str(tmp_path / "cache")
    counted = Counted(monkeypatch)
    assert _run(estate, *config, "--cache-dir", cache) == _run(estate, *config, "--no-cache")
    assert "team-b" in _run(estate, *config, "--cache-dir", cache)[1]
    counted.take()
    (estate / "roots/c/tags.json").write_text('{"owner": "team-z"}\n')
    cached = _run(estate, *config, "--cache-dir", cache)
    assert counted.take()[0] == {"roots/c"}
    assert cached == _run(estate, *config, "--no-cache") and "team-z" in cached[1]
    counted.take()
    (estate / "roots/c/tags.json").unlink()
    cached = _run(estate, *config, "--cache-dir", cache)
    assert counted.take()[0] == {"roots/c"}
    assert cached == _run(estate, *config, "--no-cache")


def test_other_code_under_the_same_version_evaluates_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editable install or a checkout changes its code, not its version: its entries are not replayed."""
    estate, cache, expected = _filled(tmp_path)
    counted = Counted(monkeypatch)
    monkeypatch.setattr(results, "code_digest", lambda: "other code")
    assert _run(estate, "--config", str(estate / "ownlint.yaml"), "--cache-dir", str(cache)) == expected
    assert counted.take()[0] == {"roots/a", "roots/b"}


def test_another_interpreter_evaluates_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry is ``marshal`` data, whose format is the interpreter's: one written by another is not loaded."""
    estate, cache, expected = _filled(tmp_path)
    counted = Counted(monkeypatch)
    monkeypatch.setattr(results.sys, "version", "3.99.0 (another)")
    assert _run(estate, "--config", str(estate / "ownlint.yaml"), "--cache-dir", str(cache)) == expected
    assert counted.take()[0] == {"roots/a", "roots/b"}


def test_a_key_another_user_could_read_turns_the_cache_off_with_a_note(tmp_path: Path) -> None:
    """Entries are signed with the directory's key: one readable by others (or not a regular file) is not used,
    the run says why and checks as without a cache."""
    estate, cache, expected = _filled(tmp_path)
    _forge(_entries(cache, "root")["b"])  # signed with the key that is about to be refused
    (cache / "results" / "key").chmod(0o644)
    code, out, err = _run(estate, "--config", str(estate / "ownlint.yaml"), "--cache-dir", str(cache))
    assert (code, out) == expected[:2]
    assert f"result cache not used: {cache / 'results'}/key is not this user's alone" in err
