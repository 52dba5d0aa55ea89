"""A suggested owner for each unowned resource, from evidence weighed by how much it says.

The model wants a team (or an MSP) as owner, never a person. Evidence, and its weight:

- the owner of the module call that instantiates it, or of its Namespace object: strong (3);
- its file's CODEOWNERS entry, when ``codeowners.teams`` maps it to an owner value: strong (3); a team or
  person no entry maps is a contact, not an owner value;
- its owned siblings (the same module instance, namespace or directory): medium (2), when there are at
  least ``MIN_SIBLINGS`` and two thirds of them agree; fewer, or a split, are listed and not counted;
- the last git author of its lines: a person, so a contact; weak (1) when ``codeowners.teams`` maps the
  author's e-mail to an owner value.

Only valid owner values count (a declared party, when parties are declared). Each value's weights add up;
the suggestion is the value whose sum exceeds all the others' together, its strength by how much (3 or
more: strong, 2: medium, 1: weak). Otherwise there is none, and the evidence says why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ownlint.audit.inventory import Suggested
from ownlint.config import CodeOwners, Config
from ownlint.loaders.codeowners import load_codeowners
from ownlint.model import Fact, FileOwners, Resource, State
from ownlint.ownership import OWNER, fact, party_kind

STRONG, MEDIUM, WEAK = 3, 2, 1
STRENGTHS = {STRONG: "strong", MEDIUM: "medium", WEAK: "weak"}
MIN_SIBLINGS = 3  # owned siblings it takes to suggest their owner; two thirds of them must agree


@dataclass(frozen=True)
class Evidence:
    value: str | None  # the owner value it speaks for; None: shown, not counted
    weight: int
    text: str


def suggest_owners(
    config: Config, resources: Iterable[Resource], root: Path, git: Mapping[str, str] | None = None
) -> dict[str, Suggested]:
    """Suggestions by ``stack//address`` for the resources whose owner is missing; ``git``: the environment
    git runs with, to name the last authors (None: git is not run)."""
    everything = list(resources)
    listed = [r for r in everything if r.type != "module"]
    unowned = [r for r in listed if fact(config, r, OWNER).state is State.MISSING]
    if not unowned:
        return {}
    containers = {_container_key(r.source, r.stack, r.address): fact(config, r, OWNER) for r in everything}
    files = sorted({r.file for r in unowned})
    settings = config.codeowners or CodeOwners({})
    mapped, _ = load_codeowners(root, settings, files)
    named, _ = load_codeowners(root, settings, files, keep_unmapped=True)
    siblings = _sibling_owners(config, listed)
    authors = _last_authors(root, unowned, git) if git is not None else {}
    teams = {team.lower(): owner for team, owner in settings.teams.items()}
    found = {}
    for resource in unowned:
        evidence = [
            *_container_owner(config, resource, containers),
            *_codeowners_evidence(config, mapped.get(resource.file), named.get(resource.file)),
            *_sibling_evidence(resource, siblings),
            *_author_evidence(config, resource, authors, teams),
        ]
        if evidence:
            found[f"{resource.stack or '.'}//{resource.address}"] = weighed(evidence)
    return found


def weighed(evidence: list[Evidence]) -> Suggested:
    """The value the evidence speaks for, if it outweighs all the others together, and how strongly."""
    scores: Counter[str] = Counter()
    for item in evidence:
        if item.value is not None:
            scores[item.value] += item.weight
    texts = tuple(item.text for item in evidence)
    if not scores:
        return Suggested(None, None, texts)
    value, score = min(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    lead = score - (sum(scores.values()) - score)
    if lead < WEAK:
        weights = ", ".join(f"{v!r} {s}" for v, s in sorted(scores.items()))
        return Suggested(None, None, (*texts, f"no suggestion: the evidence conflicts ({weights})"))
    return Suggested(value, STRENGTHS[min(lead, STRONG)], texts)


def _vote(config: Config, value: str, weight: int, text: str) -> Evidence:
    """Evidence for ``value``, counted when it is a valid owner value."""
    if config.parties_declared and party_kind(config, value) is None:
        return Evidence(None, 0, f"{text}, which is not a declared party: not counted")
    return Evidence(value, weight, f"{text} ({STRENGTHS[weight]})")


def _codeowners_evidence(config: Config, mapped: FileOwners | None, named: FileOwners | None) -> list[Evidence]:
    if mapped is not None:
        if len(mapped.owners) > 1:
            values = " and ".join(repr(v) for v in mapped.owners)
            return [Evidence(None, 0, f"{mapped.rule}, which codeowners.teams maps to {values}: split, not counted")]
        return [
            _vote(
                config, mapped.owners[0], STRONG, f"{mapped.rule}, which codeowners.teams maps to {mapped.owners[0]!r}"
            )
        ]
    if named is not None:
        return [Evidence(None, 0, f"{named.rule}: a contact, not an owner value (no codeowners.teams entry maps it)")]
    return []


def _container_key(source: str, stack: str, address: str) -> tuple[str, str]:
    """Module calls are found within their root module; Namespace objects anywhere."""
    return (stack, address) if source == "terraform" else ("", address)


def _container_owner(config: Config, resource: Resource, owners: Mapping[tuple[str, str], Fact]) -> list[Evidence]:
    """The owner of the module call that instantiates it, or of its Namespace object."""
    if resource.container is None:
        return []
    owner = owners.get(_container_key(resource.source, resource.stack, resource.container))
    if owner is None or owner.state is not State.PRESENT or not owner.value:
        return []
    what = "module call" if resource.source == "terraform" else "namespace"
    return [_vote(config, owner.value, STRONG, f"{what} {resource.container} is owned by {owner.value!r}")]


def _sibling_owners(config: Config, resources: list[Resource]) -> dict[tuple[str, str | None], Counter[str]]:
    """Valid owner values by module instance (stack and module call) or namespace: one vote per address
    and value (the instances of a ``for_each`` are one sibling)."""
    seen: set[tuple[tuple[str, str | None], str, str]] = set()
    table: dict[tuple[str, str | None], Counter[str]] = {}
    for resource in resources:
        owner = fact(config, resource, OWNER)
        if owner.state is not State.PRESENT or not owner.value:
            continue
        vote = (_group(resource), resource.address, owner.value)
        if vote in seen or (config.parties_declared and party_kind(config, owner.value) is None):
            continue
        seen.add(vote)
        table.setdefault(vote[0], Counter())[owner.value] += 1
    return table


def _group(resource: Resource) -> tuple[str, str | None]:
    """Siblings: the same module instance, the same namespace, or (cluster-wide objects) the same directory."""
    if resource.source == "kubernetes" and resource.namespace:
        return ("namespace", resource.namespace)
    if resource.source == "kubernetes":
        return ("directory", resource.file.rsplit("/", 1)[0] if "/" in resource.file else ".")
    return (resource.stack, resource.container)


def _sibling_evidence(resource: Resource, siblings: Mapping[tuple[str, str | None], Counter[str]]) -> list[Evidence]:
    counts = siblings.get(_group(resource))
    if not counts:
        return []
    value, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(counts.values())
    kind, name = _group(resource)
    where = f"{kind} {name}" if resource.source == "kubernetes" else _module_of(resource)
    text = f"{count} of {total} owned siblings in {where} are owned by {value!r}"
    if total < MIN_SIBLINGS:
        return [Evidence(None, 0, f"{text}: too few to suggest (it takes {MIN_SIBLINGS}, two thirds of them agreeing)")]
    if 3 * count < 2 * total:
        return [Evidence(None, 0, f"{text}: no clear majority (it takes two thirds)")]
    return [Evidence(value, MEDIUM, f"{text} ({STRENGTHS[MEDIUM]})")]


def _module_of(resource: Resource) -> str:
    return f"{resource.container} of {resource.stack}" if resource.container else f"root module {resource.stack}"


def _author_evidence(
    config: Config, resource: Resource, authors: Mapping[tuple[str, int], str], teams: Mapping[str, str]
) -> list[Evidence]:
    """The last git author: a person, so a contact, unless ``codeowners.teams`` maps the e-mail to a team."""
    author = authors.get((resource.file, resource.line))
    if author is None:
        return []
    text = f"last git author of {resource.file}:{resource.line}: {author}"
    team = teams.get(author.lower())
    if team is None:
        return [Evidence(None, 0, f"{text}, a person: a contact, not an owner value")]
    return [_vote(config, team, WEAK, f"{text}, whom codeowners.teams maps to {team!r}")]


def _last_authors(root: Path, resources: list[Resource], environ: Mapping[str, str]) -> dict[tuple[str, int], str]:
    """(file, line) -> the author e-mail of the latest commit touching each resource's lines."""
    found: dict[tuple[str, int], str] = {}
    by_file: dict[str, list[Resource]] = {}
    for resource in resources:
        by_file.setdefault(resource.file, []).append(resource)
    for file, members in sorted(by_file.items()):
        lines = _blame(root, file, environ)
        for resource in members:
            span = [lines[n] for n in range(resource.line, max(resource.end_line, resource.line) + 1) if n in lines]
            if span:
                _, author = max(span)  # the latest commit's author
                found[(file, resource.line)] = author
    return found


def _blame(root: Path, file: str, environ: Mapping[str, str]) -> dict[int, tuple[int, str]]:
    """Line -> (author time, author e-mail) from ``git blame --line-porcelain``; empty outside git.
    The committed file is blamed (HEAD, the snapshot's commit), without textconv: git reads no work tree
    file, so it runs no clean filter and no fsmonitor."""
    from ownlint.errors import OwnlintError
    from ownlint.vcs import git

    try:
        blame = ["blame", "--no-textconv", "--line-porcelain", "HEAD", "--", file]
        blamed = git.run(blame, root, environ, timeout=30)
    except OwnlintError:  # no git
        return {}
    if blamed.returncode != 0:
        return {}
    lines: dict[int, tuple[int, str]] = {}
    line, when, author = 0, 0, ""
    for text in blamed.stdout.decode("utf-8", "replace").splitlines():
        if text.startswith("\t"):
            lines[line] = (when, author)
        elif text.startswith("author-mail "):
            author = text[len("author-mail ") :].strip("<>")
        elif text.startswith("author-time "):
            when = int(text.split()[1])
        elif len(text) > 40 and text[:40].isalnum() and " " in text:
            parts = text.split()
            line = int(parts[2]) if len(parts) >= 3 and parts[2].isdigit() else line
    return lines
