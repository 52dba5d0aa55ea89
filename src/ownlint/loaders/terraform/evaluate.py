"""Evaluate ownlint's HCL expression model statically: what can be known is, the rest is ``Unknown``.

Never executes anything and never raises: statically wrong expressions become unknown with the
reason, and recursion is bounded (self-referencing locals, deep nesting, huge for-expressions), and so
is the work and the size of what is built (``budget``: per root module, with everything it calls).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform import operators as ops
from ownlint.loaders.terraform.budget import NOTHING, Budget, OverBudget, Size
from ownlint.loaders.terraform.outputs import ModuleCall, module_value
from ownlint.loaders.terraform.types import convert
from ownlint.loaders.terraform.values import (
    EvalError,
    PartialMap,
    Unknown,
    first_unknown,
    to_text,
)
from ownlint.model import Place

if TYPE_CHECKING:
    from ownlint.loaders.terraform.functions import Function
    from ownlint.loaders.terraform.functions.files import ModuleFiles

    _FileFunctions = Callable[[ModuleFiles], dict[str, Function]]

MAX_DEPTH = 150
# While set, references to values known only after apply (resource attributes, module outputs, data
# sources read at plan time) evaluate to the text "${module.x.aws_s3_bucket.y.arn}" instead of unknown,
# so that a policy document built with jsonencode() or a template still names what it grants.
_SYMBOLIC: ContextVar[bool] = ContextVar("symbolic", default=False)
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,128}")  # an instance key the graph's "${...}" text carries unambiguously


@dataclass(frozen=True)
class Binding:
    """Where a variable's or local's value is defined: the expression and its place (None: no value).

    A module input is evaluated where it is written: in the calling module (``scope``), with the
    call's ``each``/``count`` (``env``).
    """

    expr: m.Expr | None
    place: Place
    reason: str = ""
    scope: Evaluator | None = field(default=None, compare=False)
    env: Mapping[str, Any] = field(default_factory=dict, compare=False)
    type: m.Expr | None = field(default=None, compare=False)  # the variable's type constraint


class Evaluator:
    """Evaluates expressions of one module instance, given its variables' and locals' bindings."""

    def __init__(
        self,
        variables: Mapping[str, Binding],
        locals_: Mapping[str, Binding],
        data: Mapping[str, Any] | None = None,
        prefix: str = "",
        budget: Budget | None = None,
        outputs: Mapping[str, Binding] | None = None,
        files: ModuleFiles | None = None,
    ) -> None:
        self.files = files  # file() and its kin read through it, made when one is called (None: unknown)
        self.variables = variables
        self.outputs = outputs or {}  # the module's output blocks, read by its caller's module.NAME.OUTPUT
        self.calls: Callable[[str], ModuleCall[Evaluator] | None] | None = None  # this module's calls, by name
        self.prefix = prefix  # the module instance's address prefix, "module.a.module.b."
        self.locals = locals_
        self.data = dict(data or {})  # statically known data sources, e.g. "aws_default_tags.x"
        self.data_traces: dict[str, Any] = {}  # their tags with provenance (tags.TracedTags), by the same key
        self._memo: dict[tuple[str, str, bool], Any] = {}
        self._active: set[tuple[str, str]] = set()
        self._depth = 0
        self._handlers = _handlers(type(self))
        self.budget = budget if budget is not None else Budget()  # the root module's: module.py shares it

    def value(self, expr: m.Expr, env: Mapping[str, Any] | None = None) -> Any:
        """The value of ``expr``, or ``Unknown`` with the reason; never raises."""
        budget = self.budget
        if budget.exhausted is not None:  # a literal costs nothing: tag keys stay known
            return expr.value if isinstance(expr, m.Lit) else Unknown(budget.exhausted)
        if type(expr) is m.Lit and self._depth < MAX_DEPTH:  # most values (tags, names): counted as ``_eval``
            try:  # counts one, but with no scope to copy and no clock to read (it takes no time)
                budget.step()
                budget.hand_out(expr.value)
            except OverBudget as over:
                return Unknown(budget.reason(over, None))
            return expr.value
        budget.start()
        try:
            result = self._value(expr, env)
            budget.hand_out(result)
            return result
        except OverBudget as over:
            return Unknown(budget.reason(over, None))
        finally:
            budget.stop()

    def _value(self, expr: m.Expr, env: Mapping[str, Any] | None) -> Any:
        """``value`` within an evaluation: a crossed budget is raised, for the binding to name it."""
        try:
            return self._eval(expr, dict(env) if env else {})
        except EvalError as error:
            return Unknown(f"evaluation error: {error}")
        except RecursionError:
            return Unknown("expression nests too deeply to evaluate")

    def symbolic_value(self, expr: m.Expr, env: Mapping[str, Any] | None = None) -> Any:
        """Like ``value``, but apply-time references stay as ``"${address.attribute}"`` text."""
        token = _SYMBOLIC.set(True)
        try:
            return self.value(expr, env)
        finally:
            _SYMBOLIC.reset(token)

    def add_data(self, key: str, value: Any, trace: Any) -> None:
        """Make ``data.KEY`` known (with its tags' trace for provenance); forgets values computed before."""
        self.data[key] = value
        self.data_traces[key] = trace
        self._memo.clear()

    def named(self, kind: str, name: str) -> Any:
        """The value of ``var.NAME`` or ``local.NAME`` (memoised, cycle-safe)."""
        key = (kind, name)
        memo_key = (kind, name, _SYMBOLIC.get())
        if memo_key in self._memo:
            return self._memo[memo_key]
        table = self.variables if kind == "var" else self.locals if kind == "local" else self._outputs_of(kind)
        binding = table.get(name)
        if binding is None:
            return Unknown(f"{kind}.{name} is not declared in this module")
        if binding.expr is None:
            return Unknown(binding.reason or f"{kind}.{name} has no value")
        if key in self._active:
            return Unknown(f"{kind}.{name} refers to itself")
        self._active.add(key)
        try:
            result = (binding.scope or self)._value(binding.expr, binding.env)
            if binding.type is not None:
                self.budget.weigh(result)  # what converting walks
                result = convert(result, binding.type, self.value)
                self.budget.weigh(result)  # optional() defaults may have made it larger
        except OverBudget as over:
            place = binding.place
            where = f"{kind}.{name} ({place.file}:{place.line})"
            result = Unknown(self.budget.reason(over, where, place.file, place.line))
        finally:
            self._active.discard(key)
        self._memo[memo_key] = result
        return result

    def _outputs_of(self, kind: str) -> Mapping[str, Binding]:
        if kind != "output":
            raise KeyError(kind)  # as the table of the three kinds did
        return self.outputs

    def part(self, expr: m.Expr, env: Mapping[str, Any]) -> Any:
        """A part of the expression being evaluated (a budget crossed or a static error is raised)."""
        return self._eval(expr, dict(env))

    def _eval(self, expr: m.Expr, env: dict[str, Any]) -> Any:
        self.budget.step()
        kind = type(expr)
        if kind is m.Lit and self._depth < MAX_DEPTH:  # the commonest leaf, as its handler gives it
            return expr.value  # type: ignore[union-attr]
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise EvalError("expression nests too deeply")
            handler = self._handlers.get(kind)
            if handler is None:  # a class derived from the model's (none is): its nearest model class's
                handler = _derived(type(self), kind)
            return handler(self, expr, env)  # straight to the method: no isinstance chain
        finally:
            self._depth -= 1

    def _literal(self, expr: m.Lit, env: dict[str, Any]) -> Any:
        return expr.value

    def _name(self, expr: m.Name, env: dict[str, Any]) -> Any:
        return self._root(expr.name, (), env)[0]

    def _tuple(self, expr: m.TupleExpr, env: dict[str, Any]) -> Any:
        return self._built([self._eval(item, env) for item in expr.items])

    def _binary(self, expr: m.BinaryOp, env: dict[str, Any]) -> Any:
        return ops.binary(expr.op, *self._compared(self._eval(expr.left, env), self._eval(expr.right, env)))

    def _unary(self, expr: m.UnaryOp, env: dict[str, Any]) -> Any:
        return ops.unary(expr.op, self._eval(expr.operand, env))

    def _unsupported(self, expr: Any, env: dict[str, Any]) -> Any:
        return Unknown(f"{expr.what} is not evaluated")

    def _template(self, expr: m.Template, env: dict[str, Any]) -> Any:
        if len(expr.parts) == 1:  # "${x}" alone yields x's value unconverted (HCL spec)
            return self._eval(expr.parts[0], env)
        values = [self._eval(part, env) for part in expr.parts]
        unknown = first_unknown(values)
        if unknown is not None:
            return unknown
        texts = [to_text(v) for v in values if v is not None]
        self.budget.string(sum(map(len, texts)))
        return "".join(texts)

    def _built(self, value: Any) -> Any:
        """A list or map just built from evaluated parts: within one value's limits, and counted."""
        self.budget.weigh(value)
        self.budget.built(elements=len(value.known if isinstance(value, PartialMap) else value))
        return value

    def _compared(self, left: Any, right: Any) -> tuple[Any, Any]:
        """Comparing two collections walks both."""
        if isinstance(left, (list, dict)) and isinstance(right, (list, dict)):
            self.budget.weigh(left)
            self.budget.weigh(right)
        return left, right

    def _root(self, name: str, steps: tuple[m.Step, ...], env: dict[str, Any]) -> tuple[Any, int]:
        """Value of a traversal's root, and how many leading steps it consumed."""
        if name in env:
            return env[name], 0
        first = steps[0].name if steps and isinstance(steps[0], m.AttrStep) else None
        if name in ("var", "local") and first is not None:
            return self.named(name, first), 1
        if name == "each":
            return Unknown("each.key/each.value differ per for_each instance"), len(steps)
        if name == "count":
            return Unknown("count.index differs per instance"), len(steps)
        if name == "path" and first == "module":
            return ".", 1
        dotted = ".".join([name, *(s.name for s in steps[:3] if isinstance(s, m.AttrStep))])
        if name == "data":
            known = ".".join(s.name for s in steps[:2] if isinstance(s, m.AttrStep))
            if known in self.data:
                return self.data[known], 2
            return self._apply_time(dotted, f"{dotted} is read at plan time", steps)
        if name == "module":
            call = self.calls(first) if self.calls is not None and first and not _SYMBOLIC.get() else None
            if call is not None:
                return module_value(self, first or "", call, steps, env)
            return self._apply_time(dotted, f"{dotted} is a module output", steps)
        if name in ("terraform", "path"):
            return Unknown(f"{dotted} is chosen at run time"), len(steps)
        keyed = self._keyed(name, steps, env) if _SYMBOLIC.get() else None
        return self._apply_time(keyed or dotted, f"{dotted} is known only after apply", steps)

    def _apply_time(self, dotted: str, reason: str, steps: tuple[m.Step, ...]) -> tuple[Any, int]:
        if _SYMBOLIC.get() and dotted.count(".") >= 1:
            return "${" + self.prefix + dotted + "}", len(steps)
        return Unknown(reason), len(steps)

    def _keyed(self, name: str, steps: tuple[m.Step, ...], env: dict[str, Any]) -> str | None:
        """``aws_s3_bucket.b["logs"].arn`` for a reference to one instance (the graph then reaches that one
        only); None for another reference, or a key that the graph's reference text could not carry."""
        if len(steps) < 2 or not isinstance(steps[0], m.AttrStep) or not isinstance(steps[1], m.IndexStep):
            return None
        key = self._eval(steps[1].key, env)
        if isinstance(key, bool) or not isinstance(key, (str, int)) or not _PLAIN_KEY.fullmatch(str(key)):
            return None
        shown = f'["{key}"]' if isinstance(key, str) else f"[{key}]"
        attribute = f".{steps[2].name}" if len(steps) > 2 and isinstance(steps[2], m.AttrStep) else ""
        return f"{name}.{steps[0].name}{shown}{attribute}"

    def _traversal(self, expr: m.Traversal, env: dict[str, Any]) -> Any:
        if isinstance(expr.base, m.Name):
            value, used = self._root(expr.base.name, expr.steps, env)
        else:
            value, used = self._eval(expr.base, env), 0
        return self._apply(value, expr.steps[used:], env)

    def _apply(self, value: Any, steps: tuple[m.Step, ...], env: dict[str, Any]) -> Any:
        for index, step in enumerate(steps):
            if isinstance(value, Unknown):
                return value
            if isinstance(step, m.SplatStep):
                items = [] if value is None else value if isinstance(value, list) else [value]
                rest = index + 1
                if step.attributes_only:  # ``.*``: the attribute steps after it only; the rest takes the list
                    while rest < len(steps) and isinstance(steps[rest], m.AttrStep):
                        rest += 1
                else:
                    rest = len(steps)
                value = self._built([self._apply(item, steps[index + 1 : rest], env) for item in items])
                return self._apply(value, steps[rest:], env) if rest < len(steps) else value
            key = step.name if isinstance(step, m.AttrStep) else self._eval(step.key, env)
            value = ops.index(value, key)
        return value

    def _call(self, expr: m.Call, env: dict[str, Any]) -> Any:
        name = expr.name
        if name in ("try", "can"):
            return self._try(expr, env)
        if name == "templatefile" and self.files is not None and len(expr.args) == 2:
            return self._template_file(self.files, expr, env)
        FUNCTIONS, DEEP, FREE, file_functions = _library()
        function = FUNCTIONS.get(name) or (file_functions(self.files).get(name) if self.files is not None else None)
        if function is None:
            return Unknown(f"function {name}() is not evaluated by ownlint")
        args = [self._eval(arg, env) for arg in expr.args]
        if expr.expand_last and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return last
            args.extend(last if isinstance(last, list) else [last])
        if name in DEEP:  # walks its arguments through
            for arg in args:
                self.budget.weigh(arg)
        elif name not in FREE:  # goes through its arguments once
            self.budget.step(sum(len(a) for a in args if isinstance(a, (list, dict))))
        result = function(args, self.budget)
        return result if name in FREE else self._result(result, args)

    def _template_file(self, files: ModuleFiles, expr: m.Call, env: dict[str, Any]) -> Any:
        """``templatefile(path, vars)``: the template evaluated with ``vars`` as its only names."""
        path, bound = self._eval(expr.args[0], env), self._eval(expr.args[1], env)
        unknown = first_unknown([path, bound])
        if unknown is not None:
            return unknown
        if not isinstance(bound, dict):
            raise EvalError("templatefile(): the variables must be a map")
        template, added = files.template(path)
        rendered = Evaluator({}, {}, budget=self.budget, files=files).part(template, bound)
        return rendered[:-1] if added and isinstance(rendered, str) and rendered.endswith("\n") else rendered

    def _result(self, result: Any, args: list[Any]) -> Any:
        """A function's result: a new string or collection is within one value's limits, and counted."""
        if any(result is arg for arg in args):
            return result
        if isinstance(result, str):
            self.budget.string(len(result))
        elif isinstance(result, (list, dict, PartialMap)):
            self._built(result)
        return result

    def _try(self, expr: m.Call, env: dict[str, Any]) -> Any:
        for arg in expr.args:
            try:
                value = self._eval(arg, env)
            except EvalError:
                continue
            if isinstance(value, Unknown):
                return value
            return True if expr.name == "can" else value
        if expr.name == "can":
            return False
        raise EvalError("try(): no argument could be evaluated")

    def _object(self, expr: m.ObjectExpr, env: dict[str, Any]) -> Any:
        known: dict[str, Any] = {}
        reasons: list[str] = []
        for item in expr.items:
            key = self._eval(item.key, env)
            if isinstance(key, Unknown):
                reasons.append(key.reason)
                continue
            known[to_text(key)] = self._eval(item.value, env)
        return self._built(PartialMap(known, tuple(reasons)) if reasons else known)

    def _conditional(self, expr: m.Conditional, env: dict[str, Any]) -> Any:
        condition = self._eval(expr.condition, env)
        if isinstance(condition, bool):
            chosen = self._eval(expr.if_true if condition else expr.if_false, env)
            try:
                other = self._eval(expr.if_false if condition else expr.if_true, env)
            except EvalError:  # the branch not taken may fail (``var.x == null ? d : var.x.k``)
                return chosen
            return ops.unified(chosen, other)
        if isinstance(condition, Unknown):
            left, right = self._eval(expr.if_true, env), self._eval(expr.if_false, env)
            self._compared(left, right)
            return left if left == right else condition
        raise EvalError("condition is not a bool")

    def _for(self, expr: m.ForExpr, env: dict[str, Any]) -> Any:
        collection = self._eval(expr.collection, env)
        if isinstance(collection, (Unknown, PartialMap)):
            return first_unknown([collection])
        pairs = ops.pairs(collection)
        results: list[Any] = []
        keyed: dict[str, Any] = {}
        size = NOTHING  # of the result so far: checked as it grows, not once it is built
        for key, item in pairs:
            scope = dict(env)
            scope[expr.value_var] = item
            if expr.key_var is not None:
                scope[expr.key_var] = key
            if expr.condition is not None:
                keep = self._eval(expr.condition, scope)
                if isinstance(keep, Unknown):
                    return keep
                if not keep:
                    continue
            value = self._eval(expr.value, scope)
            if expr.key is None:
                size = self.budget.weigh(value, Size(size.elements + 1, size.characters))
                results.append(value)
                continue
            out_key = self._eval(expr.key, scope)
            if isinstance(out_key, Unknown):
                return out_key
            text = to_text(out_key)
            size = self.budget.weigh(value, Size(size.elements + 1, size.characters + len(text)))
            if expr.grouping:
                keyed.setdefault(text, []).append(value)
            else:
                keyed[text] = value
        self.budget.built(elements=len(results) + len(keyed))
        return results if expr.key is None else keyed


_METHODS = {
    m.Lit: "_literal",
    m.Template: "_template",
    m.Name: "_name",
    m.Traversal: "_traversal",
    m.Call: "_call",
    m.ObjectExpr: "_object",
    m.TupleExpr: "_tuple",
    m.Conditional: "_conditional",
    m.ForExpr: "_for",
    m.BinaryOp: "_binary",
    m.UnaryOp: "_unary",
    m.Unsupported: "_unsupported",
}


@lru_cache(maxsize=1)
def _library() -> tuple[Mapping[str, Function], AbstractSet[str], AbstractSet[str], _FileFunctions]:
    """The functions by name, those that walk their arguments, those that cost nothing, and the file functions
    of a module: imported at the first call (not for a run that calls none), then kept (an import statement in
    ``_call`` costs a Python call into importlib each time)."""
    from ownlint.loaders.terraform.functions import DEEP, FREE, FUNCTIONS
    from ownlint.loaders.terraform.functions.files import file_functions

    return FUNCTIONS, DEEP, FREE, file_functions


_Handler = Callable[[Any, Any, dict[str, Any]], Any]
_Handlers = dict[type, _Handler]
_BY_CLASS: dict[type, _Handlers] = {}


def _handlers(cls: type[Evaluator]) -> _Handlers:
    """The method of ``cls`` that evaluates each expression class (a subclass's own ``_call`` included)."""
    found = _BY_CLASS.get(cls)
    if found is None:
        found = _BY_CLASS[cls] = {kind: getattr(cls, name) for kind, name in _METHODS.items()}
    return found


def _derived(cls: type[Evaluator], kind: type) -> _Handler:
    """The method of ``cls`` for ``kind``, a class derived from a model class: that class's method (the first in
    ``kind``'s method resolution order), else ``_unsupported``; kept with the others."""
    name = next((_METHODS[base] for base in kind.__mro__ if base in _METHODS), "_unsupported")
    found: _Handler = getattr(cls, name)
    _handlers(cls)[kind] = found
    return found
