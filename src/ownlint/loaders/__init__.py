"""Loaders turn files into resources; they never decide policy.

``discovery`` finds what a run reads (and the context it reads from), ``files`` reads one file within its
bounds, ``terraform/`` and ``kubernetes/`` make resources, ``codeowners`` maps files to owners, ``nesting``
refuses what is nested too deep to parse safely.
"""
