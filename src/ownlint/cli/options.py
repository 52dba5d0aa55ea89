"""The options every command that reads a tree takes, and the ``Inputs`` they make; the process environment
reaches the layers below only here, as values (``TF_VAR_*`` with ``--env-vars``, the cache directory, what
git runs with)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ownlint.inputs import Inputs
    from ownlint.model import Progress


DB_HELP = "Audit store: a SQLite file or postgresql://... [default: .ownlint/audit.db]."


def size(ctx: click.Context, param: click.Parameter, value: str | None) -> int:
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
        click.option(
            "--no-cache", is_flag=True, help="Parse and evaluate every file again (no parse, result or outline cache)."
        ),
        click.option(
            "--max-file-size",
            metavar="SIZE",
            callback=size,
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
            help="Cache directory: parsed files, root-module results, outlines"
            " [default: $XDG_CACHE_HOME/ownlint or ~/.cache/ownlint].",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def inputs_from(
    paths: tuple[str, ...], stdin_text: str | None, options: dict[str, Any], progress: Progress | None = None
) -> Inputs:
    """What the options given to a command ask it to read."""
    from ownlint.inputs import Inputs
    from ownlint.loaders.terraform.inputs import TerraformInputs

    terraform = TerraformInputs(
        var_files=options["var_files"],
        variables=options["variables"],
        env_vars=options["env_vars"],
        parser=options["parser"],
        environ=dict(os.environ) if options["env_vars"] else {},
        plans=options["plans"],
        cache_dir=None if options["no_cache"] else (options["cache_dir"] or default_cache_dir()),
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
        helm=on_path("helm"),  # Helm charts are rendered where helm is installed
    )


def on_path(name: str) -> str | None:
    """``shutil.which(name)`` for a bare name, without importing shutil for it (shutil loads the bz2 and lzma
    libraries: ~1% of a warm one-file check); elsewhere than POSIX (PATHEXT), ``shutil.which`` itself."""
    if os.name != "posix":
        import shutil

        return shutil.which(name)
    path = os.environ.get("PATH")
    if path is None:
        try:
            path = os.confstr("CS_PATH")
        except (AttributeError, ValueError):
            path = os.defpath
    if not path:  # an empty PATH matches nothing (':' is the current directory), as in shutil.which
        return None
    seen = set()
    for directory in path.split(os.pathsep):
        if directory in seen:
            continue
        seen.add(directory)
        candidate = os.path.join(directory, name)
        if os.path.exists(candidate) and os.access(candidate, os.F_OK | os.X_OK) and not os.path.isdir(candidate):
            return candidate
    return None


def default_cache_dir() -> str:
    """The parse cache: keyed by file content, so one cache serves every repository of a user."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ownlint", "parse")


def inline_suppressions_option(command: Any) -> Any:
    return click.option(
        "--no-inline-suppressions",
        is_flag=True,
        help="Honour only the config's waivers: ignore ownlint:ignore comments and ownlint.io/ignore annotations.",
    )(command)


def split_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def assignment(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name.strip() or not value:
        raise click.BadParameter(f"{text!r}: expected FACT=VALUE", param_hint="--set")
    return name.strip(), value


def read_stdin() -> str:
    """Standard input as bytes, whatever the locale: bytes that are not UTF-8 become surrogates, which
    the loader reports as a located problem."""
    stream = getattr(sys.stdin, "buffer", None)
    data: bytes = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    return data.decode("utf-8", "surrogateescape").replace("\r\n", "\n")  # as text mode read it
