#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_pilot_light
version_added: 0.1.0
short_description: Keep ECS services as a pilot light and wake them on failover
description:
  - O(state=standby) sets services' desired count to 0 and records the count to come back to in a tag on
    each service (C(pilotlight:active-count) = C(4)); that is the service's current desired count when it runs
    (fencing the primary region before a graceful failover), or the count given in the task, or the one
    recorded already.
  - O(state=active) sets services to their recorded count, to an explicit count, or to a percentage of a
    reference service in another region (as ARC Region switch's ECS service scaling does); a service that
    already runs more is never scaled in, and a running service without a record (never fenced, for example
    after an ungraceful failover) is left as it is. With O(wait=true) the module waits until each service's
    running count equals its desired count with nothing pending, and each of its target groups has at least
    that many C(healthy) targets.
  - Activation from the recorded tag makes calls only in the module's region, so it works while the
    primary region is down.
  - Several services in one task are scaled concurrently and waited on together.
  - This fills a gap of M(community.aws.ecs_service), which sets a desired count but cannot remember the
    count to come back to, scale relative to a service in another region, refuse to scale in, predict the
    result in check mode, or wait for running tasks and target health (its O(community.aws.ecs_service#module:wait)
    only waits for a deleted service to be inactive).
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  state:
    description:
      - V(standby) - desired count 0, active count recorded.
      - V(active) - desired count set to the active count and, with O(wait=true), serving.
    type: str
    choices: [standby, active]
    required: true
    version_added: 0.1.0
  cluster:
    description:
      - Name or ARN of the ECS cluster of the services, in the module's region.
    type: str
    required: true
    version_added: 0.1.0
  services:
    description:
      - The ECS services of O(cluster). All must exist and be C(ACTIVE).
    type: list
    elements: dict
    required: true
    version_added: 0.1.0
    suboptions:
      name:
        description: Name of the service.
        type: str
        required: true
        version_added: 0.1.0
      desired_count:
        description:
          - Explicit active count. With O(state=active) the service is scaled to it; with O(state=standby)
            it is recorded as the count to come back to.
        type: int
        version_added: 0.1.0
      reference_service:
        description:
          - With O(state=active), a service of O(reference_cluster) in O(reference_region) whose desired count
            (times O(capacity_percent), rounded up) this service takes, that is its current desired count, or its
            recorded count when it is in standby (fenced).
          - Reading it needs O(reference_region) to answer; leave it out for an ungraceful failover.
        type: str
        version_added: 0.1.0
  reference_region:
    description:
      - Region of the O(services[].reference_service) services (the primary region). Must differ from O(region).
    type: str
    version_added: 0.1.0
  reference_cluster:
    description:
      - Cluster of the O(services[].reference_service) services. Defaults to O(cluster).
    type: str
    version_added: 0.1.0
  capacity_percent:
    description:
      - Percentage of a reference service's count to run (rounded up), from 1 to 1000.
    type: int
    default: 100
    version_added: 0.1.0
  record_count:
    description:
      - With O(state=standby), record the active count on the service. V(false) keeps the tag as it is.
    type: bool
    default: true
    version_added: 0.1.0
  count_tag:
    description:
      - Tag key that holds the recorded count.
    type: str
    default: "pilotlight:active-count"
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description: Returns each service's predicted desired count and recorded count; makes no change and does not wait.
  diff_mode:
    support: full
    description: Shows each service's desired count and recorded count before and after.
notes:
  - Standby with O(wait=true) waits until the services run and start no task, so a fenced region serves nothing.
extends_documentation_fragment:
  - pilotlight.dr.wait
  - pilotlight.dr.concurrency
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Arm the pilot light in Tokyo - services at zero, four tasks to come back to (seed 003)
  pilotlight.dr.ecs_pilot_light:
    region: ap-northeast-1
    state: standby
    cluster: fileflow-dr-cluster
    services:
      - name: fileflow-dr-service
        desired_count: 4

- name: Graceful failover, step 1 - fence Seoul, recording what it ran
  pilotlight.dr.ecs_pilot_light:
    region: ap-northeast-2
    state: standby
    cluster: fileflow-prod-cluster
    services:
      - name: fileflow-prod-service

- name: Ungraceful failover - wake Tokyo from the recorded count only (no call to Seoul)
  pilotlight.dr.ecs_pilot_light:
    region: ap-northeast-1
    state: active
    cluster: fileflow-dr-cluster
    services:
      - name: fileflow-dr-service
    wait_timeout: 900
  register: dr_ecs

- name: Or run half of what Seoul runs (Seoul must answer)
  pilotlight.dr.ecs_pilot_light:
    region: ap-northeast-1
    state: active
    cluster: fileflow-dr-cluster
    reference_region: ap-northeast-2
    reference_cluster: fileflow-prod-cluster
    capacity_percent: 50
    services:
      - name: fileflow-dr-service
        reference_service: fileflow-prod-service

- name: Show what serves
  ansible.builtin.debug:
    msg: "{{ dr_ecs.services | map(attribute='running_count') }}"
"""

RETURN = r"""
services:
  description: Each service, in the order of O(services).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the service.
      type: str
      sample: fileflow-dr-service
    arn:
      description: ARN of the service.
      type: str
      sample: arn:aws:ecs:ap-northeast-1:123456789012:service/fileflow-dr-cluster/fileflow-dr-service
    region:
      description: Region of the service.
      type: str
      sample: ap-northeast-1
    changed:
      description: Whether this service's desired count or recorded count changed.
      type: bool
      sample: true
    desired_count_before:
      description: Desired count before the task.
      type: int
      sample: 0
    desired_count:
      description: Desired count after the task (predicted in check mode).
      type: int
      sample: 4
    running_count:
      description: Running tasks when the module returned.
      type: int
      sample: 4
    pending_count:
      description: Pending tasks when the module returned.
      type: int
      sample: 0
    recorded_count:
      description: The active count recorded on the service after the task, null when none is.
      type: int
      sample: 4
    count_source:
      description:
        - Where the count came from - C(explicit), C(recorded), C(current) (standby - what the service ran;
          active - a running service without a record), C(reference (current)), C(reference (recorded)) or C(none).
      type: str
      sample: recorded
    target_groups:
      description: Healthy targets in each target group of the service (ARN -> count).
      type: dict
      sample: {"arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/fileflow-dr-tg/0123": 4}
    timings:
      description:
        - Seconds from the start of the task until the service was updated (C(update)), ran its desired
          count (C(running)) and had that many healthy targets (C(healthy)); null when not reached or not waited for.
      type: dict
      sample: {"update": 0.2, "running": 61.0, "healthy": 75.5}
timings:
  description: Seconds the whole task took and how long it waited.
  returned: always
  type: dict
  sample: {"total": 75.9, "wait": 75.3}
"""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import apply_plans
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import counts
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import services as ecs


def validate_params(params):
    names = [entry["name"] for entry in params["services"]]
    if not names:
        raise DRError("services is empty: name at least one ECS service")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise DRError(f"services names {', '.join(duplicates)} more than once: list each service once")
    if not 1 <= params["capacity_percent"] <= 1000:
        raise DRError(f"capacity_percent must be between 1 and 1000, got {params['capacity_percent']}")
    for entry in params["services"]:
        if entry.get("desired_count") is not None and entry["desired_count"] < 0:
            raise DRError(f"service {entry['name']}: desired_count must be 0 or more, got {entry['desired_count']}")
        if entry.get("reference_service"):
            if params["state"] != "active":
                raise DRError(f"service {entry['name']}: reference_service is only used with state: active")
            if not params["reference_region"]:
                raise DRError(f"service {entry['name']}: reference_service needs reference_region (the primary region)")


def run(module, params):
    started = time.monotonic()
    region, cluster = module.region, params["cluster"]
    validate_params(params)
    client = module.client("ecs")
    names = [entry["name"] for entry in params["services"]]
    services = ecs.read_services(client, cluster, names, region)
    references = {}
    reference_names = sorted({e["reference_service"] for e in params["services"] if e.get("reference_service")})
    if params["state"] == "active" and reference_names:
        references = ecs.read_references(
            module.client("ecs", region=params["reference_region"]),
            params["reference_cluster"] or cluster,
            reference_names,
            params["reference_region"],
        )
    plans = counts.make_plans(services, params, references)
    to_change = [p for p in plans if p["rescale"] or p["retag"]]
    for plan in plans:
        if params["state"] == "standby" and plan["record"] is None:
            module.warn(
                f"service {plan['name']} has no recorded count: activating it will need desired_count or "
                "reference_service (give desired_count here to record one)"
            )
    wait_s = 0.0

    if not module.check_mode:
        apply_plans(
            lambda p: ecs.apply_plan(client, cluster, p, params["count_tag"]),
            to_change,
            params["max_concurrency"],
            "services",
            started,
        )
        if params["wait"]:
            wait_started = time.monotonic()
            ecs.wait_for_services(
                client,
                module.client("elbv2"),
                cluster,
                plans,
                params["state"],
                Deadline(params["wait_timeout"]),
                started,
                region,
            )
            wait_s = round(time.monotonic() - wait_started, 3)
        services = ecs.read_services(client, cluster, names, region)

    health = {}
    if params["state"] == "active":
        health = ecs.health_of(module.client("elbv2"), list(services.values()), region)
    result = dict(
        changed=bool(to_change),
        services=[counts.describe_plan(p, services[p["name"]], health, region, module.check_mode) for p in plans],
        timings={"total": round(time.monotonic() - started, 3), "wait": wait_s},
    )
    if module._diff:
        result["diff"] = make_diff(
            {p["name"]: counts.diff_view(p["before"], p["existing_record"]) for p in plans},
            {p["name"]: counts.diff_view(p["after"], p["record"]) for p in plans},
        )
    return result


def main():
    service_spec = dict(
        name=dict(type="str", required=True),
        desired_count=dict(type="int"),
        reference_service=dict(type="str"),
    )
    argument_spec = dict(
        state=dict(type="str", choices=["standby", "active"], required=True),
        cluster=dict(type="str", required=True),
        services=dict(type="list", elements="dict", options=service_spec, required=True),
        reference_region=dict(type="str"),
        reference_cluster=dict(type="str"),
        capacity_percent=dict(type="int", default=100),
        record_count=dict(type="bool", default=True),
        count_tag=dict(type="str", default=counts.COUNT_TAG),
        max_concurrency=dict(type="int", default=8),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.require_distinct_regions(region=module.region, reference_region=module.params["reference_region"])
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
