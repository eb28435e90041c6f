#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: asg_pilot_light
version_added: 0.1.0
short_description: Keep Auto Scaling groups as a pilot light and wake them on failover
description:
  - O(state=standby) puts groups at min 0 and desired 0 (max kept) and records the capacity to come
    back to in a tag on each group (C(pilotlight:active-capacity) = C(min=2,desired=2,max=3)); that is the
    group's current capacity when it runs (fencing the primary region before a graceful failover),
    or the capacity given in the task, or the one recorded already.
  - O(state=active) scales groups to their recorded capacity, to an explicit capacity, or to a
    percentage of a reference group in another region (as ARC Region switch does); a group that
    already has more is never scaled in, and a running group without a record (never fenced, for
    example after an ungraceful failover) is left as it is. With O(wait=true) the module waits until the instances are
    C(InService), C(Healthy) and C(healthy) in every target group of their group.
  - The wait counts capacity units, not instances - each instance's C(WeightedCapacity) (1 when it has none), so
    groups with instance weights or a C(DesiredCapacityType) of C(vcpu) or C(memory-mib) are ready once
    their ready instances add up to the desired capacity.
  - Activation from the recorded tag makes calls only in the module's region, so it works while the
    primary region is down.
  - Several groups in one task are scaled concurrently and waited on together; the result lists each
    group's instances and how long they took.
  - This fills a gap of M(amazon.aws.autoscaling_group), which sets sizes but cannot remember the
    capacity to come back to, scale relative to a group in another region, refuse to scale in, or
    wait for target health of several groups at once.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  state:
    description:
      - V(standby) - min 0, desired 0, max kept, active capacity recorded.
      - V(active) - scaled to the active capacity and, with O(wait=true), serving.
    type: str
    choices: [standby, active]
    required: true
    version_added: 0.1.0
  groups:
    description:
      - The Auto Scaling groups, in the module's region. All must exist.
    type: list
    elements: dict
    required: true
    version_added: 0.1.0
    suboptions:
      name:
        description: Name of the group.
        type: str
        required: true
        version_added: 0.1.0
      desired_capacity:
        description:
          - Explicit active capacity. With O(state=active) the group is scaled to it; with
            O(state=standby) it is recorded as the capacity to come back to.
        type: int
        version_added: 0.1.0
      min_size:
        description:
          - Explicit active min size (default O(groups[].desired_capacity)).
          - Needs O(groups[].desired_capacity).
        type: int
        version_added: 0.1.0
      max_size:
        description:
          - Explicit active max size (default the larger of the group's max and O(groups[].desired_capacity)).
            Needs O(groups[].desired_capacity).
        type: int
        version_added: 0.1.0
      reference_group:
        description:
          - With O(state=active), a group in O(reference_region) whose capacity (times
            O(capacity_percent)) this group takes, that is its current capacity, or its recorded capacity when it is
            in standby (fenced).
          - Reading it needs O(reference_region) to answer; leave it out for an ungraceful failover.
        type: str
        version_added: 0.1.0
  reference_region:
    description:
      - Region of the O(groups[].reference_group) groups (the primary region). Must differ from O(region).
    type: str
    version_added: 0.1.0
  capacity_percent:
    description:
      - Percentage of a reference group's capacity to run (rounded up), from 1 to 1000.
    type: int
    default: 100
    version_added: 0.1.0
  record_capacity:
    description:
      - With O(state=standby), record the active capacity on the group. V(false) keeps the tag as it is.
    type: bool
    default: true
    version_added: 0.1.0
  capacity_tag:
    description:
      - Tag key that holds the recorded capacity.
    type: str
    default: "pilotlight:active-capacity"
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description: Returns each group's predicted sizes and recorded capacity; makes no change and does not wait.
  diff_mode:
    support: full
    description: Shows each group's sizes and recorded capacity before and after.
notes:
  - Standby with O(wait=true) waits until the groups have no instance left, so a fenced region serves nothing.
  - The recorded tag is not propagated to instances.
extends_documentation_fragment:
  - pilotlight.dr.wait
  - pilotlight.dr.concurrency
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Arm the pilot light in Tokyo - groups at zero, two instances each to come back to
  pilotlight.dr.asg_pilot_light:
    region: ap-northeast-1
    state: standby
    groups:
      - name: MegaTicket-DR-Web-ASG
        desired_capacity: 2
      - name: MegaTicket-DR-App-ASG
        desired_capacity: 2

- name: Graceful failover, step 1 - fence Seoul, recording what it ran
  pilotlight.dr.asg_pilot_light:
    region: ap-northeast-2
    state: standby
    groups:
      - name: MegaTicket-Web-ASG
      - name: MegaTicket-App-ASG

- name: Ungraceful failover - wake Tokyo from the recorded capacity only (no call to Seoul)
  pilotlight.dr.asg_pilot_light:
    region: ap-northeast-1
    state: active
    groups:
      - name: MegaTicket-DR-Web-ASG
      - name: MegaTicket-DR-App-ASG
    wait: false

- name: Wait until both groups serve behind their target groups
  pilotlight.dr.asg_pilot_light:
    region: ap-northeast-1
    state: active
    groups:
      - name: MegaTicket-DR-Web-ASG
      - name: MegaTicket-DR-App-ASG
    wait_timeout: 900
  register: dr_compute

- name: Or size Tokyo at half of what Seoul runs (Seoul must answer)
  pilotlight.dr.asg_pilot_light:
    region: ap-northeast-1
    state: active
    reference_region: ap-northeast-2
    capacity_percent: 50
    groups:
      - name: MegaTicket-DR-Web-ASG
        reference_group: MegaTicket-Web-ASG

- name: Show the instances that serve
  ansible.builtin.debug:
    msg: "{{ dr_compute.groups | map(attribute='instances') | flatten | map(attribute='instance_id') }}"
"""

RETURN = r"""
groups:
  description: Each group, in the order of O(groups).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the group.
      type: str
      sample: MegaTicket-DR-Web-ASG
    region:
      description: Region of the group.
      type: str
      sample: ap-northeast-1
    changed:
      description: Whether this group's sizes or recorded capacity changed.
      type: bool
      sample: true
    before:
      description: Sizes before the task.
      type: dict
      sample: {"min": 0, "desired": 0, "max": 3}
    after:
      description: Sizes after the task (predicted in check mode).
      type: dict
      sample: {"min": 2, "desired": 2, "max": 3}
    recorded_capacity:
      description: The active capacity recorded on the group after the task, null when none is.
      type: dict
      sample: {"min": 2, "desired": 2, "max": 3}
    capacity_source:
      description:
        - Where the capacity came from - C(explicit), C(recorded), C(current) (standby - what the group ran; active -
          a running group without a record), C(reference (current)), C(reference (recorded)) or C(none).
      type: str
      sample: recorded
    target_group_arns:
      description: Target groups of the group.
      type: list
      elements: str
      sample:
        - arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/MegaTicket-DR-Web-TG/0123456789abcdef
    instances:
      description: The group's instances when the module returned.
      type: list
      elements: dict
      contains:
        instance_id:
          description: Instance id.
          type: str
          sample: i-0123456789abcdef0
        lifecycle_state:
          description: Auto Scaling lifecycle state.
          type: str
          sample: InService
        health_status:
          description: Auto Scaling health status.
          type: str
          sample: Healthy
        availability_zone:
          description: Availability zone.
          type: str
          sample: ap-northeast-1a
        target_health:
          description: Target health state in each target group (ARN -> state).
          type: dict
          sample: {"arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/web/0123": "healthy"}
    timings:
      description:
        - Seconds from the start of the task until the group was scaled (C(update)), had its instances
          InService (C(in_service)) and healthy in its target groups (C(healthy)); null when not reached or
          not waited for.
      type: dict
      sample: {"update": 0.2, "in_service": 95.3, "healthy": 131.0}
timings:
  description: Seconds the whole task took and how long it waited.
  returned: always
  type: dict
  sample: {"total": 131.4, "wait": 130.9}
"""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._autoscaling import capacity
from ansible_collections.pilotlight.dr.plugins.module_utils._autoscaling import groups as asg
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import apply_plans
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline


def validate_params(params):
    names = [entry["name"] for entry in params["groups"]]
    if not names:
        raise DRError("groups is empty: name at least one Auto Scaling group")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise DRError(f"groups names {', '.join(duplicates)} more than once: list each group once")
    if not 1 <= params["capacity_percent"] <= 1000:
        raise DRError(f"capacity_percent must be between 1 and 1000, got {params['capacity_percent']}")
    for entry in params["groups"]:
        for key in ("desired_capacity", "min_size", "max_size"):
            if entry.get(key) is not None and entry[key] < 0:
                raise DRError(f"group {entry['name']}: {key} must be 0 or more, got {entry[key]}")
        if entry.get("reference_group"):
            if params["state"] != "active":
                raise DRError(f"group {entry['name']}: reference_group is only used with state: active")
            if not params["reference_region"]:
                raise DRError(f"group {entry['name']}: reference_group needs reference_region (the primary region)")


# -- the story ------------------------------------------------------------------------------------------------------
def run(module, params):
    started = time.monotonic()
    region = module.region
    validate_params(params)
    client = module.client("autoscaling")
    names = [entry["name"] for entry in params["groups"]]
    groups = asg.read_groups(client, names, region)
    references = {}
    if params["state"] == "active":
        reference_names = sorted({e["reference_group"] for e in params["groups"] if e.get("reference_group")})
        if reference_names:
            references = asg.read_references(
                module.client("autoscaling", region=params["reference_region"]),
                reference_names,
                params["reference_region"],
            )
    plans = capacity.make_plans(groups, params, references)
    to_change = [p for p in plans if p["resize"] or p["retag"]]
    for plan in plans:
        if params["state"] == "standby" and plan["record"] is None:
            module.warn(
                f"group {plan['name']} has no recorded capacity: activating it will need desired_capacity "
                "or reference_group (give desired_capacity here to record one)"
            )
    wait_s = 0.0

    if not module.check_mode:
        apply_plans(
            lambda p: asg.apply_plan(client, p, params["capacity_tag"]),
            to_change,
            params["max_concurrency"],
            "groups",
            started,
        )
        if params["wait"]:
            wait_started = time.monotonic()
            asg.wait_for_groups(
                client,
                module.client("elbv2"),
                plans,
                params["state"],
                Deadline(params["wait_timeout"]),
                started,
                region,
            )
            wait_s = round(time.monotonic() - wait_started, 3)
        groups = asg.read_groups(client, names, region)

    health = asg.health_of(module.client("elbv2"), groups, region) if params["state"] == "active" else {}
    result = dict(
        changed=bool(to_change),
        groups=[capacity.describe_plan(p, groups[p["name"]], health, region, module.check_mode) for p in plans],
        timings={"total": round(time.monotonic() - started, 3), "wait": wait_s},
    )
    if module._diff:
        result["diff"] = make_diff(
            {p["name"]: capacity.diff_view(p["before"], p["existing_record"]) for p in plans},
            {p["name"]: capacity.diff_view(p["after"], p["record"]) for p in plans},
        )
    return result


def main():
    group_spec = dict(
        name=dict(type="str", required=True),
        desired_capacity=dict(type="int"),
        min_size=dict(type="int"),
        max_size=dict(type="int"),
        reference_group=dict(type="str"),
    )
    argument_spec = dict(
        state=dict(type="str", choices=["standby", "active"], required=True),
        groups=dict(type="list", elements="dict", options=group_spec, required=True),
        reference_region=dict(type="str"),
        capacity_percent=dict(type="int", default=100),
        record_capacity=dict(type="bool", default=True),
        capacity_tag=dict(type="str", default=capacity.CAPACITY_TAG),
        max_concurrency=dict(type="int", default=8),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["reference_region"] and module.params["reference_region"] == module.region:
        module.fail_json(
            msg=f"reference_region and region are both {module.region}: the reference group must be in the other "
            "region (the primary region, for example ap-northeast-2)"
        )
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
