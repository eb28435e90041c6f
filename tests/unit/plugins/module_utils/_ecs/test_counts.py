"""Desired counts of the ECS pilot light (plugins/module_utils/_ecs: counts, and the service calls)."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import counts
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import services

TG = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/fileflow-dr-tg/1"


def service(desired=0, tag=None, name="fileflow-dr-service", running=None, pending=0, target_groups=(TG,)):
    tags = [{"key": counts.COUNT_TAG, "value": tag}] if tag is not None else []
    return {
        "serviceName": name,
        "serviceArn": f"arn:aws:ecs:ap-northeast-1:123456789012:service/c/{name}",
        "status": "ACTIVE",
        "desiredCount": desired,
        "runningCount": desired if running is None else running,
        "pendingCount": pending,
        "tags": tags,
        "loadBalancers": [
            {"targetGroupArn": arn, "containerName": "app", "containerPort": 8080} for arn in target_groups
        ],
    }


def params(state, **extra):
    out = {"state": state, "count_tag": counts.COUNT_TAG, "record_count": True, "capacity_percent": 100}
    out.update(extra)
    return out


@pytest.mark.parametrize(
    "svc, entry, expected",
    [
        (service(4), {}, (4, "current")),
        (service(0, tag="3"), {}, (3, "recorded")),
        (service(4, tag="2"), {"desired_count": 6}, (6, "explicit")),
        (service(0), {}, (None, "none")),
    ],
)
def test_standby_records_explicit_then_current_then_existing(svc, entry, expected):
    assert counts.standby_plan(svc, {"name": "s", **entry}) == expected


def test_standby_without_record_keeps_the_tag_as_it_is():
    assert counts.standby_plan(service(4, tag="2"), {"name": "s"}, record=False) == (2, "recorded")


def test_active_target_order_and_percentage():
    entry = {"name": "s", "reference_service": "prod"}
    assert counts.active_target(service(0, tag="4"), {"name": "s"}) == (4, "recorded")
    assert counts.active_target(service(0, tag="4"), {"name": "s", "desired_count": 2}) == (2, "explicit")
    assert counts.active_target(service(0), entry, reference=service(4, name="prod"), percent=50) == (
        2,
        "reference (current)",
    )
    # A fenced reference service counts with its recorded count; the percentage is rounded up.
    assert counts.active_target(service(0), entry, reference=service(0, tag="3", name="prod"), percent=50) == (
        2,
        "reference (recorded)",
    )
    # Never fenced and running: it is active already.
    assert counts.active_target(service(2), {"name": "s"}) == (2, "current")


@pytest.mark.parametrize(
    "svc, entry, reference, message",
    [
        (service(0), {"name": "s"}, None, "has no recorded count"),
        (service(0), {"name": "s", "reference_service": "prod"}, None, "not found"),
        (service(0), {"name": "s", "reference_service": "prod"}, service(0, name="prod"), "runs nothing"),
        (service(0, tag="many"), {"name": "s"}, None, "not a count"),
    ],
)
def test_active_target_errors_name_the_fix(svc, entry, reference, message):
    with pytest.raises(counts.CountError, match=message):
        counts.active_target(svc, entry, reference)


def test_plans_never_scale_in_and_collect_every_problem():
    svcs = {"a": service(5, tag="2", name="a"), "b": service(0, name="b")}
    with pytest.raises(DRError) as error:
        counts.make_plans(svcs, params("active", services=[{"name": "a"}, {"name": "b"}]), {})
    assert "service b has no recorded count" in error.value.message
    plans = counts.make_plans({"a": svcs["a"]}, params("active", services=[{"name": "a"}]), {})
    assert plans[0]["after"] == 5 and not plans[0]["rescale"] and not plans[0]["retag"]


def test_standby_plan_records_then_scales_to_zero():
    plan = counts.make_plans({"a": service(4, name="a")}, params("standby", services=[{"name": "a"}]), {})[0]
    assert (plan["before"], plan["after"], plan["record"], plan["rescale"], plan["retag"]) == (4, 0, 4, True, True)
    again = counts.make_plans({"a": service(0, tag="4", name="a")}, params("standby", services=[{"name": "a"}]), {})[0]
    assert not again["rescale"] and not again["retag"]


def test_progress_needs_running_equal_desired_and_healthy_targets():
    health = {TG: {"10.0.0.1": "healthy", "10.0.0.2": "initial"}}
    assert counts.progress(service(2, running=1, pending=1), health) == (False, False)
    assert counts.progress(service(2), health) == (True, False)
    health[TG]["10.0.0.2"] = "healthy"
    assert counts.progress(service(2), health) == (True, True)
    assert counts.progress(service(1, target_groups=()), {}) == (True, True)
    assert counts.stopped(service(0)) and not counts.stopped(service(0, running=1))


class FakeECS:
    def __init__(self, pages, fail=None):
        self.pages = list(pages)
        self.fail = fail
        self.calls = []

    def describe_services(self, cluster, services, include, aws_retry):
        self.calls.append(("describe_services", cluster, tuple(services)))
        if self.fail:
            raise self.fail
        return {"services": self.pages.pop(0) if len(self.pages) > 1 else self.pages[0]}

    def tag_resource(self, resourceArn, tags, aws_retry):  # noqa: N803 (boto3's names)
        self.calls.append(("tag_resource", resourceArn, tags))

    def update_service(self, cluster, service, desiredCount, aws_retry):  # noqa: N803
        self.calls.append(("update_service", service, desiredCount))


class FakeELB:
    def __init__(self, states):
        self.states = states

    def describe_target_health(self, TargetGroupArn, aws_retry):  # noqa: N803
        return {
            "TargetHealthDescriptions": [
                {"Target": {"Id": f"10.0.0.{i}"}, "TargetHealth": {"State": s}} for i, s in enumerate(self.states)
            ]
        }


def throttled():
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "DescribeServices")


def test_read_services_names_the_missing_and_inactive_ones():
    gone = dict(service(0, name="old"), status="INACTIVE")
    client = FakeECS([[service(0, name="a"), gone]])
    with pytest.raises(DRError, match="old not found .or not ACTIVE. in cluster c in ap-northeast-1"):
        services.read_services(client, "c", ["a", "old"], "ap-northeast-1")


def test_describe_services_asks_ten_at_a_time():
    client = FakeECS([[]])
    services.describe_services(client, "c", [f"s{i}" for i in range(23)])
    assert [len(call[2]) for call in client.calls] == [10, 10, 3]


def test_a_failed_reference_read_says_how_to_do_without_it():
    with pytest.raises(DRError, match="leave reference_service out"):
        services.read_references(FakeECS([[]], fail=throttled()), "c", ["prod"], "ap-northeast-2")


def test_apply_plan_tags_before_scaling():
    plan = counts.make_plans({"a": service(4, name="a")}, params("standby", services=[{"name": "a"}]), {})[0]
    client = FakeECS([[]])
    services.apply_plan(client, "c", plan, counts.COUNT_TAG)
    assert [call[0] for call in client.calls] == ["tag_resource", "update_service"]
    assert client.calls[0][2] == [{"key": counts.COUNT_TAG, "value": "4"}] and client.calls[1][2] == 0


def test_wait_records_timings_and_times_out_naming_the_service():
    plan = counts.make_plans({"a": service(0, tag="2", name="a")}, params("active", services=[{"name": "a"}]), {})[0]
    client = FakeECS([[service(2, name="a")]])
    services.wait_for_services(client, FakeELB(["healthy", "healthy"]), "c", [plan], "active", Deadline(5), 0, "r")
    assert plan["timings"]["healthy"] is not None
    plan["timings"] = {"update": None, "running": None, "healthy": None}
    with pytest.raises(WaitTimeout, match="not ready: a"):
        services.wait_for_services(client, FakeELB(["initial"]), "c", [plan], "active", Deadline(0), 0, "r")
