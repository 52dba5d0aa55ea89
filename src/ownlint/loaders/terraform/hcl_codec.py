"""The HCL model (``expr``) as plain JSON values and back, for the parse cache (``cache``): a node is
``{"t": class name, "f": [fields]}``, a tuple a list; decoding builds only the model's own classes."""

from __future__ import annotations

import dataclasses
from typing import Any

from ownlint.loaders.terraform import expr as m

_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        m.Lit,
        m.Template,
        m.Name,
        m.AttrStep,
        m.IndexStep,
        m.SplatStep,
        m.Traversal,
        m.Call,
        m.ObjectItem,
        m.ObjectExpr,
        m.TupleExpr,
        m.Conditional,
        m.ForExpr,
        m.BinaryOp,
        m.UnaryOp,
        m.Unsupported,
        m.Attribute,
        m.Block,
        m.HclFile,
    )
}


_ARITY = {name: len(dataclasses.fields(cls)) for name, cls in _CLASSES.items()}
_FIELD_NAMES = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES.values()}


def encode(value: Any) -> Any:
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is not None:  # the model's classes: field names looked up once, not per node
        fields = [getattr(value, name) for name in names]
        return {"t": kind.__name__, "f": [item if type(item) in _LEAVES else encode(item) for item in fields]}
    if isinstance(value, tuple):
        return [item if type(item) in _LEAVES else encode(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # not the model's: decoding refuses it
        return {"t": kind.__name__, "f": [encode(getattr(value, f.name)) for f in dataclasses.fields(value)]}
    return value


def decode(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        name = value["t"]
        cls = _CLASSES[name]  # only the model's classes: anything else is a KeyError
        items = value["f"]
        if len(items) != _ARITY[name]:
            raise ValueError("entry does not match the model")
        return cls(*[decode(item) if type(item) in _NESTED else item for item in items])
    if kind is list:
        return tuple([decode(item) if type(item) in _NESTED else item for item in value])
    return value


_LEAVES = frozenset({str, int, float, bool, type(None)})  # stand for themselves: not looked at (most fields)
_NESTED = (dict, list)  # what decode must build; text, numbers and None stand for themselves (most leaves)
