"""The rule registry: an explicit tuple, in id order. Importing a rule module does nothing else."""

from __future__ import annotations

from ownlint.rules import (
    own000_parse_error,
    own001_missing_owner,
    own002_unknown_owner,
    own003_owner_not_allowed,
    own004_operator_not_allowed,
    own005_missing_compliance_label,
    own006_invalid_label_value,
    own007_msp_accountability,
    own008_access_boundary,
    own009_network_boundary,
    own010_residency,
    own011_ownership_drift,
    own012_unresolved_ownership,
    own013_expired_waiver,
)
from ownlint.rules.base import Rule

RULE_MODULES = (
    own000_parse_error,
    own001_missing_owner,
    own002_unknown_owner,
    own003_owner_not_allowed,
    own004_operator_not_allowed,
    own005_missing_compliance_label,
    own006_invalid_label_value,
    own007_msp_accountability,
    own008_access_boundary,
    own009_network_boundary,
    own010_residency,
    own011_ownership_drift,
    own012_unresolved_ownership,
    own013_expired_waiver,
)
RULES: tuple[Rule, ...] = tuple(Rule.from_module(module) for module in RULE_MODULES)
RULE_IDS: tuple[str, ...] = tuple(rule.code for rule in RULES)
# ids reserved by the design for rules still to come: accepted in configuration, never reused
RESERVED_IDS: tuple[str, ...] = ()
KNOWN_IDS: tuple[str, ...] = tuple(sorted(RULE_IDS + RESERVED_IDS))


def rule_by_id(code: str) -> Rule | None:
    return next((rule for rule in RULES if rule.code == code.upper()), None)
