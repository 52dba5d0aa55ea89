"""Graph and boundary-rule cost as the estate grows: is it near-linear, and what do the boundary rules add?

Builds N copies of ``fixtures/estate`` (each copy a Terraform stack pair and two namespaces with their
own names, so IRSA, ARNs and RBAC stay within the copy), then measures, in one process, the median of
``--repeat`` runs of: loading, building the graph, and running all rules with and without
OWN008-OWN011 (the graph built inside, as a check does). "check overhead" is what the boundary
rules add to a whole check (load + rules). Prints a table and writes JSON (``--json FILE``).

    python benchmarks/graph_scaling.py --sizes 10 20 40 80 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ownlint.graph import build_graph
from ownlint.inputs import Inputs
from ownlint.pipeline import load, rule_context, run_rules, select_rules

ESTATE = Path(__file__).resolve().parent.parent / "fixtures" / "estate"
BOUNDARY_RULES = ("OWN008", "OWN009", "OWN010", "OWN011")


def make_estate(root: Path, copies: int) -> None:
    shutil.copy(ESTATE / "ownlint.yaml", root / "ownlint.yaml")
    for index in range(copies):
        for path in ESTATE.rglob("*"):
            if path.is_file() and path.suffix in (".tf", ".yaml") and path.name != "ownlint.yaml":
                relative = path.relative_to(ESTATE)
                target = root / relative.parts[0] / f"copy{index}" / Path(*relative.parts[1:])
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(_renamed(path.read_text(), index))


def _renamed(text: str, index: int) -> str:
    """Names unique to a copy: buckets, roles, namespaces, service accounts."""
    text = re.sub(r"acme-corp-(ledger|brochures)", rf"acme-corp-\1-{index}", text)
    text = re.sub(r"\b(payments-api|acme-ops|acme-publisher|payments-cluster)\b", rf"\1-{index}", text)
    text = re.sub(r"(namespace: |name: )(payments|vault)\b", rf"\1\2-{index}", text)
    return text.replace("system:serviceaccount:payments:", f"system:serviceaccount:payments-{index}:")


def median_seconds(action: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(copies: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        make_estate(root, copies)
        inputs = Inputs(paths=(str(root),))
        loaded = load(inputs)
        graph = build_graph(loaded.resources, loaded.config)
        every, others = select_rules((), ()), select_rules((), BOUNDARY_RULES)
        # a fresh context each time: the graph is built inside the timed call, as in a check
        findings = len(run_rules(every, rule_context(loaded)))
        return {
            "copies": copies,
            "resources": len(loaded.resources),
            "nodes": graph.graph.number_of_nodes(),
            "edges": graph.graph.number_of_edges(),
            "findings": findings,
            "load_s": median_seconds(lambda: load(inputs), repeat),
            "graph_s": median_seconds(lambda: build_graph(loaded.resources, loaded.config), repeat),
            "rules_s": median_seconds(lambda: run_rules(every, rule_context(loaded)), repeat),
            "rules_without_boundary_s": median_seconds(lambda: run_rules(others, rule_context(loaded)), repeat),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 40, 80])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = [measure(size, args.repeat) for size in args.sizes]
    print(
        f"{'copies':>6} {'resources':>9} {'edges':>6} {'load s':>7} {'graph s':>8} {'rules s':>8} "
        f"{'w/o 008-011':>11} {'check overhead':>14}"
    )
    for row in rows:
        # what the boundary rules (graph included) add to a whole check: load + rules
        added = row["rules_s"] - row["rules_without_boundary_s"]
        overhead = added / (row["load_s"] + row["rules_without_boundary_s"])
        print(
            f"{row['copies']:>6} {row['resources']:>9} {row['edges']:>6} {row['load_s']:>7.3f} {row['graph_s']:>8.3f} "
            f"{row['rules_s']:>8.3f} {row['rules_without_boundary_s']:>11.3f} {overhead:>14.1%}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
