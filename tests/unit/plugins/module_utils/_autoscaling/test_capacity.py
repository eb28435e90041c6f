"""Capacity arithmetic of the pilot light (plugins/module_utils/_autoscaling: capacity, and the group reads)."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._autoscaling import capacity as asg
from ansible_collections.pilotlight.dr.plugins.module_utils._autoscaling import groups as asg_groups


def group(min_size, desired, max_size, tag=None, name="web", instances=()):
    tags = [{"Key": asg.CAPACITY_TAG, "Value": tag}] if tag is not None else []
    return {
        "AutoScalingGroupName": name,
        "MinSize": min_size,
        "DesiredCapacity": desired,
        "MaxSize": max_size,
        "Tags": tags,
        "Instances": list(instances),
    }


def cap(min_size, desired, max_size):
    return {"min": min_size, "desired": desired, "max": max_size}


def entry(**kwargs):
    kwargs.setdefault("name", "web")
    return kwargs


def test_capacity_tag_round_trip():
    assert asg.format_capacity(cap(2, 2, 3)) == "min=2,desired=2,max=3"
    assert asg.parse_capacity("min=2,desired=2,max=3") == cap(2, 2, 3)
    assert asg.parse_capacity(" max=3, min=1 ,desired=2") == cap(1, 2, 3)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "2",
        "min=2,desired=2",
        "min=a,desired=2,max=3",
        "min=3,desired=2,max=3",
        "size=2,desired=2,max=3",
        "min=-1,desired=2,max=3",
    ],
)
def test_bad_capacity_tags_are_refused(value):
    with pytest.raises(asg.CapacityError):
        asg.parse_capacity(value)


def test_recorded_capacity_names_the_group_when_unreadable():
    assert asg.recorded_capacity(group(0, 0, 3)) is None
    with pytest.raises(asg.CapacityError, match="tag pilotlight:active-capacity of group web"):
        asg.recorded_capacity(group(0, 0, 3, tag="two"))


@pytest.mark.parametrize(
    "given, current, expected",
    [
        ({}, cap(0, 0, 3), None),
        ({"desired_capacity": 2}, cap(0, 0, 3), cap(2, 2, 3)),
        ({"desired_capacity": 4}, cap(0, 0, 3), cap(4, 4, 4)),
        ({"desired_capacity": 2, "min_size": 1, "max_size": 5}, cap(0, 0, 3), cap(1, 2, 5)),
        ({"desired_capacity": 0}, cap(0, 0, 3), cap(0, 0, 3)),
    ],
)
def test_explicit_capacity(given, current, expected):
    assert asg.explicit_capacity(entry(**given), current) == expected


@pytest.mark.parametrize(
    "given, match",
    [
        ({"min_size": 1}, "need desired_capacity"),
        ({"desired_capacity": 2, "min_size": 3}, "min <= desired <= max"),
        ({"desired_capacity": 4, "max_size": 3}, "min <= desired <= max"),
    ],
)
def test_bad_explicit_capacity(given, match):
    with pytest.raises(asg.CapacityError, match=match):
        asg.explicit_capacity(entry(**given), cap(0, 0, 3))


@pytest.mark.parametrize(
    "percent, expected",
    [
        (100, cap(2, 4, 6)),
        (50, cap(1, 2, 6)),
        (25, cap(1, 1, 6)),
        (10, cap(1, 1, 6)),
        (200, cap(4, 8, 8)),
    ],
)
def test_percentage_rounds_up(percent, expected):
    assert asg.scaled(cap(2, 4, 6), percent) == expected


def test_standby_records_current_explicit_or_existing():
    running = group(2, 2, 3)
    assert asg.standby_plan(running, entry()) == (cap(0, 0, 3), cap(2, 2, 3), "current")
    assert asg.standby_plan(group(0, 0, 3), entry(desired_capacity=2)) == (cap(0, 0, 3), cap(2, 2, 3), "explicit")
    fenced = group(0, 0, 3, tag="min=2,desired=2,max=3")
    assert asg.standby_plan(fenced, entry()) == (cap(0, 0, 3), cap(2, 2, 3), "recorded")
    assert asg.standby_plan(group(0, 0, 3), entry()) == (cap(0, 0, 3), None, "none")
    # record_capacity=false keeps whatever is recorded.
    assert asg.standby_plan(running, entry(), record=False) == (cap(0, 0, 3), None, "none")
    assert asg.standby_plan(group(2, 2, 3, tag="min=1,desired=1,max=3"), entry(), record=False)[1] == cap(1, 1, 3)


def test_active_target_precedence():
    dr = group(0, 0, 3, tag="min=2,desired=2,max=3")
    assert asg.active_target(dr, entry()) == (cap(2, 2, 3), "recorded")
    assert asg.active_target(dr, entry(desired_capacity=3)) == (cap(3, 3, 3), "explicit")
    primary = group(4, 4, 6, name="primary-web")
    assert asg.active_target(dr, entry(reference_group="primary-web"), primary, 50) == (
        cap(2, 2, 6),
        "reference (current)",
    )
    fenced = group(0, 0, 6, tag="min=4,desired=4,max=6", name="primary-web")
    assert asg.active_target(dr, entry(reference_group="primary-web"), fenced, 50) == (
        cap(2, 2, 6),
        "reference (recorded)",
    )


def test_active_group_never_fenced_keeps_what_it_runs():
    assert asg.active_target(group(2, 2, 3), entry()) == (cap(2, 2, 3), "current")


def test_active_target_without_any_capacity_is_an_error():
    with pytest.raises(asg.CapacityError, match="no recorded capacity"):
        asg.active_target(group(0, 0, 3), entry())
    with pytest.raises(asg.CapacityError, match="runs nothing"):
        asg.active_target(group(0, 0, 3), entry(reference_group="p"), group(0, 0, 3, name="p"))
    with pytest.raises(asg.CapacityError, match="not found"):
        asg.active_target(group(0, 0, 3), entry(reference_group="p"), None)


@pytest.mark.parametrize(
    "current, target, expected",
    [
        (cap(0, 0, 3), cap(2, 2, 3), cap(2, 2, 3)),
        (cap(3, 3, 3), cap(2, 2, 3), cap(3, 3, 3)),
        (cap(0, 3, 3), cap(2, 2, 3), cap(2, 3, 3)),
        (cap(0, 0, 1), cap(2, 2, 3), cap(2, 2, 3)),
        (cap(1, 1, 5), cap(2, 4, 4), cap(2, 4, 5)),
    ],
)
def test_never_scale_in(current, target, expected):
    assert asg.never_scale_in(current, target) == expected


def test_ready_instances_need_in_service_healthy_and_target_health():
    instances = [
        {"InstanceId": "i-1", "LifecycleState": "InService", "HealthStatus": "Healthy"},
        {"InstanceId": "i-2", "LifecycleState": "Pending", "HealthStatus": "Healthy"},
        {"InstanceId": "i-3", "LifecycleState": "InService", "HealthStatus": "Healthy"},
        {"InstanceId": "i-4", "LifecycleState": "InService", "HealthStatus": "Unhealthy"},
    ]
    g = group(2, 2, 3, instances=instances)
    health = {"tg-web": {"i-1": "healthy", "i-2": "initial", "i-3": "initial", "i-4": "healthy"}}
    assert asg.ready_instances(g, health) == ["i-1"]
    assert asg.ready_instances(g, {}) == ["i-1", "i-3"]
    assert asg.in_service(g) == ["i-1", "i-3", "i-4"]
    assert asg.instance_view(instances[1], health)["target_health"] == {"tg-web": "initial"}


def serving(instance_id, weight=None, state="InService", health="Healthy"):
    instance = {"InstanceId": instance_id, "LifecycleState": state, "HealthStatus": health}
    if weight is not None:
        instance["WeightedCapacity"] = str(weight)
    return instance


def test_instance_units_come_from_weighted_capacity():
    assert asg.instance_units(serving("i-1")) == 1
    assert asg.instance_units(serving("i-1", 4)) == 4
    assert asg.instance_units({"InstanceId": "i-1", "WeightedCapacity": ""}) == 1
    assert asg.instance_units({"InstanceId": "i-1", "WeightedCapacity": "2.5"}) == 3
    assert asg.instance_units({"InstanceId": "i-1", "WeightedCapacity": "lots"}) == 1


def test_activation_counts_capacity_units_not_instances():
    # DesiredCapacityType vcpu: 8 vCPUs wanted, two 4-vCPU instances serve it.
    g = group(8, 8, 16, instances=[serving("i-1", 4), serving("i-2", 4)])
    g["DesiredCapacityType"] = "vcpu"
    assert asg.activation_progress(g, {"tg": {"i-1": "healthy", "i-2": "healthy"}}) == (True, True)
    # Only one healthy in the target group: 4 of 8 units ready.
    assert asg.activation_progress(g, {"tg": {"i-1": "healthy", "i-2": "initial"}}) == (True, False)
    # One still pending: 4 of 8 units in service.
    g = group(8, 8, 16, instances=[serving("i-1", 4), serving("i-2", 4, state="Pending")])
    assert asg.activation_progress(g, {}) == (False, False)
    # Weights above the desired count: fewer instances than DesiredCapacity can be enough...
    g = group(0, 6, 12, instances=[serving("i-1", 2), serving("i-2", 4)])
    assert asg.activation_progress(g, {}) == (True, True)
    # ...and without weights every instance counts 1, as before.
    g = group(0, 3, 3, instances=[serving("i-1"), serving("i-2")])
    assert asg.activation_progress(g, {}) == (False, False)
    g["Instances"].append(serving("i-3"))
    assert asg.activation_progress(g, {}) == (True, True)
    assert asg.activation_progress(group(0, 0, 3), {}) == (True, True)


class StubAutoScaling:
    """DescribeAutoScalingGroups through its paginator; refuses more than 50 names, as AWS does."""

    def __init__(self, existing):
        self.existing, self.calls = set(existing), []

    def get_paginator(self, operation):
        assert operation == "describe_auto_scaling_groups"
        stub = self

        class Result:
            def __init__(self, names):
                self.names = names

            def build_full_result(self):
                if len(self.names) > 50:
                    from botocore.exceptions import ClientError

                    raise ClientError(
                        {"Error": {"Code": "ValidationError", "Message": "at most 50 names"}},
                        "DescribeAutoScalingGroups",
                    )
                return {"AutoScalingGroups": [{"AutoScalingGroupName": n} for n in self.names if n in stub.existing]}

        class Paginator:
            def paginate(self, AutoScalingGroupNames):
                stub.calls.append(list(AutoScalingGroupNames))
                return Result(AutoScalingGroupNames)

        return Paginator()


def test_describe_groups_asks_for_at_most_50_names_a_call():
    names = [f"asg-{n:03}" for n in range(120)]
    client = StubAutoScaling(names[:-1])
    groups = asg_groups.describe_groups(client, names + names[:5])  # duplicates are asked for once
    assert [len(call) for call in client.calls] == [50, 50, 20]
    assert sorted(name for call in client.calls for name in call) == names
    assert set(groups) == set(names[:-1])
    assert groups["asg-007"] == {"AutoScalingGroupName": "asg-007"}


def test_describe_groups_of_no_names_makes_no_call():
    client = StubAutoScaling([])
    assert asg_groups.describe_groups(client, []) == {}
    assert client.calls == []
    assert asg_groups.describe_groups(client, ["web"]) == {} and client.calls == [["web"]]
