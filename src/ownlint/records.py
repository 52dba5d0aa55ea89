"""``record``: the ``dataclass`` of the values passed between layers, without its compiling at import.

``dataclass`` compiles up to six methods a class (~0.5M instructions each), and a one-file check imports some
fifty records: most of its start-up. ``record(frozen=..., slots=...)`` makes the same class (fields,
parameters, ``__match_args__``, equality, hash, repr, frozenness, pickling) with ``__eq__``, ``__hash__``,
``__repr__`` and the frozen ``__setattr__``/``__delattr__`` as closures over the field names, and
``__init__``, whose parameters must be written out, compiled when it is first looked up (the first record
made, or ``inspect``): most records a run imports it never makes. To mypy it is ``dataclass`` itself.
Plain records only: no ``__post_init__``, ``InitVar``, keyword-only or ``init=False`` field, dataclass
base, nor a method of those the class writes itself."""

from __future__ import annotations

import dataclasses
import reprlib
import types
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["builder", "made", "record"]

_T = TypeVar("_T")
_WRITTEN = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__getstate__", "__setstate__")

if TYPE_CHECKING:
    from dataclasses import dataclass as record  # to mypy: a dataclass, with the methods it writes
else:

    def record(*, frozen: bool = False, slots: bool = False) -> Callable[[type[_T]], type[_T]]:
        return lambda cls: made(cls, frozen=frozen, slots=slots)


def made(cls: type[_T], *, frozen: bool, slots: bool) -> type[_T]:
    """``dataclass(frozen=frozen, slots=slots)(cls)``, its methods made as the module's docstring says."""
    if not cls.__doc__:  # the dataclass would write one from inspect.signature, which looks __init__ up
        raise TypeError(f"{cls.__name__}: a record has a docstring")
    if any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:]) or any(n in vars(cls) for n in _WRITTEN):
        raise TypeError(f"{cls.__name__}: a record has no dataclass base and writes none of {', '.join(_WRITTEN)}")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: a record has no __post_init__")
    done = dataclasses.dataclass(init=False, repr=False, eq=False, slots=slots)(cls)
    fields = dataclasses.fields(done)  # type: ignore[arg-type]
    names = tuple(f.name for f in fields)
    if done.__match_args__ != names or "self" in names or any(not f.init or f.kw_only is True for f in fields):  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__}: a record's fields are plain fields, each a parameter of __init__")
    params = getattr(done, "__dataclass_params__")  # noqa: B009 - what the dataclass would have recorded
    params.init = params.repr = params.eq = True
    params.frozen = frozen
    methods: dict[str, Any] = {
        "__init__": _InitWhenLookedUp(done, frozen),
        "__repr__": _repr(tuple(f.name for f in fields if f.repr)),
        "__eq__": _eq(_key(tuple(f.name for f in fields if f.compare))),
        "__hash__": _hash(_key(tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash)))),
    }
    if frozen:
        methods["__setattr__"], methods["__delattr__"] = _frozen(done, names)
        if slots:  # slots pickle through setattr, which is refused
            methods["__getstate__"], methods["__setstate__"] = _pickling(done, names)
    else:
        methods["__hash__"] = None  # mutable and compared by value: unhashable, as the dataclass makes it
    for name, method in methods.items():
        if isinstance(method, types.FunctionType):
            method.__qualname__ = f"{done.__qualname__}.{name}"
        setattr(done, name, method)
    return done


def _key(names: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    """The tuple of ``names``' values, as the dataclass compares and hashes them."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda value: (one(value),)
    return lambda value: ()


def _eq(key: Callable[[object], tuple[Any, ...]]) -> Callable[[object, object], Any]:
    def __eq__(self: object, other: object) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _hash(key: Callable[[object], tuple[Any, ...]]) -> Callable[[object], int]:
    def __hash__(self: object) -> int:
        return hash(key(self))

    return __hash__


def _repr(names: tuple[str, ...]) -> Callable[[object], str]:
    def __repr__(self: object) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return reprlib.recursive_repr()(__repr__)  # a record that holds itself shows "..."


def _frozen(cls: Any, names: tuple[str, ...]) -> tuple[Callable[..., None], Callable[..., None]]:
    def __setattr__(self: object, name: str, value: object) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: object, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__


def _pickling(cls: Any, names: tuple[str, ...]) -> tuple[Callable[..., list[Any]], Callable[..., None]]:
    """A frozen slotted record's ``__getstate__``/``__setstate__``: the dataclass's list of field values, set
    back through the slots' own descriptors (past the refusing ``__setattr__``). The dataclass's own pair
    calls ``fields()`` per record, which was most of unpickling what ``--jobs`` workers send back."""
    key = _key(names)
    setters = tuple(cls.__dict__[name].__set__ for name in names)

    def __getstate__(self: object) -> list[Any]:
        return list(key(self))

    def __setstate__(self: object, state: list[Any]) -> None:
        for set_value, value in zip(setters, state, strict=False):  # paired as the dataclass pairs them
            set_value(self, value)

    return __getstate__, __setstate__


class _InitWhenLookedUp:
    """A record's ``__init__`` until it is first looked up, to make a record or by ``inspect``: then it is
    written (``_written_init``) and replaces this on the class, so that each later record is made by it."""

    __slots__ = ("cls", "frozen")

    def __init__(self, cls: type, frozen: bool) -> None:
        self.cls = cls
        self.frozen = frozen

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        init = _written_init(self.cls, self.frozen)
        setattr(self.cls, "__init__", init)  # noqa: B010 - mypy forbids assigning a method
        return init if instance is None else types.MethodType(init, instance)


_FACTORY: Any = type("_Factory", (), {"__repr__": lambda self: "<factory>", "__slots__": ()})()


def _written_init(cls: type, frozen: bool) -> Callable[..., None]:
    """The ``__init__`` the dataclass writes: the same parameters and defaults (``<factory>`` where a factory
    makes the value), each field set as it sets it; a field with slots through its slot, bound once (the
    dataclass looks ``object.__setattr__`` up for each field, which cost as much again)."""
    fields = dataclasses.fields(cls)
    slots = "__slots__" in vars(cls)
    scope: dict[str, Any] = {"_r_setattr": object.__setattr__, "_r_FACTORY": _FACTORY}
    parameters = []
    body = []
    for f in fields:
        name = f.name
        value = name
        if f.default is not dataclasses.MISSING:
            scope[f"_r_default_{name}"] = f.default
            parameters.append(f"{name}=_r_default_{name}")
        elif f.default_factory is not dataclasses.MISSING:
            scope[f"_r_factory_{name}"] = f.default_factory
            parameters.append(f"{name}=_r_FACTORY")
            value = f"_r_factory_{name}() if {name} is _r_FACTORY else {name}"
        else:
            parameters.append(name)
        if slots:
            scope[f"_r_set_{name}"] = getattr(cls, name).__set__
            body.append(f"_r_set_{name}(self, {value})")
        elif frozen:
            body.append(f"_r_setattr(self, {name!r}, {value})")
        else:
            body.append(f"self.{name} = {value}")
    lines = "".join(f"\n    {line}" for line in body or ["pass"])
    source = f"def __init__(self, {', '.join(parameters)}):{lines}\n"
    exec(source, scope)  # the source is written above from the field names alone; its globals are its scope
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**{f.name: f.type for f in fields}, "return": None}  # as the dataclass writes them
    return init


_BUILDERS: dict[type, Callable[..., Any]] = {}  # made once a class: the decoder and the loader's fold share it


def builder(cls: type[_T]) -> Callable[..., _T]:
    """A function making a ``cls`` of every field's value, in order, without ``__init__`` (a decoder's: it has
    them all). A record with slots is made as its unfrozen twin (the same slots: the same layout) and then given
    its class: each field is one store (``__init__`` calls each slot's descriptor: ~0.7K instructions a field,
    a sixth of decoding a root); one with a ``__dict__`` has each set as ``__init__`` sets it. A record with
    another base (its layout may differ) is made by ``__init__``."""
    found = _BUILDERS.get(cls)
    if found is None:
        found = _BUILDERS[cls] = _builder(cls)
    return found


def _builder(cls: type[_T]) -> Callable[..., _T]:
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    parameters = ", ".join(names)
    scope: dict[str, Any] = {"_r_new": object.__new__, "_r_setattr": object.__setattr__, "_r_cls": cls}
    if cls.__bases__ != (object,):
        body = [f"self = _r_cls({parameters})"]
    elif "__slots__" in vars(cls):
        scope["_r_twin"] = type(cls.__name__, (), {"__slots__": vars(cls)["__slots__"], "__module__": __name__})
        body = ["self = _r_new(_r_twin)", *(f"self.{name} = {name}" for name in names)]
        body.append('_r_setattr(self, "__class__", _r_cls)')
    else:
        body = ["self = _r_new(_r_cls)", *(f"_r_setattr(self, {n!r}, {n})" for n in names)]  # (a dict given
        # whole would cost the instance its compact attribute storage: 279 bytes a LoadProblem against 143)
    lines = "".join(f"\n    {line}" for line in [*body, "return self"])
    exec(f"def build({parameters}):{lines}\n", scope)  # written from the field names alone, as ``__init__`` is
    made: Callable[..., _T] = scope["build"]
    made.__qualname__ = f"{cls.__qualname__}.<build>"
    return made


def replacer(cls: type[_T], *names: str) -> Callable[..., _T]:
    """A function giving ``dataclasses.replace(value, **dict(zip(names, new)))`` for ``(value, *new)``: a ``cls``
    made of its fields by position (``builder``: thousands of records, where ``replace`` looks each field up by
    name and calls ``__init__``); a subclass's value is left to ``replace``."""
    every = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    values, at, new = attrgetter(*every), [every.index(name) for name in names], builder(cls)

    def replaced(value: _T, *changed: Any) -> _T:
        if type(value) is not cls:
            return dataclasses.replace(value, **dict(zip(names, changed, strict=True)))  # type: ignore[type-var]
        fields = list(values(value))
        for index, item in zip(at, changed, strict=True):
            fields[index] = item
        return new(*fields)

    return replaced
