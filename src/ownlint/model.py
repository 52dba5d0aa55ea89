"""Plain immutable values shared by every layer: places, tag values, facts, resources, findings."""

from __future__ import annotations

import datetime
import enum
import hashlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any, Literal

from ownlint.records import record

# keys of ``Resource.attributes`` that are no attribute: a block's (or manifest's) line, and its keys' lines
LINE = "__line__"
LINES = "__lines__"
# the Kubernetes kinds that run pods from a template (loader: ownership of what they run; graph: compute)
POD_TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController")


# told how far a long step of a run is: its name ("reading manifests"), the units done, their total;
# the command line draws it (no layer below prints), and it never reaches a worker process
Progress = Callable[[str, int, int], None]


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


Source = Literal["terraform", "kubernetes"]  # what a resource or finding was read from ("" for a file)
EdgeKind = Literal["contains", "references", "grants", "assumes", "uses", "operates", "admits", "selects"]
SuppressionSource = Literal["comment", "annotation", "waiver"]


class State(str, enum.Enum):
    """A fact is present (with a value), missing, or unknown (present but not statically knowable)."""

    PRESENT = "present"
    MISSING = "missing"
    UNKNOWN = "unknown"


class PlaceKind(str, enum.Enum):
    """What a place is, set where the place is made: ``fix``, rules and reports read this, never the
    words of ``Place.what`` (which are for people and may be reworded)."""

    RESOURCE = "resource"  # a resource, data source or object itself (a graph node, a hop of a path)
    ATTRIBUTE = "attribute"  # an attribute of a resource or module call (name: the attribute; subject: its address)
    TAG_BLOCK = "tag block"  # repeated ``tag { key value }`` blocks, static or ``dynamic``
    LOCAL = "local"  # ``local.NAME`` (name)
    VARIABLE = "variable"  # a declared variable that has no value
    VARIABLE_DEFAULT = "variable default"
    TFVARS = "tfvars"  # terraform.tfvars, *.auto.tfvars
    VAR_FILE = "var file"  # --var-file
    VAR_OPTION = "var option"  # --var
    ENVIRONMENT = "environment"  # TF_VAR_*
    OUTPUT = "output"  # a module's ``output`` (name), read as ``module.NAME.OUTPUT`` by its caller
    MODULE_INPUT = "module input"  # an argument of a module call (name: the input; subject: the call)
    MODULE_TAGS_INPUT = "module tags input"  # a call's ``tags`` input where fix may add one (subject: the call)
    PROVIDER_DEFAULTS = "provider defaults"  # a provider's default_tags / default_labels
    PLAN = "plan"  # an instance of a plan JSON
    OBJECT_LABELS = "object labels"  # metadata.labels of a Kubernetes object (subject: the object)
    NAMESPACE_LABELS = "namespace labels"  # metadata.labels of a Namespace, where fix may add a key
    KUSTOMIZATION = "kustomization"  # a kustomization's field that sets labels (name: the field or the key)
    LABEL = "label"  # one label or annotation of an object
    NAMESPACE_LABEL = "namespace label"  # one label or annotation of a Namespace, as its objects inherit it
    INHERITED = "inherited"  # a parent's value, reached through a link (subject: the parent)
    FINDING = "finding"  # where a finding is reported


@record(frozen=True, slots=True)
class Place:
    """One step of provenance: where a value (or the place to fix it) is, what that place is in words
    (``what``, for people) and as a kind (``kind``, ``name``, ``subject``: for code)."""

    file: str
    line: int
    what: str
    kind: PlaceKind
    name: str = ""  # the local, variable, input, attribute or label the place is
    subject: str = ""  # the address it belongs to: the resource, the module call, the object

    def __str__(self) -> str:
        return f"{self.what} ({self.file}:{self.line})"


@record(frozen=True, slots=True)
class TagValue:
    """A tag, label or annotation as its source gives it: known text, or unknown with the reason."""

    key: str
    value: str | None
    provenance: tuple[Place, ...]
    reason: str | None = None

    @property
    def known(self) -> bool:
        return self.reason is None


@record(frozen=True, slots=True)
class Fact:
    """An ownership fact (owner, operator, a compliance label) resolved from a resource's tags."""

    name: str
    state: State
    value: str | None = None
    key: str | None = None
    reason: str | None = None
    provenance: tuple[Place, ...] = ()


@record(frozen=True, slots=True)
class Resource:
    """A Terraform resource/data source or a Kubernetes object, with its effective tags.

    ``tags`` are the effective tags after inheritance (provider default_tags, namespace labels);
    ``opaque`` holds the reasons why further keys may exist that cannot be known statically
    (for example ``tags = var.tags`` where the variable has no default). ``instances`` names the
    ``for_each``/``count`` instances this record stands for when they differ (empty: all of them).
    """

    address: str
    type: str
    name: str
    source: Source
    file: str
    line: int
    end_line: int
    stack: str = "."
    namespace: str | None = None
    taggable: bool = True
    tags: tuple[TagValue, ...] = ()
    opaque: tuple[str, ...] = ()
    fix_place: Place | None = None
    references: tuple[str, ...] = ()
    container: str | None = None
    instances: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (attribute, address it references), for inheritance
    # what the graph reads (policies, principals, CIDRs, names, a manifest's body): one read-only
    # mapping per distinct instance; Terraform references the loader could not resolve are "${address.attr}"
    attributes: tuple[Mapping[str, Any], ...] = field(default=(), compare=False)

    @property
    def is_data(self) -> bool:
        """A Terraform data source (``data.TYPE.NAME``, maybe inside modules)."""
        return self.source == "terraform" and (self.address.startswith("data.") or ".data." in self.address)

    @property
    def node_id(self) -> str:
        """Its id in the graph: Terraform addresses are prefixed by their root module's directory."""
        return qualified(self, self.address)

    def tag(self, key: str) -> TagValue | None:
        # a scan of a few tags: a per-resource index would cost more memory than it saves time
        wanted = key.lower()
        for tag in self.tags:
            if tag.key.lower() == wanted:
                return tag
        return None


def qualified(resource: Resource, address: str) -> str:
    """The graph id of ``address`` as written in ``resource``'s root module."""
    return in_stack(resource.stack, address) if resource.source == "terraform" else address


def in_stack(stack: str, name: str) -> str:
    """A graph id within a root module: ``infra/eks//aws_iam_role.x`` (the name alone in the scan root)."""
    return name if stack in ("", ".") else sys.intern(f"{stack}//{name}")  # one string per node, however often asked


def msp_id(name: str) -> str:
    """The graph node of a declared MSP's identities: ``msp:acme``."""
    return f"msp:{name}"


@record(frozen=True, slots=True)
class Edge:
    """A relation between two graph nodes (``Resource.node_id``, or an identity such as ``msp:acme``), and its evidence.

    ``kind`` is one of contains, references, grants, assumes, uses, operates, admits, selects;
    ``place`` is where the relation is written (a trust policy, a binding's subject, a rule block);
    ``instances``: the keys (``["logs"]``) of the target's instances it reaches, when it names some.
    """

    source: str
    target: str
    kind: EdgeKind
    place: Place | None = None
    detail: str = ""
    instances: tuple[str, ...] = ()  # empty: every instance of the target


@record(frozen=True)
class FileOwners:
    """What CODEOWNERS says about one file: the owner values its teams map to, and the rule that says so."""

    owners: tuple[str, ...]
    rule: str  # "CODEOWNERS: @org/platform @org/sre", for messages


@record(frozen=True)
class LoadProblem:
    """A file (or a part of one) that could not be read or parsed: becomes OWN000."""

    file: str
    line: int
    message: str
    whole_root: bool = False  # the evaluation of a whole root module was cut short: reported wherever it is


ALL_RULES = "all"  # a blanket suppression, written out
NEVER_BY_ALL = ("OWN000", "OWN013")  # a file that could not be read, a waiver that does not hold


@record(frozen=True)
class Suppression:
    """An ``ownlint:ignore`` comment, an ``ownlint.io/ignore`` annotation or a config waiver.

    It covers the block or object that starts at ``target_line`` of ``file`` (a module block: the
    resources inside it too), the whole file (``whole_file``), or the addresses ``resource`` matches
    (waivers). ``rules`` are rule ids, or ``("all",)`` for every rule but ``NEVER_BY_ALL``; empty,
    without a reason, or past ``expires``, it suppresses nothing and is reported (OWN013).
    """

    rules: tuple[str, ...]
    reason: str | None
    file: str  # where it is written
    line: int
    source: SuppressionSource
    expires: datetime.date | None = None
    target_line: int = 0
    whole_file: bool = False
    resource: str = ""  # a waiver's address pattern
    approved_by: str | None = None

    def covers_rule(self, rule: str) -> bool:
        return rule in self.rules or (self.blanket and rule not in NEVER_BY_ALL)

    @property
    def blanket(self) -> bool:
        return ALL_RULES in self.rules

    @property
    def inline(self) -> bool:
        return self.source != "waiver"


@record(frozen=True)
class Suppressed:
    """A finding a suppression hid, and the suppression (for ``--show-suppressed`` and SARIF)."""

    finding: Finding
    by: Suppression


@record(frozen=True)
class LoadResult:
    """What the loaders read: resources, the problems and notes of the reading, the files read, the suppressions."""

    resources: tuple[Resource, ...] = ()
    problems: tuple[LoadProblem, ...] = ()
    notes: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    suppressions: tuple[Suppression, ...] = ()


@record(frozen=True, slots=True)
class Finding:
    """What a rule found on a resource (or a file), where, and through which path and places."""

    rule: str
    name: str
    severity: Severity
    message: str
    resource: str
    resource_type: str
    source: str
    file: str
    line: int
    end_line: int
    path: tuple[str, ...] = ()
    provenance: tuple[Place, ...] = ()
    fingerprint: str = field(default="")
    instances: tuple[str, ...] = ()  # the for_each/count instances it holds for (empty: all)
    stack: str = "."  # the Terraform root module it was found through
    nodes: tuple[str, ...] = ()  # the graph nodes ``path`` goes through, from its start (for explain)
    path_places: tuple[Place, ...] = ()  # where each hop of ``path`` is written (its evidence)
    related: tuple[Place, ...] = ()  # where the resource is, when the finding is located at the call of its module


def fingerprint(rule: str, resource: Resource | None, file: str, far_end: str = "") -> str:
    """Stable id of a finding: rule, stack and address (and a boundary path's far end), never lines."""
    if resource is None:
        parts = [rule, file, far_end]
    elif resource.source == "terraform":
        parts = [rule, resource.source, resource.stack, resource.address, far_end]
    else:
        parts = [rule, resource.source, resource.address, far_end]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@record(frozen=True)
class Comparison:
    """What a check was compared with (``--baseline``, ``--diff-base``): the findings it still has in
    common with it, and those it recorded that are gone (rule, resource, file)."""

    against: str
    known: int
    fixed: tuple[tuple[str, str, str], ...]


@record(frozen=True)
class RuleInfo:
    """What reporters may say about a rule (SARIF rule metadata, JUnit names): no code, only text."""

    code: str
    name: str
    severity: Severity
    summary: str
    doc: str


@record(frozen=True)
class Report:
    """What a check found, for the reporters: they format it and decide nothing.

    ``base`` is the scan root relative to the repository root (``infra/`` when ``infra`` was scanned,
    empty otherwise): formats read by code hosts (SARIF, JUnit, GitHub, GitLab) want repository paths.
    ``root`` is the scan root, absolute: human formats show files from the current directory.
    ``config`` is the config of the run: its absolute path, or ``preset NAME``, or ``REF:ownlint.yaml``.
    """

    findings: tuple[Finding, ...]
    files: int
    resources: int
    rule_ids: tuple[str, ...] = ()
    rules: tuple[RuleInfo, ...] = ()
    base: str = ""
    suppressed: tuple[Suppressed, ...] = ()
    show_suppressed: bool = False  # list them, not only count them
    comparison: Comparison | None = None  # --baseline / --diff-base: findings shown are the new ones
    root: str = ""
    config: str = ""

    def repository_path(self, file: str) -> str:
        return f"{self.base}{file}" if file and not file.startswith("<") else file


@record(frozen=True)
class Explained:
    """One resource as ownlint sees it: category, every fact with its provenance, its findings."""

    resource: Resource
    category: str
    needs_ownership: bool
    facts: tuple[Fact, ...]
    findings: tuple[Finding, ...]
    neighbours: tuple[str, ...] = ()  # its graph edges, outgoing first, as path hops
    paths_through: tuple[Finding, ...] = ()  # boundary findings whose path passes through it


@record(frozen=True)
class Explanation:
    """What ``explain ADDRESS`` found: resources or graph nodes, and the scan root and config (as in ``Report``)."""

    items: tuple[Explained | ExplainedNode, ...]
    root: str = ""
    config: str = ""


@record(frozen=True)
class ExplainedNode:
    """A graph node that is no resource (an MSP identity, "every s3 resource"): its edges and paths."""

    node: str
    neighbours: tuple[str, ...]
    paths_through: tuple[Finding, ...]
