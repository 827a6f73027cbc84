"""The rules of behavioural code analysis: coupling degree, main developer, ownership, truck factor and
code age, as code-maat and the issue define them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

DAY_MS = 86_400_000


def degree(shared: int, revisions: int, coupled_revisions: int) -> int:
    """floor(100 x shared / mean revisions of the two files), as code-maat computes it."""
    total = revisions + coupled_revisions
    if total <= 0:
        return 0
    return (200 * shared) // total


def main_developer(commits: Mapping[int, int], email_of: Mapping[int, str]) -> tuple[int, int] | None:
    """(contributor, commits) with the most commits; ties go to the contributor whose e-mail sorts first."""
    if not commits:
        return None
    best = min(commits, key=lambda c: (-commits[c], email_of.get(c, ""), c))
    return best, commits[best]


def ownership(main_commits: int, revisions: int) -> float:
    return round(main_commits / revisions, 2) if revisions else 0.0


def truck_factor(owned: Sequence[int], files: int) -> int:
    """The smallest k such that the first k authors (``owned``: files each is the main developer of,
    in the list's order) own more than half of ``files``; 0 without files."""
    total = 0
    for k, count in enumerate(owned, start=1):
        total += count
        if 2 * total > files:
            return k
    return 0 if files == 0 else len(owned)


def age_days(at: int, last_change: int) -> int:
    """Whole days from ``last_change`` to ``at`` (epoch ms)."""
    return (at - last_change) // DAY_MS
