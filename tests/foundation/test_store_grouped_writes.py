"""Grouped writes of the read store (issue 17): on PostgreSQL a group of plain INSERTs goes as one COPY.
The rows stored, the constraints checked and the rollback on a failure are those of the INSERTs."""

from __future__ import annotations

import pytest

from interfaces.container import Container
from projections.store import COPY_MIN_ROWS

ODD_TEXTS = ["plain", "tab\there", "new\nline", "back\\slash", "quote ' and \"", "unicode é ✓", "", "\\N"]


def _rows(n: int) -> list[tuple[object, ...]]:
    return [(i, ODD_TEXTS[i % len(ODD_TEXTS)], None if i % 3 == 0 else i * 0.5, i % 2 == 0, 2**62 + i)
            for i in range(n)]


def _create(container: Container) -> None:
    with container.store.transaction() as tx:
        tx.execute("CREATE TABLE grouped_probe (id BIGINT PRIMARY KEY, label TEXT NOT NULL, "
                   "ratio DOUBLE PRECISION, flag BOOLEAN NOT NULL, big BIGINT NOT NULL)")


@pytest.mark.parametrize("count", [COPY_MIN_ROWS - 1, COPY_MIN_ROWS * 25])
def test_a_group_of_inserts_stores_every_value_as_given(container: Container, count: int) -> None:
    _create(container)
    rows = _rows(count)
    with container.store.transaction() as tx:
        for row in rows:
            tx.write("INSERT INTO grouped_probe (id, label, ratio, flag, big) VALUES (%s, %s, %s, %s, %s)", row)
    stored = container.store.fetchall("SELECT id, label, ratio, flag, big FROM grouped_probe ORDER BY id")
    assert [(r["id"], r["label"], r["ratio"], bool(r["flag"]), r["big"]) for r in stored] == rows


def test_a_duplicate_in_a_group_fails_the_whole_transaction(container: Container) -> None:
    _create(container)
    with container.store.transaction() as tx:
        tx.execute("INSERT INTO grouped_probe (id, label, ratio, flag, big) VALUES (%s, %s, %s, %s, %s)",
                   (7, "first", None, True, 1))
    rows = _rows(COPY_MIN_ROWS * 5)  # holds id 7 again
    with pytest.raises(Exception), container.store.transaction() as tx:  # noqa: B017 (each backend its own)
        for row in rows:
            tx.write("INSERT INTO grouped_probe (id, label, ratio, flag, big) VALUES (%s, %s, %s, %s, %s)", row)
    assert container.store.fetchall("SELECT id, label FROM grouped_probe") == [{"id": 7, "label": "first"}]


def test_inserts_with_a_conflict_clause_keep_their_meaning(container: Container) -> None:
    _create(container)
    rows = _rows(COPY_MIN_ROWS * 3)
    with container.store.transaction() as tx:
        for row in [*rows, *rows]:  # the second copy of each row is ignored, not an error
            tx.write("INSERT INTO grouped_probe (id, label, ratio, flag, big) VALUES (%s, %s, %s, %s, %s) "
                     "ON CONFLICT (id) DO NOTHING", row)
    assert container.store.scalar("SELECT COUNT(*) AS n FROM grouped_probe") == len(rows)
