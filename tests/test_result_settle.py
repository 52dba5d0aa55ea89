"""The result cache records a file's identity (``loaders/identity``) only once the file has settled; an entry
written while its files were fresh (a checkout, a copy, an edit just before the run) is checked by reading
every file again. Once they have settled, such an entry is written again with their identities, so that
later runs take them as unchanged without reading them (the estate benchmark's copy read ~2,800 files on
every warm run before)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import run_cli

from ownlint.loaders import identity
from ownlint.loaders.terraform import probes, reads

MAIN = 'module "queue" {\n  source = "./modules/queue"\n}\nresource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
QUEUE = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n  tags = { owner = "team-a" }\n}\n'


def test_an_entry_written_before_its_files_settled_is_written_again_with_their_identities(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    for name, text in {"main.tf": MAIN, "modules/queue/main.tf": QUEUE, ".git/HEAD": "ref: refs/heads/main\n"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    cache = str(tmp_path_factory.mktemp("cache"))
    check = ("check", str(root), "--format", "json", "--cache-dir", cache, "--jobs", "1")
    read: list[str] = []
    text = reads._text_probe

    def counted(context: probes.ProbeContext, path: str) -> str:
        read.append(Path(path).name)
        return text(context, path)

    monkeypatch.setitem(probes._PROBES, "text", counted)
    monkeypatch.setattr(identity, "RACY_NS", 10**19)  # every file changed just now: no identity recorded
    first = run_cli(*check)
    monkeypatch.setattr(identity, "RACY_NS", 0)  # and now they have settled
    read.clear()
    second = run_cli(*check)
    assert (second.stdout, second.exit_code) == (first.stdout, first.exit_code)
    assert sorted(read) == ["main.tf", "main.tf"]  # checked by their text once more
    read.clear()
    third = run_cli(*check)
    assert (third.stdout, third.exit_code) == (first.stdout, first.exit_code)
    assert read == []  # by their identities
    os.utime(root / "main.tf", ns=(1_000_000_000, 1_000_000_000))  # touched (a checkout again): the same text
    run_cli(*check)
    assert read == ["main.tf"]
    read.clear()
    assert (run_cli(*check).stdout, read) == (first.stdout, [])  # by its new identity
    (root / "modules/queue/main.tf").write_text(QUEUE.replace('  tags = { owner = "team-a" }\n', ""))
    assert run_cli(*check).stdout != first.stdout  # an identity recorded still gives way to a change
