"""A suggested owner for each unowned resource, from evidence only: the owner of its module call or
namespace, its file's CODEOWNERS entry, the owners of its siblings, the last git author of its lines.

The first source that names someone gives the suggestion; the evidence lists every source found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from ownlint.config import CodeOwners, Config
from ownlint.loaders.codeowners import FileOwners, load_codeowners
from ownlint.model import Fact, Resource, State
from ownlint.ownership import OWNER, fact

Suggestion = tuple[str, str]  # (owner, evidence)


def suggest_owners(
    config: Config, resources: Iterable[Resource], root: Path, use_git: bool = True
) -> dict[str, Suggestion]:
    """Suggestions by ``stack//address`` for the resources whose owner is missing."""
    everything = list(resources)
    listed = [r for r in everything if r.type != "module"]
    unowned = [r for r in listed if fact(config, r, OWNER).state is State.MISSING]
    if not unowned:
        return {}
    containers = {_container_key(r.source, r.stack, r.address): fact(config, r, OWNER) for r in everything}
    files = sorted({r.file for r in unowned})
    codeowners, _ = load_codeowners(root, config.codeowners or CodeOwners({}), files, keep_unmapped=True)
    siblings = _sibling_owners(config, listed)
    authors = _last_authors(root, unowned) if use_git else {}
    found = {}
    for resource in unowned:
        evidence = [
            *_container_owner(resource, containers),
            *_codeowners_evidence(codeowners.get(resource.file)),
            *_sibling_evidence(resource, siblings),
            *([authors[(resource.file, resource.line)]] if (resource.file, resource.line) in authors else []),
        ]
        if evidence:
            found[f"{resource.stack or '.'}//{resource.address}"] = (evidence[0][0], "; ".join(e for _, e in evidence))
    return found


def _codeowners_evidence(owners: FileOwners | None) -> list[tuple[str, str]]:
    return [(owners.owners[0], owners.rule)] if owners is not None and owners.owners else []


def _container_key(source: str, stack: str, address: str) -> tuple[str, str]:
    """Module calls are found within their root module; Namespace objects anywhere."""
    return (stack, address) if source == "terraform" else ("", address)


def _container_owner(resource: Resource, owners: Mapping[tuple[str, str], Fact]) -> list[tuple[str, str]]:
    """The owner of the module call that instantiates it, or of its Namespace object."""
    if resource.container is None:
        return []
    owner = owners.get(_container_key(resource.source, resource.stack, resource.container))
    if owner is None or owner.state is not State.PRESENT or not owner.value:
        return []
    what = "module call" if resource.source == "terraform" else "namespace"
    return [(owner.value, f"{what} {resource.container} is owned by {owner.value!r}")]


def _sibling_owners(config: Config, resources: list[Resource]) -> dict[tuple[str, str | None], Counter[str]]:
    """Owner values by module instance (stack and module call) or namespace."""
    table: dict[tuple[str, str | None], Counter[str]] = {}
    for resource in resources:
        owner = fact(config, resource, OWNER)
        if owner.state is State.PRESENT and owner.value:
            table.setdefault(_group(resource), Counter())[owner.value] += 1
    return table


def _group(resource: Resource) -> tuple[str, str | None]:
    """Siblings: the same module instance, the same namespace, or (cluster-wide objects) the same directory."""
    if resource.source == "kubernetes" and resource.namespace:
        return ("namespace", resource.namespace)
    if resource.source == "kubernetes":
        return ("directory", resource.file.rsplit("/", 1)[0] if "/" in resource.file else ".")
    return (resource.stack, resource.container)


def _sibling_evidence(
    resource: Resource, siblings: Mapping[tuple[str, str | None], Counter[str]]
) -> list[tuple[str, str]]:
    counts = siblings.get(_group(resource))
    if not counts:
        return []
    value, count = counts.most_common(1)[0]
    kind, name = _group(resource)
    where = f"{kind} {name}" if resource.source == "kubernetes" else _module_of(resource)
    return [(value, f"{count} of {sum(counts.values())} owned siblings in {where} are owned by {value!r}")]


def _module_of(resource: Resource) -> str:
    return f"{resource.container} of {resource.stack}" if resource.container else f"root module {resource.stack}"


def _last_authors(root: Path, resources: list[Resource]) -> dict[tuple[str, int], tuple[str, str]]:
    """(file, line) -> (author e-mail, evidence) of the latest commit touching each resource's lines."""
    found: dict[tuple[str, int], tuple[str, str]] = {}
    by_file: dict[str, list[Resource]] = {}
    for resource in resources:
        by_file.setdefault(resource.file, []).append(resource)
    for file, members in sorted(by_file.items()):
        lines = _blame(root, file)
        for resource in members:
            span = [lines[n] for n in range(resource.line, max(resource.end_line, resource.line) + 1) if n in lines]
            if span:
                _, author = max(span)  # the latest commit's author
                found[(file, resource.line)] = (author, f"last git author of {file}:{resource.line}: {author}")
    return found


def _blame(root: Path, file: str) -> dict[int, tuple[int, str]]:
    """Line -> (author time, author e-mail) from ``git blame --line-porcelain``; empty outside git.
    The committed file is blamed (HEAD, the snapshot's commit), without textconv: git reads no work tree
    file, so it runs no clean filter and no fsmonitor."""
    from ownlint import git
    from ownlint.errors import OwnlintError

    try:
        blamed = git.run(["blame", "--no-textconv", "--line-porcelain", "HEAD", "--", file], root, timeout=30)
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
