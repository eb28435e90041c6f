# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pilot-light life of Auto Scaling groups: capacity arithmetic and readiness.

A group in standby has min 0 and desired 0 (max kept) and carries its active capacity in a tag
(``pilotlight:active-capacity`` = ``min=2,desired=2,max=3``), so that activation in the DR region
needs nothing but the group itself: no call to the primary region, which may be down.

The functions here are pure (dicts in, dicts out) and unit-tested; the Auto Scaling and ELB calls
are in ``groups``.
"""

import math

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

CAPACITY_TAG = "pilotlight:active-capacity"
COUNTED_STATES = ("InService", "Pending", "Pending:Wait", "Pending:Proceed")


class CapacityError(ValueError):
    """A capacity that cannot be used; the message names what is wrong."""


# -- capacity values ----------------------------------------------------------------------------
def capacity(min_size, desired, max_size):
    return {"min": int(min_size), "desired": int(desired), "max": int(max_size)}


def current_capacity(group):
    return capacity(group["MinSize"], group.get("DesiredCapacity") or 0, group["MaxSize"])


def format_capacity(cap):
    return f"min={cap['min']},desired={cap['desired']},max={cap['max']}"


def parse_capacity(value):
    """``min=2,desired=2,max=3`` -> dict; CapacityError when the text is not that."""
    parts = {}
    for item in (value or "").split(","):
        key, sep, number = item.strip().partition("=")
        if not sep or key not in ("min", "desired", "max"):
            raise CapacityError(f"{value!r} is not min=N,desired=N,max=N")
        try:
            parts[key] = int(number)
        except ValueError:
            raise CapacityError(f"{value!r} is not min=N,desired=N,max=N") from None
    if set(parts) != {"min", "desired", "max"}:
        raise CapacityError(f"{value!r} is not min=N,desired=N,max=N")
    check_capacity(parts, "the recorded capacity")
    return parts


def check_capacity(cap, what):
    if min(cap.values()) < 0:
        raise CapacityError(f"{what} {format_capacity(cap)} has a negative size")
    if not cap["min"] <= cap["desired"] <= cap["max"]:
        raise CapacityError(f"{what} {format_capacity(cap)} must have min <= desired <= max")
    return cap


def tags_of(group):
    return {tag["Key"]: tag.get("Value", "") for tag in group.get("Tags") or []}


def recorded_capacity(group, tag=CAPACITY_TAG):
    """The capacity recorded on the group, None when there is none; CapacityError when unreadable."""
    value = tags_of(group).get(tag)
    if value is None:
        return None
    try:
        return parse_capacity(value)
    except CapacityError as exc:
        raise CapacityError(f"tag {tag} of group {group['AutoScalingGroupName']}: {exc}") from None


def explicit_capacity(entry, current):
    """The capacity given in a task's group entry, None when it gives none.

    ``desired_capacity`` is needed; ``min_size`` defaults to it (an active pilot light holds its
    capacity) and ``max_size`` to the larger of the group's max and the desired capacity.
    """
    given = [entry.get(k) for k in ("min_size", "desired_capacity", "max_size")]
    if all(v is None for v in given):
        return None
    if entry.get("desired_capacity") is None:
        raise CapacityError(f"group {entry['name']}: min_size/max_size need desired_capacity too")
    desired = entry["desired_capacity"]
    min_size = entry["min_size"] if entry.get("min_size") is not None else desired
    max_size = entry["max_size"] if entry.get("max_size") is not None else max(current["max"], desired)
    return check_capacity(capacity(min_size, desired, max_size), f"group {entry['name']}: the capacity")


def scaled(cap, percent):
    """``percent`` of a capacity, rounded up (ARC Region switch style); max never below desired."""
    if percent == 100:
        return dict(cap)
    desired = math.ceil(cap["desired"] * percent / 100.0)
    min_size = min(math.ceil(cap["min"] * percent / 100.0), desired)
    return capacity(min_size, desired, max(cap["max"], desired))


def reference_capacity(reference, tag=CAPACITY_TAG):
    """What the reference group runs: its current capacity, or its recorded one when it is fenced at 0."""
    current = current_capacity(reference)
    if current["desired"] > 0:
        return current, "current"
    recorded = recorded_capacity(reference, tag)
    if recorded is not None and recorded["desired"] > 0:
        return recorded, "recorded"
    return None, None


# -- plans -------------------------------------------------------------------------------------------
def standby_plan(group, entry, record=True, tag=CAPACITY_TAG):
    """(sizes after, capacity to record or None, where it comes from) for state=standby.

    The recorded capacity is the explicit one of the entry, else the group's current capacity when
    it runs, else what is recorded already (a group already in standby keeps its record).
    """
    current = current_capacity(group)
    existing = recorded_capacity(group, tag)
    explicit = explicit_capacity(entry, current)
    if explicit is not None:
        record_cap, source = explicit, "explicit"
    elif current["desired"] > 0 or current["min"] > 0:
        record_cap, source = check_capacity(dict(current), f"group {entry['name']}: the current capacity"), "current"
    elif existing is not None:
        record_cap, source = existing, "recorded"
    else:
        record_cap, source = None, "none"
    if not record:
        record_cap, source = existing, ("recorded" if existing else "none")
    after = capacity(0, 0, current["max"])
    return after, record_cap, source


def active_target(group, entry, reference=None, percent=100, tag=CAPACITY_TAG):
    """(target capacity, source) for state=active: explicit > reference group x percent > recorded tag.

    A group with no record that runs already (never fenced) keeps what it runs.
    """
    current = current_capacity(group)
    explicit = explicit_capacity(entry, current)
    if explicit is not None:
        return explicit, "explicit"
    if entry.get("reference_group"):
        if reference is None:
            raise CapacityError(f"group {entry['name']}: reference group {entry['reference_group']} not found")
        ref_cap, how = reference_capacity(reference, tag)
        if ref_cap is None:
            raise CapacityError(
                f"group {entry['name']}: reference group {entry['reference_group']} runs nothing and has no "
                f"recorded capacity; give desired_capacity"
            )
        return scaled(ref_cap, percent), f"reference ({how})"
    recorded = recorded_capacity(group, tag)
    if recorded is None and current["desired"] > 0:
        # Never fenced (an ungraceful failover left it running): it is active already.
        return current, "current"
    if recorded is None:
        raise CapacityError(
            f"group {entry['name']} has no recorded capacity (tag {tag}): put it in standby with a capacity first, "
            "or give desired_capacity or reference_group"
        )
    return recorded, "recorded"


def never_scale_in(current, target):
    """Sizes that reach ``target`` without taking capacity away from a group that already has more."""
    desired = max(current["desired"], target["desired"])
    min_size = min(max(current["min"], target["min"]), desired)
    return capacity(min_size, desired, max(current["max"], target["max"], desired))


# -- readiness -------------------------------------------------------------------------------------------
def instance_view(instance, health_by_tg):
    return {
        "instance_id": instance["InstanceId"],
        "lifecycle_state": instance.get("LifecycleState"),
        "health_status": instance.get("HealthStatus"),
        "availability_zone": instance.get("AvailabilityZone"),
        "target_health": {arn: states.get(instance["InstanceId"], "unused") for arn, states in health_by_tg.items()},
    }


def ready_instances(group, health_by_tg):
    """Instances InService, Healthy and ``healthy`` in every target group of the group."""
    ready = []
    for instance in group.get("Instances") or []:
        if instance.get("LifecycleState") != "InService" or instance.get("HealthStatus") != "Healthy":
            continue
        if all(states.get(instance["InstanceId"]) == "healthy" for states in health_by_tg.values()):
            ready.append(instance["InstanceId"])
    return ready


def in_service(group):
    return [i["InstanceId"] for i in group.get("Instances") or [] if i.get("LifecycleState") == "InService"]


def instance_units(instance):
    """Capacity units an instance counts for: its ``WeightedCapacity``, else 1.

    ``DesiredCapacity`` is in units, not instances, when the group has instance weights or a
    ``DesiredCapacityType`` of ``vcpu`` or ``memory-mib``; AWS then reports each instance's units
    in ``WeightedCapacity`` (a string).
    """
    try:
        return int(instance.get("WeightedCapacity") or 1)
    except (TypeError, ValueError):
        try:
            return math.ceil(float(instance["WeightedCapacity"]))
        except (TypeError, ValueError):
            return 1


def units_of(group, instance_ids):
    """Capacity units of the group's instances among ``instance_ids``."""
    wanted = set(instance_ids)
    return sum(instance_units(i) for i in group.get("Instances") or [] if i["InstanceId"] in wanted)


def activation_progress(group, health_by_tg):
    """(in service, ready): whether the InService / ready instances give the group's desired capacity.

    Compared in capacity units (see ``instance_units``), so a group whose desired capacity is 8 vCPUs
    is ready with two 4-vCPU instances.
    """
    desired = group.get("DesiredCapacity") or 0
    return (
        units_of(group, in_service(group)) >= desired,
        units_of(group, ready_instances(group, health_by_tg)) >= desired,
    )


# -- the module's plan and result ---------------------------------------------------------------------------
def plan_group(group, entry, params, references):
    """A plan dict for one group: sizes before/after and the capacity to record."""
    tag = params["capacity_tag"]
    before = current_capacity(group)
    existing = recorded_capacity(group, tag)
    if params["state"] == "standby":
        after, record, source = standby_plan(group, entry, params["record_capacity"], tag)
    else:
        target, source = active_target(
            group, entry, references.get(entry.get("reference_group")), params["capacity_percent"], tag
        )
        after, record = never_scale_in(before, target), existing
    return {
        "name": entry["name"],
        "group": group,
        "before": before,
        "after": after,
        "existing_record": existing,
        "record": record,
        "source": source,
        "resize": after != before,
        "retag": record is not None and record != existing,
        "timings": {"update": None, "in_service": None, "healthy": None},
    }


def make_plans(groups, params, references):
    """The plan of every group of the task; one DRError naming every group whose capacity is unusable."""
    plans, problems = [], []
    for entry in params["groups"]:
        try:
            plans.append(plan_group(groups[entry["name"]], entry, params, references))
        except CapacityError as exc:
            problems.append(str(exc))
    if problems:
        raise DRError("; ".join(problems))
    return plans


def describe_plan(plan, group, health, region, check_mode):
    """One item of the module's ``groups``."""
    own = {arn: health.get(arn, {}) for arn in group.get("TargetGroupARNs") or []}
    return {
        "name": plan["name"],
        "region": region,
        "changed": plan["resize"] or plan["retag"],
        "before": plan["before"],
        "after": plan["after"] if check_mode else current_capacity(group),
        "recorded_capacity": plan["record"],
        "capacity_source": plan["source"],
        "target_group_arns": list(group.get("TargetGroupARNs") or []),
        "instances": [instance_view(i, own) for i in group.get("Instances") or []],
        "timings": plan["timings"],
    }


def diff_view(sizes, record):
    view = dict(sizes)
    view["recorded"] = format_capacity(record) if record else None
    return view
