"""The care team's hand-written reads (decision 0007's method): the caseload's
(`care/queries/caseload.py`) and the record's (`care/queries/record.py`), each statement with an
ORM twin in tests/care/test_queries.py and tests/care/test_record_queries.py."""
