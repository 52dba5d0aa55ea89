"""Resource-type globs match exactly what fnmatchcase matches."""

from fnmatch import fnmatchcase

from hypothesis import given
from hypothesis import strategies as st

from ownlint.config.globs import matches_type

ALPHABET = "ab_:*?[]!"
PATTERNS = st.lists(st.text(ALPHABET, max_size=6), max_size=4).map(tuple)


@given(PATTERNS, st.text("ab_:*?[]", max_size=6))
def test_matches_like_fnmatchcase(patterns: tuple[str, ...], name: str) -> None:
    assert matches_type(name, patterns) == any(fnmatchcase(name, p) for p in patterns)


def test_the_preset_kinds_of_pattern() -> None:
    patterns = ("aws_iam_*", "google_*_iam_*", "k8s:Secret", "aws_s3_bucket?")
    assert matches_type("aws_iam_role", patterns)
    assert matches_type("google_project_iam_member", patterns)
    assert matches_type("k8s:Secret", patterns)
    assert not matches_type("k8s:SecretStore", patterns)
    assert matches_type("aws_s3_buckets", patterns)
    assert not matches_type("aws_s3_bucket", patterns)
    assert not matches_type("AWS_IAM_ROLE", patterns)
