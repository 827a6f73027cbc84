"""Pure rules: delivery backoff and giving up after the retry window, forge signatures of push
webhooks, quality-gate operators and the verdict's precedence, report-path matching."""

from __future__ import annotations

import hashlib
import hmac
from uuid import uuid4

from domain.history.push_hooks import verify
from domain.notifications.webhooks import Delivery, backoff_seconds, sign
from domain.quality.gate import Condition, Figure, verdict
from domain.testing.patch import PathMatcher


def test_backoff_doubles_and_a_delivery_gives_up_after_the_window() -> None:
    assert [backoff_seconds(n, 10) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert backoff_seconds(40, 10) == 7200  # at most two hours between tries
    delivery = Delivery(webhook_uuid=uuid4(), webhook_id=1, project_id=1, kind="ping", fact_key="k", payload={},
                        actor="system")
    created, now, day = 1000.0, 1000.0, 26 * 3600.0
    tries = 0
    while not delivery.done:
        delivery.record(500, "HTTP 500", 1.0, now, created, 10.0, day)
        tries += 1
        if delivery.next_at is not None:
            now = delivery.next_at
    assert now - created > 24 * 3600  # retried for more than a day
    assert tries == delivery.attempts and 15 < tries < 40
    ok = Delivery(webhook_uuid=uuid4(), webhook_id=1, project_id=1, kind="ping", fact_key="k", payload={},
                  actor="system")
    ok.record(204, None, 1.0, 0.0, 0.0, 10.0, day)
    assert ok.done and ok.next_at is None


def test_forge_signatures() -> None:
    body, secret = b'{"ref": "refs/heads/main"}', "s3cret"
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert sign(secret, body) == f"sha256={digest}"
    github = {"X-GitHub-Event": "push", "X-GitHub-Delivery": "d1", "X-Hub-Signature-256": f"sha256={digest}"}
    push = verify(github, body, secret)
    assert push is not None and (push.forge, push.event, push.delivery_id) == ("github", "push", "d1")
    assert verify(github, body + b" ", secret) is None
    assert verify(github, body, None) is None
    assert verify({**github, "X-Hub-Signature-256": "sha1=" + digest}, body, secret) is None
    gitea = verify({"X-Gitea-Signature": digest, "X-Gitea-Delivery": "d2"}, body, secret)
    assert gitea is not None and gitea.forge == "gitea"
    assert verify({"X-Gitlab-Token": secret, "X-Gitlab-Event": "Push Hook"}, body, secret) is not None
    assert verify({"X-Gitlab-Token": secret + "x", "X-Gitlab-Event": "Push Hook"}, body, secret) is None
    assert verify({}, body, secret) is None


def test_operators_and_verdict_precedence() -> None:
    conditions = [Condition("m", "LT", 5), Condition("m", "GT", 5), Condition("m", "EQ", 5), Condition("m", "NE", 5)]
    statuses = [r["status"] for r in verdict(conditions, {"m": Figure(5.0)})["conditions"]]
    assert statuses == ["PASSED", "PASSED", "FAILED", "PASSED"]
    statuses = [r["status"] for r in verdict(conditions, {"m": Figure(4.0)})["conditions"]]
    assert statuses == ["FAILED", "PASSED", "PASSED", "FAILED"]
    two = [Condition("a", "GT", 0), Condition("b", "GT", 0)]
    assert verdict(two, {"a": Figure(1.0), "b": Figure(None, pending=True)})["status"] == "PENDING"
    assert verdict(two, {"a": Figure(1.0), "b": Figure(0.0)})["status"] == "FAILED"
    assert verdict(two, {"a": Figure(0.0), "b": Figure(None)})["status"] == "PASSED"  # nothing to measure


def test_report_paths_match_the_longest_unique_suffix() -> None:
    matcher = PathMatcher(["src/main/java/com/acme/Calc.java", "web/src/util.js", "lib/util.js", "go/pkg/a.go"])
    assert matcher.match("com/acme/Calc.java") == "src/main/java/com/acme/Calc.java"
    assert matcher.match("C:\\build\\web\\src\\util.js") == "web/src/util.js"
    assert matcher.match("/ci/util.js") is None  # ambiguous
    assert matcher.match("util.js", ["/ci/checkout/lib"]) == "lib/util.js"
    assert matcher.match("github.com/acme/repo/go/pkg/a.go") == "go/pkg/a.go"
    assert matcher.match("other/Nope.java") is None
