"""Find ``ownlint.yaml``, merge it over its preset (``extends``), validate it, build a ``Config``."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ownlint.config_schema import config_schema, did_you_mean
from ownlint.config_yaml import MAX_BYTES, Located, load_located
from ownlint.errors import ConfigError

CONFIG_NAMES = ("ownlint.yaml", ".ownlint.yaml")
PRESETS = ("hybrid-it",)
DEFAULT_PRESET = "hybrid-it"
BOUNDARY_KEYS = ("from", "to", "operator_location", "category")  # any other key under deny is a fact


@dataclass(frozen=True)
class Category:
    name: str
    match: tuple[str, ...]
    owners: frozenset[str]
    operators: frozenset[str]
    requires: tuple[str, ...]


@dataclass(frozen=True)
class Msp:
    name: str
    location: str = "onshore"
    contracts: tuple[str, ...] = ()
    escalation: str | None = None  # where its incidents go: evidence ``ownlint fix`` writes escalation-contact from
    aws_principals: tuple[str, ...] = ()
    k8s_subjects: tuple[str, ...] = ()
    cidrs: tuple[str, ...] = ()
    gcp_members: tuple[str, ...] = ()
    azure_principals: tuple[str, ...] = ()
    line: int = 0  # where the config declares it, for boundary paths


@dataclass(frozen=True)
class Boundary:
    """A ``boundaries`` entry: a path boundary (``from`` a party ``to`` resources with some facts) or a
    residency boundary (an operator ``location`` on resources with some facts)."""

    name: str
    from_parties: tuple[str, ...] = ()  # "msp" (every MSP) or MSP names
    from_locations: tuple[str, ...] = ()  # empty: any location
    to: Mapping[str, frozenset[str]] = field(default_factory=dict)  # fact -> values, any of which is denied
    operator_locations: tuple[str, ...] = ()
    # categories of the resources it protects: by default those that hold data, not the RBAC objects
    # or workloads that merely sit in a namespace labelled restricted
    categories: tuple[str, ...] = ("data", "security")

    @property
    def is_residency(self) -> bool:
        return bool(self.operator_locations)


@dataclass(frozen=True)
class CodeOwners:
    """CODEOWNERS teams mapped to owner values, for ownership drift; ``file`` None: the usual places."""

    teams: Mapping[str, str]
    file: str | None = None
    where: str = ""  # FILE:LINE of ``codeowners.file`` in the config, for errors found when it is read


@dataclass(frozen=True)
class Inheritance:
    """Resources matching ``match`` take ownership facts from what their ``via`` attributes reference."""

    name: str
    match: tuple[str, ...]
    via: tuple[str, ...]


@dataclass(frozen=True)
class Waiver:
    rule: str
    resource: str
    reason: str
    expires: datetime.date | None = None
    approved_by: str | None = None
    line: int = 0  # where the config declares it


@dataclass(frozen=True)
class Default:
    """Fact values for the files under ``path`` (a glob: ``infra/payments/*``; ``*`` crosses ``/``), the
    evidence ``ownlint fix`` writes from; it never makes a resource owned by itself."""

    path: str
    values: Mapping[str, str]
    line: int = 0


@dataclass(frozen=True)
class Config:
    source: str
    keys: Mapping[str, tuple[str, ...]]
    labels: Mapping[str, frozenset[str]]
    internal: frozenset[str]
    msps: Mapping[str, Msp]
    categories: tuple[Category, ...]
    exempt: tuple[str, ...]
    severities: Mapping[str, str] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    boundaries: tuple[Boundary, ...] = ()
    inherit: tuple[Inheritance, ...] = ()
    codeowners: CodeOwners | None = None
    defaults: tuple[Default, ...] = ()

    @property
    def parties_declared(self) -> bool:
        return bool(self.internal or self.msps)

    @cached_property
    def per_type(self) -> dict[tuple[str, str], Any]:
        """Answers that depend only on a resource type (its category, whether it is exempt), memoised
        for this config: rules ask them for every resource, thousands of times a run."""
        return {}


def repository_top(path: Path) -> Path | None:
    """The git work tree ``path`` is in: the nearest directory at or above it holding ``.git`` (a
    directory, or the file of a worktree or submodule); None outside git."""
    resolved = path.resolve()
    directory = resolved if resolved.is_dir() else resolved.parent
    return next((d for d in (directory, *directory.parents) if (d / ".git").exists()), None)


def config_top(paths: Sequence[Path], root: Path) -> Path:
    """Where the one config of a run is looked for: the top of the repository holding every path (the
    scan root ``root`` outside git); paths in several repositories have no such place."""
    tops = {repository_top(p) for p in paths} if paths else {repository_top(root)}
    if len(tops) > 1:
        shown = ", ".join(sorted(str(top) if top is not None else "outside git" for top in tops))
        raise ConfigError(
            f"the paths are in {len(tops)} repositories ({shown}): check each on its own, or give --config"
        )
    top = tops.pop()
    return top if top is not None else root.resolve()


def find_config(paths: Sequence[Path], root: Path) -> Path | None:
    """The one config of a run: ``ownlint.yaml`` (or ``.ownlint.yaml``) at the top of the repository.
    A config in a subdirectory or above the repository is never read: the pull request that adds it
    must not decide the policy its files are judged by."""
    top = config_top(paths, root)
    return next((top / name for name in CONFIG_NAMES if (top / name).is_file()), None)


def load_config(path: Path | None, rule_ids: tuple[str, ...], text: str | None = None) -> Config:
    """Load ``path`` (or the default preset when None), merged over what it extends, validated;
    ``text``: its content, when read elsewhere (``path`` then only names it: ``main:ownlint.yaml``)."""
    schema = config_schema(rule_ids)
    if path is None:
        preset = _preset(DEFAULT_PRESET, "(built-in)")
        schema(preset.data, (), preset)
        return _build(preset.data, f"preset {DEFAULT_PRESET}")
    try:
        if text is None:
            with path.open("rb") as stream:
                raw = stream.read(MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:
                raise ConfigError(f"{path}: the config is larger than 1 MiB ({MAX_BYTES} bytes)")
            text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ConfigError(f"{path}: cannot read config: {reason}") from None
    user = load_located(text, str(path))
    if not isinstance(user.data, dict):
        raise user.fail((), "expected a mapping at the top level")
    schema(user.data, (), user)
    base_name = user.data.get("extends", DEFAULT_PRESET)
    merged = dict(user.data)
    base_categories: list[str] = []
    if base_name != "none":
        base = _preset(base_name, f"{path}: extends")
        schema(base.data, (), base)
        merged = _merge(base.data, user.data)
        base_categories = list(base.data.get("categories") or {})
    _check_facts(merged, user)
    return _build(merged, str(path), base_categories, user.lines)


def _check_facts(merged: Mapping[str, Any], user: Located) -> None:
    """Facts named by ``requires`` and ``labels`` must be declared under ``keys``."""
    facts = set(merged.get("keys") or {})
    for name, spec in (merged.get("categories") or {}).items():
        for index, fact in enumerate(spec.get("requires") or ()):
            if fact not in facts:
                path = ("categories", name, "requires", index)
                raise user.fail(path, f"unknown fact {fact!r}{did_you_mean(fact, facts)}; declare it under keys")
    for fact in merged.get("labels") or {}:
        if fact not in facts:
            raise user.fail(("labels", fact), f"unknown fact {fact!r}{did_you_mean(fact, facts)}")
    for index, default in enumerate(merged.get("defaults") or ()):
        for fact in default["values"]:
            if fact not in facts:
                path = ("defaults", index, "values", fact)
                raise user.fail(path, f"unknown fact {fact!r}{did_you_mean(fact, facts)}; declare it under keys")
    _check_boundary_facts(merged, user, facts)


def _check_boundary_facts(merged: Mapping[str, Any], user: Located, facts: set[str]) -> None:
    for index, boundary in enumerate(merged.get("boundaries") or ()):
        deny = boundary["deny"]
        named = [(("to",), f) for f in deny.get("to") or {}] + [((), f) for f in deny if f not in BOUNDARY_KEYS]
        for where, fact in named:
            if fact not in facts and fact != "category":
                path = ("boundaries", index, "deny", *where, fact)
                raise user.fail(path, f"unknown fact {fact!r}{did_you_mean(fact, facts)}; declare it under keys")


def _preset(name: str, where: str) -> Located:
    if name not in PRESETS:
        raise ConfigError(f"{where}: unknown preset {name!r}{did_you_mean(name, PRESETS)}")
    text = preset_text(name)
    return load_located(text, f"preset {name}")


def preset_text(name: str = DEFAULT_PRESET) -> str:
    # beside this module, read directly: importlib.resources costs 8 ms of every run's start
    return (Path(__file__).parent / "presets" / f"{name}.yaml").read_text("utf-8")


def _merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; anything else in ``override`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return override


def _build(
    data: Mapping[str, Any],
    source: str,
    base_categories: list[str] | None = None,
    lines: Mapping[tuple[str | int, ...], int] | None = None,
) -> Config:
    parties = data.get("parties") or {}
    categories = data.get("categories") or {}
    inherited = base_categories or []
    # the organisation's own categories are matched before the preset's; the catch-all comes last
    order = [c for c in categories if c not in inherited] + [c for c in inherited if c in categories]
    user_first = sorted(order, key=lambda name: name == "other")
    return Config(
        source=source,
        keys={fact: tuple(names) for fact, names in (data.get("keys") or {}).items()},
        labels={fact: frozenset(values) for fact, values in (data.get("labels") or {}).items()},
        internal=frozenset(parties.get("internal") or ()),
        msps={
            name: _msp(name, spec or {}, (lines or {}).get(("parties", "msp", name), 0))
            for name, spec in (parties.get("msp") or {}).items()
        },
        categories=tuple(_category(name, categories[name]) for name in user_first),
        exempt=tuple(data.get("exempt") or ()),
        severities={rule: spec["severity"] for rule, spec in (data.get("rules") or {}).items() if spec},
        waivers=tuple(
            Waiver(**w, line=(lines or {}).get(("waivers", index), 0))
            for index, w in enumerate(data.get("waivers") or ())
        ),
        boundaries=tuple(_boundary(spec) for spec in data.get("boundaries") or ()),
        codeowners=_codeowners(data.get("codeowners"), f"{source}:{(lines or {}).get(('codeowners', 'file'), 1)}"),
        inherit=tuple(
            Inheritance(name, tuple(spec["match"]), tuple(spec["from"]))
            for name, spec in (data.get("inherit") or {}).items()
            if spec
        ),
        defaults=tuple(
            Default(spec["path"], dict(spec["values"]), (lines or {}).get(("defaults", index), 0))
            for index, spec in enumerate(data.get("defaults") or ())
        ),
    )


def _category(name: str, spec: Mapping[str, Any]) -> Category:
    return Category(
        name=name,
        match=tuple(spec.get("match") or ()),
        owners=frozenset(spec.get("owners") or ("internal", "msp")),
        operators=frozenset(spec.get("operators") or ("internal", "msp", "shared")),
        requires=tuple(spec.get("requires") or ()),
    )


def _msp(name: str, spec: Mapping[str, Any], line: int) -> Msp:
    identities = spec.get("identities") or {}
    return Msp(
        name=name,
        line=line,
        location=spec.get("location", "onshore"),
        contracts=tuple(spec.get("contracts") or ()),
        escalation=spec.get("escalation"),
        aws_principals=tuple(identities.get("aws_principals") or ()),
        k8s_subjects=tuple(identities.get("k8s_subjects") or ()),
        cidrs=tuple(identities.get("cidrs") or ()),
        gcp_members=tuple(identities.get("gcp_members") or ()),
        azure_principals=tuple(identities.get("azure_principals") or ()),
    )


def _boundary(spec: Mapping[str, Any]) -> Boundary:
    deny = spec["deny"]
    origin = deny.get("from") or {}
    parties = origin.get("party", "msp")
    facts = {k: v for k, v in deny.items() if k not in BOUNDARY_KEYS}
    target = dict(deny.get("to") or {})
    categories = tuple(target.pop("category", None) or deny.get("category") or ("data", "security"))
    return Boundary(
        name=spec["name"],
        from_parties=tuple(parties if isinstance(parties, list) else [parties]),
        from_locations=tuple(origin.get("location") or ()),
        to={fact: frozenset(v.lower() for v in values) for fact, values in {**target, **facts}.items()},
        operator_locations=tuple(deny.get("operator_location") or ()),
        categories=categories,
    )


def _codeowners(spec: Mapping[str, Any] | None, where: str) -> CodeOwners | None:
    if not spec:
        return None
    return CodeOwners(teams=dict(spec.get("teams") or {}), file=spec.get("file"), where=where)
