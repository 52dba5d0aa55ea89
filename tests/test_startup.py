"""A pre-commit check starts fast: a warm one-file check imports only what it uses (issue 20). Each test runs
ownlint as pre-commit does (``python -m ownlint``, a fresh interpreter) and names the modules a regression
would bring back; each also shows that the probe sees the run (what the run does need is imported) and that
the warm output is the cold one."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import imports_of, write_tree

CONFIG = "parties:\n  internal: [platform]\n"
ESTATE = {
    "ownlint.yaml": CONFIG,
    "stack/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  tags = merge({ owner = "platform" }, {})\n}\n'
    'module "queue" {\n  source = "../modules/queue"\n}\n',
    "stack/terraform.tfvars": "",
    "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = upper("q")\n}\n',
    "apps/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: apps\n"
    "  labels:\n    owner: platform\n",
    "apps/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    owner: platform\n",
}

# the HCL model, its parsers and the evaluator: a run that reads no Terraform never needs them
HCL = (
    "ownlint.loaders.terraform.expr",
    "ownlint.loaders.terraform.ts_backend",
    "ownlint.loaders.terraform.evaluate",
    "tree_sitter",
    "tree_sitter_hcl",
)
# what evaluates a root module: a warm run whose roots all come from the result cache never needs it
EVALUATION = (
    "ownlint.loaders.terraform.evaluate",
    "ownlint.loaders.terraform.functions",
    "ownlint.loaders.terraform.functions.encoding",
    "ownlint.loaders.terraform.instances",
    "ownlint.loaders.terraform.plan",
)


def _warm(tmp_path: Path, named: str) -> tuple[str, str, set[str]]:
    """The cold run's output, then the warm run's output and imports, for a check of ``named`` in the estate."""
    repo = write_tree(tmp_path / "repo", ESTATE)
    (repo / ".git").mkdir()  # the repository's top
    cache = str(tmp_path / "cache")
    cold, _ = imports_of(repo, "check", "--cache-dir", cache, "--", named)
    warm, imported = imports_of(repo, "check", "--cache-dir", cache, "--", named)
    return cold, warm, imported


def test_a_warm_manifest_check_imports_no_hcl_model_parser_or_evaluator(tmp_path: Path) -> None:
    cold, warm, imported = _warm(tmp_path, "apps/app.yaml")
    assert "ConfigMap" in warm or "No findings" in warm
    assert warm == cold
    assert "ownlint.loaders.kubernetes.load" in imported  # the probe sees the run's imports
    assert sorted(imported.intersection(HCL)) == []
    # the HCL comment scanner (YAML suppressions are annotations) and the temporary names of -o files
    assert sorted(imported & {"ownlint.suppressions.hcl_comments", "secrets"}) == []


def test_a_warm_root_file_check_answered_by_the_result_cache_imports_no_evaluator(tmp_path: Path) -> None:
    cold, warm, imported = _warm(tmp_path, "stack/main.tf")
    assert "aws_s3_bucket.b" in warm and "module.queue.aws_sqs_queue.q" in warm
    assert warm == cold
    assert "ownlint.loaders.terraform.results" in imported  # the result cache answered
    assert sorted(imported.intersection(EVALUATION)) == []


def test_a_warm_root_file_check_answered_by_the_result_cache_imports_no_hcl_model_or_parser(tmp_path: Path) -> None:
    """Only the backend's name is needed (the caches' keys): whether tree-sitter loads is asked of tree_sitter."""
    cold, warm, imported = _warm(tmp_path, "stack/main.tf")
    assert warm == cold
    parsing = {
        "ownlint.loaders.terraform.expr",
        "ownlint.loaders.terraform.ts_backend",
        "ownlint.loaders.terraform.json_syntax",
        "ownlint.loaders.terraform.overrides",
        "ownlint.suppressions.parse",
    }
    assert sorted(imported & parsing) == []


def test_a_warm_module_file_check_evaluates_its_callers_sources_without_the_function_table(tmp_path: Path) -> None:
    cold, warm, imported = _warm(tmp_path, "modules/queue/main.tf")
    assert "module.queue.aws_sqs_queue.q" in warm  # checked as its caller instantiates it
    assert warm == cold
    assert "ownlint.loaders.terraform.evaluate" in imported  # a module call's source is evaluated
    functions = [name for name in imported if name.startswith("ownlint.loaders.terraform.functions")]
    assert sorted(functions) == []


def test_a_cold_root_file_check_evaluates_and_parses(tmp_path: Path) -> None:
    """The other side of the guards above: without the cache every deferred module is imported when used."""
    repo = write_tree(tmp_path, ESTATE)
    output, imported = imports_of(repo, "check", "--no-cache", "--", "stack/main.tf")
    assert "aws_s3_bucket.b" in output
    assert {"ownlint.loaders.terraform.evaluate", "ownlint.loaders.terraform.functions", "tree_sitter"} <= imported


def test_an_empty_check_imports_no_loader_graph_or_parser(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    output, imported = imports_of(tmp_path, "check", "--cache-dir", str(tmp_path / "cache"), "empty")
    assert output == "No findings in 0 files (0 resources), preset hybrid-it.\n"
    assert "ownlint.commands.check" in imported
    unused = {
        *HCL,
        *EVALUATION,
        "ownlint.loaders.terraform.load",
        "ownlint.loaders.kubernetes.load",
        "ownlint.graph",
        "networkx",
        "ownlint.audit",
        "ownlint.loaders.codeowners",
        "secrets",  # for the temporary names of -o files
    }
    assert sorted(imported.intersection(unused)) == []


def test_a_root_that_read_a_file_is_replayed_by_a_fresh_process_that_imported_no_file_function(
    tmp_path: Path,
) -> None:
    """The result cache checks a ``file()`` read with the probe the file functions register: a warm run that
    imports no function must still know it, or every such root is evaluated (and its entry rewritten) again."""
    repo = write_tree(
        tmp_path / "repo",
        {
            "ownlint.yaml": CONFIG,
            "stack/main.tf": 'resource "aws_s3_bucket" "b" {\n  tags = yamldecode(file("${path.module}/tags.yaml"))\n}\n',
            "stack/tags.yaml": "owner: platform\n",
            "stack/terraform.tfvars": "",
        },
    )
    (repo / ".git").mkdir()
    cache = tmp_path / "cache"
    cold, _ = imports_of(repo, "check", "--cache-dir", str(cache), "stack")
    entries = {path: path.stat().st_mtime_ns for path in (cache / "results").rglob("*.json")}
    warm, imported = imports_of(repo, "check", "--cache-dir", str(cache), "stack")
    assert warm == cold
    assert entries and {path: path.stat().st_mtime_ns for path in (cache / "results").rglob("*.json")} == entries
    assert "ownlint.loaders.terraform.evaluate" not in imported


def test_every_probe_registered_outside_probes_is_found_by_a_process_that_did_not_import_it() -> None:
    import importlib

    from ownlint.loaders.terraform import probes

    for module in set(probes._REGISTERED_IN.values()):
        importlib.import_module(module)
    elsewhere = {name: f.__module__ for name, f in probes._PROBES.items() if f.__module__ != probes.__name__}
    assert elsewhere == probes._REGISTERED_IN
