#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_nodegroup_pilot_light
version_added: 0.1.0
short_description: Keep EKS managed node groups as a pilot light and wake them on failover
description:
  - O(state=standby) scales managed node groups to a floor (O(standby_size), 0 by default) and records the scaling
    config to come back to in a tag on each node group (C(pilotlight:active-size) = C(2/3/6), min/desired/max);
    that is the node group's current scaling config when it runs (fencing the primary region before a graceful
    failover), or the size given in the task, or the one recorded already.
  - O(state=active) scales node groups to their recorded size, to an explicit size, or to a percentage of a
    reference node group in another region (as ARC Region switch's EKS resource scaling does); a node group that
    already runs more is never scaled in, and a running node group without a record (never fenced) is left as it
    is. With O(wait=true) the module waits until each node group is C(ACTIVE) and has as many nodes C(InService)
    and C(Healthy) as desired in the Auto Scaling groups EKS runs for it.
  - Activation from the recorded tag makes calls only in the module's region, so it works while the primary
    region is down.
  - Several node groups in one task are scaled concurrently and waited on together.
  - This fills a gap of M(community.aws.eks_nodegroup), which sets a scaling config but cannot remember the size
    to come back to, scale relative to a node group in another region, refuse to scale in, predict the result in
    check mode, or wait for nodes (its O(community.aws.eks_nodegroup#module:wait) waits for the node group to be
    C(ACTIVE), which it is while no node has started).
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  state:
    description:
      - V(standby) - scaled to O(standby_size), active size recorded.
      - V(active) - scaled to the active size and, with O(wait=true), its nodes ready.
    type: str
    choices: [standby, active]
    required: true
    version_added: 0.1.0
  cluster:
    description:
      - Name of the EKS cluster of the node groups, in the module's region.
    type: str
    required: true
    version_added: 0.1.0
  nodegroups:
    description:
      - The managed node groups of O(cluster). All must exist.
    type: list
    elements: dict
    required: true
    version_added: 0.1.0
    suboptions:
      name:
        description: Name of the node group.
        type: str
        required: true
        version_added: 0.1.0
      desired_size:
        description:
          - Explicit active desired size. With O(state=active) the node group is scaled to it; with
            O(state=standby) it is recorded as the size to come back to.
        type: int
        version_added: 0.1.0
      min_size:
        description: Active minimum size with O(nodegroups[].desired_size) (default the desired size).
        type: int
        version_added: 0.1.0
      max_size:
        description:
          - Active maximum size with O(nodegroups[].desired_size) (default the current maximum, at least the
            desired size).
        type: int
        version_added: 0.1.0
      reference_nodegroup:
        description:
          - With O(state=active), a node group of O(reference_cluster) in O(reference_region) whose desired size
            (times O(capacity_percent), rounded up) this node group takes, that is its current desired size, or its
            recorded one when it is fenced.
          - Reading it needs O(reference_region) to answer; leave it out for an ungraceful failover.
        type: str
        version_added: 0.1.0
  reference_region:
    description:
      - Region of the O(nodegroups[].reference_nodegroup) node groups (the primary region). Must differ from O(region).
    type: str
    version_added: 0.1.0
  reference_cluster:
    description:
      - Cluster of the O(nodegroups[].reference_nodegroup) node groups. Defaults to O(cluster).
    type: str
    version_added: 0.1.0
  capacity_percent:
    description:
      - Percentage of a reference node group's desired size to run (rounded up), from 1 to 1000.
    type: int
    default: 100
    version_added: 0.1.0
  standby_size:
    description:
      - Nodes a node group keeps in standby (min and desired), for example 1 to keep system pods warm.
    type: int
    default: 0
    version_added: 0.1.0
  ignore_missing:
    description:
      - Leave out node groups that do not exist (reported with C(exists=false)) instead of failing, for example to
        find which ones to create.
    type: bool
    default: false
    version_added: 0.1.0
  record_size:
    description:
      - With O(state=standby), record the active size on the node group. V(false) keeps the tag as it is.
    type: bool
    default: true
    version_added: 0.1.0
  size_tag:
    description:
      - Tag key that holds the recorded size.
    type: str
    default: "pilotlight:active-size"
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description:
      - Returns each node group's predicted scaling config and recorded size; makes no change and does not wait.
  diff_mode:
    support: full
    description: Shows each node group's scaling config and recorded size before and after.
notes:
  - Nodes are counted in the Auto Scaling groups EKS creates for a managed node group (C(InService) and C(Healthy));
    whether Kubernetes reports them C(Ready) is for a kubeconfig to tell (M(kubernetes.core.k8s_info)).
  - Standby with O(wait=true) waits until no more nodes than O(standby_size) are up, so a fenced region runs nothing.
extends_documentation_fragment:
  - pilotlight.dr.wait
  - pilotlight.dr.concurrency
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Arm the pilot light in Tokyo - node groups at zero, three nodes to come back to
  pilotlight.dr.eks_nodegroup_pilot_light:
    region: ap-northeast-1
    state: standby
    cluster: portforge-dr
    nodegroups:
      - name: portforge-dr-nodes
        desired_size: 3
        max_size: 6

- name: Graceful failover, step 1 - fence Seoul, recording what it ran
  pilotlight.dr.eks_nodegroup_pilot_light:
    region: ap-northeast-2
    state: standby
    cluster: portforge-prod
    nodegroups:
      - name: portforge-prod-nodes

- name: Ungraceful failover - wake Tokyo from the recorded size only (no call to Seoul)
  pilotlight.dr.eks_nodegroup_pilot_light:
    region: ap-northeast-1
    state: active
    cluster: portforge-dr
    nodegroups:
      - name: portforge-dr-nodes
    wait_timeout: 900
  register: dr_eks

- name: Or run half of what Seoul runs (Seoul must answer)
  pilotlight.dr.eks_nodegroup_pilot_light:
    region: ap-northeast-1
    state: active
    cluster: portforge-dr
    reference_region: ap-northeast-2
    reference_cluster: portforge-prod
    capacity_percent: 50
    nodegroups:
      - name: portforge-dr-nodes
        reference_nodegroup: portforge-prod-nodes

- name: Show the ready nodes
  ansible.builtin.debug:
    msg: "{{ dr_eks.nodegroups | map(attribute='ready_nodes') }}"
"""

RETURN = r"""
nodegroups:
  description: Each node group, in the order of O(nodegroups).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the node group.
      type: str
      sample: portforge-dr-nodes
    exists:
      description:
        - Whether the node group exists (false only with O(ignore_missing=true); nothing else is returned then).
      type: bool
      sample: true
    arn:
      description: ARN of the node group.
      type: str
      sample: arn:aws:eks:ap-northeast-1:123456789012:nodegroup/portforge-dr/portforge-dr-nodes/0123
    region:
      description: Region of the node group.
      type: str
      sample: ap-northeast-1
    status:
      description: Status of the node group when the module returned.
      type: str
      sample: ACTIVE
    changed:
      description: Whether this node group's scaling config or recorded size changed.
      type: bool
      sample: true
    scaling_before:
      description: Scaling config (min, desired, max) before the task.
      type: dict
      sample: {"min": 0, "desired": 0, "max": 6}
    scaling:
      description: Scaling config after the task (predicted in check mode).
      type: dict
      sample: {"min": 3, "desired": 3, "max": 6}
    ready_nodes:
      description: Nodes InService and Healthy when the module returned.
      type: int
      sample: 3
    nodes:
      description: Nodes up or coming up (Pending or InService) when the module returned.
      type: int
      sample: 3
    recorded_size_before:
      description: The active size recorded on the node group before the task, null when none was.
      type: dict
      sample: null
    recorded_size:
      description: The active size recorded on the node group after the task, null when none is.
      type: dict
      sample: {"min": 3, "desired": 3, "max": 6}
    size_source:
      description:
        - Where the size came from - C(explicit), C(recorded), C(current), C(reference (current)),
          C(reference (recorded)) or C(none).
      type: str
      sample: recorded
    auto_scaling_groups:
      description: The Auto Scaling groups EKS runs the node group's nodes in.
      type: list
      elements: str
      sample: ["eks-portforge-dr-nodes-0123"]
    timings:
      description:
        - Seconds from the start of the task until the node group was updated (C(update)) and its nodes were ready
          (C(ready)); null when not reached or not waited for.
      type: dict
      sample: {"update": 0.3, "ready": 181.0}
timings:
  description: Seconds the whole task took and how long it waited.
  returned: always
  type: dict
  sample: {"total": 181.4, "wait": 180.9}
"""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import apply_plans
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._eks import nodegroups as eks
from ansible_collections.pilotlight.dr.plugins.module_utils._eks import sizes


def validate_params(params):
    names = [entry["name"] for entry in params["nodegroups"]]
    if not names and not params["ignore_missing"]:
        raise DRError("nodegroups is empty: name at least one EKS node group")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise DRError(f"nodegroups names {', '.join(duplicates)} more than once: list each node group once")
    if not 1 <= params["capacity_percent"] <= 1000:
        raise DRError(f"capacity_percent must be between 1 and 1000, got {params['capacity_percent']}")
    if params["standby_size"] < 0:
        raise DRError(f"standby_size must be 0 or more, got {params['standby_size']}")
    for entry in params["nodegroups"]:
        if entry.get("desired_size") is not None and entry["desired_size"] < 0:
            raise DRError(f"node group {entry['name']}: desired_size must be 0 or more, got {entry['desired_size']}")
        if entry.get("reference_nodegroup"):
            if params["state"] != "active":
                raise DRError(f"node group {entry['name']}: reference_nodegroup is only used with state: active")
            if not params["reference_region"]:
                raise DRError(
                    f"node group {entry['name']}: reference_nodegroup needs reference_region (the primary region)"
                )


def run(module, params):
    started = time.monotonic()
    region, cluster = module.region, params["cluster"]
    validate_params(params)
    client, autoscaling = module.client("eks"), module.client("autoscaling")
    names = [entry["name"] for entry in params["nodegroups"]]
    missing = []
    if params["ignore_missing"]:
        found = eks.read_nodegroups(client, cluster, names, region, must_exist=False)
        missing = [name for name in names if name not in found]
        params = dict(params, nodegroups=[e for e in params["nodegroups"] if e["name"] in found])
        names = [name for name in names if name in found]
    nodegroups = eks.read_nodegroups(client, cluster, names, region)
    references = {}
    reference_names = sorted({e["reference_nodegroup"] for e in params["nodegroups"] if e.get("reference_nodegroup")})
    if params["state"] == "active" and reference_names:
        references = eks.read_references(
            module.client("eks", region=params["reference_region"]),
            params["reference_cluster"] or cluster,
            reference_names,
            params["reference_region"],
        )
    plans = sizes.make_plans(nodegroups, params, references)
    to_change = [p for p in plans if p["rescale"] or p["retag"]]
    for plan in plans:
        if params["state"] == "standby" and plan["record"] is None:
            module.warn(
                f"node group {plan['name']} has no recorded size: activating it will need desired_size or "
                "reference_nodegroup (give desired_size here to record one)"
            )
    wait_s = 0.0

    if not module.check_mode:
        apply_plans(
            lambda p: eks.apply_plan(client, cluster, p, params["size_tag"]),
            to_change,
            params["max_concurrency"],
            "node groups",
            started,
        )
        if params["wait"]:
            wait_started = time.monotonic()
            eks.wait_for_nodegroups(
                client, autoscaling, cluster, plans, params["state"], Deadline(params["wait_timeout"]), started, region
            )
            wait_s = round(time.monotonic() - wait_started, 3)
        nodegroups = eks.read_nodegroups(client, cluster, names, region)

    nodes = eks.read_nodes(autoscaling, plans, region)
    result = dict(
        changed=bool(to_change),
        nodegroups=[
            sizes.describe_plan(p, nodegroups[p["name"]], nodes[p["name"]], region, module.check_mode) for p in plans
        ]
        + [{"name": name, "exists": False} for name in missing],
        timings={"total": round(time.monotonic() - started, 3), "wait": wait_s},
    )
    if module._diff:
        result["diff"] = make_diff(
            {p["name"]: sizes.diff_view(p["before"], p["existing_record"]) for p in plans},
            {p["name"]: sizes.diff_view(p["after"], p["record"]) for p in plans},
        )
    return result


def main():
    nodegroup_spec = dict(
        name=dict(type="str", required=True),
        desired_size=dict(type="int"),
        min_size=dict(type="int"),
        max_size=dict(type="int"),
        reference_nodegroup=dict(type="str"),
    )
    argument_spec = dict(
        state=dict(type="str", choices=["standby", "active"], required=True),
        cluster=dict(type="str", required=True),
        nodegroups=dict(type="list", elements="dict", options=nodegroup_spec, required=True),
        reference_region=dict(type="str"),
        reference_cluster=dict(type="str"),
        capacity_percent=dict(type="int", default=100),
        standby_size=dict(type="int", default=0),
        ignore_missing=dict(type="bool", default=False),
        record_size=dict(type="bool", default=True),
        size_tag=dict(type="str", default=sizes.SIZE_TAG),
        max_concurrency=dict(type="int", default=8),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.require_distinct_regions(region=module.region, reference_region=module.params["reference_region"])
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
