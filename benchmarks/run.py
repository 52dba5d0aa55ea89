"""Whole-command timings on one synthetic estate, in one run: wall time, peak memory, ratios.

Measured, each the median of ``--repeat`` runs (each a fresh process):
  floor        raw parse of the same files in one process: tree-sitter-hcl for .tf, libyaml for manifests
  cold         ``ownlint check`` with an empty parse cache (``--jobs``: every CPU)
  cold-j1      the same in one process (``--jobs 1``)
  no-graph     cold without the graph rules (``--ignore OWN008,OWN009``): what the graph costs
  warm         ``ownlint check`` again, cache filled
  pre-commit   ``ownlint check`` on one changed .tf file and one manifest (warm cache)
  pre-commit-module  the same on a changed module file: its callers are sought in the whole repository
  hcl2         ``ownlint check --parser hcl2 --no-cache`` (the reference parser)
  checkov      ``checkov`` with one custom required-tag policy, when ``--checkov PATH`` is given
With ``--scaling``, cold and cold-j1 again on an estate twice the size: time and memory ratios.

    python benchmarks/run.py --stacks 400 --namespaces 400 --json results.json [--checkov .venv-ck/bin/checkov]
    python benchmarks/run.py DIRECTORY [--repeat 3] [--scaling] [--checkov PATH] [--before OTHER/src]
      (real-repository mode: see repo.py)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from estate import write_estate

FLOOR = """
import sys, pathlib, tree_sitter, tree_sitter_hcl, yaml
parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
for path in pathlib.Path(sys.argv[1]).rglob("*"):
    if path.suffix == ".tf":
        parser.parse(path.read_bytes())
    elif path.suffix == ".yaml":
        list(yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader))
"""
# one policy for both frameworks: a Terraform resource's tags.owner or a Kubernetes object's owner label
CHECKOV_POLICY = """metadata:
  id: CKV2_OWN_1
  name: Resources carry an owner tag or label
  category: GENERAL_SECURITY
definition:
  or:
    - cond_type: attribute
      resource_types: all
      attribute: tags.owner
      operator: exists
    - cond_type: attribute
      resource_types: all
      attribute: metadata.labels.owner
      operator: exists
"""


def checkov_command(checkov: str, policies: Path) -> list[str]:
    """Checkov with only the one policy, offline (``--skip-download``: no guideline look-ups that wait on
    a network this machine may not have), on Terraform and Kubernetes."""
    return [
        checkov,
        "-d",
        ".",
        "--external-checks-dir",
        str(policies),
        "--check",
        "CKV2_OWN_1",
        "--compact",
        "--quiet",
        "--skip-download",
        "--framework",
        "terraform",
        "kubernetes",
    ]


def measure(command: list[str], cwd: Path) -> tuple[float, int, int, float]:
    """(wall seconds, peak RSS in KiB, exit code, CPU seconds) of one process; the RSS is that of the largest
    process of its tree (``wait4``), so a ``--jobs`` run's workers are not summed: ``cold-j1`` is the whole.
    The CPU time (user + system, workers included) is what a loaded machine disturbs least."""
    start = time.perf_counter()
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as users run it
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - start, int(usage.ru_maxrss), process.returncode, cpu


def median_of(command: list[str], cwd: Path, repeat: int, before: Any = None) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        runs.append(measure(command, cwd))
    return {
        "seconds": statistics.median(r[0] for r in runs),
        "peak_mib": round(max(r[1] for r in runs) / 1024, 1),
        "exit": runs[-1][2],
        "cpu": statistics.median(r[3] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=200)
    parser.add_argument("--namespaces", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--resources", type=int, default=0, help="more resources per stack (bigger files)")
    parser.add_argument("--scaling", action="store_true", help="also measure an estate twice the size")
    parser.add_argument("--checkov", help="a checkov executable (install it in a separate venv)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--before", type=Path, help="real-repository mode: also run ownlint from this src")
    parser.add_argument("--after", type=Path, help="real-repository mode: run ownlint from this src")
    parser.add_argument("directory", nargs="?", type=Path, help="a repository to measure instead (copied first)")
    args = parser.parse_args()
    ownlint = [sys.executable, "-m", "ownlint"]
    source = str(Path(__file__).parents[1] / "src")
    subprocess.run([sys.executable, "-m", "compileall", "-q", source], check=False, capture_output=True)
    if args.directory is not None:
        from repo import print_repository, run_repository

        with tempfile.TemporaryDirectory() as work:
            found = run_repository(
                args.directory.resolve(),
                Path(work),
                args.repeat,
                args.checkov,
                args.scaling,
                measure,
                args.before,
                args.after,
            )
        print_repository(found, args.directory)
        if args.json:
            args.json.write_text(json.dumps(found, indent=2) + "\n")
        return
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "estate"
        sizes = write_estate(root, args.stacks, args.namespaces, resources=args.resources)
        cache = Path(directory) / "cache"
        check = [*ownlint, "check", ".", "--format", "json", "-o", os.devnull, "--cache-dir", str(cache)]

        def empty_cache() -> None:
            subprocess.run(["rm", "-rf", str(cache)], check=True)

        results: dict[str, Any] = {"sizes": sizes}
        results["floor"] = median_of([sys.executable, "-c", FLOOR, str(root)], root, args.repeat)
        results["cold"] = median_of(check, root, args.repeat, before=empty_cache)
        results["cold-j1"] = median_of([*check, "--jobs", "1"], root, args.repeat, before=empty_cache)
        results["no-graph"] = median_of([*check, "--ignore", "OWN008,OWN009"], root, args.repeat, before=empty_cache)
        results["warm"] = median_of(check, root, args.repeat)
        changed = ["terraform/stack-0000/main.tf", "kubernetes/ns-0000/app.yaml"]
        results["pre-commit"] = median_of([*ownlint, "check", *changed, "--cache-dir", str(cache)], root, args.repeat)
        module = ["terraform/stack-0000/modules/queue/main.tf"]
        results["pre-commit-module"] = median_of(
            [*ownlint, "check", *module, "--cache-dir", str(cache)], root, args.repeat
        )
        results["hcl2"] = median_of([*check[:-2], "--parser", "hcl2", "--no-cache"], root, 1)
        if args.checkov:
            policies = Path(directory) / "policies"
            policies.mkdir()
            (policies / "owner.yaml").write_text(CHECKOV_POLICY)
            command = checkov_command(args.checkov, policies)
            results["checkov"] = median_of(command, root, 1)
        if args.scaling:
            double = Path(directory) / "double"
            results["double-sizes"] = write_estate(
                double, 2 * args.stacks, 2 * args.namespaces, resources=args.resources
            )
            results["double-floor"] = median_of([sys.executable, "-c", FLOOR, str(double)], double, args.repeat)
            results["double-cold"] = median_of(check, double, args.repeat, before=empty_cache)
            results["double-cold-j1"] = median_of([*check, "--jobs", "1"], double, args.repeat, before=empty_cache)
    floor = results["floor"]["seconds"]
    print(f"estate: {sizes}")
    floor_cpu = results["floor"]["cpu"]
    print(f"{'run':<17} {'median s':>9} {'peak MiB':>9} {'x floor':>8} {'cpu s':>8} {'x floor':>8} {'exit':>5}")
    for name in ("floor", "cold", "cold-j1", "no-graph", "warm", "pre-commit", "pre-commit-module", "hcl2", "checkov"):
        if name in results:
            row = results[name]
            ratio, cpu_ratio = row["seconds"] / floor, row["cpu"] / floor_cpu
            print(
                f"{name:<17} {row['seconds']:>9.3f} {row['peak_mib']:>9.1f} {ratio:>8.1f}"
                f" {row['cpu']:>8.3f} {cpu_ratio:>8.1f} {row['exit']:>5}"
            )
    if "checkov" in results:
        checkov, cold = results["checkov"], results["cold-j1"]
        print(
            f"checkov / ownlint cold-j1: {checkov['cpu'] / cold['cpu']:.1f}x CPU,"
            f" {checkov['seconds'] / cold['seconds']:.1f}x wall"
        )
    graph_share = results["cold"]["seconds"] / results["no-graph"]["seconds"] - 1
    print(f"graph rules add {100 * graph_share:.0f}% to the cold run")
    if args.scaling:
        print(f"estate x2: {results['double-sizes']}")
        for name in ("floor", "cold", "cold-j1"):
            single, double = results[name], results[f"double-{name}"]
            ratio = double["seconds"] / single["seconds"]
            memory = double["peak_mib"] / single["peak_mib"]
            peak = double["peak_mib"]
            print(f"{name:<11} {double['seconds']:>9.3f} s  time x{ratio:.2f}  peak {peak} MiB x{memory:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
