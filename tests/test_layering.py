"""The layering of src/ownlint, read with ``ast`` (nothing is imported): every ``import`` and ``from ... import``,
relative ones and those inside functions or under ``TYPE_CHECKING`` included.

Checked: imports point down ``LAYERS`` only; rules never import loaders; networkx only in graph/__init__.py and
click only under cli/; no private name (``_x``) is used from another module; only cli/ reads the environment;
no import cycle between modules. Each check is a function from a source tree to its violations, run on the
real tree and on a planted one (``test_every_check_finds_what_it_forbids``), so none of them can pass vacuously.
The docs follow the code: docs/architecture.md shows ``LAYERS`` row for row, and every module, path and dotted
name CONTRIBUTING.md and docs/architecture.md name in backticks exists.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

# The layers, top to bottom: a module may import its own unit and any unit of a row below, never a row above
# nor a sibling in its own row. A unit is the package or module named (the longest name that matches wins).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("ownlint.__main__",),  # python -m ownlint
    ("ownlint.cli",),  # click: parse options, call a command, map errors to exit codes
    ("ownlint.commands",),  # one module per command: a frozen options value -> a result value
    ("ownlint.pipeline", "ownlint.report.audit"),  # discover -> ... -> suppress; the audit's report formats
    ("ownlint.audit", "ownlint.fixes"),  # inventory, store, suggestions, summary; where and how fix edits
    ("ownlint.report", "ownlint.inputs"),  # check formats, notes, explain, graph export, safe writes; run inputs
    ("ownlint.rules", "ownlint.loaders"),  # the rules see resources and the graph, never a loader
    ("ownlint.graph", "ownlint.suppressions"),  # the networkx graph and its relations; ignores and waivers
    ("ownlint.ownership",),  # the responsibility model: pure functions over Config
    ("ownlint.config",),  # ownlint.yaml -> Config
    ("ownlint.vcs", "ownlint.parallel", "ownlint.collector"),  # git, the work tree; the process pool; gc paused
    ("ownlint.model", "ownlint.errors", "ownlint"),  # values, OwnlintError, the package's __version__
    ("ownlint.records",),  # record: the dataclass of the values between layers, compiled when first used
)
ROW: dict[str, int] = {unit: row for row, units in enumerate(LAYERS) for unit in units}
ENVIRONMENT = {"environ", "environb", "getenv", "getenvb"}


@dataclass(frozen=True)
class Import:
    importer: str  # the importing module, dotted
    target: str  # the module imported from (a submodule when ``from package import submodule``)
    name: str | None  # the name taken by ``from ... import name``; None for ``import x``
    alias: str  # the name it is bound to in the importer
    line: int

    def where(self, src: Path) -> str:
        return f"{module_file(src, self.importer)}:{self.line}"


def module_name(src: Path, path: Path) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_file(src: Path, module: str) -> str:
    base = src.joinpath(*module.split("."))
    path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    return path.relative_to(src).as_posix()


@functools.cache  # every check reads the same tree
def modules(src: Path) -> dict[str, ast.Module]:
    return {module_name(src, path): ast.parse(path.read_text(), str(path)) for path in sorted(src.rglob("*.py"))}


def imports(src: Path, module: str, tree: ast.Module) -> Iterator[Import]:
    """Every import in ``module``, relative ones resolved, ``from package import submodule`` as the submodule."""
    is_package = module_file(src, module).endswith("__init__.py")
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, None, alias.asname or alias.name.split(".")[0], node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                above = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*above, *([node.module] if node.module else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                target = sub if module_exists(src, sub) else base
                yield Import(module, target, alias.name, alias.asname or alias.name, node.lineno)


def module_exists(src: Path, module: str) -> bool:
    base = src.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def all_imports(src: Path) -> list[Import]:
    return [found for module, tree in modules(src).items() for found in imports(src, module, tree)]


def unit_of(module: str) -> str | None:
    parts = module.split(".")
    return next((".".join(parts[:n]) for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in ROW), None)


def is_ours(module: str) -> bool:
    return module == "ownlint" or module.startswith("ownlint.")


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def unplaced(src: Path) -> list[str]:
    """Top-level modules and packages the table does not place, and units of the table that do not exist."""
    tops = {f"ownlint.{path.stem}" for path in (src / "ownlint").iterdir() if path.suffix == ".py" or path.is_dir()}
    tops = {top for top in tops if module_exists(src, top)} - {"ownlint.__init__"}
    missing = [f"{top}: not in LAYERS" for top in sorted(tops - ROW.keys())]
    return missing + [f"{unit}: in LAYERS, not in src" for unit in ROW if not module_exists(src, unit)]


def upward_imports(src: Path) -> list[str]:
    """Imports between two units that do not point to a lower row."""
    found = []
    for each in all_imports(src):
        if not is_ours(each.target):
            continue
        importer, target = unit_of(each.importer), unit_of(each.target)
        if importer is None or target is None or importer == target:
            continue
        if ROW[target] <= ROW[importer]:
            found.append(
                f"{each.where(src)}: {importer} (row {ROW[importer]}) imports {each.target} (row {ROW[target]})"
            )
    return found


def rules_importing_loaders(src: Path) -> list[str]:
    return [
        f"{each.where(src)}: {each.importer} imports {each.target}"
        for each in all_imports(src)
        if (each.importer + ".").startswith("ownlint.rules.") and (each.target + ".").startswith("ownlint.loaders.")
    ]


def misplaced_libraries(src: Path) -> list[str]:
    """networkx outside ownlint.graph (its __init__ only); click outside ownlint.cli."""
    found = []
    for each in all_imports(src):
        library = each.target.split(".")[0]
        if library == "networkx" and each.importer != "ownlint.graph":
            found.append(f"{each.where(src)}: networkx in {each.importer}")
        if library == "click" and not (each.importer + ".").startswith("ownlint.cli."):
            found.append(f"{each.where(src)}: click in {each.importer}")
    return found


def private_crossings(src: Path) -> list[str]:
    """``from ownlint.x import _y``, ``import ownlint._x`` and ``x._y`` on an imported ownlint module, across modules."""
    found = []
    for module, tree in modules(src).items():
        taken = [each for each in imports(src, module, tree) if is_ours(each.target)]
        for each in taken:
            names = [*each.target.split(".")[1:], *([each.name] if each.name else [])]
            if each.target != module and any(is_private(name) for name in names):
                found.append(f"{each.where(src)}: {module} imports {each.target} {each.name or ''}".rstrip())
        bound = {each.alias: bound_module(src, each) for each in taken if bound_module(src, each)}
        for name, attribute, line in attributes(tree, set(bound)):
            if is_private(attribute) and bound[name] != module:
                found.append(f"{module_file(src, module)}:{line}: {module} uses {bound[name]}.{attribute}")
    return found


def attributes(tree: ast.Module, names: set[str]) -> Iterator[tuple[str, str, int]]:
    """``name.attribute`` for every ``name`` in ``names``, with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in names:
            yield node.value.id, node.attr, node.lineno


def bound_module(src: Path, each: Import) -> str | None:
    """The module ``each`` binds to its alias: ``import a.b as alias``, ``import a.b`` (binds ``a``), ``from a import b``
    (when b is a module); None when it binds a name that is not a module."""
    if each.name is None:
        top = each.target.split(".")[0]
        return top if each.alias == top else each.target
    return each.target if each.target.endswith(f".{each.name}") and module_exists(src, each.target) else None


def environment_readers(src: Path) -> list[str]:
    """``os.environ``, ``os.environb``, ``os.getenv``, ``os.getenvb`` (also imported by name) outside ownlint.cli."""
    found = []
    for module, tree in modules(src).items():
        if (module + ".").startswith("ownlint.cli."):
            continue
        taken = list(imports(src, module, tree))
        os_names = {each.alias for each in taken if each.name is None and bound_module(src, each) == "os"}
        where = module_file(src, module)
        for each in taken:
            if each.target == "os" and each.name in ENVIRONMENT:
                found.append(f"{where}:{each.line}: {module} imports os.{each.name}")
        for _, attribute, line in attributes(tree, os_names):
            if attribute in ENVIRONMENT:
                found.append(f"{where}:{line}: {module} reads os.{attribute}")
    return found


def import_cycles(src: Path) -> list[str]:
    """Cycles between modules (lazy imports count: they only hide a cycle), as ``a -> b -> a``."""
    edges: dict[str, set[str]] = {}
    for each in all_imports(src):
        if is_ours(each.target) and each.target != each.importer and module_exists(src, each.target):
            edges.setdefault(each.importer, set()).add(each.target)
    cycles, done = [], set()
    for start in sorted(edges):
        stack, on_path = [(start, iter(sorted(edges.get(start, ()))))], [start]
        while stack:
            node, rest = stack[-1]
            step = next(rest, None)
            if step is None:
                stack.pop()
                on_path.pop()
                done.add(node)
            elif step in on_path:
                cycles.append(" -> ".join([*on_path[on_path.index(step) :], step]))
            elif step not in done:
                stack.append((step, iter(sorted(edges.get(step, ())))))
                on_path.append(step)
    return cycles


CHECKS = (
    unplaced,
    upward_imports,
    rules_importing_loaders,
    misplaced_libraries,
    private_crossings,
    environment_readers,
    import_cycles,
)


def assert_none(violations: list[str]) -> None:
    assert not violations, "\n" + "\n".join(violations)


def test_the_layer_table_places_every_package() -> None:
    assert_none(unplaced(SRC))


def test_imports_point_down_the_layers() -> None:
    assert_none(upward_imports(SRC))


def test_rules_never_import_loaders() -> None:
    assert_none(rules_importing_loaders(SRC))


def test_networkx_only_in_graph_and_click_only_under_cli() -> None:
    assert_none(misplaced_libraries(SRC))


def test_no_private_name_crosses_a_module() -> None:
    assert_none(private_crossings(SRC))


def test_only_cli_reads_the_environment() -> None:
    assert_none(environment_readers(SRC))


def test_no_import_cycle_between_modules() -> None:
    assert_none(import_cycles(SRC))


# a tree with one violation of each kind (and, in cli/ and graph/__init__.py, what is allowed there)
PLANTED = {
    "ownlint/__init__.py": "__version__ = '0'\n",
    "ownlint/__main__.py": "from ownlint.cli import main\n",
    "ownlint/cli/__init__.py": "import os\n\nimport click\n\nHOME = os.environ['HOME']\n",
    "ownlint/model.py": "from ownlint import errors\n",
    "ownlint/errors.py": "from ownlint.model import Place\n",
    "ownlint/config/__init__.py": "def f() -> None:\n    from ..pipeline import run\n",
    "ownlint/fixes/__init__.py": "def f() -> None:\n    from ..report import write\n\n    write._atomic()\n",
    "ownlint/report/write.py": "def _atomic() -> None: ...\n",
    "ownlint/rules/__init__.py": "from ownlint.loaders.terraform import load\nfrom ownlint.graph import _helper\n",
    "ownlint/loaders/terraform/load.py": "import os as o\nfrom os import getenv\n\nX = o.getenv('X')\n",
    "ownlint/graph/__init__.py": "import networkx\n\n_helper = 1\n",
    "ownlint/graph/relations/__init__.py": "import networkx as nx\nimport click\n",
    "ownlint/extra.py": "",
}


def test_every_check_finds_what_it_forbids(tmp_path: Path) -> None:
    plain_modules = {
        "ownlint.__main__",
        "ownlint.model",
        "ownlint.errors",
        "ownlint.inputs",
        "ownlint.parallel",
        "ownlint.collector",
        "ownlint.ownership",
    }
    for unit in ROW:  # an empty module or package per unit, then the plants
        path = tmp_path.joinpath(*unit.split("."))
        path = path.with_suffix(".py") if unit in plain_modules else path / "__init__.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    for name, text in PLANTED.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert {check.__name__: check(tmp_path) for check in CHECKS} == {
        "unplaced": ["ownlint.extra: not in LAYERS"],
        "upward_imports": [
            "ownlint/config/__init__.py:2: ownlint.config (row 9) imports ownlint.pipeline (row 3)",
            "ownlint/errors.py:1: ownlint.errors (row 11) imports ownlint.model (row 11)",
            "ownlint/model.py:1: ownlint.model (row 11) imports ownlint.errors (row 11)",
            "ownlint/rules/__init__.py:1: ownlint.rules (row 6) imports ownlint.loaders.terraform.load (row 6)",
        ],
        "rules_importing_loaders": [
            "ownlint/rules/__init__.py:1: ownlint.rules imports ownlint.loaders.terraform.load"
        ],
        "misplaced_libraries": [
            "ownlint/graph/relations/__init__.py:1: networkx in ownlint.graph.relations",
            "ownlint/graph/relations/__init__.py:2: click in ownlint.graph.relations",
        ],
        "private_crossings": [
            "ownlint/fixes/__init__.py:4: ownlint.fixes uses ownlint.report.write._atomic",
            "ownlint/rules/__init__.py:2: ownlint.rules imports ownlint.graph _helper",
        ],
        "environment_readers": [
            "ownlint/loaders/terraform/load.py:2: ownlint.loaders.terraform.load imports os.getenv",
            "ownlint/loaders/terraform/load.py:4: ownlint.loaders.terraform.load reads os.getenv",
        ],
        "import_cycles": ["ownlint.errors -> ownlint.model -> ownlint.errors"],
    }


DOCS = ("CONTRIBUTING.md", "docs/architecture.md")
PACKAGE_WORDS = {path.stem for path in (SRC / "ownlint").iterdir() if path.suffix == ".py" or path.is_dir()}


def test_the_architecture_page_shows_the_layer_table() -> None:
    page = (SRC.parent / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| (\d+) \| (.+?) \|", page, re.M)

    def unit(shown: str) -> str:
        name = shown.removesuffix("/").removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        return "ownlint" if name == "ownlint" else f"ownlint.{name}"

    shown = [(int(row), {unit(name) for name in re.findall(r"`([^`]+)`", units)}) for row, units in rows]
    assert shown == [(row, set(units)) for row, units in enumerate(LAYERS)]


def test_the_docs_name_modules_and_names_that_exist() -> None:
    """Every ``path/`` or ``module.py`` and every ``package.module.name`` the docs name in backticks exists."""
    missing = []
    for doc in DOCS:
        for token in re.findall(r"`([A-Za-z_./-]+)`", (SRC.parent / doc).read_text()):
            if not names_something(token):
                missing.append(f"{doc}: {token}")
    assert_none(missing)


def names_something(token: str) -> bool:
    """A path (``rules/base.py``, ``fixtures/rules/``) under src/ownlint or the repository, a dotted name under
    ownlint (``report.write.write_reports``); anything else (``--format``, ``OWN001``) is not checked."""
    if token.endswith(".py") and "/" not in token:  # a module named in its package's context
        return any(any(SRC.parent.joinpath(top).rglob(token)) for top in ("src", "scripts", "benchmarks", "tests"))
    if token.endswith(".py") or (token.endswith("/") and "/" in token.rstrip("/")):
        return any((base / token).exists() for base in (SRC / "ownlint", SRC, SRC.parent))
    if "." in token and token.split(".")[0] in PACKAGE_WORDS and not token.endswith(".md"):
        return dotted_name_exists(f"ownlint.{token}")
    return True


def dotted_name_exists(dotted: str) -> bool:
    """``ownlint.a.b.name``: the longest module prefix exists and defines (or imports) the next name."""
    parts = dotted.split(".")
    for length in range(len(parts), 1, -1):
        module = ".".join(parts[:length])
        if module_exists(SRC, module):
            if length == len(parts):
                return True
            return parts[length] in defined_names(modules(SRC)[module])
    return False


def defined_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names
