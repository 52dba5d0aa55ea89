"""The benchmark estate is deterministic, valid, and exercises the graph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import ROOT, run_cli, write_tree

sys.path.insert(0, str(ROOT / "benchmarks"))
from estate import write_estate


def test_the_synthetic_estate_is_deterministic_and_parses(tmp_path: Path) -> None:
    sizes = write_estate(tmp_path / "a", 3, 3)
    write_estate(tmp_path / "b", 3, 3)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert all((tmp_path / "a" / f).read_text() == (tmp_path / "b" / f).read_text() for f in files)
    assert {k: v for k, v in sizes.items() if k != "bytes"} == {"tf_files": 18, "manifests": 6, "documents": 15}
    run = run_cli("check", str(tmp_path / "a"), "--format", "json")
    assert run.json()["summary"]["by_rule"]["OWN000"] == 0
    assert run.json()["summary"]["resources"] == 30  # 3 x (5 Terraform records + 5 Kubernetes objects)


def test_extra_resources_make_bigger_stacks_with_findings(tmp_path: Path) -> None:
    small = write_estate(tmp_path / "small", 2, 0)
    big = write_estate(tmp_path / "big", 2, 0, resources=10)
    assert big["tf_files"] == small["tf_files"] + 2 and big["bytes"] > small["bytes"] + 2 * 10 * 40
    run = run_cli("check", str(tmp_path / "big"), "--format", "json")
    summary = run.json()["summary"]
    assert summary["by_rule"]["OWN000"] == 0
    assert summary["resources"] == 2 * (5 + 10)  # count = 2 instances fold into one resource each
    assert summary["by_rule"]["OWN005"] > 0  # the unlabelled ones


def test_a_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    """The start-up budget of a pre-commit run: the boundary rules walk the graph without networkx,
    and the baseline, git and temporary-file machinery load only when asked for."""
    estate = tmp_path / "estate"
    write_estate(estate, 6, 2)
    # a stack with restricted data, which the boundaries deny: without one no path can be a finding (no graph)
    denied = next(p for p in sorted(estate.glob("terraform/*/main.tf")) if "restricted" in p.read_text())
    named = denied.relative_to(estate).as_posix()
    probe = (
        "import sys\n"
        "from ownlint.cli import main\n"
        "try:\n"
        f"    main(['check', '{named}', 'kubernetes/ns-0000/app.yaml', '--no-cache'])\n"
        "finally:\n"
        "    print(sorted(m for m in ('networkx', 'ownlint.vcs.diff_base', 'ownlint.vcs.git', 'ownlint.vcs.checkout',"
        " 'ownlint.report.baseline', 'tempfile',"
        " 'subprocess', 'importlib.resources', 'ownlint.graph', 'ownlint.loaders.terraform.workers',"
        " 'concurrent.futures', 'multiprocessing') if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=estate, capture_output=True, text=True, check=False)
    # the estate declares MSPs and boundaries, so OWN008 builds the graph: graph.py is loaded, networkx is not
    assert run.stdout.splitlines()[-1] == "['ownlint.graph']", run.stderr


def test_the_real_repository_mode_picks_one_file_of_each_kind_and_copies(tmp_path: Path) -> None:
    from repo import copies, pick_files

    source = write_tree(tmp_path / "source", {"a/modules/m/main.tf": "", "a/main.tf": "", "k/x.yaml": "a: 1\n"})
    (source / "k" / "app.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")
    assert {k: str(v) for k, v in pick_files(source).items()} == {
        "module": "a/modules/m/main.tf",
        "root": "a/main.tf",
        "manifest": "k/app.yaml",
    }
    twice = copies(source, tmp_path / "twice", 2)
    assert sorted(str(p.relative_to(twice)) for p in twice.rglob("main.tf")) == [
        f"copy-{n}/{f}" for n in (0, 1) for f in ("a/main.tf", "a/modules/m/main.tf")
    ]


@pytest.mark.slow
def test_the_real_repository_mode_measures_every_row_on_a_copy(tmp_path: Path) -> None:
    """``run.py DIRECTORY``: rows interleaved on a copy (the directory is never written), one file of
    each kind for the pre-commit rows, and scaling over 1, 2 and 4 copies."""
    from repo import run_repository
    from run import measure

    source = tmp_path / "source"
    write_estate(source, 1, 1)
    before = {p: p.read_bytes() for p in source.rglob("*") if p.is_file()}
    found = run_repository(source, tmp_path / "work", 1, None, True, measure)
    rows = [*("floor", "import", "cold", "cold-j1", "cold-j2", "warm", "one-changed"), "pre-commit-root"]
    rows += ["pre-commit-module", "pre-commit-manifest"]
    rows += ["pre-commit-turn-root", "pre-commit-turn-module", "pre-commit-turn-manifest"]
    assert [name for name in found if name != "picked" and not name.startswith("x")] == rows
    assert all(found[name]["exit"] == 0 for name in rows), found  # every command ran (the estate is clean)
    assert sorted(name for name in found if name.startswith("x")) == [
        f"x{n}-{row}" for n in (1, 2, 4) for row in ("cold-j1", "floor")
    ]
    assert {p: p.read_bytes() for p in source.rglob("*") if p.is_file()} == before


def test_checkov_runs_once_in_the_interleaved_rounds_and_offline(tmp_path: Path) -> None:
    """Checkov takes minutes on a big repository: it runs in the first round only, with no downloads, and
    its one policy reads a Terraform tag or a Kubernetes label."""
    from repo import interleaved
    from run import CHECKOV_POLICY, checkov_command

    ran: list[str] = []

    def measure(command: list[str], cwd: Path) -> tuple[float, int, int, float]:
        ran.append(command[0])
        return (1.0, 1024, 0, 0.5)

    rows = [("floor", ["floor"], None), ("checkov", ["checkov"], None)]
    found = interleaved(rows, tmp_path, 3, measure, once=frozenset({"checkov"}))
    assert ran == ["floor", "checkov", "floor", "floor"]
    assert found["checkov"] == {"seconds": 1.0, "peak_mib": 1.0, "exit": 0, "cpu": 0.5}
    assert "--skip-download" in checkov_command("checkov", tmp_path)
    assert "attribute: tags.owner" in CHECKOV_POLICY and "attribute: metadata.labels.owner" in CHECKOV_POLICY


def test_a_before_and_after_pair_alternates_which_runs_first(tmp_path: Path) -> None:
    """``--before``: each ownlint row and its ``before/`` twin run one after the other, the first of them in
    even rounds the second in odd ones (a load that comes and goes, or the row before, favours neither side),
    and the one file changed each round is changed before the first of its pair runs (a pre-commit row's file
    after both sides ran it once untimed, as a hook did on the last commit)."""
    from repo import run_repository

    source = write_tree(tmp_path / "source", {"stack/modules/m/main.tf": "", "stack/main.tf": ""})
    changed = tmp_path / "work/repo/stack/modules/m/main.tf"
    seen: list[tuple[str, int]] = []

    def measure(command: list[str], cwd: Path) -> tuple[float, int, int, float]:
        side = next((c for c in command if c.startswith("PYTHONPATH=")), "")
        if side.endswith(("/after", "/before")) and "--jobs" not in command and "check" in command:
            seen.append((side.rpartition("/")[2], changed.read_text().count("# benchmark change")))
        return (1.0, 1024, 0, 0.5)

    after, before = tmp_path / "after", tmp_path / "before"
    for src in (after, before):
        src.mkdir()
    primed: list[tuple[str, int]] = []

    named: list[str] = []  # the file each earlier run checked

    def untimed(command: list[str], cwd: Path) -> None:
        side = next((c for c in command if c.startswith("PYTHONPATH=")), "")
        primed.append((side.rpartition("/")[2], changed.read_text().count("# benchmark change")))
        named.append(command[command.index("check") + 1])

    run_repository(
        source, tmp_path / "work", 2, None, False, measure, before=before, after=after, untimed=untimed, settle=0
    )
    # each round: cold, warm, one-changed, then the two pre-commit rows and the two in turn; a pair's sides one after
    # the other
    first, second = seen[: len(seen) // 2], seen[len(seen) // 2 :]
    assert [side for side, _ in first[:2]] == ["after", "before"]
    assert [side for side, _ in second[:2]] == ["before", "after"]
    # the module file changes for one-changed, and again for each of its pre-commit rows (after both sides' earlier
    # runs)
    assert [count for _, count in first] == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3]
    assert [count for _, count in second] == [3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6]
    # each pre-commit row's pair: both sides ran a check before the change (root, then module, each round; in
    # turn, the other file's)
    round_one = [("after", 1), ("before", 1)] * 2 + [("after", 2), ("before", 2)] * 2
    round_two = [("before", 4), ("after", 4)] * 2 + [("before", 5), ("after", 5)] * 2
    assert primed == [*round_one, *round_two]
    # in turn, both sides' earlier runs checked the other file (the module's before the root's, and back)
    root, module = "stack/main.tf", "stack/modules/m/main.tf"
    assert named == [root, root, module, module, module, module, root, root] * 2


def test_a_pre_commit_row_in_turn_follows_a_check_of_another_file(tmp_path: Path) -> None:
    """``pre-commit-turn-KIND``: as a hook runs on a developer's commits, the check before it was of another file
    (of the kind before, in turn: the last kind's before the first's), so its caches and store of outlines were
    saved by a check of another directory; then FILE changed. ``pre-commit-KIND``: the check before was FILE's."""
    from repo import run_repository

    files = {"stack/modules/m/main.tf": "", "stack/main.tf": "", "k/app.yaml": "apiVersion: v1\nkind: ConfigMap\n"}
    source = write_tree(tmp_path / "source", files)
    repo = tmp_path / "work/repo"
    events: list[tuple[str, str, int]] = []

    def event(what: str, command: list[str]) -> None:
        named = command[command.index("check") + 1]
        if named != ".":  # a pre-commit row's or its earlier run's file (the others check the repository)
            events.append((what, named, (repo / named).read_text().count("# benchmark change")))

    def measure(command: list[str], cwd: Path) -> tuple[float, int, int, float]:
        if "check" in command:
            event("timed", command)
        return (1.0, 1024, 0, 0.5)

    def untimed(command: list[str], cwd: Path) -> None:
        event("earlier", command)

    run_repository(source, tmp_path / "work", 1, None, False, measure, untimed=untimed, settle=0)
    root, module, manifest = "stack/main.tf", "stack/modules/m/main.tf", "k/app.yaml"
    assert events == [
        *(("earlier", root, 0), ("timed", root, 1)),
        *(("earlier", module, 1), ("timed", module, 2)),  # (one-changed changed the module file once)
        *(("earlier", manifest, 0), ("timed", manifest, 1)),
        *(("earlier", manifest, 1), ("timed", root, 2)),  # in turn: after the manifest's check
        *(("earlier", root, 2), ("timed", module, 3)),
        *(("earlier", module, 3), ("timed", manifest, 2)),
    ]


def test_a_pre_commit_rows_untimed_run_that_fails_ends_the_benchmark(tmp_path: Path) -> None:
    """The untimed run before a pre-commit row: findings (exit 1) are a result, an error (exit 2) is not (the timed
    row would measure a failure, silently)."""
    from repo import run_quietly

    run_quietly([sys.executable, "-c", "raise SystemExit(1)"], tmp_path)
    with pytest.raises(SystemExit, match="exit 2"):
        run_quietly([sys.executable, "-c", "raise SystemExit(2)"], tmp_path)
