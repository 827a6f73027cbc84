"""Read model of the history context (see queries.py for the tables)."""
