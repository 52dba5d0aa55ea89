"""Real-repository mode of ``run.py``: the same rows on a copy of a directory, measured interleaved.

Each round runs every row once, in order, so a load that comes and goes on a shared machine spreads over
all rows alike; a row's figure is the median of its rounds and every ratio is to the floor of the same run.
  floor             tree-sitter-hcl for every .tf and libyaml for every .yaml/.yml, in one process
  cold / cold-j1 / cold-j2   ``ownlint check`` with an empty cache (every CPU / ``--jobs 1`` / ``--jobs 2``)
  warm              again, nothing changed
  one-changed       again after one file changed (a new comment each round: a module .tf, else a root
                    .tf, else a manifest)
  pre-commit-root / -module / -manifest   ``ownlint check FILE`` on one changed file of each kind, as a hook
                    runs it: the same command ran before (untimed, each side's own: its caches and its store of
                    outlines are those of a hook that ran on the last commit), the other rows' changes settled
                    by then (``SETTLE_SECONDS``), then a comment is added to FILE: only FILE changed since
  pre-commit-turn-root / -module / -manifest   the same, as a hook runs on a developer's commits, each of
                    files elsewhere: the run before was the check of the kind before's file (the manifest's
                    before the root's), so the store of outlines was last saved by a check of another directory
  import            ``python -c "import ownlint.cli"``: the start-up part of every row (the rest is work)
  checkov           one required-tag policy (``--checkov PATH``, its own venv; skipped when absent), run in
                    the first round only (minutes on a big repository): compare CPU time, which load barely moves
With ``--scaling``, floor and cold-j1 (``--no-cache``) on 1, 2 and 4 copies of the directory side by side.
With ``--before SRC`` (the ``src`` of another checkout), every ownlint row is run from there too, in the
same round (``before/ROW``), the pair's order alternating from round to round: a before/after comparison under
the same load, with neither side always first.
The directory is copied first (it is read only; nothing is written into it).
"""

from __future__ import annotations

import compileall
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

FLOOR = """
import sys, os, tree_sitter, tree_sitter_hcl, yaml
parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
for top, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in files:
        path = os.path.join(top, name)
        if name.endswith(".tf"):
            parser.parse(open(path, "rb").read())
        elif name.endswith((".yaml", ".yml")):
            try:
                list(yaml.load_all(open(path, encoding="utf-8").read(), Loader=yaml.CSafeLoader))
            except Exception:
                pass
"""
# a file changed this close to a run is not taken as unchanged by the next (``ownlint.loaders.identity.RACY_NS``):
# a pre-commit row's earlier run waits so long after the row before changed its file, so that only its own file
# changed since (without the wait, each row also measured the other rows' files as just changed: ~20-30 ms more)
SETTLE_SECONDS = 2.1
IGNORED = shutil.ignore_patterns(".git", ".terraform", "*.tfstate", "*.tfstate.*")
Row = tuple[str, list[str], Callable[[], None] | None]


def pick_files(root: Path) -> dict[str, Path]:
    """One file per kind for the pre-commit rows: a root .tf (not under a modules/ directory), a module
    .tf (under one) and a Kubernetes manifest; the first of each in sorted order."""
    picked: dict[str, Path] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts):
        relative = path.relative_to(root)
        if path.suffix == ".tf":
            kind = "module" if "modules" in relative.parts[:-1] else "root"
            picked.setdefault(kind, relative)
        elif path.suffix in (".yaml", ".yml") and "manifest" not in picked:
            head = path.read_text(errors="replace")[:4000]
            if "apiVersion:" in head and "kind:" in head:
                picked["manifest"] = relative
    return picked


def copies(source: Path, target: Path, count: int) -> Path:
    """``count`` copies of ``source`` under ``target`` (copy-0 ...); the directory itself when one."""
    if count == 1:
        shutil.copytree(source, target, ignore=IGNORED, symlinks=True)
        return target
    for index in range(count):
        shutil.copytree(source, target / f"copy-{index}", ignore=IGNORED, symlinks=True)
    return target


def interleaved(
    rows: list[Row],
    cwd: Path,
    repeat: int,
    measure: Callable[..., Any],
    once: frozenset[str] = frozenset(),
    odd: list[Row] | None = None,
) -> dict[str, Any]:
    """Each row's median over ``repeat`` rounds, the rows run in order within each round (those named in
    ``once``: in the first round only); ``odd``: the same rows in the order the odd rounds run them."""
    import statistics

    runs: dict[str, list[tuple[float, int, int, float]]] = {name: [] for name, _, _ in rows}
    for round_number in range(repeat):
        for name, command, before in odd if odd is not None and round_number % 2 else rows:
            if round_number and name in once:
                continue
            if before is not None:
                before()
            runs[name].append(measure(command, cwd))
    return {
        name: {
            "seconds": statistics.median(r[0] for r in found),
            "peak_mib": round(max(r[1] for r in found) / 1024, 1),
            "exit": found[-1][2],
            "cpu": statistics.median(r[3] for r in found),
        }
        for name, found in runs.items()
    }


def run_quietly(command: list[str], cwd: Path) -> None:
    """An untimed run (a hook's run on the last commit, before a pre-commit row): findings (exit 1) are its
    result, an error (2 and above) ends the benchmark (the timed row would measure a failure)."""
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)}: exit {done.returncode}\n{done.stderr.decode(errors='replace')}")


def run_repository(
    source: Path,
    work: Path,
    repeat: int,
    checkov: str | None,
    scaling: bool,
    measure: Callable[..., Any],
    before: Path | None = None,
    after: Path | None = None,
    untimed: Callable[[list[str], Path], None] = run_quietly,
    settle: float = SETTLE_SECONDS,
) -> dict[str, Any]:
    """The rows on a copy of ``source``; with ``before`` (another checkout's ``src``), each ownlint row is
    followed in the same round by the same command run from there (its own cache), named ``before/ROW``;
    ``after``: the ``src`` the other rows run from (default: the installed ownlint); ``untimed``: how a
    pre-commit row's earlier run is run, ``settle`` seconds after the last change (see ``SETTLE_SECONDS``)."""
    root = copies(source, work / "repo", 1)
    for src in (before, after):  # as an install has them: else a run compiles every module it imports
        if src is not None:
            compileall.compile_dir(str(src), quiet=1)
    floor = [sys.executable, "-c", FLOOR, "."]
    picked = pick_files(root)
    changing = picked.get("module") or picked.get("root") or picked.get("manifest")  # a comment in any of them
    rounds = iter(range(1_000_000))
    changed_at = [0.0]

    def change(relative: Path | None) -> None:
        if relative is not None:
            with open(root / relative, "a", encoding="utf-8") as stream:
                stream.write(f"# benchmark change {next(rounds)}\n")
            changed_at[0] = time.monotonic()

    def change_one() -> None:
        change(changing)

    def hooked(kind: str, *commands: list[str]) -> Callable[[], None]:
        """Before a pre-commit row (and its pair): each side's hook ran on the last commit, then FILE changed."""

        def prepare() -> None:
            time.sleep(max(0.0, changed_at[0] + settle - time.monotonic()))  # the last row's change is settled
            for command in commands:
                untimed(command, root)
            change(picked[kind])

        return prepare

    earlier: dict[str, list[str]] = {}  # a pre-commit row's earlier run, by the row's name (``ownlint_rows``)

    def ownlint_rows(prefix: str, path: str, cache: Path) -> list[Row]:
        ownlint = ["env", f"PYTHONPATH={path}", sys.executable, "-m", "ownlint"]
        check = [*ownlint, "check", ".", "--format", "json", "-o", "/dev/null", "--cache-dir", str(cache)]

        def empty_cache() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        rows: list[Row] = [
            (f"{prefix}cold", check, empty_cache),
            (f"{prefix}cold-j1", [*check, "--jobs", "1"], empty_cache),
            (f"{prefix}cold-j2", [*check, "--jobs", "2"], empty_cache),
            (f"{prefix}warm", check, None),
            (f"{prefix}one-changed", check, change_one),
        ]
        kinds = [kind for kind in ("root", "module", "manifest") if kind in picked]
        commands = {kind: [*ownlint, "check", str(picked[kind]), "--cache-dir", str(cache)] for kind in kinds}
        hooks = [(f"pre-commit-{kind}", kind, commands[kind]) for kind in kinds]
        if len(kinds) > 1:  # in turn: the check before was the kind before's (the last kind's before the first's)
            hooks += [(f"pre-commit-turn-{kind}", kind, commands[kinds[index - 1]]) for index, kind in enumerate(kinds)]
        for name, kind, before_it in hooks:
            earlier[prefix + name] = before_it
            rows.append((prefix + name, commands[kind], hooked(kind, before_it)))
        return rows

    start = ["env", f"PYTHONPATH={after or ''}", sys.executable, "-c", "import ownlint.cli"]
    rows: list[Row] = [("floor", floor, None), ("import", start, None)]
    odd = list(rows)  # the order of the odd rounds: each before/after pair the other way round
    mine = ownlint_rows("", str(after or ""), work / "cache")

    def pair(first: Row, other: Row) -> list[Row]:
        """A pair of rows: one change a round for both, made before the first (a second change would reach the
        other side's pre-commit rows unseen); a pre-commit row's earlier runs, both sides', before that change."""
        if first[0].rpartition("/")[2].startswith("pre-commit-"):
            kind = first[0].rpartition("-")[2]
            prepare = hooked(kind, earlier[first[0]], earlier[other[0]])
            return [(first[0], first[1], prepare), (other[0], other[1], None)]
        return [first, (other[0], other[1], None if other[2] is change_one else other[2])]

    if before is None:
        rows += mine
        odd += mine
    else:  # the pair's order alternates, so that neither side always runs first
        for ours, theirs in zip(mine, ownlint_rows("before/", str(before), work / "cache-before"), strict=True):
            rows += pair(ours, theirs)
            odd += pair(theirs, ours)
    if checkov and Path(checkov).exists():
        from run import CHECKOV_POLICY, checkov_command

        policies = work / "policies"
        policies.mkdir(exist_ok=True)
        (policies / "owner.yaml").write_text(CHECKOV_POLICY)
        rows.append(("checkov", checkov_command(checkov, policies), None))
        odd.append(rows[-1])
    results: dict[str, Any] = {"picked": {k: str(v) for k, v in picked.items()}}
    results.update(interleaved(rows, root, repeat, measure, once=frozenset({"checkov"}), odd=odd))
    if scaling:
        for count in (1, 2, 4):
            place = copies(source, work / f"scale-{count}", count)
            # without the cache: it is keyed by content, so the second copy of a file would cost nothing
            cold = next(command for name, command, _ in mine if name == "cold-j1")
            uncached = [*cold[: cold.index("--cache-dir")], "--no-cache", "--jobs", "1"]
            scaled: list[Row] = [("floor", floor, None), ("cold-j1", uncached, None)]
            for name, row in interleaved(scaled, place, repeat, measure).items():
                results[f"x{count}-{name}"] = row
            shutil.rmtree(place)
    return results


def print_repository(results: dict[str, Any], source: Path) -> None:
    floor, floor_cpu = results["floor"]["seconds"], results["floor"]["cpu"]
    print(f"repository: {source}  picked: {results['picked']}")
    print(f"{'run':<28} {'median s':>9} {'x floor':>8} {'cpu s':>8} {'x floor':>8} {'peak MiB':>9} {'exit':>5}")
    for name, row in results.items():
        if isinstance(row, dict) and "seconds" in row and not name.startswith("x"):
            ratio, cpu_ratio = row["seconds"] / floor, row["cpu"] / floor_cpu
            print(
                f"{name:<28} {row['seconds']:>9.3f} {ratio:>8.2f} {row['cpu']:>8.3f} {cpu_ratio:>8.2f}"
                f" {row['peak_mib']:>9.1f} {row['exit']:>5}"
            )
    if "checkov" in results:
        checkov, cold = results["checkov"], results["cold-j1"]
        print(
            f"checkov / ownlint cold-j1: {checkov['cpu'] / cold['cpu']:.1f}x CPU,"
            f" {checkov['seconds'] / cold['seconds']:.1f}x wall (checkov: one run)"
        )
    if "import" in results and "cold-j1" in results:
        start, cold = results["import"], results["cold-j1"]
        print(f"start-up (import ownlint.cli): {start['cpu']:.3f} s of cold-j1's {cold['cpu']:.3f} s CPU")
    if "x1-floor" in results:
        header = f"{'scaling':<16} {'wall s':>8} {'x one':>6} {'cpu s':>8} {'x one':>6}"
        print(f"{header} {'cpu x floor':>11} {'peak MiB':>9}")
        for count in (1, 2, 4):
            for name in ("floor", "cold-j1"):
                row, one = results[f"x{count}-{name}"], results[f"x1-{name}"]
                floor_row = results[f"x{count}-floor"]
                print(
                    f"x{count} {name:<13} {row['seconds']:>8.3f} {row['seconds'] / one['seconds']:>6.2f}"
                    f" {row['cpu']:>8.3f} {row['cpu'] / one['cpu']:>6.2f} {row['cpu'] / floor_row['cpu']:>11.2f}"
                    f" {row['peak_mib']:>9.1f}"
                )
