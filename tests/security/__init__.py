"""A pull request is untrusted input: one module per threat (issue 15).

- ``test_git``: ``--diff-base`` and every git command; the pre-commit hooks and the action
- ``test_policy``: which config decides policy, paths from it, suppressions
- ``test_inputs``: plans found in the tree, undecodable text, nesting, what discovery drops
- ``test_evaluation``: expressions that grow without bound
- ``test_output``: repository text reaching a terminal, CI log, Markdown, CSV, XML; reports through links
- ``test_audit``: the audit store and its reports
- ``test_cache``: the parse cache
- ``test_interrupt``: Ctrl-C and internal errors
"""
