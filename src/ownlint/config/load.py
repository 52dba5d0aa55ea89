"""Find ``ownlint.yaml``, merge it over its preset (``extends``), validate it, build a ``Config``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ownlint.config.located import MAX_BYTES, Located
from ownlint.config.model import Boundary, Category, CodeOwners, Config, Default, Inheritance, Msp, Waiver
from ownlint.config.schema import config_schema, did_you_mean
from ownlint.errors import ConfigError
from ownlint.vcs.tree import repository_top

CONFIG_NAMES = ("ownlint.yaml", ".ownlint.yaml")
REGULAR_MODES = (b"100644", b"100755")  # git tree entry modes of a file (not a link, not a submodule)
PRESETS = ("hybrid-it",)
DEFAULT_PRESET = "hybrid-it"
Compose = Callable[[str, str], Located]  # (text, file name) -> the composed document
BOUNDARY_KEYS = ("from", "to", "operator_location", "category")  # any other key under deny is a fact


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


def load_config(
    path: Path | None, rule_ids: tuple[str, ...], text: str | None = None, compose: Compose | None = None
) -> Config:
    """Load ``path`` (or the default preset when None), merged over what it extends, validated;
    ``text``: its content, when read elsewhere (``path`` then only names it: ``main:ownlint.yaml``);
    ``compose``: what composes its text (``yaml.load_located`` by default: a cache may know it already)."""
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
    if compose is None:
        from ownlint.config.yaml import load_located  # PyYAML: only a run that composes a config imports it

        compose = load_located
    user = compose(text, str(path))
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


def config_at_ref(ref: str, top: Path, rule_ids: tuple[str, ...], environ: Mapping[str, str]) -> Config:
    """``--config-from-ref``: the config at the top of the repository at ``ref`` (the built-in preset when it
    has none), so that CI judges a pull request by its target branch's policy, not the one it carries."""
    from ownlint.vcs import git  # only runs that ask for it start git

    commit = git.commit_of("--config-from-ref", ref, top, environ)
    listing = git.run(["ls-tree", "-z", "--full-tree", commit, "--", *CONFIG_NAMES], top, environ, "--config-from-ref")
    entries = {}
    for record in listing.stdout.split(b"\0"):
        meta, _, path = record.partition(b"\t")
        fields = meta.split(b" ")
        if len(fields) == 3:
            entries[path.decode("utf-8", "replace")] = (fields[0], fields[2].decode())
    for name in CONFIG_NAMES:
        if name not in entries:
            continue
        shown = f"{ref}:{name}"
        mode, oid = entries[name]
        if mode not in REGULAR_MODES:
            raise ConfigError(f"{shown}: cannot read config: not a regular file")
        size = git.run(["cat-file", "-s", oid], top, environ, "--config-from-ref").text
        if size.isdigit() and int(size) > MAX_BYTES:  # as a config file on disk: never read past the bound
            raise ConfigError(f"{shown}: the config is larger than 1 MiB ({MAX_BYTES} bytes)")
        blob = git.run(["cat-file", "blob", oid], top, environ, "--config-from-ref")
        try:
            text = blob.stdout.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ConfigError(f"{shown}: cannot read config: {error}") from None
        if blob.returncode != 0:
            raise ConfigError(f"{shown}: cannot read config: {blob.stderr.strip() or 'git cat-file failed'}")
        return load_config(Path(shown), rule_ids, text=text)
    return load_config(None, rule_ids)


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
    return preset_located(name)


def preset_located(name: str) -> Located:
    """The shipped preset as its YAML composes (``presets/NAME.json``, written from ``NAME.yaml`` by
    scripts/presets.py; a test keeps them equal): decoding JSON costs a tenth of composing the YAML."""
    import json

    stored = json.loads((Path(__file__).parent / "presets" / f"{name}.json").read_bytes())
    return Located(f"preset {name}", stored["data"], {tuple(path): line for path, line in stored["lines"]})


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
        helm_values={chart: tuple(files) for chart, files in ((data.get("helm") or {}).get("values") or {}).items()},
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
