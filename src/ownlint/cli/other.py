"""The commands besides ``check`` that read a tree: ``baseline``, ``fix``, ``explain``, ``graph``; and ``rules``,
``init``. Each parses its options into its command's options value (``ownlint.commands``), calls it, and prints
the result."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ownlint.cli.options import (
    assignment,
    inline_suppressions_option,
    input_options,
    inputs_from,
    split_ids,
)
from ownlint.report.escape import block, quoted, terminal

if TYPE_CHECKING:
    from ownlint.report.paths import HumanPaths


@click.command()
def rules() -> None:
    """List the rules."""
    from ownlint.commands.rules import RulesOptions, list_rules
    from ownlint.report.explain import render_rule_list

    click.echo(render_rule_list(list_rules(RulesOptions())), nl=False)


@click.command()
@click.argument("target")
@click.argument("paths", nargs=-1)
@input_options
def explain(target: str, paths: tuple[str, ...], **options: Any) -> None:
    """Explain a rule (OWN001) or a resource address (effective tags with provenance)."""
    from ownlint.commands.explain import ExplainOptions, run_explain
    from ownlint.report.explain import render_resources, render_rule
    from ownlint.rules.base import Rule

    explained = run_explain(ExplainOptions(target, inputs_from(paths, None, options)))
    click.echo(render_rule(explained) if isinstance(explained, Rule) else render_resources(explained), nl=False)


@click.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["dot", "json", "graphml"]), default="dot", show_default=True)
@click.option("--around", metavar="ADDRESS", help="Only the part of the graph around this node.")
@click.option("--depth", type=click.IntRange(min=0), default=2, show_default=True, help="Edges away from --around.")
@input_options
def graph(paths: tuple[str, ...], fmt: str, around: str | None, depth: int, **options: Any) -> None:
    """Print the resource graph of PATHS."""
    from ownlint.commands.graph import GraphOptions, run_graph
    from ownlint.report.graph import render_graph

    click.echo(render_graph(run_graph(GraphOptions(inputs_from(paths, None, options), around, depth)), fmt), nl=False)


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "-o",
    "--output",
    "target",
    type=click.Path(dir_okay=False),
    default=".ownlint-baseline.json",
    show_default=True,
)
@input_options
@inline_suppressions_option
def baseline(paths: tuple[str, ...], target: str, **options: Any) -> None:
    """Record today's findings so that `check --baseline FILE` reports only new ones."""
    from ownlint.commands.baseline import BaselineOptions, run_baseline

    result = run_baseline(BaselineOptions(inputs_from(paths, None, options), Path(target)))
    count = result.recorded
    for note in result.notes:
        click.echo(f"note: {terminal(note)}", err=True)
    click.echo(f"wrote {terminal(target)}: {count} finding{'s' if count != 1 else ''} recorded")


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    help="Fix these rules: OWN001, OWN004, OWN005, OWN007 (comma-separated) "
    "[default: OWN001, and the rules of the facts given with --set].",
)
@click.option("--owner", help="The owner to write where no evidence names one.")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="FACT=VALUE",
    help="A value for another fact, by its name or key (repeatable): --set operated-by=internal.",
)
@click.option("--dry-run", is_flag=True, help="Change no file; say what would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the changes as a unified diff.")
@input_options
@click.pass_context
def fix(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    rules: tuple[str, ...],
    owner: str | None,
    assignments: tuple[str, ...],
    dry_run: bool,
    show_diff: bool,
    **options: Any,
) -> None:
    """Add missing ownership keys to the source, from evidence or the values given.

    Exit 0: nothing to fix; 1: files changed (or would, with --dry-run; findings it could not fix may
    remain, listed); 3: nothing changed and findings remain that it could not fix; 2: error.
    """
    from ownlint.commands.fix import FixOptions, run_fix

    result = run_fix(
        FixOptions(
            inputs=inputs_from(paths, None, options),
            rules=split_ids(rules),
            owner=owner,
            values=tuple(assignment(a) for a in assignments),
            dry_run=dry_run,
        )
    )
    shown = human_paths(paths)
    for edit in result.edits:
        verb = "would add" if dry_run else "added"
        what = f"{terminal(edit.key)} = {quoted(edit.value)} to {terminal(edit.where)} ({terminal(edit.evidence)})"
        click.echo(f"{terminal(shown.file(edit.file))}:{edit.line}: {verb} {what}")
    for reason in result.unfixed:
        click.echo(f"not fixed: {terminal(reason)}", err=True)
    if show_diff:
        for _, diff in result.diffs:
            click.echo(block(diff), nl=False)
    ctx.exit(result.exit_code)


def human_paths(paths: tuple[str, ...]) -> HumanPaths:
    """Files as ``fix`` names them (relative to the scan root of PATHS), shown from the current directory."""
    from ownlint.loaders.discovery import scan_root
    from ownlint.report.paths import HumanPaths

    return HumanPaths(os.path.realpath(scan_root([Path(p) for p in paths or (".",)])))


@click.command()
@click.option("--path", "target", type=click.Path(dir_okay=False), default="ownlint.yaml", show_default=True)
def init(target: str) -> None:
    """Write the hybrid-it preset as an ownlint.yaml to edit."""
    from ownlint.commands.init import InitOptions, run_init

    run_init(InitOptions(Path(target)))
    click.echo(f"wrote {terminal(target)}: declare your parties (internal teams, MSPs) under 'parties'")
