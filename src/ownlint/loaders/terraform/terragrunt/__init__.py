"""Terragrunt: ``terragrunt.hcl`` units read (``config``: includes, locals, dependencies, terragrunt's
functions inside the repository, ``paths``), merged (``merge``) and instantiated like module calls
(``units``); ``load`` is the run. Nothing is executed; remote modules are followed only from a
``.terragrunt-cache`` inside the tree."""
