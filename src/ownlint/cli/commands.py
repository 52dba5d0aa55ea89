"""``ownlint check``: it parses its options into ``CheckOptions`` (``ownlint.commands``), runs the check, and prints
the report. The other commands are in ``other`` (imported when one of them is run or listed: a pre-commit check
builds none of their options)."""

from __future__ import annotations

import datetime
import os
import sys
from typing import Any

import click

from ownlint.cli.options import (
    inline_suppressions_option,
    input_options,
    inputs_from,
    read_stdin,
    split_ids,
)
from ownlint.cli.progress import progress_bar
from ownlint.errors import OwnlintError
from ownlint.report.escape import terminal
from ownlint.report.findings import FORMATS


class Day(click.DateTime):
    """``click.DateTime(formats=["%Y-%m-%d"])`` that reads a day written in full (``2026-12-01``) without
    ``strptime``, whose first call imports ``_strptime`` and builds its locale tables (~1.5% of a warm
    one-file check): the same day; any other text, or a day that is none, as ``click.DateTime`` reads it."""

    def __init__(self) -> None:
        super().__init__(formats=["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-" and value.isascii():
            year, month, day = value[:4], value[5:7], value[8:]
            if year.isdigit() and month.isdigit() and day.isdigit():
                try:
                    return datetime.datetime(int(year), int(month), int(day))
                except ValueError:  # no such day: click's message
                    pass
        return super().convert(value, param, ctx)


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(tuple(FORMATS)),
    help="Output format (repeatable; github is the default under GitHub Actions).",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Write the matching --format to FILE instead of standard output.",
)
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True)
@input_options
@click.option("--select", multiple=True, help="Only these rule ids or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rule ids or prefixes (comma-separated).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (report only); errors still exit 2.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no notes: only the report and errors.")
@click.option("--show-suppressed", is_flag=True, help="List the findings suppressions hid, not only count them.")
@inline_suppressions_option
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), help="Report only findings not in FILE.")
@click.option("--diff-base", metavar="GIT_REF", help="Report only findings the merge base with GIT_REF does not have.")
@click.option(
    "--today",
    type=Day(),
    help="Check expiry dates against this day instead of today (reproducible runs).",
)
@click.pass_context
def check(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    fail_on: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    color: str,
    exit_zero: bool,
    quiet: bool,
    show_suppressed: bool,
    today: datetime.datetime | None,
    baseline_file: str | None,
    diff_base: str | None,
    **options: Any,
) -> None:
    """Lint PATHS (files or directories; '-' reads manifests from standard input)."""
    from ownlint.commands.check import CheckOptions, run_check
    from ownlint.report.write import write_reports

    stdin_text = read_stdin() if "-" in paths else None
    with progress_bar(quiet) as progress:
        check_options = CheckOptions(
            inputs=inputs_from(paths, stdin_text, options, progress),
            select=split_ids(select),
            ignore=split_ids(ignore),
            fail_on=fail_on,
            show_suppressed=show_suppressed,
            today=today.date() if today is not None else None,
            baseline=baseline_file,
            diff_base=diff_base,
        )
        result = run_check(check_options)
    for note in () if quiet else result.notes:
        click.echo(f"note: {terminal(note)}", err=True)
    if len(outputs) > max(len(formats), 1):
        raise OwnlintError("more -o/--output files than --format options")
    use_colour = color == "always" or (color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    chosen = formats or (("github",) if os.environ.get("GITHUB_ACTIONS") == "true" and not outputs else ("text",))
    for text in write_reports(result.report, chosen, outputs, use_colour):
        click.echo(text, nl=False, color=use_colour)  # click strips colour from a pipe unless told
    ctx.exit(0 if exit_zero else result.exit_code)
