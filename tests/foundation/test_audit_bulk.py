"""The audit trail shows bulk facts (a batch of imported commits, an upload's cases) by their size."""

from __future__ import annotations

from types import SimpleNamespace

from projections.audit.events import MAX_ITEMS, MAX_TEXT, redacted_payload


def test_bulk_facts_are_summarised_and_small_ones_kept() -> None:
    event = SimpleNamespace(
        originator_id="x", actor="alice", seq=3, name="batch", commits="[" + "1," * MAX_TEXT + "1]",
        hashes=[f"h{i}" for i in range(MAX_ITEMS + 1)], few=["a", "b"], token_hash="abc",
    )
    payload = redacted_payload(event)
    assert payload["commits"] == {"omitted": "bulk text, kept in the event store", "characters": 2 * MAX_TEXT + 3}
    assert payload["hashes"] == {"omitted": "bulk items, kept in the event store", "items": MAX_ITEMS + 1}
    assert payload["few"] == ["a", "b"] and payload["seq"] == 3 and payload["name"] == "batch"
    assert payload["token_hash"] == "***" and "originator_id" not in payload
