"""Command line: click commands that parse options, call ``app`` and return an exit code.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage/config/internal error,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM, as CI cancels a job). ``OwnlintError``, an interrupt
and any other exception (a bug: one escaped line, never a traceback) become their exit code and one line
on stderr in one place (``OwnlintGroup.invoke``).
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from ownlint import __version__
from ownlint.errors import OwnlintError
from ownlint.report.escape import block, quoted, terminal
from ownlint.report.findings import FORMATS

if TYPE_CHECKING:
    from ownlint.model import Progress
    from ownlint.report.paths import HumanPaths

INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
TERMINATED = 143  # 128 + SIGTERM
INTERNAL_ERROR = 2  # not 1, which means findings: a gate must tell a crash from a finding


class Terminated(BaseException):
    """SIGTERM, raised in the main thread as Ctrl-C raises KeyboardInterrupt: every cleanup runs."""


class OwnlintGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OwnlintError as error:
            click.echo(f"ownlint: error: {terminal(str(error))}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:  # before click turns it into Abort with a blank line of its own
            click.echo("ownlint: interrupted", err=True)
            ctx.exit(INTERRUPTED)
        except Terminated:
            click.echo("ownlint: terminated", err=True)
            ctx.exit(TERMINATED)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own: usage errors and exits
        except Exception as error:
            if os.environ.get("OWNLINT_TRACEBACK"):
                raise
            click.echo(internal_error(error), err=True)
            ctx.exit(INTERNAL_ERROR)


def internal_error(error: Exception) -> str:
    """One line for a bug: the exception, escaped (it may quote repository text), and what to do."""
    try:
        message = str(error)
    except Exception:  # a message that cannot be made says nothing more than its type
        message = "(no message)"
    kind = type(error).__qualname__
    if type(error).__module__ != "builtins":
        kind = f"{type(error).__module__}.{kind}"
    return (
        f"ownlint: internal error: {kind}: {_one_line(message)} (this is a bug in ownlint {__version__}: please"
        " report it with the command line; set OWNLINT_TRACEBACK=1 for the traceback)"
    )


def _one_line(text: str, limit: int = 500) -> str:
    return terminal(text[:limit]) + ("..." if len(text) > limit else "")


@click.group(cls=OwnlintGroup)
@click.version_option(__version__, prog_name="ownlint")
def cli() -> None:
    """Ownership policy linter for Terraform and Kubernetes."""


DB_HELP = "Audit store: a SQLite file or postgresql://... [default: .ownlint/audit.db]."


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> int:
    """``10M``, ``512K``, ``2G`` or a number of bytes."""
    if value is None:
        from ownlint.loaders.files import MAX_FILE_BYTES

        return MAX_FILE_BYTES
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    text = value.strip().upper().removesuffix("B")
    factor = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    try:
        size = int(float(number) * factor)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a size such as 10M, 512K or 1048576") from None
    if size <= 0:
        raise click.BadParameter("must be more than 0")
    return size


def input_options(command: Any) -> Any:
    """Options every command that reads a tree takes: the config and Terraform's root inputs."""
    decorators = [
        click.option("--config", "config_path", type=click.Path(), help="Use this ownlint.yaml."),
        click.option(
            "--config-from-ref",
            "config_ref",
            metavar="GIT_REF",
            help="Use the ownlint.yaml at the top of the repository at GIT_REF (CI: the target branch's policy).",
        ),
        click.option("--var-file", "var_files", multiple=True, type=click.Path(), help="Terraform variables file."),
        click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="A Terraform root variable."),
        click.option("--env-vars", is_flag=True, help="Read TF_VAR_* environment variables (off by default)."),
        click.option(
            "--plan", "plans", multiple=True, type=click.Path(), help="Terraform plan JSON (terraform show -json)."
        ),
        click.option(
            "--parser",
            type=click.Choice(["auto", "tree-sitter", "hcl2"]),
            default="auto",
            show_default=True,
            help="HCL parser: tree-sitter when installed (auto), or python-hcl2, the reference.",
        ),
        click.option("--no-cache", is_flag=True, help="Parse every file again (no parse cache)."),
        click.option(
            "--max-file-size",
            metavar="SIZE",
            callback=_size,
            help="Skip (with a located problem) files larger than this: 10M, 512K or bytes [default: 10M].",
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            help="Processes that parse files, for runs over many files [default: the CPUs available].",
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False),
            help="Parse cache directory [default: $XDG_CACHE_HOME/ownlint or ~/.cache/ownlint].",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _inputs(
    paths: tuple[str, ...], stdin_text: str | None, options: dict[str, Any], progress: Progress | None = None
) -> Any:
    from ownlint.inputs import Inputs
    from ownlint.loaders.terraform import TerraformInputs

    terraform = TerraformInputs(
        var_files=options["var_files"],
        variables=options["variables"],
        env_vars=options["env_vars"],
        parser=options["parser"],
        environ=dict(os.environ) if options["env_vars"] else {},
        plans=options["plans"],
        cache_dir=None if options["no_cache"] else (options["cache_dir"] or _default_cache_dir()),
    )
    jobs = options["jobs"]
    if jobs is None:
        from ownlint.parallel import default_jobs

        jobs = default_jobs()
    return Inputs(
        paths=paths or (".",),
        config=options["config_path"],
        config_ref=options["config_ref"],
        stdin_text=stdin_text,
        terraform=terraform,
        jobs=jobs,
        max_file_bytes=options["max_file_size"],
        inline_suppressions=not options.get("no_inline_suppressions", False),
        progress=progress,
        environ=dict(os.environ),  # read here, the one module that reads it: git runs with it
    )


def _default_cache_dir() -> str:
    """The parse cache: keyed by file content, so one cache serves every repository of a user."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ownlint", "parse")


def inline_suppressions_option(command: Any) -> Any:
    return click.option(
        "--no-inline-suppressions",
        is_flag=True,
        help="Honour only the config's waivers: ignore ownlint:ignore comments and ownlint.io/ignore annotations.",
    )(command)


def _split_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


@cli.command()
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
    type=click.DateTime(formats=["%Y-%m-%d"]),
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

    stdin_text = _read_stdin() if "-" in paths else None
    with progress_bar(quiet) as progress:
        check_options = CheckOptions(
            inputs=_inputs(paths, stdin_text, options, progress),
            select=_split_ids(select),
            ignore=_split_ids(ignore),
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


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Progress | None]:
    """A bar on standard error while a run reads and checks, when that is a terminal (never in a pipe, never
    with -q): the stages the layers below report, redrawn at most ten times a second, gone at the end."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    bar = _Bar(sys.stderr)
    try:
        yield bar.show
    finally:
        bar.clear()


class _Bar:
    """``reading manifests       [########            ] 320/800`` on one line of a terminal."""

    WAIT = 0.2  # seconds before the first draw: a quick run shows no bar
    EVERY = 0.1  # seconds between draws: a terminal write costs more than a chunk's bookkeeping
    WIDTH = 20

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = self.drawn = time.monotonic()
        self.shown = False

    def show(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < self.WAIT or (now - self.drawn < self.EVERY and done < total):
            return
        filled = self.WIDTH * done // max(total, 1)
        line = f"{stage:<23} [{'#' * filled}{' ' * (self.WIDTH - filled)}] {done}/{total}"
        columns = _columns(self.stream)
        self.stream.write(f"\r{line[: columns - 1]}\x1b[K")
        self.stream.flush()
        self.drawn, self.shown = now, True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError):
        return 80


def _read_stdin() -> str:
    """Standard input as bytes, whatever the locale: bytes that are not UTF-8 become surrogates, which
    the loader reports as a located problem."""
    stream = getattr(sys.stdin, "buffer", None)
    data: bytes = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    return data.decode("utf-8", "surrogateescape").replace("\r\n", "\n")  # as text mode read it


@cli.command()
def rules() -> None:
    """List the rules."""
    from ownlint.commands.rules import RulesOptions, list_rules
    from ownlint.report.explain import render_rule_list

    click.echo(render_rule_list(list_rules(RulesOptions())), nl=False)


@cli.command()
@click.argument("target")
@click.argument("paths", nargs=-1)
@input_options
def explain(target: str, paths: tuple[str, ...], **options: Any) -> None:
    """Explain a rule (OWN001) or a resource address (effective tags with provenance)."""
    from ownlint.commands.explain import ExplainOptions, run_explain
    from ownlint.report.explain import render_resources, render_rule
    from ownlint.rules.base import Rule

    explained = run_explain(ExplainOptions(target, _inputs(paths, None, options)))
    click.echo(render_rule(explained) if isinstance(explained, Rule) else render_resources(explained), nl=False)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["dot", "json", "graphml"]), default="dot", show_default=True)
@click.option("--around", metavar="ADDRESS", help="Only the part of the graph around this node.")
@click.option("--depth", type=click.IntRange(min=0), default=2, show_default=True, help="Edges away from --around.")
@input_options
def graph(paths: tuple[str, ...], fmt: str, around: str | None, depth: int, **options: Any) -> None:
    """Print the resource graph of PATHS."""
    from ownlint.commands.graph import GraphOptions, run_graph
    from ownlint.report.graph import render_graph

    click.echo(render_graph(run_graph(GraphOptions(_inputs(paths, None, options), around, depth)), fmt), nl=False)


@cli.command()
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

    result = run_baseline(BaselineOptions(_inputs(paths, None, options), Path(target)))
    count = result.recorded
    for note in result.notes:
        click.echo(f"note: {terminal(note)}", err=True)
    click.echo(f"wrote {terminal(target)}: {count} finding{'s' if count != 1 else ''} recorded")


@cli.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--db", metavar="URL", help="Audit store: a SQLite file or postgresql://... [default: .ownlint/audit.db]."
)
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
        inputs=_inputs(paths, None, options),
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


@cli.command()
@click.option(
    "--db", metavar="URL", help="Audit store: a SQLite file or postgresql://... [default: .ownlint/audit.db]."
)
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


@cli.command()
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
            inputs=_inputs(paths, None, options),
            rules=_split_ids(rules),
            owner=owner,
            values=tuple(_assignment(a) for a in assignments),
            dry_run=dry_run,
        )
    )
    shown = _human_paths(paths)
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


def _human_paths(paths: tuple[str, ...]) -> HumanPaths:
    """Files as ``fix`` names them (relative to the scan root of PATHS), shown from the current directory."""
    from ownlint.loaders.discovery import scan_root
    from ownlint.report.paths import HumanPaths

    return HumanPaths(os.path.realpath(scan_root([Path(p) for p in paths or (".",)])))


def _assignment(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name.strip() or not value:
        raise click.BadParameter(f"{text!r}: expected FACT=VALUE", param_hint="--set")
    return name.strip(), value


@cli.command()
@click.option("--path", "target", type=click.Path(dir_okay=False), default="ownlint.yaml", show_default=True)
def init(target: str) -> None:
    """Write the hybrid-it preset as an ownlint.yaml to edit."""
    from ownlint.commands.init import InitOptions, run_init

    run_init(InitOptions(Path(target)))
    click.echo(f"wrote {terminal(target)}: declare your parties (internal teams, MSPs) under 'parties'")


def main(argv: Sequence[str] | None = None) -> int:
    import signal

    installed = _in_main_thread()  # SIGTERM raises Terminated, so that it ends a run as Ctrl-C does
    previous = signal.signal(signal.SIGTERM, _terminate) if installed else None
    try:
        code = _main(argv)
    finally:
        if installed:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
    from ownlint.parallel import workers_stopped

    if workers_stopped():  # the pool's threads may still run: the interpreter's exit would wait on them
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                continue
        os._exit(code)
    return code


def _main(argv: Sequence[str] | None) -> int:
    args = list(argv) if argv is not None else sys.argv[1:]
    clash = _option_and_file(args)
    if clash is not None:  # a file name pre-commit passes as an option: fail closed, never parse it
        click.echo(
            f"ownlint: error: {quoted(clash)} is both an option and a file here: "
            "put '--' before file names (in .pre-commit-config.yaml: args: [..., --])",
            err=True,
        )
        return 2
    try:
        result = cli.main(args=args, prog_name="ownlint", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        return 2
    except (click.Abort, KeyboardInterrupt):  # Ctrl-C outside a command (while parsing options)
        click.echo("ownlint: interrupted", err=True)
        return INTERRUPTED
    except Terminated:
        click.echo("ownlint: terminated", err=True)
        return TERMINATED
    return result if isinstance(result, int) else 0


def _option_and_file(args: Sequence[str]) -> str | None:
    """The first argument before ``--`` that reads as an option but names an existing file."""
    for arg in args:
        if arg == "--":
            return None
        if arg.startswith("-") and arg != "-" and os.path.lexists(arg):
            return arg
    return None


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
