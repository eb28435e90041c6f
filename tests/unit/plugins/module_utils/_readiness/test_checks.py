"""The readiness framework: the result shape, Checks, summarise() and the context's primary guard."""

import datetime

import pytest
from botocore.exceptions import ClientError
from botocore.exceptions import EndpointConnectionError

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import checks as model
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import summarise
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

KEYS = {"component", "check", "status", "passed", "reason", "evidence", "fix", "side"}


def test_result_shape_and_component_prefix():
    result = model.result("dynamodb", "replica t", "fail", "missing", {"age": 3}, "add it", side="primary")
    assert result == {
        "component": "dr_dynamodb",
        "check": "replica t",
        "status": "fail",
        "passed": False,
        "reason": "missing",
        "evidence": {"age": 3},
        "fix": "add it",
        "side": "primary",
    }
    assert model.result("dr_s3", "c", "pass", "ok")["component"] == "dr_s3"


def test_only_a_failure_carries_a_fix_and_passed_follows_status():
    assert [model.result("s3", "c", s, "r", fix="do it")["fix"] for s in model.STATUSES] == [None, "do it", None]
    assert [model.result("s3", "c", s, "r")["passed"] for s in model.STATUSES] == [True, False, False]
    assert model.result("s3", "c", "pass", "r")["evidence"] == {}


@pytest.mark.parametrize("status, side", [("passed", "dr"), ("pass", "secondary")])
def test_result_refuses_unknown_status_or_side(status, side):
    with pytest.raises(ValueError):
        model.result("s3", "c", status, "r", side=side)


def test_builder_methods_and_default_side():
    checks = Checks("rds", side="primary")
    checks.passed("a", "fine", {"n": 1})
    checks.failed("b", "broken", "repair it")
    checks.not_checked("c", "no datapoint yet", side="dr")
    checks.expect("d", True, "ok", "never shown")
    checks.expect("e", False, "bad", "shown")
    assert [set(r) for r in checks.results] == [KEYS] * 5
    assert [(r["check"], r["status"], r["side"], r["fix"]) for r in checks.results] == [
        ("a", "pass", "primary", None),
        ("b", "fail", "primary", "repair it"),
        ("c", "not_checked", "dr", None),
        ("d", "pass", "primary", None),
        ("e", "fail", "primary", "shown"),
    ]


@pytest.mark.parametrize("names", ["one", ["one"], ["one", "two", "three"]])
@pytest.mark.parametrize(
    "error, text",
    [
        (
            ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeTable"),
            "ThrottlingException: Rate exceeded",
        ),
        (ClientError({"Error": {"Code": "InternalError"}}, "DescribeTable"), "InternalError"),
        (EndpointConnectionError(endpoint_url="https://dynamodb.ap-northeast-2.amazonaws.com"), "Could not connect"),
        (
            DRError("cannot describe table t", exception=ClientError({"Error": {"Code": "Throttling"}}, "X")),
            "cannot describe table t (Throttling)",
        ),
    ],
)
def test_a_failed_read_makes_every_named_check_not_checked(names, error, text):
    checks = Checks("dynamodb")

    def fail():
        raise error

    ok, value = checks.read(names, "the DR tables in ap-northeast-1", fail, side="primary")
    assert (ok, value) == (False, None)
    expected = [names] if isinstance(names, str) else names
    assert [r["check"] for r in checks.results] == expected
    for item in checks.results:
        assert item["status"] == "not_checked" and item["side"] == "primary" and item["fix"] is None
        assert item["reason"].startswith("could not read the DR tables in ap-northeast-1: ")
        assert text in item["reason"]


def test_a_good_read_returns_its_value_and_records_nothing():
    checks = Checks("dynamodb")
    assert checks.read(["a", "b"], "x", lambda first, second=0: first + second, 1, second=2) == (True, 3)
    assert checks.results == []


def test_a_bug_is_not_hidden_as_not_checked():
    with pytest.raises(KeyError):
        Checks("s3").read("a", "x", lambda: {}["missing"])


def test_skipped_primary_is_not_checked_on_the_primary_side():
    checks = Checks("s3")
    checks.skipped_primary(["replication", "versioning"])
    assert [(r["status"], r["side"]) for r in checks.results] == [("not_checked", "primary")] * 2
    assert "primary_reachable=false" in checks.results[0]["reason"]


def results_of_every_kind():
    checks = Checks("dynamodb")
    checks.passed("ok", "fine")
    checks.not_checked("primary unknown", "primary down", side="primary")
    return checks


def test_summarise_graceful_refuses_any_not_checked():
    summary = summarise(results_of_every_kind().results, "graceful")
    assert not summary["ready"]
    assert (summary["passed"], summary["total"]) == (1, 2)
    assert [r["check"] for r in summary["blocking"]] == ["primary unknown"]
    assert summary["skipped"] == [] and summary["failed"] == []


def test_summarise_ungraceful_goes_past_primary_not_checked_and_lists_it():
    summary = summarise(results_of_every_kind().results, "ungraceful")
    assert summary["ready"]
    assert summary["blocking"] == []
    assert [r["check"] for r in summary["skipped"]] == ["primary unknown"]
    assert [r["check"] for r in summary["not_checked"]] == ["primary unknown"]


@pytest.mark.parametrize("mode", ["graceful", "ungraceful"])
def test_summarise_a_failure_or_dr_side_unknown_blocks_in_both_modes(mode):
    checks = results_of_every_kind()
    checks.not_checked("dr unknown", "throttled")
    checks.failed("broken", "bad", "fix it", side="primary")
    summary = summarise(checks.results, mode)
    assert not summary["ready"]
    assert {r["check"] for r in summary["blocking"]} >= {"dr unknown", "broken"}
    assert [r["check"] for r in summary["failed"]] == ["broken"]


def test_summarise_all_passed_is_ready():
    checks = Checks("s3")
    checks.passed("a", "fine")
    assert summarise(checks.results)["ready"] and summarise([])["ready"]


def context(reachable):
    calls = []
    spec = {
        "name": "s3",
        "region": "ap-northeast-1",
        "primary_region": "ap-northeast-2",
        "primary_reachable": reachable,
        "options": {"buckets": ["b"]},
    }
    return ReadinessContext(lambda service, region: calls.append((service, region)) or "client", spec), calls


def test_context_clients_and_options():
    ctx, calls = context(True)
    assert ctx.client("s3") == "client" and ctx.client("s3", "us-east-1") == "client"
    assert ctx.primary_client("s3") == "client"
    assert calls == [("s3", "ap-northeast-1"), ("s3", "us-east-1"), ("s3", "ap-northeast-2")]
    assert (ctx.region, ctx.primary_region, ctx.options) == ("ap-northeast-1", "ap-northeast-2", {"buckets": ["b"]})


def test_context_refuses_the_primary_when_not_reachable():
    ctx, calls = context(False)
    with pytest.raises(RuntimeError, match="primary_reachable is false"):
        ctx.primary_client("s3")
    assert calls == []
    assert ctx.primary_reachable is False


def test_context_defaults_and_clock():
    ctx = ReadinessContext(lambda s, r: None, {"name": "iam", "region": "r"})
    assert ctx.primary_reachable and ctx.options == {} and ctx.now().tzinfo is not None
    fixed = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
    assert ReadinessContext(lambda s, r: None, {"name": "iam", "region": "r"}, now=lambda: fixed).now() == fixed
