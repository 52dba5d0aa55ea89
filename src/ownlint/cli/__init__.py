"""Command line (click only): the ``ownlint`` group, its commands registered explicitly (``commands``, ``other``,
``audit``; their shared options in ``options``, the bar in ``progress``), and ``main``, which maps what a
command raises to an exit code.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage/config/internal error,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM, as CI cancels a job). ``OwnlintError``, an interrupt
and any other exception (a bug: one escaped line, never a traceback) become their exit code and one line
on stderr in one place (``OwnlintGroup.invoke``)."""

from __future__ import annotations

import atexit
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import click

from ownlint import __version__
from ownlint.cli.commands import check
from ownlint.errors import OwnlintError
from ownlint.parallel import settle
from ownlint.report.escape import quoted, terminal

INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
TERMINATED = 143  # 128 + SIGTERM
INTERNAL_ERROR = 2  # not 1, which means findings: a gate must tell a crash from a finding


class Terminated(BaseException):
    """SIGTERM, raised in the main thread as Ctrl-C raises KeyboardInterrupt: every cleanup runs."""


class OwnlintGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            self.add_command(getattr(importlib.import_module(LAZY_COMMANDS[cmd_name]), cmd_name))
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return _settled(super().invoke, ctx)
        except OwnlintError as error:
            click.echo(f"ownlint: error: {terminal(str(error))}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:  # before click turns it into Abort with a blank line of its own
            settle(abandon=True)
            click.echo("ownlint: interrupted", err=True)
            ctx.exit(INTERRUPTED)
        except Terminated:
            settle(abandon=True)
            click.echo("ownlint: terminated", err=True)
            ctx.exit(TERMINATED)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own: usage errors and exits
        except Exception as error:
            if os.environ.get("OWNLINT_TRACEBACK"):
                raise
            click.echo(internal_error(error), err=True)
            ctx.exit(INTERNAL_ERROR)


def _settled(invoke: Callable[[click.Context], Any], ctx: click.Context) -> Any:
    """The command, then the workers it told to end waited for (they write the cache while the report is made:
    ``parallel.ending``); a Ctrl-C or SIGTERM, then or before, has them ended at once instead (``invoke``)."""
    try:
        returned = invoke(ctx)
    except (KeyboardInterrupt, Terminated):
        raise
    except BaseException:  # an error, or click's Exit with the command's exit code
        settle()
        raise
    settle()
    return returned


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


# the commands, registered here and nowhere else (``ownlint --help`` lists them by name); all but check are
# imported when one of them is run or listed, so that a pre-commit check builds none of their options
COMMANDS = (check,)
LAZY_COMMANDS = {
    **dict.fromkeys(("baseline", "fix", "explain", "graph", "rules", "init"), "ownlint.cli.other"),
    **dict.fromkeys(("audit", "report"), "ownlint.cli.audit"),
}
for _command in COMMANDS:
    cli.add_command(_command)


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
        _flushed()
        os._exit(code)
    return code


def run() -> NoReturn:
    """The ``ownlint`` command and ``python -m ownlint``: ``main``, then the process ends once its exit functions
    ran and its output is flushed, without the interpreter's teardown, which frees the run's modules and objects
    one by one (4-9 ms of a one-file check, 30-45 ms of a 21k-file repository's cold run: mypy ends so too).
    ``main`` itself returns: tests and embedders call it."""
    code = main()
    atexit._run_exitfuncs()  # as the interpreter's exit runs them (a worker pool's finalizer among them)
    _flushed()
    os._exit(code)


def _flushed() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed, a broken pipe, or None (no console)
            continue


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
