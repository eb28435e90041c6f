# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Auto Scaling and ELB calls of asg_pilot_light: each takes boto3 clients and raises DRError."""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._autoscaling import capacity
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until

# DescribeAutoScalingGroups takes at most 50 AutoScalingGroupNames per call.
MAX_NAMES_PER_CALL = 50


def chunked(items, size=MAX_NAMES_PER_CALL):
    items = list(items)
    return [items[start : start + size] for start in range(0, len(items), size)]


# -- reads -----------------------------------------------------------------------------------------------
@RETRY_DECORATOR
def _describe_some_groups(client, names):
    paginator = client.get_paginator("describe_auto_scaling_groups")
    return paginator.paginate(AutoScalingGroupNames=list(names)).build_full_result().get("AutoScalingGroups", [])


def describe_groups(client, names):
    """{name: group} of the groups among ``names`` that exist, in calls of at most 50 names."""
    out = {}
    for chunk in chunked(dict.fromkeys(names)):
        for group in _describe_some_groups(client, chunk):
            out[group["AutoScalingGroupName"]] = group
    return out


def target_health(elbv2, target_group_arn):
    """{instance id: state} of a target group's targets."""
    descriptions = elbv2.describe_target_health(TargetGroupArn=target_group_arn, aws_retry=True)
    return {d["Target"]["Id"]: d["TargetHealth"]["State"] for d in descriptions.get("TargetHealthDescriptions", [])}


def read_groups(client, names, region):
    """{name: group} of every group in ``names``; DRError naming the missing ones."""
    with aws_errors(f"read Auto Scaling groups in {region}"):
        groups = describe_groups(client, names)
    missing = [name for name in names if name not in groups]
    if missing:
        raise DRError(f"Auto Scaling group(s) {', '.join(missing)} not found in {region}: check the names and region")
    return groups


def read_references(client, names, region):
    """The reference groups (in the primary region, ``client``'s region) that size the DR groups."""
    if not names:
        return {}
    with aws_errors(
        f"read the reference group(s) {', '.join(names)} in {region} (is the region reachable?)",
        "leave reference_group out to use the recorded capacity",
    ):
        groups = describe_groups(client, names)
    missing = [name for name in names if name not in groups]
    if missing:
        raise DRError(f"reference group(s) {', '.join(missing)} not found in {region}")
    return groups


def health_of(elbv2, groups, region):
    """{target group arn: {instance id: state}} of every target group of ``groups``."""
    arns = sorted({arn for group in groups.values() for arn in group.get("TargetGroupARNs") or []})
    with aws_errors(f"read target health in {region}"):
        return {arn: target_health(elbv2, arn) for arn in arns}


# -- changes ---------------------------------------------------------------------------------------------
def apply_plan(client, plan, tag):
    """Record the capacity tag, then resize; the group's name."""
    name = plan["name"]
    with aws_errors(f"change Auto Scaling group {name}"):
        if plan["retag"]:
            client.create_or_update_tags(
                Tags=[
                    {
                        "ResourceId": name,
                        "ResourceType": "auto-scaling-group",
                        "Key": tag,
                        "Value": capacity.format_capacity(plan["record"]),
                        "PropagateAtLaunch": False,
                    }
                ],
                aws_retry=True,
            )
        if plan["resize"]:
            after = plan["after"]
            client.update_auto_scaling_group(
                AutoScalingGroupName=name,
                MinSize=after["min"],
                MaxSize=after["max"],
                DesiredCapacity=after["desired"],
                aws_retry=True,
            )
    return name


def wait_for_groups(client, elbv2, plans, state, deadline, started, region):
    """One loop for all groups: active ones until serving, standby ones until empty. Records timings."""
    names = [p["name"] for p in plans]
    waiting = set(names)

    def check():
        with aws_errors(f"read Auto Scaling groups in {region}"):
            groups = describe_groups(client, names)
        health = {}
        if state == "active":
            health = health_of(elbv2, {n: groups[n] for n in waiting if n in groups}, region)
        now = round(time.monotonic() - started, 3)
        for plan in plans:
            group = groups.get(plan["name"])
            if group is None or plan["name"] not in waiting:
                continue
            if state == "standby":
                if not group.get("Instances"):
                    waiting.discard(plan["name"])
                continue
            own = {arn: health.get(arn, {}) for arn in group.get("TargetGroupARNs") or []}
            # In capacity units: with instance weights or DesiredCapacityType vcpu/memory-mib,
            # DesiredCapacity is not an instance count.
            in_service_reached, ready_reached = capacity.activation_progress(group, own)
            if plan["timings"]["in_service"] is None and in_service_reached:
                plan["timings"]["in_service"] = now
            if ready_reached:
                plan["timings"]["healthy"] = now
                waiting.discard(plan["name"])
        return not waiting

    what = "instances to leave the groups" if state == "standby" else "instances InService and healthy"
    try:
        # On the failover's critical path: poll at most every 3 s so the RTO is not padded by the back-off.
        wait_until(check, deadline, f"{what} ({', '.join(sorted(waiting))} in {region})", delay=1.0, max_delay=3.0)
    except WaitTimeout as exc:
        raise WaitTimeout(f"{exc.message}; not ready: {', '.join(sorted(waiting))}") from None
