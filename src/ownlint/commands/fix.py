"""``ownlint fix``: add the missing ownership keys where a careful engineer would, from evidence only.

For each finding being fixed (OWN001, OWN004, OWN005, OWN007)
the missing facts get a value from evidence or from ``--owner``/``--set`` (``fixes.targets``); without
one nothing is written. Each key goes to the widest place that serves it (``fixes.places``).

Everything happens on a private copy of the repository (``fixes.workspace``), in rounds: the widest
kind of place first, then the tree is read again and the next round sees what the last one fixed. Each
round's edits are kept only if re-reading the copy shows that no resource instance's effective facts
changed but the missing ones they were made for (``fixes.verify``); an edit that changed anything else
(a shared module giving another caller's instance a new owner) is undone and its key goes to the next
place down, the module call that makes the instance. The user's files are written once, at the end.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

from ownlint.config import Config
from ownlint.errors import OwnlintError
from ownlint.fixes.places import SHARED_KINDS, Edit, candidates, outside
from ownlint.fixes.targets import Target, facts_wanted, grouped, located, targets
from ownlint.fixes.text import Edited, edited
from ownlint.fixes.values import check_rules, resolve
from ownlint.fixes.verify import compare, fixes_any, snapshot, wanted_by
from ownlint.fixes.workspace import Files, private_copy
from ownlint.inputs import STDIN, Inputs, relocated
from ownlint.loaders.discovery import scan_root
from ownlint.model import Finding, PlaceKind
from ownlint.pipeline import choose_config, findings_of, load, select_rules
from ownlint.vcs.tree import repository_top

MAX_ROUNDS = 20  # each round keeps an edit or refuses a place: a bound on what a tree can make it do


@dataclass(frozen=True)
class FixOptions:
    inputs: Inputs = field(default_factory=Inputs)
    rules: tuple[str, ...] = ()  # none: OWN001, and the rules that write the facts given
    owner: str | None = None
    values: tuple[tuple[str, str], ...] = ()  # --set NAME=VALUE, a fact's name or one of its keys
    dry_run: bool = False


@dataclass(frozen=True)
class FixResult:
    edits: tuple[Edit, ...]  # those made, in the files changed
    diffs: tuple[tuple[str, str], ...]  # (file, unified diff)
    unfixed: tuple[str, ...]  # the findings left, and why
    written: tuple[str, ...]
    remaining: int  # findings of the rules fixed that are left

    @property
    def exit_code(self) -> int:
        """1 files changed (or would, with --dry-run); else 3 findings remain that fix could not fix; else 0."""
        return 1 if self.diffs else 3 if self.remaining else 0


def run_fix(options: FixOptions) -> FixResult:
    check_rules(options.rules)
    inputs = options.inputs
    if STDIN in inputs.paths:
        raise OwnlintError("ownlint fix edits files: it cannot fix standard input")
    paths = [Path(p) for p in inputs.paths]
    for path in paths:
        if not path.exists():
            raise OwnlintError(f"{path}: no such file or directory")
    root = Path(inputs.root) if inputs.root is not None else scan_root(paths)
    config = choose_config(inputs, paths, root)
    values, rules = resolve(config, options.owner, options.values, options.rules)
    top = repository_top(root) or root.resolve()
    named = (*inputs.paths, *inputs.terraform.var_files, *inputs.terraform.plans)
    also = [*_inside(top, named), *([config.codeowners.file] if config.codeowners and config.codeowners.file else [])]
    with private_copy(top, inputs.max_file_bytes, also) as tree:
        moved = relocated(inputs, top, tree, root)
        files = Files(root, tree, Path(moved.root or tree))
        run = _Rounds(moved, config, rules, values, files)
        unfixed, remaining = run.run()
        changed = files.changed()
        diffs = tuple((file, files.diff(file)) for file in changed)
        written = () if options.dry_run else tuple(files.write_back())
    made = sorted((e for e in run.made if e.file in changed), key=lambda e: (e.file, e.line, e.key))
    return FixResult(tuple(made), diffs, tuple(unfixed), written, remaining)


@dataclass(frozen=True)
class _Planned:
    edit: Edit
    targets: tuple[Target, ...]


class _Rounds:
    """The rounds of one fix, on the copy: plan, edit, read again, keep what changed only what it should."""

    def __init__(
        self, inputs: Inputs, config: Config, rules: tuple[str, ...], values: Mapping[str, str], files: Files
    ) -> None:
        self.inputs, self.config, self.values, self.files = inputs, config, values, files
        self.rules = select_rules(rules, ())
        self.loaded = load(inputs, config)
        self.baseline = snapshot(config, self.loaded.resources)
        self.wanted: dict[tuple[tuple[str, str, str], str, str], str] = {}
        self.refused: dict[tuple[str, str, str], str] = {}  # place -> why it was refused
        self.made: list[Edit] = []

    def run(self) -> tuple[list[str], int]:
        """Rounds until nothing is left to try; the findings left, why, and how many."""
        for _ in range(MAX_ROUNDS):
            planned, unfixed, remaining = self._plan()
            batch = next((b for b in (_of_kind(planned, k) for k in SHARED_KINDS) if b), planned)
            if not batch:
                return unfixed, remaining
            # any planned value may be given by any edit: a provider's default_tags may fix a module's queue too
            self.wanted.update(wanted_by(t for p in planned for t in p.targets))
            self._settle(batch)
        planned, unfixed, remaining = self._plan()
        untried = sorted(
            {f"{p.edit.file}:{p.edit.line}: {p.edit.where}: not tried: {MAX_ROUNDS} rounds made" for p in planned}
        )
        return [*unfixed, *untried], remaining

    def _plan(self) -> tuple[list[_Planned], list[str], int]:
        loaded = self.loaded
        found, _ = findings_of(self.rules, loaded, datetime.date.today())
        groups = grouped(loaded.resources)
        options: list[tuple[Finding, Target, list[Edit]]] = []
        unfixed: list[str] = []
        for finding in sorted(found, key=lambda f: (f.file, f.line, f.rule, f.resource)):
            wanted = facts_wanted(loaded.config, finding.resource_type, finding.rule)
            found_targets, reasons = targets(loaded.config, loaded.codeowners, groups, finding, self.values, wanted)
            unfixed.extend(reasons)
            options.extend((finding, t, candidates(loaded.config, loaded.root, groups, t)) for t in found_targets)
        chosen = self._choose(options)
        for finding, target, edits in options:
            if target not in chosen:
                left = [
                    f"{e.where} ({e.file}:{e.line}) {self.refused[e.place]}" for e in edits if e.place in self.refused
                ]
                why = left[-1] if left else outside(target)
                unfixed.append(f"{located(finding)}: {target.fact} not written: {why}")
        by_place: dict[tuple[str, str, str], list[Target]] = {}
        first: dict[tuple[str, str, str], Edit] = {}
        for target, edit in chosen.items():
            by_place.setdefault(edit.place, []).append(target)
            first.setdefault(edit.place, edit)
        planned = [_Planned(first[p], tuple(ts)) for p, ts in by_place.items()]
        planned.sort(key=lambda p: (p.edit.file, p.edit.line, p.edit.key))
        return planned, list(dict.fromkeys(unfixed)), len(found)

    def _choose(self, options: list[tuple[Finding, Target, list[Edit]]]) -> dict[Target, Edit]:
        """Each target's widest place not refused; a place two targets want different values at is refused."""
        while True:
            chosen = {
                target: edit
                for _, target, edits in options
                for edit in [next((e for e in edits if e.place not in self.refused), None)]
                if edit is not None
            }
            values: dict[tuple[str, str, str], set[str]] = {}
            for edit in chosen.values():
                values.setdefault(edit.place, set()).add(edit.value)
            split = {p: v for p, v in values.items() if len(v) > 1}
            if not split:
                return chosen
            for place, given in split.items():
                shown = " and ".join(repr(v) for v in sorted(given))
                self.refused[place] = f"would need {shown} for the resources it reaches"

    def _settle(self, batch: list[_Planned]) -> None:
        """Keep the largest parts of the batch that change only what they are for (halving what does not)."""
        files = {p.edit.file for p in batch}
        before = {file: self.files.read(file) for file in files if self.files.editable(file)}
        kept: list[_Planned] = []
        for planned in batch:  # a place that is not there any more is refused before anything is read again
            edit = planned.edit
            if edit.file not in before:
                self.refused[edit.place] = "is reached through a symbolic link out of the tree"
            elif edited(edit.file, before[edit.file], [edit]) is None:
                self.refused[edit.place] = f"has no place for {edit.key} (written there already, or not a map)"
        pending = [p for p in batch if p.edit.place not in self.refused]

        def attempt(trial: list[_Planned]) -> list[_Planned]:
            """Keep ``trial`` if it changes only what it is for; else the edits suspected of it (all, if unknown)."""
            if self._write(before, [*kept, *trial]) is None:
                return trial
            loaded = load(self.inputs, self.config)
            outcome = compare(self.config, self.baseline, snapshot(self.config, loaded.resources), self.wanted)
            useless = [p for p in trial if not fixes_any(outcome, p.targets)]
            if not outcome.unwanted and not useless:
                kept.extend(trial)
                self.loaded = loaded
                return []
            if len(trial) == 1:
                edit = trial[0].edit
                self.refused[edit.place] = (
                    f"is shared: {outcome.unwanted[0]}"
                    if outcome.unwanted
                    else f"does not reach it ({edit.key} written there is not its {trial[0].targets[0].fact})"
                )
            return [p for p in trial if p in useless or _suspect(p, outcome.changed)]

        def bisect(trial: list[_Planned]) -> None:
            suspects = attempt(trial)
            if len(trial) == 1 or not suspects:
                return
            innocent = [p for p in trial if p not in suspects]
            if innocent and len(suspects) < len(trial):  # the others first, together: usually one re-read
                bisect(innocent)
                bisect(suspects)
                return
            bisect(trial[: len(trial) // 2])
            bisect(trial[len(trial) // 2 :])

        if pending:
            bisect(pending)
        results = self._write(before, kept)
        assert results is not None  # what was kept was written before
        # the lines shown are those of the files as written: each round's lines move the edits below them
        made = [*self.made, *(p.edit for p in kept)]  # all planned on the files before this round
        self.made = [replace(e, line=results[e.file].line_after(e.line)) if e.file in results else e for e in made]

    def _write(self, before: Mapping[str, bytes], planned: list[_Planned]) -> dict[str, Edited] | None:
        """The copy's files as ``before`` with ``planned`` made; None (and nothing written) if one fails."""
        results: dict[str, Edited] = {}
        for file, source in before.items():
            edits = [p.edit for p in planned if p.edit.file == file]
            result = edited(file, source, edits) if edits else Edited(source, source, ())
            if result is None:
                return None
            results[file] = result
        for file, done in results.items():
            self.files.write(file, done.data)
        return results


def _suspect(planned: _Planned, changed: frozenset[tuple[str, str, str]]) -> bool:
    """Whether the edit may have made the unwanted changes to ``changed``: it is in a file shared by
    root modules (a module's), or one of its targets is in a root module (or source) that changed."""
    edit = planned.edit
    stacks = {(t.resource.source, t.resource.stack) for t in planned.targets}
    own = all(s == "." or edit.file.startswith(f"{s}/") for source, s in stacks if source == "terraform")
    return not own or bool(stacks & {(source, stack) for source, stack, _ in changed})


def _of_kind(planned: list[_Planned], kind: PlaceKind) -> list[_Planned]:
    return [p for p in planned if p.edit.at is kind]


def _inside(top: Path, paths: Iterable[str]) -> list[str]:
    """The files among ``paths`` that are in ``top``, relative to it (the copy must hold them too)."""
    resolved = top.resolve()
    inside = []
    for path in paths:
        with suppress(ValueError, OSError):
            inside.append(Path(path).resolve().relative_to(resolved).as_posix())
    return inside
