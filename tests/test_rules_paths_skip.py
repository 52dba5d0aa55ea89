"""Issue 20, a warm run: the boundary rules judge the records of a node reached only when a boundary that binds the
MSP covers its type (est-d: its MSP reaches 1,188 RoleBindings, Services, Deployments and ServiceAccounts, which no
boundary covers, and each was judged record by record)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import run_cli
from tests.test_graph import ESTATE, PINNED, findings_with_paths

from ownlint.rules import paths


def test_crossings_judge_only_nodes_of_types_a_boundary_covers(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = findings_with_paths(run_cli("check", str(ESTATE), *PINNED, "--format", "json").json()["findings"])
    judged: list[bool] = []
    crossing = paths._crossing

    def counted(context: Any, boundaries: Any, reached: Any, records: int, also: Any, *rest: Any) -> Any:
        for record in reached:
            judged.append(any(paths.covers(context.config, b, record.type, also) for b in boundaries))
        return crossing(context, boundaries, reached, records, also, *rest)

    monkeypatch.setattr(paths, "_crossing", counted)
    run = run_cli("check", str(ESTATE), *PINNED, "--format", "json")
    assert findings_with_paths(run.json()["findings"]) == expected
    assert any(line.startswith("OWN008") for line in expected)
    assert judged and all(judged)
