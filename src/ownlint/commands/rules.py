"""``ownlint rules``: the rules, in id order (``explain RULE`` prints one's documentation)."""

from __future__ import annotations

from dataclasses import dataclass

from ownlint.rules import RULES
from ownlint.rules.base import Rule


@dataclass(frozen=True)
class RulesOptions:
    """``ownlint rules`` takes no option yet: a value, so that it reads as every other command."""


def list_rules(options: RulesOptions) -> tuple[Rule, ...]:
    return RULES
