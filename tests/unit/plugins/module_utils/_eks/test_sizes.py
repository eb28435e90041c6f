"""The pilot-light sizes of EKS node groups (plugins/module_utils/_eks/sizes.py)."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._eks import sizes


def nodegroup(desired=0, low=0, high=6, tag=None, name="portforge-dr-nodes"):
    return {
        "nodegroupName": name,
        "nodegroupArn": f"arn:aws:eks:ap-northeast-1:123456789012:nodegroup/portforge-dr/{name}/1",
        "status": "ACTIVE",
        "scalingConfig": {"minSize": low, "desiredSize": desired, "maxSize": high},
        "tags": {sizes.SIZE_TAG: tag} if tag else {},
        "resources": {"autoScalingGroups": [{"name": "eks-1"}]},
    }


def params(state, entries, **extra):
    return dict(
        dict(
            state=state,
            nodegroups=entries,
            size_tag=sizes.SIZE_TAG,
            standby_size=0,
            record_size=True,
            capacity_percent=100,
        ),
        **extra,
    )


def test_recorded_size_parses_and_rejects_nonsense():
    assert sizes.recorded_size(nodegroup(tag="2/3/6")) == {"min": 2, "desired": 3, "max": 6}
    assert sizes.recorded_size(nodegroup()) is None
    for bad in ("3", "a/b/c", "4/3/6", "0/0/0"):
        with pytest.raises(sizes.SizeError, match="not min/desired/max"):
            sizes.recorded_size(nodegroup(tag=bad))


def test_standby_records_explicit_current_or_existing():
    explicit = sizes.plan_nodegroup(
        nodegroup(), {"name": "portforge-dr-nodes", "desired_size": 3}, params("standby", []), {}
    )
    assert explicit["record"] == {"min": 3, "desired": 3, "max": 6} and explicit["retag"] and not explicit["rescale"]
    fence = sizes.plan_nodegroup(nodegroup(desired=4, low=1), {"name": "portforge-dr-nodes"}, params("standby", []), {})
    assert fence["record"] == {"min": 1, "desired": 4, "max": 6} and fence["source"] == "current"
    assert fence["after"] == {"min": 0, "desired": 0, "max": 6} and fence["rescale"]
    kept = sizes.plan_nodegroup(nodegroup(tag="1/4/6"), {"name": "portforge-dr-nodes"}, params("standby", []), {})
    assert kept["source"] == "recorded" and not kept["retag"] and not kept["rescale"]
    floor = sizes.plan_nodegroup(
        nodegroup(desired=1, low=1), {"name": "portforge-dr-nodes"}, params("standby", [], standby_size=1), {}
    )
    assert floor["after"] == {"min": 1, "desired": 1, "max": 6} and floor["record"] is None


def test_active_from_record_reference_or_explicit_never_scales_in():
    recorded = sizes.plan_nodegroup(nodegroup(tag="2/3/6"), {"name": "portforge-dr-nodes"}, params("active", []), {})
    assert recorded["after"] == {"min": 2, "desired": 3, "max": 6} and recorded["source"] == "recorded"
    reference = nodegroup(desired=0, tag="1/5/8", name="portforge-prod-nodes")
    half = sizes.plan_nodegroup(
        nodegroup(),
        {"name": "portforge-dr-nodes", "reference_nodegroup": "portforge-prod-nodes"},
        params("active", [], capacity_percent=50),
        {"portforge-prod-nodes": reference},
    )
    assert half["after"]["desired"] == 3 and half["source"] == "reference (recorded)"
    more = sizes.plan_nodegroup(
        nodegroup(desired=5, tag="2/3/6"), {"name": "portforge-dr-nodes"}, params("active", []), {}
    )
    assert more["after"] == {"min": 2, "desired": 5, "max": 6}  # desired kept, the recorded minimum restored
    explicit = sizes.plan_nodegroup(
        nodegroup(high=2), {"name": "portforge-dr-nodes", "desired_size": 4}, params("active", []), {}
    )
    assert explicit["after"] == {"min": 4, "desired": 4, "max": 4}


def test_make_plans_names_every_unusable_nodegroup():
    entries = [{"name": "a"}, {"name": "b", "reference_nodegroup": "gone"}]
    with pytest.raises(DRError) as error:
        sizes.make_plans({"a": nodegroup(name="a"), "b": nodegroup(name="b")}, params("active", entries), {})
    assert (
        "a has no recorded size" in error.value.message and "reference node group gone not found" in error.value.message
    )


def test_nodes_are_counted_ready_and_live():
    instances = [
        {"LifecycleState": "InService", "HealthStatus": "Healthy"},
        {"LifecycleState": "Pending", "HealthStatus": "Healthy"},
        {"LifecycleState": "InService", "HealthStatus": "Unhealthy"},
        {"LifecycleState": "Terminating", "HealthStatus": "Healthy"},
    ]
    assert sizes.count_nodes(instances) == (1, 3)
    plan = {"after": {"desired": 1}}
    assert sizes.settled(plan, {"status": "ACTIVE"}, instances, "active")
    assert not sizes.settled(plan, {"status": "UPDATING"}, instances, "active")
    assert not sizes.settled({"after": {"desired": 0}}, {"status": "ACTIVE"}, instances, "standby")
