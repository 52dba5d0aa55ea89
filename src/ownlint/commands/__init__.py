"""One module per command: each a function from a frozen options value to a result value, shared by the
command line and the tests. No click and no printing here: ``cli`` parses options into the options value,
prints the result and turns it into an exit code."""
