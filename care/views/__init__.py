"""The care team's pages, one module per part: the caseload, a client's record, and the actions
taken from it."""
