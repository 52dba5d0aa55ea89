"""The pipeline every command shares: discover -> load -> inherit -> rules -> severities -> suppress -> scope.

``load`` reads a run into a ``Loaded`` (files, config, resources with inherited ownership from ``inherit``,
CODEOWNERS, suppressions, notes, and the ``scope`` of what was named); ``findings`` runs the rules over it
and applies severities, suppressions and the scope. See docs/architecture.md for the flow of one run.
"""

from __future__ import annotations

from ownlint.pipeline.findings import (
    RULE_INFO,
    finding_order,
    findings_of,
    graph_of_loaded,
    merge_instances,
    rule_context,
    run_rules,
    select_rules,
)
from ownlint.pipeline.loading import Loaded, choose_config, config_name, load, repository_base, shown_config

__all__ = [
    "RULE_INFO",
    "Loaded",
    "choose_config",
    "config_name",
    "finding_order",
    "findings_of",
    "graph_of_loaded",
    "load",
    "merge_instances",
    "repository_base",
    "rule_context",
    "run_rules",
    "select_rules",
    "shown_config",
]
