"""Code reads what a place is from its kind, never from the words of ``Place.what`` (issue 17): rewording
a provenance message must not change a hint, a rule or what ``fix`` edits."""

from __future__ import annotations

from ownlint.fixes.places import _is_written, _same
from ownlint.model import Place, PlaceKind, Resource
from ownlint.rules.base import fix_hint
from ownlint.rules.own011_ownership_drift import _from_namespace


def _resource(fix_place: Place) -> Resource:
    return Resource("aws_s3_bucket.b", "aws_s3_bucket", "b", "terraform", "main.tf", 3, 9, fix_place=fix_place)


def test_the_hint_names_the_resources_own_tags_for_provider_defaults_whatever_their_words() -> None:
    defaults = Place("providers.tf", 4, "the AWS provider's tags", PlaceKind.PROVIDER_DEFAULTS, "aws")
    assert fix_hint(_resource(defaults), "owner") == (
        "add owner to the AWS provider's tags (providers.tf:4) or to the resource's own tags"
    )


def test_an_input_named_default_something_is_not_a_providers_defaults() -> None:
    forwarded = Place(
        "main.tf", 7, "input default_tags of module.app", PlaceKind.MODULE_INPUT, "default_tags", "module.app"
    )
    assert fix_hint(_resource(forwarded), "owner") == "add owner to input default_tags of module.app (main.tf:7)"


def test_a_value_from_a_namespace_is_known_by_its_kind() -> None:
    inherited = Place("ns.yaml", 5, "owner, as the namespace says", PlaceKind.NAMESPACE_LABEL, "owner")
    own = Place("app.yaml", 5, "label owner of Namespace/x", PlaceKind.LABEL, "owner")
    assert _from_namespace((inherited,))
    assert not _from_namespace((own,))


def test_fix_tells_the_resources_own_attribute_and_a_written_tag_by_kind() -> None:
    own = Place("main.tf", 3, "tags of aws_s3_bucket.b", PlaceKind.ATTRIBUTE, "tags", "aws_s3_bucket.b")
    reworded = Place("main.tf", 5, "the bucket's tags", PlaceKind.ATTRIBUTE, "tags", "aws_s3_bucket.b")
    other = Place("main.tf", 5, "tags of aws_s3_bucket.b", PlaceKind.ATTRIBUTE, "tags", "aws_s3_bucket.c")
    assert _same(reworded, own) and not _same(other, own)
    assert _is_written(Place("main.tf", 2, "the app's tags argument", PlaceKind.MODULE_INPUT, "tags", "module.app"))
    assert not _is_written(Place("main.tf", 2, "tags of everything", PlaceKind.LOCAL, "tags"))
