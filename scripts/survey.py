"""Survey real Terraform: for each root module (e.g. every ``examples/*`` of a module repo), count
resources that need an owner and whether the owner is present, missing or unknown, with the
unknown reasons grouped into categories. Prints a Markdown table.

    python scripts/survey.py [--config ownlint.yaml] REPO_DIR [REPO_DIR...]
"""

from __future__ import annotations

import re
import sys
import traceback
from collections import Counter
from pathlib import Path

from ownlint.inputs import Inputs
from ownlint.model import State
from ownlint.ownership import fact, needs_ownership
from ownlint.pipeline import load

CATEGORIES = [
    ("variable without a value", re.compile(r"var\.\S+ has no default")),
    ("resource attribute (known after apply)", re.compile(r"known only after apply")),
    ("data source read at plan time", re.compile(r"is read at plan time")),
    ("module output", re.compile(r"is a module output")),
    ("function not evaluated", re.compile(r"function \S+ is not evaluated")),
    ("for_each/count unknown", re.compile(r"(for_each|count) of .* is unknown")),
    ("remote module not followed", re.compile(r"remote module")),
    ("evaluation error", re.compile(r"evaluation error")),
    ("path.cwd/path.root (run-time directory)", re.compile(r"path\.\w+ is chosen at run time")),
]


def category(reason: str) -> str:
    return next((name for name, pattern in CATEGORIES if pattern.search(reason)), f"other: {reason[:60]}")


def survey(repo: Path, config: str | None) -> tuple[dict[str, int], Counter[str], list[str]]:
    counts = {"roots": 0, "resources": 0, "need owner": 0, "present": 0, "missing": 0, "unknown": 0, "tracebacks": 0}
    reasons: Counter[str] = Counter()
    missing: list[str] = []
    roots = sorted(p for p in (repo / "examples").iterdir() if p.is_dir()) if (repo / "examples").is_dir() else [repo]
    for root in roots:
        counts["roots"] += 1
        try:
            loaded = load(Inputs(paths=(str(root),), config=config))
        except Exception:  # the survey counts crashes instead of stopping
            counts["tracebacks"] += 1
            traceback.print_exc()
            continue
        states: dict[tuple[str, str], tuple[int, str, str]] = {}  # worst owner state per address
        for resource in loaded.resources:
            if resource.source != "terraform" or resource.type == "module":
                continue
            key = (resource.stack, resource.address)
            states.setdefault(key, (-1, "", ""))
            if not needs_ownership(loaded.config, resource):
                continue
            owner = fact(loaded.config, resource, "owner")
            rank = {State.PRESENT: 0, State.UNKNOWN: 1, State.MISSING: 2}[owner.state]
            where = f"{root.name}: {resource.address} ({resource.file}:{resource.line})"
            if rank > states[key][0]:
                states[key] = (rank, owner.state.value, owner.reason or where)
        for rank, state, detail in states.values():
            counts["resources"] += 1
            if rank < 0:
                continue
            counts["need owner"] += 1
            counts[state] += 1
            if state == "unknown":
                reasons[category(detail)] += 1
            elif state == "missing":
                missing.append(detail)
    return counts, reasons, missing


def main(argv: list[str]) -> int:
    config = None
    if argv[:1] == ["--config"]:
        config, argv = argv[1], argv[2:]
    columns = ["roots", "resources", "need owner", "present", "missing", "unknown", "tracebacks"]
    print("| repo | " + " | ".join(columns) + " | unknown reasons |")
    print("|---" * (len(columns) + 2) + "|")
    details = []
    for name in argv:
        counts, reasons, missing = survey(Path(name), config)
        shown = "; ".join(f"{k}: {v}" for k, v in reasons.most_common())
        print(f"| {Path(name).name} | " + " | ".join(str(counts[c]) for c in columns) + f" | {shown} |")
        details.append((name, missing))
    for name, missing in details:
        print(f"\n{name}: {len(missing)} missing; first: " + "; ".join(missing[:5]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
