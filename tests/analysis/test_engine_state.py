"""The pure parts of the analysis: lanes, carried-forward file states, totals, lane planning, batch
records, the metric tree and the delta tree (values worked out by hand)."""

from __future__ import annotations

import pytest

from domain.analysis.jobs import JobStatus, ProjectAnalysis
from domain.analysis.records import (
    BatchRecord,
    CommitRecord,
    FileRecord,
    FindingRecord,
    KeyRecord,
    LaneRecord,
    MeasurementRecord,
    decode_batch,
    encode_batch,
)
from domain.analysis.renames import exact_renames
from domain.analysis.state import (
    FileIndex,
    FileState,
    Lanes,
    apply_change,
    changed_totals,
    overlay,
    plan_lanes,
    segments_of,
    totals_of,
)
from domain.shared.errors import Conflict, Unprocessable
from interfaces.http.analysis.trees import delta_tree, metric_list, metric_tree, metric_tree_json

LOC, SLOC = "coderadar:size:loc:java", "coderadar:size:sloc:java"


def state(blob: str, loc: int, sloc: int = 0) -> FileState:
    return FileState(blob, "1", {LOC: loc, SLOC: sloc})


# --- lanes and file states ----------------------------------------------------------------------------
def test_segments_follow_forks_down_to_the_root_lane() -> None:
    lanes = Lanes()
    main = lanes.add(None, None)
    for seq in range(5):
        lanes.record(main.id, seq)
    feature = lanes.add(main.id, 2)
    lanes.record(feature.id, 0)
    nested = lanes.add(feature.id, 0)
    assert lanes.segments(main.id, 4) == [(0, 4)]
    assert lanes.segments(feature.id, 1) == [(1, 1), (0, 2)]
    assert lanes.segments(nested.id, 3) == [(2, 3), (1, 0), (0, 2)]
    assert segments_of({0: (None, None), 1: (0, 2), 2: (1, 0)}, 2, 3) == [(2, 3), (1, 0), (0, 2)]
    assert lanes.get(main.id).tip == 4
    with pytest.raises(ValueError):
        segments_of({0: (1, 0), 1: (0, 0)}, 0, 0)


def test_a_file_state_is_the_newest_along_the_segments_and_tombstones_hide_it() -> None:
    lanes, index = Lanes(), FileIndex()
    lanes.add(None, None)
    index.add(0, 0, "A.java", state("a1", 10))
    index.add(0, 0, "B.java", state("b1", 5))
    index.add(0, 3, "A.java", state("a2", 12))
    index.add(0, 5, "B.java", None)  # deleted on the main lane at seq 5
    lanes.add(0, 1)  # a branch from seq 1
    index.add(1, 0, "B.java", None)  # the branch deletes B at once
    index.add(1, 2, "C.java", state("c1", 7))
    at = index.lookup
    assert at([(0, 0)], "A.java") == state("a1", 10)
    assert at([(0, 2)], "A.java") == state("a1", 10)
    assert at([(0, 4)], "A.java") == state("a2", 12)
    assert at([(0, 4)], "B.java") == state("b1", 5)
    assert at([(0, 5)], "B.java") is None
    # On the branch: A from the main lane as of seq 1 (not a2), B gone, C from seq 2 on.
    branch = lanes.segments(1, 2)
    assert at(branch, "A.java") == state("a1", 10)
    assert at(branch, "B.java") is None
    assert at(lanes.segments(1, 1), "C.java") is None
    assert index.alive(branch) == {"A.java": state("a1", 10), "C.java": state("c1", 7)}
    assert index.alive([(0, 4)]) == {"A.java": state("a2", 12), "B.java": state("b1", 5)}
    assert index.alive([(0, 6)]) == {"A.java": state("a2", 12)}
    with pytest.raises(ValueError):
        index.add(0, 3, "A.java", state("a3", 1))  # not after the newest state of that lane
    assert overlay([{"x": state("1", 1)}, {"x": None, "y": state("2", 2)}]) == {"y": state("2", 2)}


def test_totals_replace_old_values_and_report_only_what_changed() -> None:
    totals = totals_of([state("a", 10, 8), state("b", 5, 4)])
    assert totals == {LOC: 15, SLOC: 12}
    after = dict(totals)
    apply_change(after, {LOC: 10, SLOC: 8}, {LOC: 3})  # the analyzer no longer reports sloc: 0
    assert after == {LOC: 8, SLOC: 4}
    assert changed_totals(totals, after) == {LOC: 8, SLOC: 4}
    assert changed_totals({LOC: 1, SLOC: 2}, {LOC: 1}) == {SLOC: 0}
    assert changed_totals({LOC: 1}, {LOC: 1, SLOC: 0}) == {}


def test_lane_planning_keeps_each_branch_on_one_lane() -> None:
    # main: m1 m2 m3 m4 (merge of f2) m5; feature f1 f2 from m2; topic t1 from f1.
    first_parent = {"m1": None, "m2": "m1", "f1": "m2", "m3": "m2", "t1": "f1", "f2": "f1", "m4": "m3", "m5": "m4"}
    todo = ["m1", "m2", "f1", "m3", "t1", "f2", "m4", "m5"]
    continues = plan_lanes(todo, first_parent, ["m5"], {})
    # main's whole first-parent line continues; f1 (its parent m2 is taken) and t1 (f1 is taken by f2) fork.
    assert continues == {"m2", "m3", "m4", "m5", "f2"}
    # Without heads, the newest commits are walked first: m5's line still wins m2 over f1.
    assert plan_lanes(todo, first_parent, [], {}) == {"m2", "m3", "m4", "m5", "f2"}
    # New commits on an analysed lane's tip continue it; on an analysed commit that is not a tip they fork.
    assert plan_lanes(["n1", "n2"], {"n1": "old", "n2": "n1"}, ["n2"], {"old": True}) == {"n1", "n2"}
    assert plan_lanes(["n1", "n2"], {"n1": "old", "n2": "n1"}, ["n2"], {"old": False}) == {"n2"}


# --- records ------------------------------------------------------------------------------------------
def test_batch_records_survive_their_packed_form() -> None:
    record = BatchRecord(
        keys=[KeyRecord(1, "loc@1:java", "loc")],
        lanes=[LaneRecord(0, None, None), LaneRecord(1, 0, 3)],
        measurements=[MeasurementRecord(1, "ab" * 20, {LOC: 3}, [FindingRecord(LOC, 1, 2, None, None, "x")], None),
                      MeasurementRecord(1, "cd" * 20, {}, [], "ValueError: bad")],
        commits=[CommitRecord("ef" * 20, 0, 1, 0, None, 1_600_000_000_000,
                              [FileRecord("ä/B.java", "ab" * 20, "1", {LOC: 3}, None),
                               FileRecord("x", None, "", None, 2)],
                              {LOC: 3})],
    )
    assert decode_batch(encode_batch(record)) == record


# --- the job aggregate ----------------------------------------------------------------------------
def test_a_job_is_claimed_leased_taken_over_and_refused_twice() -> None:
    from uuid import uuid4

    analysis = ProjectAnalysis(project_id=uuid4(), project_num=7, actor="user:1")
    assert analysis.start([], [["**", "INCLUDE"]], [["loc", {}]], automatic=False, actor="user:1") == 1
    with pytest.raises(Unprocessable):
        analysis.start([], [], [], automatic=False, actor="user:1")
    analysis.claim("w1", now=100.0, lease_seconds=10, actor="system")
    with pytest.raises(Conflict):
        analysis.claim("w2", now=105.0, lease_seconds=10, actor="system")
    analysis.claim("w2", now=111.0, lease_seconds=10, actor="system")  # w1's lease ran out
    with pytest.raises(Conflict):
        analysis.record_batch("[]", 1, 0, 0, "w1", 112.0, 10, actor="system")
    batch = analysis.record_batch("[[],[],[],[]]", 3, 2, 0, "w2", 112.0, 10, actor="system")
    assert (batch.seq, analysis.commits, analysis.lease_until) == (1, 3, 122.0)
    analysis.finish("w2", actor="system")
    assert analysis.status is JobStatus.DONE and analysis.auto
    analysis.reset(actor="user:1")
    assert (analysis.generation, analysis.commits, analysis.auto, analysis.status) == (1, 0, False, JobStatus.NONE)


# --- trees --------------------------------------------------------------------------------------------
def test_metric_lists_are_in_reverse_request_order_without_zeros() -> None:
    values = {LOC: 18, SLOC: 15, "cloc": 0, "eloc": 8}
    assert metric_list(values, [LOC, SLOC, "cloc", "eloc"]) == [
        {"metricName": "eloc", "value": 8}, {"metricName": SLOC, "value": 15}, {"metricName": LOC, "value": 18}]


def test_the_metric_tree_sums_files_into_nested_modules() -> None:
    files = {
        "Main.java": {LOC: 10, SLOC: 8},
        "core/A.java": {LOC: 5, SLOC: 0},
        "core/util/B.java": {LOC: 3, SLOC: 2},
        "core/util/deep/C.java": {LOC: 1, SLOC: 1},
        "web/index.js": {"js": 4},  # no requested metric: not shown
    }
    tree = metric_tree(files, ["core", "core/util/", "empty/"], [LOC, SLOC])
    assert tree == {
        "name": "root", "type": "MODULE",
        "metrics": [{"metricName": SLOC, "value": 11}, {"metricName": LOC, "value": 19}],
        "children": [
            {"name": "Main.java", "type": "FILE",
             "metrics": [{"metricName": SLOC, "value": 8}, {"metricName": LOC, "value": 10}], "children": []},
            {"name": "core/", "type": "MODULE",
             "metrics": [{"metricName": SLOC, "value": 3}, {"metricName": LOC, "value": 9}],
             "children": [
                 {"name": "core/A.java", "type": "FILE", "metrics": [{"metricName": LOC, "value": 5}], "children": []},
                 {"name": "core/util/", "type": "MODULE",
                  "metrics": [{"metricName": SLOC, "value": 3}, {"metricName": LOC, "value": 4}],
                  "children": [
                      {"name": "core/util/B.java", "type": "FILE",
                       "metrics": [{"metricName": SLOC, "value": 2}, {"metricName": LOC, "value": 3}], "children": []},
                      {"name": "core/util/deep/C.java", "type": "FILE",
                       "metrics": [{"metricName": SLOC, "value": 1}, {"metricName": LOC, "value": 1}], "children": []},
                  ]},
             ]},
            {"name": "empty/", "type": "MODULE", "metrics": [], "children": []},
        ],
    }


def test_the_tree_written_as_json_is_the_tree() -> None:
    import json

    files = {
        "Main.java": {LOC: 10, SLOC: 8, "x": 0},
        "core/A.java": {SLOC: 0, LOC: 5},
        "core/util/B.java": {LOC: 3, SLOC: 2, "other": 4},
        "ä/\udcff/C.java": {LOC: 1},  # not UTF-8 in git: stays valid JSON
        "web/index.js": {"js": 4},
    }
    for modules in ([], ["core", "core/util/", "empty/"], ["ä/"]):
        for metrics in ([LOC, SLOC], [SLOC], ["js", LOC, "other"], []):
            text = metric_tree_json(files, modules, metrics)
            assert json.loads(text) == metric_tree(files, modules, metrics), (modules, metrics)
            text.encode("ascii")


def test_the_delta_tree_marks_added_deleted_modified_renamed_and_unchanged_files() -> None:
    old = {"Keep.java": {LOC: 1}, "Mod.java": {LOC: 2}, "Gone.java": {LOC: 3}, "m/Old.java": {LOC: 4}}
    new = {"Keep.java": {LOC: 1}, "Mod.java": {LOC: 5}, "New.java": {LOC: 6}, "m/Renamed.java": {LOC: 4}}
    tree = delta_tree(old, new, ["m/"], [LOC], renames={"m/Renamed.java": "m/Old.java"})
    nodes = {c["name"]: c for c in tree["children"]}
    module = nodes.pop("m/")
    nodes.update({c["name"]: c for c in module["children"]})
    assert tree["commit1Metrics"] == [{"metricName": LOC, "value": 10}]
    assert tree["commit2Metrics"] == [{"metricName": LOC, "value": 16}]
    assert (tree["changes"], tree["renamedFrom"], tree["renamedTo"]) == (None, None, None)

    def changes(name: str) -> list[str]:
        return [k for k, v in nodes[name]["changes"].items() if v]

    assert changes("Keep.java") == [] and changes("Mod.java") == ["modified"]
    assert changes("Gone.java") == ["deleted"] and nodes["Gone.java"]["commit2Metrics"] is None
    assert changes("New.java") == ["added"] and nodes["New.java"]["commit1Metrics"] is None
    assert changes("m/Old.java") == ["renamed"] and nodes["m/Old.java"]["renamedTo"] == "m/Renamed.java"
    assert changes("m/Renamed.java") == ["renamed"] and nodes["m/Renamed.java"]["renamedFrom"] == "m/Old.java"
    assert list(nodes["Keep.java"]) == ["name", "type", "commit1Metrics", "commit2Metrics", "renamedFrom",
                                        "renamedTo", "changes", "children"]


def test_exact_renames_prefer_the_same_file_name() -> None:
    deleted = {"a/X.java": "b1", "b/Y.java": "b1", "c/Z.java": "b2"}
    added = {"n/Y.java": "b1", "n/Q.java": "b1", "n/Z.java": "b3"}
    assert exact_renames(deleted, added) == {"n/Y.java": "b/Y.java", "n/Q.java": "a/X.java"}


def test_a_job_read_back_from_a_snapshot_is_still_running_and_can_be_claimed() -> None:
    """Snapshots give the status back as plain text: every check must still see a running job."""
    from uuid import uuid4

    from application.analysis.service import AnalysisApplication
    from domain.analysis.records import BatchRecord

    app = AnalysisApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    project = uuid4()
    app.start(project, 3, [], [["**", "INCLUDE"]], [["io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin", {}]],
              actor="user:1")
    analysis = app.claim(project, "w1", 100.0, 10, actor="system")
    for _ in range(60):  # past the snapshot interval (50)
        app.record_batch(analysis, BatchRecord([], [], [], []), 0, 0, 0, "w1", 100.0, 10, actor="system")
    assert app.snapshots is not None and list(app.snapshots.get(analysis.id))
    again = app.analysis(project)
    assert again is not None and again.running and again.held_by("w1") and again.state is JobStatus.RUNNING
    taken = app.claim(project, "w2", 200.0, 10, actor="system")  # the lease ran out
    assert taken.held_by("w2") and taken.seq == 60
    assert app.stop(project, actor="user:1") is True
    stopped = app.analysis(project)
    assert stopped is not None and not stopped.running and stopped.state is JobStatus.STOPPED
