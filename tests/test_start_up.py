"""What a one-file check does not import at start-up, and the cheaper equivalents it uses instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import imports_of, write_tree
from tests.test_hook_speed import MANIFEST, TERRAFORM

# shutil was imported for shutil.which alone, and loads the bz2 and lzma libraries (~1% of a warm one-file check)
NEVER_AT_START_UP = ("shutil", "bz2", "lzma")


@pytest.mark.parametrize(("files", "named"), [(TERRAFORM, "stack/main.tf"), (MANIFEST, "apps/app.yaml")])
def test_a_one_file_check_imports_no_shutil(tmp_path: Path, files: dict[str, str], named: str) -> None:
    write_tree(tmp_path, files)
    _, imported = imports_of(tmp_path, "check", "--cache-dir", str(tmp_path / "cache"), "--", named)
    assert "ownlint.pipeline.loading" in imported  # the probe sees the run's imports
    assert sorted(imported.intersection(NEVER_AT_START_UP)) == []


@pytest.mark.skipif(os.name != "posix", reason="elsewhere on_path is shutil.which itself")
def test_on_path_finds_what_shutil_which_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ownlint.cli.options import on_path

    plain, runnable, folder, linked, work = (tmp_path / n for n in ("plain", "runnable", "folder", "linked", "work"))
    for directory in (plain, runnable, folder, linked, work):
        directory.mkdir()
    (plain / "helm").write_text("")  # not executable
    (runnable / "helm").write_text("")
    (runnable / "helm").chmod(0o755)
    (folder / "helm").mkdir(mode=0o755)  # a directory is no program
    (linked / "helm").symlink_to(runnable / "helm")
    (work / "helm").write_text("")
    (work / "helm").chmod(0o755)
    monkeypatch.chdir(work)
    paths = [
        f"{plain}:{runnable}",
        f"{folder}:{plain}",
        f"{folder}:{linked}:{runnable}",
        f"{plain}:{plain}:{runnable}/",
        "",  # matches nothing
        ":",  # the current directory
        f"{plain}::{runnable}",
        "relative/nowhere",
        str(tmp_path / "missing"),
    ]
    for path in paths:
        monkeypatch.setenv("PATH", path)
        assert on_path("helm") == shutil.which("helm"), path
        assert on_path("nothing-by-this-name") is None
    monkeypatch.delenv("PATH")
    assert on_path("helm") == shutil.which("helm")


def test_a_check_of_one_day_imports_no_strptime(tmp_path: Path) -> None:
    """``--today`` is read without ``strptime``, whose first call imports ``_strptime`` and builds its locale
    tables (~1.5% of a warm one-file check)."""
    write_tree(tmp_path, TERRAFORM)
    args = ("check", "--cache-dir", str(tmp_path / "cache"), "--today", "2026-12-01", "--", "stack/main.tf")
    _, imported = imports_of(tmp_path, *args)
    assert "ownlint.pipeline.loading" in imported
    assert "_strptime" not in imported


@pytest.mark.parametrize(
    "text",
    ["2026-12-01", "2024-02-29", "2023-02-29", "2026-13-01", "2026-00-10", "0000-01-01", "9999-12-31", "2026-1-5",
     "2026-01-5", " 2026-01-05", "2026-01-05 ", "2026/01/05", "20260105", "2026-01-0\u0665", "\u0662026-01-05",
     "2026-01-3\u00b9", "", "today", "2026-12-01T00:00"],
)  # fmt: skip
def test_today_is_read_as_click_reads_a_day(text: str) -> None:
    import click

    from ownlint.cli.commands import Day

    def read(kind: click.ParamType) -> object:
        try:
            return kind.convert(text, None, None)
        except click.BadParameter as error:
            return f"BadParameter: {error.message}"

    assert read(Day()) == read(click.DateTime(formats=["%Y-%m-%d"]))
    assert Day().get_metavar(click.Option(["--today"]), click.Context(click.Command("c"))) == click.DateTime(
        formats=["%Y-%m-%d"]
    ).get_metavar(click.Option(["--today"]), click.Context(click.Command("c")))


TORN = """
import atexit, gc, os, sys

class Torn:
    write = staticmethod(os.write)  # (held: the modules may be gone by then)

    def __del__(self) -> None:
        self.write(2, b"torn down\\n")

kept = Torn()  # freed when the interpreter tears its modules down
atexit.register(gc.unfreeze)  # run last: the run freezes what it built, and a teardown skips what is frozen
atexit.register(lambda: sys.stderr.write("exit functions ran\\n"))
sys.argv = ["ownlint", *sys.argv[1:]]
"""


@pytest.mark.parametrize("entry", ["module", "script"])
def test_the_command_ends_without_tearing_down_what_the_run_built(tmp_path: Path, entry: str) -> None:
    """``python -m ownlint`` and the ``ownlint`` script end the process once the report is out and the exit
    functions ran, without freeing the run's objects and modules one by one (the interpreter's teardown: 4-9 ms of
    a one-file check here, 30-45 ms of a 21k-file repository's cold run). ``main`` itself returns, as tests and
    embedders call it."""
    repo = write_tree(tmp_path / "repo", TERRAFORM)
    args = ["check", "--cache-dir", str(tmp_path / "cache"), "--", "stack/main.tf"]
    start = "import runpy\nrunpy.run_module('ownlint', run_name='__main__')\n"
    if entry == "script":  # as the console script's wrapper calls its entry point
        from importlib.metadata import entry_points

        (command,) = [e for e in entry_points(group="console_scripts") if e.name == "ownlint"]
        start = f"import sys\nfrom {command.module} import {command.attr}\nsys.exit({command.attr}())\n"
    ended = subprocess.run([sys.executable, "-c", TORN + start, *args], cwd=repo, capture_output=True, text=True)
    returned = subprocess.run(
        [sys.executable, "-c", TORN + "import sys\nfrom ownlint.cli import main\nsys.exit(main())\n", *args],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert (ended.returncode, ended.stdout) == (returned.returncode, returned.stdout)
    assert ended.stdout.endswith("config ownlint.yaml.\n")  # the whole report is out
    assert returned.stderr.splitlines()[-2:] == ["exit functions ran", "torn down"]  # the probe sees a teardown
    assert ended.stderr.splitlines()[-1:] == ["exit functions ran"]
