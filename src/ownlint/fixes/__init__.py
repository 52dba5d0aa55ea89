"""What ``ownlint fix`` writes and how: ``values`` (the rules and values asked for), ``targets`` (the facts
each finding's resource lacks, with evidence), ``places`` (where a key may go, the widest first, by
``PlaceKind``), ``hcl``/``yaml``/``text``/``fmt`` (the edits as an engineer would write them), ``workspace``
(a private copy where each round is made) and ``verify`` (an edit changed nothing but what it was for).
The rounds themselves are run by ``commands.fix``."""
