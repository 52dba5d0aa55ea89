"""``record``: each record behaves as the ``dataclass`` it stands for, and none compiles a method at import."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pickle
import subprocess
import sys
from typing import Any

import pytest

# the modules whose records a one-file check imports and that use ``record``
MODULES = (
    "ownlint.model",
    "ownlint.config.model",
    "ownlint.config.located",
    "ownlint.inputs",
    "ownlint.commands.check",
    "ownlint.pipeline.loading",
    "ownlint.rules.base",
    "ownlint.rules.paths",
    "ownlint.pipeline.scope",
    "ownlint.report.paths",
    "ownlint.loaders.terraform.inputs",
    "ownlint.loaders.terraform.directories",
    "ownlint.loaders.terraform.loaded",
    "ownlint.loaders.terraform.probes",
)


def _records() -> list[type]:
    found = []
    for name in MODULES:
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == name:
                found.append(value)
    return found


def test_importing_the_records_compiles_no_method() -> None:
    """``dataclass`` compiles up to six methods a class at import (~0.5M instructions each); a record none."""
    probe = (
        "import dataclasses, importlib, sys\n"
        "made = []\n"
        "create = dataclasses._create_fn\n"
        "def counted(name, *args, **kwargs):\n"
        f"    if kwargs['globals']['__name__'] in {MODULES!r}:\n"
        "        made.append(kwargs['globals']['__name__'] + '.' + name)\n"
        "    return create(name, *args, **kwargs)\n"
        "dataclasses._create_fn = counted\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(' '.join(made))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == []


def _twin(cls: type) -> Any:
    """The class ``dataclass`` itself makes from ``cls``'s fields and options."""
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    fields = []
    for f in dataclasses.fields(cls):
        options: dict[str, Any] = {"compare": f.compare, "hash": f.hash, "repr": f.repr}
        if f.default is not dataclasses.MISSING:
            options["default"] = f.default
        if f.default_factory is not dataclasses.MISSING:
            options["default_factory"] = f.default_factory
        fields.append((f.name, f.type, dataclasses.field(**options)))
    slots = "__slots__" in vars(cls)
    twin = dataclasses.make_dataclass(cls.__name__, fields, frozen=params.frozen, slots=slots)
    twin.__qualname__ = cls.__qualname__
    return twin


def _values(cls: type, salt: int) -> list[object]:
    return [(f"{f.name}-{salt}", salt) for f in dataclasses.fields(cls)]


def _attempt(action: Any) -> str:
    try:
        action()
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return "done"


@pytest.mark.parametrize("cls", _records(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_a_record_behaves_as_its_dataclass(cls: type) -> None:
    """Signature, parameters by position and keyword, defaults and factories, repr, equality, hash,
    frozenness, ``__match_args__``, the recorded parameters, pickling and ``replace``: as the dataclass."""
    twin = _twin(cls)
    assert str(inspect.signature(cls)) == str(inspect.signature(twin))
    assert cls.__match_args__ == twin.__match_args__  # type: ignore[attr-defined]
    assert repr(cls.__dataclass_params__) == repr(twin.__dataclass_params__)  # type: ignore[attr-defined]
    assert (cls.__hash__ is None) == (twin.__hash__ is None)
    names = [f.name for f in dataclasses.fields(cls)]
    required = [f.name for f in dataclasses.fields(cls) if f.default is f.default_factory is dataclasses.MISSING]
    factories = [f for f in dataclasses.fields(cls) if f.default_factory is not dataclasses.MISSING]
    for salt in range(2):
        values = _values(cls, salt)
        made = [cls(*values), cls(**dict(zip(names, values, strict=True))), cls(*values[: len(required)])]
        made_by_factory = {f.name: getattr(made[2], f.name) for f in dataclasses.fields(cls) if f in factories}
        by_twins_factory = twin(*values[: len(required)])
        assert {n: type(v) for n, v in made_by_factory.items()} == {
            n: type(getattr(by_twins_factory, n)) for n in made_by_factory
        }
        again = [  # a factory's value may differ from call to call (a clock): the record's is passed on
            twin(*values),
            twin(**dict(zip(names, values, strict=True))),
            twin(*values[: len(required)], **made_by_factory),
        ]
        for one, other in zip(made, again, strict=True):
            assert [getattr(one, n) for n in names] == [getattr(other, n) for n in names]
            assert repr(one) == repr(other)
            assert one == cls(*[getattr(one, n) for n in names])
            assert one != made[0] or other == again[0]
            assert (one == "other") is (other == "other") is False
            assert _attempt(lambda one=one: hash(one)) == _attempt(lambda other=other: hash(other))
            assert _attempt(lambda one=one: pickle.loads(pickle.dumps(one)) == one) == "done"
            assert _attempt(lambda one=one: one.__getstate__()) == _attempt(lambda other=other: other.__getstate__())
            assert dataclasses.replace(one, **{names[0]: "x"}) == cls("x", *[getattr(one, n) for n in names[1:]])
            for change in (lambda r: setattr(r, names[0], 1), lambda r: delattr(r, names[0])):
                assert _attempt(lambda change=change, values=values: change(cls(*values))) == _attempt(
                    lambda change=change, values=values: change(twin(*values))
                )
    assert _attempt(lambda: cls(*_values(cls, 0), "one too many")).startswith("TypeError")
    assert _attempt(lambda: cls(**{n: 1 for n in names}, no_such_field=1)).startswith("TypeError")


def test_a_frozen_slotted_record_pickles_without_asking_dataclasses_for_its_fields(monkeypatch: Any) -> None:
    """``--jobs`` workers send back tens of thousands of records: ``fields()`` per record was most of it."""
    from ownlint.model import Place, PlaceKind

    places = [Place("main.tf", line, "tags", PlaceKind.ATTRIBUTE, f"n{line}") for line in range(3)]
    sent = pickle.dumps(places)

    def refuse(*args: object) -> None:
        raise AssertionError("dataclasses.fields called")

    monkeypatch.setattr(dataclasses, "fields", refuse)
    assert pickle.loads(sent) == places
    assert pickle.loads(pickle.dumps(places)) == places


def test_a_record_that_holds_itself_is_shown_with_dots() -> None:
    from ownlint.model import Suppressed

    held: list[object] = []
    record = Suppressed(held, held)  # type: ignore[arg-type]
    held.append(record)
    assert repr(record) == "Suppressed(finding=[...], by=[...])"


def test_what_a_record_cannot_be_is_refused() -> None:
    from ownlint.records import made

    class Undocumented:
        x: int

    class PostInit:
        """Documented."""

        x: int

        def __post_init__(self) -> None: ...

    class OwnEq:
        """Documented."""

        x: int

        def __eq__(self, other: object) -> bool:
            return True

    class KeywordOnly:
        """Documented."""

        x: int = dataclasses.field(kw_only=True)

    for cls in (Undocumented, PostInit, OwnEq, KeywordOnly):
        with pytest.raises(TypeError):
            made(cls, frozen=True, slots=False)


def test_a_replacer_gives_what_dataclasses_replace_gives() -> None:
    from dataclasses import replace

    from ownlint.model import Place, PlaceKind, Resource, TagValue
    from ownlint.records import replacer

    place = Place("main.tf", 3, "resource", PlaceKind.RESOURCE, "tags", "aws_s3_bucket.b")
    tag = TagValue("owner", "team-a", (place,))
    resource = Resource("aws_s3_bucket.b", "aws_s3_bucket", "b", "terraform", "main.tf", 3, 5, tags=(tag,))
    lend = replacer(Resource, "tags", "opaque")
    made = lend(resource, (tag, tag), ("unknown",))
    assert made == replace(resource, tags=(tag, tag), opaque=("unknown",)) and type(made) is Resource
    assert resource.tags == (tag,) and resource.opaque == ()  # the original unchanged

    class Marked(Resource):  # a subclass (its layout may differ): left to ``replace``
        pass

    marked = Marked("aws_s3_bucket.b", "aws_s3_bucket", "b", "terraform", "main.tf", 3, 5)
    assert type(lend(marked, (tag,), ())) is Marked
