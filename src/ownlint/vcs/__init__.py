"""git: the one place it runs (``git``), a commit's files in a private directory (``checkout``), the
findings at the merge base of ``--diff-base`` (``diff_base``), and the work tree a path is in (``tree``).

Nothing is imported here: ``tree`` is on every run's path, git and the rest only on the runs that use them.
"""
