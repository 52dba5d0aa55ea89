"""Suppressions: read (``parse``: ``ownlint:ignore`` comments, found by ``hcl_comments``, the lexical scan
of HCL, and ``ownlint.io/ignore`` annotations) by the loaders, and applied to findings (``apply``: with the
config's waivers, under ``--no-inline-suppressions``) by the pipeline."""
