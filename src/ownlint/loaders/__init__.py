"""Loaders turn files into resources; they never decide policy.

``discovery`` finds what a run reads, ``contexts`` what it reads from the rest of the repository (walked once
by ``listing``), ``charts`` tells Helm charts' files, ``files`` reads one file within its bounds, ``terraform/`` and
``kubernetes/`` make resources, ``codeowners`` maps files to owners, ``nesting`` refuses what is nested too
deep to parse safely.
"""
