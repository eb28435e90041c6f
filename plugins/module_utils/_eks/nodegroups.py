# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The EKS and Auto Scaling calls of eks_nodegroup_pilot_light: each takes boto3 clients and raises DRError."""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._eks import sizes

# DescribeAutoScalingGroups takes at most 50 names per call.
MAX_GROUPS_PER_CALL = 50


# -- reads -----------------------------------------------------------------------------------------------
@DRErrorHandler.reader("read EKS node group {2} of cluster {1}", missing=("ResourceNotFoundException",))
def describe_nodegroup(client, cluster, name):
    """The node group, None when it does not exist."""
    return client.describe_nodegroup(clusterName=cluster, nodegroupName=name, aws_retry=True)["nodegroup"]


def describe_nodegroups(client, cluster, names):
    """{name: node group} of the node groups among ``names`` that exist."""
    out = {}
    for name in dict.fromkeys(names):
        nodegroup = describe_nodegroup(client, cluster, name)
        if nodegroup is not None:
            out[name] = nodegroup
    return out


def read_nodegroups(client, cluster, names, region, must_exist=True):
    """{name: node group} of every node group in ``names``; DRError naming the missing ones when they must exist."""
    with aws_errors(f"read the node groups of EKS cluster {cluster} in {region}"):
        nodegroups = describe_nodegroups(client, cluster, names)
    missing = [name for name in names if name not in nodegroups]
    if missing and must_exist:
        raise DRError(
            f"EKS node group(s) {', '.join(missing)} not found in cluster {cluster} in {region}: "
            "check the names, the cluster and the region "
            "(create them with the cluster, or with dr_eks_create_nodegroups)"
        )
    return nodegroups


def read_references(client, cluster, names, region):
    """The reference node groups (in the primary region, ``client``'s region) that size the DR ones."""
    if not names:
        return {}
    with aws_errors(
        f"read the reference node group(s) {', '.join(names)} of EKS cluster {cluster} in {region} "
        "(is the region reachable?)",
        "leave reference_nodegroup out to use the recorded size",
    ):
        nodegroups = describe_nodegroups(client, cluster, names)
    missing = [name for name in names if name not in nodegroups]
    if missing:
        raise DRError(f"reference node group(s) {', '.join(missing)} not found in EKS cluster {cluster} in {region}")
    return nodegroups


def instances_of(autoscaling, group_names):
    """{Auto Scaling group name: [instances]} of the node groups' groups (a group not found has no entry)."""
    out = {}
    names = sorted(set(group_names))
    for start in range(0, len(names), MAX_GROUPS_PER_CALL):
        paginator = autoscaling.get_paginator("describe_auto_scaling_groups")
        pages = paginator.paginate(AutoScalingGroupNames=names[start : start + MAX_GROUPS_PER_CALL]).build_full_result()
        for group in pages.get("AutoScalingGroups", []):
            out[group["AutoScalingGroupName"]] = group.get("Instances", [])
    return out


def read_nodes(autoscaling, plans, region):
    """{node group name: [instances]} from the Auto Scaling groups EKS created for each node group."""
    with aws_errors(f"read the nodes (Auto Scaling groups) of the node groups in {region}"):
        by_group = instances_of(autoscaling, [g for p in plans for g in p["auto_scaling_groups"]])
    return {p["name"]: [i for g in p["auto_scaling_groups"] for i in by_group.get(g, [])] for p in plans}


# -- changes ---------------------------------------------------------------------------------------------
def apply_plan(client, cluster, plan, tag):
    """Record the size tag, then set the scaling config; the node group's name."""
    name = plan["name"]
    with aws_errors(
        f"change EKS node group {name} of cluster {cluster}",
        "check that the node group is ACTIVE (an UPDATING one takes no new scaling config) and run the task again",
    ):
        if plan["retag"]:
            client.tag_resource(resourceArn=plan["arn"], tags={tag: sizes.format_size(plan["record"])}, aws_retry=True)
        if plan["rescale"]:
            after = plan["after"]
            client.update_nodegroup_config(
                clusterName=cluster,
                nodegroupName=name,
                scalingConfig={"minSize": after["min"], "maxSize": after["max"], "desiredSize": after["desired"]},
                aws_retry=True,
            )
    return name


def wait_for_nodegroups(client, autoscaling, cluster, plans, state, deadline, started, region):
    """One loop for all node groups: active ones until their nodes are ready, standby ones until scaled in."""
    waiting = {p["name"] for p in plans}

    def check():
        pending = [p for p in plans if p["name"] in waiting]
        with aws_errors(f"read the node groups of EKS cluster {cluster} in {region}"):
            nodegroups = describe_nodegroups(client, cluster, [p["name"] for p in pending])
        nodes = read_nodes(autoscaling, pending, region)
        now = round(time.monotonic() - started, 3)
        for plan in pending:
            nodegroup = nodegroups.get(plan["name"])
            if nodegroup is not None and sizes.settled(plan, nodegroup, nodes[plan["name"]], state):
                plan["timings"]["ready"] = now
                waiting.discard(plan["name"])
        return not waiting

    what = "nodes to terminate" if state == "standby" else "nodes InService and Healthy (ready = desired)"
    try:
        # On the failover's critical path: poll at most every 5 s so the RTO is not padded by the back-off.
        wait_until(check, deadline, f"{what} ({', '.join(sorted(waiting))} in {region})", delay=1.0, max_delay=5.0)
    except WaitTimeout as exc:
        raise WaitTimeout(f"{exc.message}; not ready: {', '.join(sorted(waiting))}") from None
