"""A fact's value is outside the allowed set.

What it does
    For every fact with allowed values under ``labels`` (in ``hybrid-it``: ``operator``,
    ``data-classification`` and ``compliance-scope``), checks present values case-insensitively.
    ``compliance-scope`` may list several values separated by commas, ``+`` or spaces. An
    ``operated-by`` value may also name a declared party. One finding per resource.

Why it matters
    ``confidental`` or ``PCI-DSS`` look like labels but match no policy: the boundary and
    residency checks that key on them would silently pass.

Example
    Fails::

        labels:
          data-classification: secret

    Passes::

        labels:
          data-classification: restricted

Options
    ``labels.FACT``: the allowed values of a fact.
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.config import Config
from ownlint.model import Finding, Place, Severity
from ownlint.ownership import OPERATOR, PRESENT, fact_values, operator_kind
from ownlint.rules.base import RuleContext, finding

CODE = "OWN006"
NAME = "invalid-label-value"
SEVERITY = Severity.ERROR


def check(context: RuleContext) -> Iterator[Finding]:
    config = context.config
    labels = [(name, allowed, {a.lower() for a in allowed}) for name, allowed in sorted(config.labels.items())]
    judged: dict[tuple[str, str], str | None] = {}  # (fact, value) -> what is wrong with it: estates repeat values
    for resource, said in context.owned_tagged(tuple(name for name, _, _ in labels)):
        if not said:
            continue  # no value to judge
        problems: list[str] = []
        provenance: list[Place] = []
        for name, allowed, lowered in labels:
            current = said.get(name)
            if current is None or current.state is not PRESENT or current.value is None:
                continue
            pair = (name, current.value)
            if pair not in judged:
                judged[pair] = _wrong(config, name, current.value, lowered)
            shown = judged[pair]
            if shown is not None:
                where = current.provenance[0] if current.provenance else None
                problems.append(
                    f"{current.key} has {shown} (allowed: {', '.join(sorted(allowed))})"
                    + (f" at {where}" if where else "")
                )
                provenance.extend(current.provenance[:1])
        if problems:
            message = f"{resource.address}: " + "; ".join(problems)
            yield finding(CODE, NAME, SEVERITY, resource, message, tuple(provenance))


def _wrong(config: Config, name: str, value: str, lowered: set[str]) -> str | None:
    """The values of ``value`` not allowed, shown (``an empty value`` when it holds none); None: it is allowed."""
    values = fact_values(name, value)
    bad = [v for v in values if v.lower() not in lowered and not (name == OPERATOR and operator_kind(config, v))]
    if bad or not values:
        return ", ".join(repr(v) for v in bad) or "an empty value"
    return None
