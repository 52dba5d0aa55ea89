"""AWS policy documents as statements, from any of the ways Terraform writes them.

``jsonencode({...})``, heredoc JSON, a plan's JSON string, and ``data.aws_iam_policy_document``
(statement blocks, ``dynamic`` statements, ``source_policy_documents``/``override_policy_documents``)
all become ``Statement`` values; ARNs are matched with their wildcards, by service and resource name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from ownlint.graph.relations.index import ResourceIndex, as_list, place_of
from ownlint.model import Place, Resource

MAX_DOCUMENT_DEPTH = 8


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]  # "*" when NotAction is used: everything but a few actions
    resources: tuple[str, ...]  # "*" when NotResource is used
    principals: tuple[tuple[str, str], ...]  # (AWS|Service|Federated|*, identifier)
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]  # (test, variable, values)
    place: Place
    excluded: tuple[tuple[str, str], ...] = ()  # NotPrincipal: everyone (principals "*") but these

    @property
    def allows(self) -> bool:
        return self.effect.lower() == "allow"


def statements(owner: Resource, value: Any, index: ResourceIndex, place: Place, depth: int = 0) -> list[Statement]:
    """The statements of a policy written as ``value`` in ``owner`` (``place`` is where it is written)."""
    if depth > MAX_DOCUMENT_DEPTH or value is None:
        return []
    if isinstance(value, str):
        documents = [r for r in index.referenced(owner, value) if r.type == "aws_iam_policy_document"]
        if documents and value.strip().startswith("${"):
            return [s for d in documents for s in document_statements(d, index, depth + 1)]
        read: list[Fields] | None = index.policies.get(value)
        if read is None:
            read = index.policies[value] = _read(value)
        return [_placed(fields, place) for fields in read]
    if not isinstance(value, dict):
        return []
    return [_placed(f, place) for f in map(_fields, as_list(value.get("Statement"))) if f is not None]


Fields = tuple[
    str,
    tuple[str, ...],
    tuple[str, ...],
    tuple[tuple[str, str], ...],
    tuple[tuple[str, str, tuple[str, ...]], ...],
    tuple[tuple[str, str], ...],
]  # a statement's but its place


def _placed(fields: Fields, place: Place) -> Statement:
    effect, actions, resources, principals, conditions, excluded = fields
    return Statement(effect, actions, resources, principals, conditions, place, excluded)


def _read(text: str) -> list[Fields]:
    """A policy's statements as JSON text, but where it is written: read once per text (stacks repeat them)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested too deep for a policy: no statements
        return []
    if not isinstance(value, dict):
        return []
    return [f for f in map(_fields, as_list(value.get("Statement"))) if f is not None]


def document_statements(document: Resource, index: ResourceIndex, depth: int = 0) -> list[Statement]:
    """A ``data.aws_iam_policy_document``: its source documents' statements, its own, its overrides'."""
    found: list[Statement] = []
    for attributes in document.attributes:
        where = place_of(document, attributes)
        for name in ("source_policy_documents", "source_json"):
            for item in as_list(attributes.get(name)):
                found.extend(statements(document, item, index, where, depth))
        for block in as_list(attributes.get("statement")):
            if isinstance(block, dict):
                found.append(_block(block, place_of(document, block, what=f"statement of {document.address}")))
        for name in ("override_policy_documents", "override_json"):
            for item in as_list(attributes.get(name)):
                found.extend(statements(document, item, index, where, depth))
    return found


def _fields(item: Any) -> Fields | None:
    """A JSON statement's fields but its place (None: not a statement)."""
    if not isinstance(item, dict):
        return None
    excluded = _json_principals(item.get("NotPrincipal"))
    principals = [("*", "*")] if "NotPrincipal" in item else _json_principals(item.get("Principal"))
    conditions: list[tuple[str, str, tuple[str, ...]]] = []
    for test, variables in (item.get("Condition") or {}).items() if isinstance(item.get("Condition"), dict) else ():
        if isinstance(variables, dict):
            conditions.extend((str(test), str(k), tuple(str(v) for v in as_list(vs))) for k, vs in variables.items())
    return (
        str(item.get("Effect", "Allow")),
        _texts(item.get("Action")) if "NotAction" not in item else ("*",),
        _texts(item.get("Resource")) if "NotResource" not in item else ("*",),
        tuple(principals),
        tuple(conditions),
        tuple(excluded),
    )


def _json_principals(principal: Any) -> list[tuple[str, str]]:
    if principal == "*":
        return [("*", "*")]
    if isinstance(principal, dict):
        return [(str(kind), str(p)) for kind, ids in principal.items() for p in as_list(ids)]
    return []


def _block(block: Mapping[str, Any], place: Place) -> Statement:
    principals = _block_principals(block.get("principals"))
    excluded = _block_principals(block.get("not_principals"))
    if excluded:
        principals = [("*", "*")]
    conditions = [
        (str(c.get("test", "")), str(c.get("variable", "")), _texts(c.get("values")))
        for c in as_list(block.get("condition"))
        if isinstance(c, dict)
    ]
    return Statement(
        effect=str(block.get("effect") or "Allow"),
        actions=_texts(block.get("actions")) if not block.get("not_actions") else ("*",),
        resources=_texts(block.get("resources")) if not block.get("not_resources") else ("*",),
        principals=tuple(("*", "*") if i == "*" else (kind, i) for kind, i in principals),
        conditions=tuple(conditions),
        place=place,
        excluded=tuple(excluded),
    )


def _block_principals(blocks: Any) -> list[tuple[str, str]]:
    return [
        (str(p.get("type", "AWS")), str(identifier))
        for p in as_list(blocks)
        if isinstance(p, dict)
        for identifier in as_list(p.get("identifiers"))
    ]


def admits_declared(statement: Statement, written: str, declared: str) -> bool:
    """Whether the statement's principal ``written`` covers ``declared`` and NotPrincipal spares it not."""
    if not principal_matches(declared, written):
        return False
    return not any(_covers(excluded, declared) for _, excluded in statement.excluded)


def _covers(written: str, declared: str) -> bool:
    """Whether ``written`` stands for every principal ``declared`` does (not just some of them)."""
    if written == "*":
        return True
    account = account_of(written)
    if account is not None and account == account_of(declared) and (written.isdigit() or written.endswith(":root")):
        return True
    whole = declared.isdigit() or declared.endswith(":root")
    return not whole and arn_matches(written, declared)


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in as_list(value) if v is not None)


def services(actions: tuple[str, ...]) -> set[str]:
    """Services an action list touches: ``s3:Get*`` -> s3; ``*`` -> ``*``."""
    found = set()
    for action in actions:
        if action == "*" or ":" not in action:
            found.add("*")
        else:
            found.add(action.split(":", 1)[0].lower())
    return found


ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml")


def allows_assume(statement: Statement) -> bool:
    """An Allow statement whose actions include one of the ``sts:AssumeRole*`` actions."""
    return statement.allows and any(
        fnmatchcase(assume, action.lower()) for action in statement.actions for assume in ASSUME_ACTIONS
    )


def arn_matches(pattern: str, arn: str) -> bool:
    """Whether a policy's ARN (wildcards allowed) can denote the resource ARN ``arn`` (``*`` where unknown)."""
    if pattern == "*":
        return True
    left, right = pattern.split(":", 5), arn.split(":", 5)
    if len(left) != 6 or len(right) != 6:
        return False
    if not all(_segment(a, b) for a, b in zip(left[:5], right[:5], strict=True)):
        return False
    return _resource_part(left[5], right[5])


def _segment(a: str, b: str) -> bool:
    return a == b or a in ("", "*") or b in ("", "*") or fnmatchcase(b, a) or fnmatchcase(a, b)


def _resource_part(a: str, b: str) -> bool:
    """``bucket/*`` covers ``bucket``; ``table/t/index/*`` covers ``table/t``; literal prefixes of two globs."""
    if _segment(a, b) or a.startswith(f"{b}/") or fnmatchcase(f"{b}/x", a):
        return True
    literal_a, literal_b = literal_prefix(a), literal_prefix(b)
    if literal_a != a and literal_b != b:
        return literal_a.startswith(literal_b) or literal_b.startswith(literal_a)
    return False


def literal_prefix(text: str) -> str:
    cut = min((i for i in (text.find("*"), text.find("?")) if i >= 0), default=len(text))
    return text[:cut]


def account_of(principal: str) -> str | None:
    if principal.isdigit() and len(principal) == 12:
        return principal
    parts = principal.split(":")
    return parts[4] if len(parts) >= 6 and parts[0] == "arn" and parts[4] else None


def principal_matches(declared: str, written: str) -> bool:
    """Whether a policy principal ``written`` admits the MSP's declared principal ``declared``.

    ``*`` admits everyone; an account (``123456789012`` or ``...:root``) admits every principal of
    that account; otherwise the ARNs must match (wildcards allowed on either side).
    """
    if written == "*":
        return True
    account_declared, account_written = account_of(declared), account_of(written)
    if account_declared is None or account_declared != account_written:
        return declared == written
    account_wide = any(p.isdigit() or p.endswith(":root") for p in (written, declared))
    return account_wide or arn_matches(written, declared)


def iter_strings(value: Any) -> Iterator[str]:
    for item in as_list(value):
        if isinstance(item, str):
            yield item
