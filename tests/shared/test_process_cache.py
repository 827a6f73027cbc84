"""The per-process cache of decoded rows keeps, per project, only the value of its newest key."""

from __future__ import annotations

from projections.process_cache import LatestPerProject


def test_a_new_key_replaces_the_projects_value_and_an_old_key_misses() -> None:
    cache: LatestPerProject[str] = LatestPerProject(size=2)
    cache.put(1, ("head-a", 10), "a")
    assert cache.get(1, ("head-a", 10)) == "a"
    cache.put(1, ("head-b", 11), "b")
    assert cache.get(1, ("head-a", 10)) is None
    assert cache.get(1, ("head-b", 11)) == "b"


def test_the_least_recently_used_project_is_dropped_past_the_size() -> None:
    cache: LatestPerProject[str] = LatestPerProject(size=2)
    cache.put(1, "k", "one")
    cache.put(2, "k", "two")
    assert cache.get(1, "k") == "one"  # 1 is now the most recently used
    cache.put(3, "k", "three")
    assert cache.get(2, "k") is None
    assert (cache.get(1, "k"), cache.get(3, "k")) == ("one", "three")
