"""Terraform (HCL, Terraform's JSON syntax, plan JSON) -> resources with effective tags and provenance.

The run: ``load`` finds the module directories (``directories``: parsed once, through ``cache``, by a
``backends`` parser into the ``expr`` model) and the root modules (``roots``, ``callers``; ``workers`` when
there are many), instantiates each root with what it calls (``instances``: ``variables``, ``providers``,
``expansion`` of ``for_each``/``count``, ``resources`` with their ``tags``, ``addresses`` and references),
evaluated by ``evaluate`` (``functions``, ``operators``, ``strings``, ``types``, ``values``, within a
``budget``); a ``--plan`` replaces what it knows (``plan``). Import from the defining modules: a package
``__init__`` imports nothing, so that a run imports only the loaders it uses.
"""
