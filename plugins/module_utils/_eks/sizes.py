# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pilot-light life of EKS managed node groups: scaling configs and node readiness.

A node group in standby runs a floor (0 by default) and carries the scaling config to come back to in a
tag (``pilotlight:active-size`` = ``min/desired/max``, for example ``2/3/6``), so activation in the DR
region needs nothing but the node group itself: no call to the primary region, which may be down.

The functions here are pure (dicts in, dicts out) and unit-tested; the AWS calls are in ``nodegroups``.
"""

import math

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

SIZE_TAG = "pilotlight:active-size"
# Lifecycle states of a node that is up or coming up (Auto Scaling's own states).
LIVE_STATES = ("Pending", "Pending:Wait", "Pending:Proceed", "InService")


class SizeError(ValueError):
    """A size that cannot be used; the message names what is wrong."""


def current(nodegroup):
    """{"min", "desired", "max"} of a node group's scaling config."""
    scaling = nodegroup.get("scalingConfig") or {}
    return {
        "min": scaling.get("minSize", 0),
        "desired": scaling.get("desiredSize", 0),
        "max": scaling.get("maxSize", 0),
    }


def format_size(size):
    return f"{size['min']}/{size['desired']}/{size['max']}"


def recorded_size(nodegroup, tag=SIZE_TAG):
    """The scaling config recorded on the node group, None when there is none; SizeError when unreadable."""
    value = (nodegroup.get("tags") or {}).get(tag)
    if value is None:
        return None
    try:
        low, desired, high = (int(part) for part in value.split("/"))
    except ValueError:
        low = desired = high = -1
    if min(low, desired, high) < 0 or not low <= desired <= high or high < 1:
        raise SizeError(
            f"tag {tag} of node group {nodegroup['nodegroupName']} is {value!r}, not min/desired/max "
            "(0 <= min <= desired <= max, max >= 1)"
        )
    return {"min": low, "desired": desired, "max": high}


def scaled(count, percent):
    """``percent`` of a count, rounded up (ARC Region switch style)."""
    return math.ceil(count * percent / 100.0)


def explicit_size(entry, fallback_max):
    """The scaling config an entry gives with desired_size (min defaults to desired, max to at least desired)."""
    desired = entry["desired_size"]
    low = entry.get("min_size")
    low = desired if low is None else low
    high = entry.get("max_size")
    high = max(fallback_max, desired, 1) if high is None else high
    if not 0 <= low <= desired <= high or high < 1:
        raise SizeError(
            f"node group {entry['name']}: min_size {low}, desired_size {desired}, max_size {high} must be "
            "0 <= min <= desired <= max with max >= 1"
        )
    return {"min": low, "desired": desired, "max": high}


def reference_desired(reference, floor=0, tag=SIZE_TAG):
    """What the reference node group runs: its desired size, or its recorded one when it is fenced."""
    desired = current(reference)["desired"]
    if desired > floor:
        return desired, "current"
    recorded = recorded_size(reference, tag)
    if recorded and recorded["desired"]:
        return recorded["desired"], "recorded"
    return None, None


def standby_plan(nodegroup, entry, floor, record=True, tag=SIZE_TAG):
    """(size to record or None, where it comes from) for state=standby.

    The recorded size is the entry's explicit one, else the node group's scaling config when it runs more
    than the floor, else what is recorded already (a node group in standby keeps its record).
    """
    existing = recorded_size(nodegroup, tag)
    if not record:
        return existing, ("recorded" if existing is not None else "none")
    now = current(nodegroup)
    if entry.get("desired_size") is not None:
        return explicit_size(entry, now["max"]), "explicit"
    if now["desired"] > floor:
        return now, "current"
    if existing is not None:
        return existing, "recorded"
    return None, "none"


def active_target(nodegroup, entry, floor, reference=None, percent=100, tag=SIZE_TAG):
    """(scaling config, source) for state=active: explicit > reference node group x percent > recorded tag.

    A node group with no record that runs more than the floor already (never fenced) keeps what it runs.
    """
    name = entry["name"]
    now = current(nodegroup)
    recorded = recorded_size(nodegroup, tag)
    if entry.get("desired_size") is not None:
        return explicit_size(entry, (recorded or now)["max"]), "explicit"
    if entry.get("reference_nodegroup"):
        if reference is None:
            raise SizeError(f"node group {name}: reference node group {entry['reference_nodegroup']} not found")
        count, how = reference_desired(reference, 0, tag)
        if count is None:
            raise SizeError(
                f"node group {name}: reference node group {entry['reference_nodegroup']} runs nothing and has no "
                "recorded size; give desired_size"
            )
        desired = scaled(count, percent)
        base = recorded or now
        return {"min": min(base["min"], desired), "desired": desired, "max": max(base["max"], desired, 1)}, (
            f"reference ({how})"
        )
    if recorded is None and now["desired"] > floor:
        return now, "current"
    if recorded is None:
        raise SizeError(
            f"node group {name} has no recorded size (tag {tag}): put it in standby with desired_size first, "
            "or give desired_size or reference_nodegroup"
        )
    return recorded, "recorded"


def plan_nodegroup(nodegroup, entry, params, references):
    """A plan dict for one node group: scaling config before/after and the size to record."""
    tag, floor = params["size_tag"], params["standby_size"]
    before = current(nodegroup)
    existing = recorded_size(nodegroup, tag)
    if params["state"] == "standby":
        after = {"min": floor, "desired": floor, "max": max(before["max"], floor, 1)}
        record, source = standby_plan(nodegroup, entry, floor, params["record_size"], tag)
    else:
        target, source = active_target(
            nodegroup, entry, floor, references.get(entry.get("reference_nodegroup")), params["capacity_percent"], tag
        )
        # Never scale in a node group that already runs more (a failover must not take capacity away).
        desired = max(before["desired"], target["desired"])
        after = {"min": min(target["min"], desired), "desired": desired, "max": max(target["max"], desired)}
        record = existing
    return {
        "name": entry["name"],
        "arn": nodegroup["nodegroupArn"],
        "auto_scaling_groups": [g["name"] for g in (nodegroup.get("resources") or {}).get("autoScalingGroups") or []],
        "before": before,
        "after": after,
        "existing_record": existing,
        "record": record,
        "source": source,
        "rescale": after != before,
        "retag": record is not None and record != existing,
        "timings": {"update": None, "ready": None},
    }


def make_plans(nodegroups, params, references):
    """The plan of every node group of the task; one DRError naming every node group whose size is unusable."""
    plans, problems = [], []
    for entry in params["nodegroups"]:
        try:
            plans.append(plan_nodegroup(nodegroups[entry["name"]], entry, params, references))
        except SizeError as exc:
            problems.append(str(exc))
    if problems:
        raise DRError("; ".join(problems))
    return plans


# -- nodes -----------------------------------------------------------------------------------------------
def count_nodes(instances):
    """(ready, live) of Auto Scaling instances: ready = InService and Healthy; live = up or coming up."""
    ready = sum(1 for i in instances if i.get("LifecycleState") == "InService" and i.get("HealthStatus") == "Healthy")
    live = sum(1 for i in instances if i.get("LifecycleState") in LIVE_STATES)
    return ready, live


def settled(plan, nodegroup, instances, state):
    """active: the node group is ACTIVE and has as many ready nodes as desired; standby: no more nodes than desired."""
    ready, live = count_nodes(instances)
    desired = plan["after"]["desired"]
    if state == "standby":
        return live <= desired
    return nodegroup.get("status") == "ACTIVE" and ready >= desired


# -- the module's result ---------------------------------------------------------------------------------
def describe_plan(plan, nodegroup, instances, region, check_mode):
    """One item of the module's ``nodegroups``."""
    ready, live = count_nodes(instances)
    return {
        "name": plan["name"],
        "exists": True,
        "arn": plan["arn"],
        "region": region,
        "status": nodegroup.get("status"),
        "changed": plan["rescale"] or plan["retag"],
        "scaling_before": plan["before"],
        "scaling": plan["after"] if check_mode else current(nodegroup),
        "ready_nodes": ready,
        "nodes": live,
        "recorded_size_before": plan["existing_record"],
        "recorded_size": plan["record"],
        "size_source": plan["source"],
        "auto_scaling_groups": plan["auto_scaling_groups"],
        "timings": plan["timings"],
    }


def diff_view(size, record):
    return {"scaling": size, "recorded_size": format_size(record) if record else None}
