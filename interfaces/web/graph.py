"""A branch and merge graph of a page of commits (newest first), as SVG drawn on the server: each
commit a dot in its lane, a line to each parent on the page (or off its bottom edge)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

ROW = 28
LANE = 14
COLOURS = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7ea4", "#57606a")


@dataclass(frozen=True)
class Placed:
    hash: str
    lane: int
    parents: tuple[str, ...]


def place(commits: Sequence[tuple[str, Sequence[str]]]) -> list[Placed]:
    """Lanes for commits given newest first as (hash, parent hashes): a commit takes the lane that was
    waiting for it (the leftmost, when several were), its first parent continues that lane, other
    parents get free lanes."""
    lanes: list[str | None] = []
    out: list[Placed] = []
    for commit, parents in commits:
        waiting = [i for i, h in enumerate(lanes) if h == commit]
        if waiting:
            lane = waiting[0]
            for extra in waiting[1:]:
                lanes[extra] = None
        else:
            lane = lanes.index(None) if None in lanes else len(lanes)
            if lane == len(lanes):
                lanes.append(None)
        lanes[lane] = parents[0] if parents else None
        for parent in parents[1:]:
            if parent not in lanes:
                free = lanes.index(None) if None in lanes else len(lanes)
                if free == len(lanes):
                    lanes.append(parent)
                else:
                    lanes[free] = parent
        while lanes and lanes[-1] is None:
            lanes.pop()
        out.append(Placed(commit, lane, tuple(parents)))
    return out


def svg(commits: Sequence[tuple[str, Sequence[str]]], max_lanes: int = 12) -> Markup:
    placed = place(commits)
    row_of = {p.hash: i for i, p in enumerate(placed)}
    width = LANE * (min(max_lanes, max((p.lane for p in placed), default=0) + 1)) + LANE
    height = ROW * len(placed)

    def x(lane: int) -> int:
        return LANE // 2 + 4 + LANE * min(lane, max_lanes - 1)

    def y(row: int) -> int:
        return ROW * row + ROW // 2

    parts: list[str] = []
    for i, p in enumerate(placed):
        for parent in p.parents:
            j = row_of.get(parent)
            colour = COLOURS[p.lane % len(COLOURS)]
            if j is None:
                parts.append(f'<line x1="{x(p.lane)}" y1="{y(i)}" x2="{x(p.lane)}" y2="{height}" '
                             f'stroke="{colour}" stroke-width="2" stroke-dasharray="3 3"/>')
                continue
            target = placed[j].lane
            colour = COLOURS[max(p.lane, target) % len(COLOURS)]
            parts.append(f'<path d="M{x(p.lane)} {y(i)} C{x(p.lane)} {y(i) + ROW // 2} {x(target)} '
                         f'{y(j) - ROW // 2} {x(target)} {y(j)}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for i, p in enumerate(placed):
        merge = len(p.parents) > 1
        parts.append(f'<circle cx="{x(p.lane)}" cy="{y(i)}" r="{5 if merge else 4}" '
                     f'fill="{"#fff" if merge else COLOURS[p.lane % len(COLOURS)]}" '
                     f'stroke="{COLOURS[p.lane % len(COLOURS)]}" stroke-width="2"/>')
    return Markup(f'<svg class="graph" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
                  f'role="img" aria-label="branch and merge graph">{"".join(parts)}</svg>')
