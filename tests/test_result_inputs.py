"""An entry's inputs are checked all at once (``read_entry``: each a tuple of three or four texts; ``ProbeContext.
all_unchanged``: every one still the same): a signed entry whose inputs are of any other shape is not used, and one
changed input - looked at already this run or not - makes the entry stale, as checking each one by one did."""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import time
from pathlib import Path
from typing import Any

import pytest

from ownlint.loaders.terraform import codec, results
from ownlint.loaders.terraform.probes import ProbeContext

_SECRET = b"k" * 32


def _signed(inputs: Any) -> bytes:
    body = marshal.dumps(("key", inputs, ()), codec.VERSION)
    return hmac.new(_SECRET, body, hashlib.sha256).hexdigest().encode() + b"\n" + body


def test_inputs_of_texts_in_threes_and_fours_are_read() -> None:
    inputs = [("isdir", "/a", "True"), ("text", "/a/main.tf", "digest", "identity"), ("text", "/a/b.tf", "d")]
    assert results.read_entry(_signed(inputs), _SECRET) == ("key", inputs, ())
    assert results.read_entry(_signed([]), _SECRET) == ("key", [], ())


@pytest.mark.parametrize(
    "bad",
    [
        ["isdir", "/a", "True"],  # (a text where an input is)
        ("isdir", "/a"),
        ("text", "/a", "d", "i", "more"),
        (),
        ("isdir", "/a", True),
        ("isdir", b"/a", "True"),
        ("isdir", "/a", None),
        ("isdir", "/a", ("True",)),
        None,
    ],
)
def test_an_input_of_any_other_shape_is_not_read(bad: Any) -> None:
    inputs = [("isdir", "/a", "True"), bad, ("isdir", "/b", "True")]
    assert results.read_entry(_signed(inputs), _SECRET) is None


def test_every_input_is_checked_whether_looked_at_before_or_not(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    context = ProbeContext(tmp_path, tmp_path, 1 << 20)
    here, there = ("isdir", str(tmp_path / "d"), "True"), ("isdir", str(tmp_path / "none"), "False")
    assert context.all_unchanged([here, there]) and context.all_unchanged([there, here])  # (then: from the memo)
    assert not context.all_unchanged([here, ("isdir", str(tmp_path / "d"), "False")])  # looked at already
    assert not context.all_unchanged([("isdir", str(tmp_path / "e"), "True"), here])  # not yet
    assert not context.all_unchanged([here, ("unknown probe", "/x", "v")])
    assert context.all_unchanged([])


def test_a_text_whose_file_keeps_its_identity_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ownlint.loaders import identity

    path = tmp_path / "main.tf"
    path.write_text("x = 1\n", encoding="utf-8")
    now = identity.identity(os.stat(path))
    context = ProbeContext(tmp_path, tmp_path, 1 << 20)
    monkeypatch.setattr(ProbeContext, "value", lambda *_: pytest.fail("read"))
    assert context.all_unchanged([("text", str(path), "digest", now)])
    assert context.memo[("text", str(path))] == "digest"  # (then: from the memo)
    assert not context.all_unchanged([("text", str(path), "other digest", now)])
    monkeypatch.setattr(ProbeContext, "value", lambda *_: "read digest")  # another identity: the text is read
    assert ProbeContext(tmp_path, tmp_path, 1 << 20).all_unchanged([("text", str(path), "read digest", "other")])
    assert not ProbeContext(tmp_path, tmp_path, 1 << 20).all_unchanged([("text", str(path), "digest", "other")])
    gone = str(tmp_path / "gone.tf")
    assert not ProbeContext(tmp_path, tmp_path, 1 << 20).all_unchanged([("text", gone, "d", now)])


def test_a_file_s_identity_is_its_first_status_s_once_read(tmp_path: Path) -> None:
    from ownlint.loaders import files, identity

    path = tmp_path / "main.tf"
    path.write_text("x = 1\n", encoding="utf-8")
    later = time.time_ns() + 10**12  # (a run started long after the file changed: its identity has settled)
    context = ProbeContext(tmp_path, tmp_path, 1 << 20, started=later)
    with files.one_run():
        assert context.identity(str(path)) is None  # not read yet
        files.read_text(path, "main.tf")
        first = identity.identity(os.stat(path))
        os.utime(path, ns=(2, 2))
        assert context.identity(str(path)) == first == context.identity(str(path))
    fresh = ProbeContext(tmp_path, tmp_path, 1 << 20, started=0)  # (a run started before it changed: not settled)
    with files.one_run():
        files.read_text(path, "main.tf")
        assert fresh.identity(str(path)) is None and fresh.identity(str(path)) is None
