"""Patch coverage of a commit and of a branch (``/commits/{hash}/coverage``, ``/branches/{name}/coverage``)
for hand-written JaCoCo and LCOV reports published through Projektor: report paths matched to the
commit's files by the longest unique suffix (ambiguous and unknown ones listed as unmatched), patch
lines compared with ``git diff -U0``."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.quality.patch_helpers import expected, git_patch_lines
from tests.support.api import Api
from tests.support.gitrepo import GitRepo
from tests.testing.reports import grouped_body, publish, published_id

CALC_A = "package com.acme;\nclass Calc {\n  int add(int a, int b) {\n    return a + b;\n  }\n}\n"
CALC_B = ("package com.acme;\nclass Calc {\n  int add(int a, int b) {\n    return a + b;\n  }\n"
          "  int sub(int a, int b) {\n    return a - b;\n  }\n  int mul(int a, int b) {\n    return a * b;\n  }\n}\n")
UTIL_A = "export function a(x) {\n  return x + 1;\n}\n"
UTIL_B = UTIL_A + "export function b(x) {\n  if (x) { return 1; }\n  return 2;\n}\n"
CALC = "src/main/java/com/acme/Calc.java"
UTIL = "web/src/util.js"
JACOCO_HITS = {2: 3, 4: 4, 7: 0, 10: 4}
LCOV_HITS = {1: 1, 2: 1, 4: 2, 5: 2, 6: 0}


def jacoco(hits: dict[int, int]) -> bytes:
    lines = "".join(f'<line nr="{n}" mi="{0 if c else 4}" ci="{c}" mb="0" cb="0"/>' for n, c in hits.items())
    covered = sum(1 for c in hits.values() if c)
    return (f'<?xml version="1.0"?><report name="shop"><package name="com/acme"><sourcefile name="Calc.java">'
            f'{lines}<counter type="LINE" missed="{len(hits) - covered}" covered="{covered}"/></sourcefile>'
            f'</package></report>').encode()


def lcov(hits: dict[int, int]) -> bytes:
    da = "".join(f"DA:{n},{c}\n" for n, c in hits.items())
    covered = sum(1 for c in hits.values() if c)
    return (f"TN:\nSF:/home/ci/build/{UTIL}\n{da}LF:{len(hits)}\nLH:{covered}\nend_of_record\n"
            "SF:/home/ci/build/util.js\nDA:1,1\nLF:1\nLH:1\nend_of_record\n"
            "SF:/home/ci/build/gone/nothere.js\nDA:1,0\nLF:1\nLH:0\nend_of_record\n").encode()


@pytest.fixture
def repo(repos: Path) -> GitRepo:
    repo = GitRepo(repos / "shop")
    repo.commit("Initial", {CALC: CALC_A, UTIL: UTIL_A, "lib/util.js": "export const c = 1;\n"})
    repo.checkout("feature", create=True)
    repo.commit("More maths", {CALC: CALC_B})
    repo.commit("More utils", {UTIL: UTIL_B})
    repo.checkout("main")
    return repo



def test_patch_coverage_of_jacoco_and_lcov_reports(client: FlaskClient, api: Api, repo: GitRepo) -> None:
    owner = api.register("owner")
    project_id = api.create_project(owner, name="shop", vcs_url=str(repo.path))
    api.wait_for_import(owner, project_id)
    token = api.api_token(owner)
    maths, utils = repo.head("feature~1"), repo.head("feature")
    url = f"/api/projects/{project_id}/commits/{{}}/coverage"

    # no run with coverage for the commit yet
    assert client.get(url.format(maths), headers=owner.headers).status_code == 204
    # one run per commit, each with both reports (the second run of the first commit is the newest)
    published_id(publish(client, token, grouped_body(coverage=[jacoco({2: 0, 4: 0})], sha=maths)))
    first = published_id(publish(client, token, grouped_body(coverage=[jacoco(JACOCO_HITS), lcov(LCOV_HITS)],
                                                             sha=maths)))
    second = published_id(publish(client, token, grouped_body(coverage=[jacoco(JACOCO_HITS), lcov(LCOV_HITS)],
                                                              sha=utils)))

    r = client.get(url.format(maths[:10]), headers=owner.headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    want = expected(git_patch_lines(repo.path, maths), {CALC: JACOCO_HITS, UTIL: LCOV_HITS})
    assert want[CALC] == (1, 1, [7]) and want[UTIL] == (0, 0, [])
    assert body["run"]["publicId"] == first and isinstance(body["run"]["id"], int)
    # overall: the run's coverage (3 + 4 + 1 covered of 4 + 5 + 1 + 1 lines)
    assert body["overall"] == {"covered": 8, "missed": 3, "percentage": 72.73}
    assert body["patch"] == {"covered": 1, "missed": 1, "percentage": 50.0}
    files = {f["path"]: f for f in body["files"]}
    assert set(files) == {CALC, UTIL}
    assert (files[CALC]["patchCovered"], files[CALC]["patchMissed"], files[CALC]["missedPatchLines"]) == want[CALC]
    assert (files[CALC]["covered"], files[CALC]["missed"]) == (3, 1)
    assert (files[UTIL]["patchCovered"], files[UTIL]["patchMissed"]) == (0, 0)
    # util.js matches web/src/util.js and lib/util.js equally: left out; nothere.js matches nothing
    assert body["unmatched"] == ["/home/ci/build/gone/nothere.js", "/home/ci/build/util.js"]

    body = client.get(url.format(utils), headers=owner.headers).get_json()
    want = expected(git_patch_lines(repo.path, utils), {CALC: JACOCO_HITS, UTIL: LCOV_HITS})
    assert want[UTIL] == (2, 1, [6])
    files = {f["path"]: f for f in body["files"]}
    assert (files[UTIL]["patchCovered"], files[UTIL]["patchMissed"], files[UTIL]["missedPatchLines"]) == want[UTIL]
    assert body["patch"] == {"covered": 2, "missed": 1, "percentage": 66.67}
    assert files[CALC]["patchCovered"] == files[CALC]["patchMissed"] == 0

    # the branch: both commits of feature that main does not have, summed
    r = client.get(f"/api/projects/{project_id}/branches/feature/coverage?base=main", headers=owner.headers)
    assert r.status_code == 200, r.get_json()
    branch = r.get_json()
    assert (branch["base"], branch["head"], branch["commits"]) == ("main", "feature", 2)
    assert [run["publicId"] for run in branch["runs"]] == [second, first]
    assert branch["patch"] == {"covered": 3, "missed": 2, "percentage": 60.0}
    files = {f["path"]: f for f in branch["files"]}
    assert (files[CALC]["patchMissed"], files[CALC]["missedPatchLines"]) == (1, [7])
    assert (files[UTIL]["patchMissed"], files[UTIL]["missedPatchLines"]) == (1, [6])
    # main has nothing main lacks: no coverage in the range
    assert client.get(f"/api/projects/{project_id}/branches/main/coverage?base=feature",
                      headers=owner.headers).status_code == 204
    assert client.get(f"/api/projects/{project_id}/branches/nope/coverage?base=main",
                      headers=owner.headers).status_code == 404
    # a stranger sees nothing
    stranger = api.register("stranger")
    assert client.get(url.format(maths), headers=stranger.headers).status_code == 403
