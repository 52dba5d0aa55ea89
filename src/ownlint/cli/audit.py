"""The audit's commands: ``audit`` (scan repositories into the store, then write reports) and ``report`` (reports
from the store, without scanning)."""

from __future__ import annotations

import dataclasses
import datetime
import sys
from typing import Any

import click

from ownlint.cli.options import DB_HELP, inline_suppressions_option, input_options, inputs_from
from ownlint.cli.progress import progress_bar
from ownlint.report.escape import terminal


@click.command()
@click.argument("paths", nargs=-1)
@click.option("--db", metavar="URL", help=DB_HELP)
@click.option(
    "--report",
    "reports",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Write a report from the store; the format by extension: .html .md .csv .json (repeatable).",
)
@click.option("--repo-name", help="Record the snapshot under this name [default: the repository's directory].")
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="COVERAGE",
    help="Exit 1 when ownership coverage (%) is below this.",
)
@click.option("--no-git", is_flag=True, help="Run no git command (no commit id, no last-author suggestions).")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Record the snapshot as taken on this day, and check expiry dates against it (backfilling).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (for cron).")
@input_options
@inline_suppressions_option
@click.pass_context
def audit(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    db: str | None,
    reports: tuple[str, ...],
    repo_name: str | None,
    fail_under: float | None,
    no_git: bool,
    today: datetime.datetime | None,
    quiet: bool,
    **options: Any,
) -> None:
    """Record a snapshot of each repository (PATHS) in the audit store, then write the reports."""
    from ownlint.commands.audit import AuditOptions, run_audit

    audit_options = AuditOptions(
        inputs=inputs_from(paths, None, options),
        db=db,
        reports=reports,
        repo_name=repo_name,
        fail_under=fail_under,
        use_git=not no_git,
        today=today.date() if today is not None else None,
    )
    repos = audit_options.inputs.paths
    if len(repos) == 1:  # the bar shows what reading and checking the one repository does
        with progress_bar(quiet) as progress:
            inputs = dataclasses.replace(audit_options.inputs, progress=progress)
            result = run_audit(dataclasses.replace(audit_options, inputs=inputs))
    elif quiet or not sys.stderr.isatty():
        result = run_audit(audit_options)
    else:  # several: a bar counts repositories (each is audited in a worker process)
        with click.progressbar(length=len(repos), label="auditing", file=sys.stderr) as bar:
            result = run_audit(dataclasses.replace(audit_options, progress=lambda _: bar.update(1)))
    for failure in result.failures:  # the repositories not recorded (the others are)
        click.echo(f"ownlint: error: {failure}", err=True)
    if not quiet and result.snapshot_ids:
        count = len(result.snapshot_ids)
        click.echo(f"recorded {count} snapshot{'s' if count != 1 else ''}: ownership coverage {result.coverage:.1f}%")
        for written in result.written:
            click.echo(f"wrote {terminal(written)}")
        if fail_under is not None and result.coverage < fail_under:
            click.echo(f"coverage {result.coverage:.1f}% is under --fail-under {fail_under:g}%", err=True)
    ctx.exit(result.exit_code)


@click.command()
@click.option("--db", metavar="URL", help=DB_HELP)
@click.option(
    "--report",
    "reports",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="The report to write; the format by extension: .html .md .csv .json (repeatable).",
)
@click.option("--repo", "repos", multiple=True, help="Only this repository (repeatable) [default: all].")
def report(db: str | None, reports: tuple[str, ...], repos: tuple[str, ...]) -> None:
    """Write reports from the audit store, without scanning."""
    from ownlint.commands.report import ReportOptions, run_report

    for written in run_report(ReportOptions(db, reports, repos)):
        click.echo(f"wrote {terminal(written)}")
