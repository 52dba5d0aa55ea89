"""What a git commit holds, read through ``ownlint.git``: ``--diff-base REF`` and ``--config-from-ref REF``.

``--diff-base``: the findings at the merge base of HEAD and REF. The base's files are written into a
private temporary directory (``checkout``: no checkout, hook or filter), the same check runs there with
the same paths, options and config, and the directory is removed. No result is cached: a cache would be
one more thing to trust, and the parse cache already makes the base's unchanged files cheap.
``--config-from-ref``: the config at the top of the repository at REF, so that CI judges a pull request
by the policy of its target branch, not by the one the pull request carries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from ownlint import baseline, checkout, git
from ownlint.config import CONFIG_NAMES, Config, load_config
from ownlint.config_yaml import MAX_BYTES
from ownlint.errors import ConfigError, OwnlintError
from ownlint.inputs import Inputs
from ownlint.loaders.codeowners import PLACES
from ownlint.model import Finding

RunAt = Callable[[Path], list[Finding]]  # (the base's files, written as a repository top) -> its findings
TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")  # Namespaces elsewhere lend labels to the manifests checked
REGULAR_MODES = (b"100644", b"100755")


def findings_at_merge_base(
    ref: str, top: Path, wanted: checkout.Wanted, run_at: RunAt
) -> tuple[list[baseline.Known], str]:
    """The findings at the merge base of HEAD and ``ref``, and a description of the base."""
    commit = merge_base(ref, top)
    with checkout.materialised(top, commit, wanted) as tree:
        found = run_at(tree)
    known = [baseline.Known(f.fingerprint, f.rule, f.resource, f.file) for f in found]
    return known, f"{ref} (merge base {commit[:12]})"


def merge_base(ref: str, top: Path) -> str:
    commit = git.commit_of("--diff-base", ref, top)
    done = git.run(["merge-base", "--end-of-options", "HEAD", commit], top, "--diff-base")
    if done.returncode == 0 and done.text:
        return done.text
    if done.returncode == 1 and git.optional(["rev-parse", "--is-shallow-repository"], top) == "true":
        raise OwnlintError(
            f"the merge base of HEAD and {ref!r} is not in this clone (shallow?): "
            "fetch the history, e.g. actions/checkout with fetch-depth: 0"
        )
    if done.returncode == 1:
        raise OwnlintError(f"HEAD and {ref!r} have no commit in common")
    lines = done.stderr.strip().splitlines()
    raise OwnlintError(f"git merge-base: {lines[-1] if lines else f'exit {done.returncode}'}")


def wanted(top: Path, root: Path, named: Iterable[str], codeowners_file: str | None) -> checkout.Wanted:
    """The files of the base a check of ``root`` can read: all under it, Terraform files and manifests
    anywhere (the modules it calls and their callers, Namespaces), the CODEOWNERS files, and the files the
    options name."""
    under = _inside(top, root) or ""
    extra = {*(p for p in (_inside(top, Path(n)) for n in named) if p), *PLACES}
    if codeowners_file:
        extra.add(codeowners_file)

    def wants(path: str) -> bool:
        anywhere = path.endswith((*TERRAFORM_SUFFIXES, *MANIFEST_SUFFIXES))
        return not under or path.startswith(f"{under}/") or anywhere or path in extra

    return wants


def _inside(top: Path, path: Path) -> str | None:
    try:
        relative = path.resolve().relative_to(top).as_posix()
    except ValueError:
        return None
    return "" if relative == "." else relative


def relocated(inputs: Inputs, top: Path, tree: Path, root: Path) -> Inputs:
    """``inputs`` with every path inside the repository, and the head's scan ``root``, moved into the
    base's files at ``tree``."""

    def move(text: str) -> str:
        inside = _inside(top, Path(text))
        return text if inside is None else str(tree / inside)

    paths = tuple(moved for moved in (move(p) for p in inputs.paths) if Path(moved).exists())
    terraform = replace(
        inputs.terraform,
        var_files=tuple(move(v) for v in inputs.terraform.var_files),
        plans=tuple(move(p) for p in inputs.terraform.plans),
    )
    return replace(inputs, paths=paths, terraform=terraform, root=move(str(root)))


def config_at_ref(ref: str, top: Path, rule_ids: tuple[str, ...]) -> Config:
    """The config at the top of the repository at ``ref`` (the built-in preset when it has none)."""
    commit = git.commit_of("--config-from-ref", ref, top)
    listing = git.run(["ls-tree", "-z", "--full-tree", commit, "--", *CONFIG_NAMES], top, "--config-from-ref")
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
        size = git.run(["cat-file", "-s", oid], top, "--config-from-ref").text
        if size.isdigit() and int(size) > MAX_BYTES:  # as a config file on disk: never read past the bound
            raise ConfigError(f"{shown}: the config is larger than 1 MiB ({MAX_BYTES} bytes)")
        blob = git.run(["cat-file", "blob", oid], top, "--config-from-ref")
        try:
            text = blob.stdout.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ConfigError(f"{shown}: cannot read config: {error}") from None
        if blob.returncode != 0:
            raise ConfigError(f"{shown}: cannot read config: {blob.stderr.strip() or 'git cat-file failed'}")
        return load_config(Path(shown), rule_ids, text=text)
    return load_config(None, rule_ids)
