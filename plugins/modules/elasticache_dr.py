#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elasticache_dr
version_added: 0.1.0
short_description: ElastiCache Redis in the DR region - rebuilt on failover or promoted from a Global Datastore
description:
  - O(state=present) creates the Redis replication group when it is missing (seed 003 - C(cache.r6g.large) x 2,
    automatic failover) and, with O(wait=true), waits until it is C(available); it returns its endpoints. An
    existing group is left as it is (differences from the parameters are warned about, not changed).
  - O(state=absent) deletes the replication group and, with O(wait=true), waits until it is gone.
  - O(state=promoted) makes a Global Datastore secondary in the module's region writable - with
    C(FailoverGlobalReplicationGroup) when the primary's region answers (O(primary_reachable=true); the old primary
    becomes a secondary), or with C(DisassociateGlobalReplicationGroup) when it does not (the group leaves the
    datastore as a stand-alone group). A group that is already the primary, or stand-alone, is left as it is. The
    result carries the replication lag read from CloudWatch just before, as RPO evidence.
  - This fills gaps of community.aws - M(community.aws.elasticache) manages single cache clusters
    (C(CreateCacheCluster)), not replication groups with a primary and replicas, and nothing in amazon.aws or
    community.aws manages Global Datastores (failover, disassociation) or waits for a replication group.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  state:
    description:
      - V(present) - the replication group exists (created when missing) and, with O(wait=true), is available.
      - V(absent) - the replication group does not exist.
      - V(promoted) - the replication group is writable (Global Datastore primary, or stand-alone).
    type: str
    choices: [present, absent, promoted]
    required: true
    version_added: 0.1.0
  replication_group_id:
    description: Id of the replication group in the module's region.
    type: str
    required: true
    version_added: 0.1.0
  description:
    description: Description of a group this module creates.
    type: str
    default: DR Redis
    version_added: 0.1.0
  engine:
    description: Engine of a group this module creates.
    type: str
    default: redis
    choices: [redis, valkey]
    version_added: 0.1.0
  engine_version:
    description: Engine version of a group this module creates (the engine's default when left out).
    type: str
    version_added: 0.1.0
  node_type:
    description: Node type of a group this module creates.
    type: str
    default: cache.r6g.large
    version_added: 0.1.0
  num_cache_clusters:
    description: Nodes (a primary and replicas) of a group this module creates.
    type: int
    default: 2
    version_added: 0.1.0
  automatic_failover:
    description: Automatic failover to a replica in the region (needs O(num_cache_clusters) of 2 or more).
    type: bool
    default: true
    version_added: 0.1.0
  multi_az:
    description: Multi-AZ of a group this module creates (the service's default when left out).
    type: bool
    version_added: 0.1.0
  cache_subnet_group:
    description: Cache subnet group in the DR VPC.
    type: str
    version_added: 0.1.0
  security_group_ids:
    description: Security groups of the nodes.
    type: list
    elements: str
    version_added: 0.1.0
  parameter_group:
    description: Cache parameter group.
    type: str
    version_added: 0.1.0
  port:
    description: Port (6379 when left out).
    type: int
    version_added: 0.1.0
  at_rest_encryption:
    description: Encryption at rest.
    type: bool
    version_added: 0.1.0
  transit_encryption:
    description: Encryption in transit (TLS).
    type: bool
    version_added: 0.1.0
  kms_key_id:
    description: KMS key for encryption at rest, in the module's region.
    type: str
    version_added: 0.1.0
  tags:
    description: Tags of a group this module creates.
    type: dict
    version_added: 0.1.0
  global_replication_group_id:
    description:
      - With O(state=present), a group this module creates is a secondary of this Global Datastore (engine, version,
        node type and encryption come from the datastore).
      - With O(state=promoted), the Global Datastore the group is a secondary of (read to check membership); when
        left out, the group's own C(GlobalReplicationGroupInfo) names it.
    type: str
    version_added: 0.1.0
  primary_reachable:
    description:
      - With O(state=promoted), whether the Global Datastore's primary region answers. V(true) fails over (the old
        primary stays in the datastore as a secondary); V(false) detaches the secondary (no call to the primary region).
    type: bool
    default: true
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description: Returns the action it would take and the group as it would be; makes no change and does not wait.
  diff_mode:
    support: full
    description: Shows the group's existence, status and Global Datastore role before and after.
notes:
  - A rebuilt group starts empty - the RPO of the cache is everything in it (C(rpo.data_loss) says so).
extends_documentation_fragment:
  - pilotlight.dr.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Failover (rebuild, seed 003) - create FileFlow's Redis in Tokyo and wait until it is available
  pilotlight.dr.elasticache_dr:
    region: ap-northeast-1
    state: present
    replication_group_id: fileflow-dr-redis
    description: DR Redis for FileFlow
    node_type: cache.r6g.large
    num_cache_clusters: 2
    cache_subnet_group: fileflow-dr-redis
    security_group_ids: [sg-0123456789abcdef0]
    wait_timeout: 1200
  register: dr_redis

- name: Publish the endpoint where the application reads it
  community.aws.ssm_parameter:
    region: ap-northeast-1
    name: /fileflow/redis/endpoint
    value: "{{ dr_redis.endpoint }}"

- name: Failover (Global Datastore) with Seoul down - detach the Tokyo secondary
  pilotlight.dr.elasticache_dr:
    region: ap-northeast-1
    state: promoted
    replication_group_id: fileflow-dr-redis
    primary_reachable: false

- name: Failback (rebuild) - delete the DR group
  pilotlight.dr.elasticache_dr:
    region: ap-northeast-1
    state: absent
    replication_group_id: fileflow-dr-redis
"""

RETURN = r"""
action:
  description:
    - What the task did (or would do in check mode) - C(created), C(exists), C(deleted), C(absent), C(failover),
      C(disassociated) or C(none) (already writable).
  returned: always
  type: str
  sample: created
replication_group:
  description: The replication group after the task (predicted in check mode), null when it does not exist.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the group.
      type: str
      sample: fileflow-dr-redis
    arn:
      description: ARN of the group.
      type: str
      sample: arn:aws:elasticache:ap-northeast-1:123456789012:replicationgroup:fileflow-dr-redis
    region:
      description: Region of the group.
      type: str
      sample: ap-northeast-1
    status:
      description: Status of the group.
      type: str
      sample: available
    node_type:
      description: Node type.
      type: str
      sample: cache.r6g.large
    member_clusters:
      description: The group's cache clusters (nodes).
      type: list
      elements: str
      sample: ["fileflow-dr-redis-001", "fileflow-dr-redis-002"]
    primary_endpoint:
      description: Primary (writer) endpoint, C(address) and C(port); for cluster mode, the configuration endpoint.
      type: dict
      sample: {"address": "master.fileflow-dr-redis.abc123.apne1.cache.amazonaws.com", "port": 6379}
    reader_endpoint:
      description: Reader endpoint, C(address) and C(port).
      type: dict
      sample: {"address": "replica.fileflow-dr-redis.abc123.apne1.cache.amazonaws.com", "port": 6379}
    global_replication_group_id:
      description: The Global Datastore the group is in, null when none.
      type: str
      sample: ldgnf-fileflow
    global_role:
      description: The group's role in its Global Datastore (C(PRIMARY), C(SECONDARY)), null when none.
      type: str
      sample: PRIMARY
endpoint:
  description: The primary endpoint as C(address:port), for the application; null until the group has one.
  returned: always
  type: str
  sample: master.fileflow-dr-redis.abc123.apne1.cache.amazonaws.com:6379
rpo:
  description: RPO evidence for the report - what the failover loses.
  returned: when O(state=present) or O(state=promoted)
  type: dict
  sample: {"mode": "rebuild", "data_loss": "everything in the cache ...", "replication_lag_seconds": null}
timings:
  description: Seconds the whole task took and how long it waited.
  returned: always
  type: dict
  sample: {"total": 612.3, "wait": 611.8}
"""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._elasticache import groups
from ansible_collections.pilotlight.dr.plugins.module_utils._elasticache import plan
from ansible_collections.pilotlight.dr.plugins.module_utils._kms.keys import enabled_key_arn

ACTIONS = {"none": "none", "failover": "failover", "disassociate": "disassociated"}


def present(module, params, client, group, wait):
    if group is not None:
        for difference in plan.drift(group, params):
            module.warn(f"replication group {params['replication_group_id']} exists with {difference}: left as it is")
        if params["wait"] and not module.check_mode and not groups.available(group):
            group = wait(groups.available, "available")
        return "exists", group, None
    request = plan.create_request(params)
    if module.check_mode:
        predicted = {
            "ReplicationGroupId": request["ReplicationGroupId"],
            "Status": "available",
            "CacheNodeType": request.get("CacheNodeType"),
        }
        if params["global_replication_group_id"]:
            predicted["GlobalReplicationGroupInfo"] = {
                "GlobalReplicationGroupId": params["global_replication_group_id"],
                "GlobalReplicationGroupMemberRole": "SECONDARY",
            }
        return "created", None, predicted
    group = groups.create_group(client, request)
    if params["wait"]:
        group = wait(groups.available, "available")
    return "created", group, None


def absent(module, params, client, group, wait):
    if group is None:
        return "absent", None, None
    if module.check_mode:
        return "deleted", None, None
    if group.get("Status") != "deleting":
        groups.delete_group(client, params["replication_group_id"])
    if params["wait"]:
        wait(groups.gone, "deleted")
        return "deleted", None, None
    return "deleted", groups.describe_group(client, params["replication_group_id"]), None


def promote(module, params, client, group, wait, region):
    group_id = params["replication_group_id"]
    if group is None:
        raise DRError(
            f"replication group {group_id} not found in {region}: a Global Datastore secondary must exist in DR "
            "before the failover (check the cache readiness)"
        )
    global_id = plan.global_role(group)[0]
    expected = params["global_replication_group_id"]
    if expected and global_id and expected != global_id:
        raise DRError(
            f"replication group {group_id} in {region} is in Global Datastore {global_id}, not {expected}: "
            "fix global_replication_group_id"
        )
    datastore = groups.describe_global(client, global_id) if global_id else None
    action, _why = plan.promotion(datastore, group, group_id, region, params["primary_reachable"])
    if action == "none":
        return "none", group, None, (None, "already writable: nothing was promoted")
    lag = groups.read_lag(module.client("cloudwatch"), group, region)
    if module.check_mode:
        info = {}
        if action == "failover":
            info = {"GlobalReplicationGroupId": global_id, "GlobalReplicationGroupMemberRole": "PRIMARY"}
        return ACTIONS[action], group, dict(group, GlobalReplicationGroupInfo=info), lag
    if action == "failover":
        groups.failover(client, global_id, region, group_id)
    else:
        groups.disassociate(client, global_id, group_id, region)
    current = wait(groups.writable, "writable") if params["wait"] else groups.describe_group(client, group_id)
    return ACTIONS[action], current, None, lag


def diff_view(group):
    if not group:
        return {"exists": False}
    global_id, role = plan.global_role(group)
    return {
        "exists": True,
        "status": group.get("Status"),
        "global_replication_group_id": global_id,
        "global_role": role,
    }


def check_encryption(module, params):
    """Before any change: a KMS key encrypts data at rest, so it needs at_rest_encryption, and must exist here."""
    if not params["kms_key_id"] or params["state"] != "present":
        return
    if params["at_rest_encryption"] is False:
        module.fail_json(
            msg="kms_key_id is given with at_rest_encryption: false; a KMS key encrypts data at rest: "
            "set at_rest_encryption: true or drop kms_key_id"
        )
    enabled_key_arn(module.client("kms"), params["kms_key_id"], module.region, what="kms_key_id")


def run(module, params):
    check_encryption(module, params)
    started = time.monotonic()
    region, group_id = module.region, params["replication_group_id"]
    client = module.client("elasticache")
    deadline = Deadline(params["wait_timeout"])
    waited = {"seconds": 0.0}

    def wait(ready, what):
        wait_started = time.monotonic()
        try:
            return groups.wait_for(client, group_id, ready, deadline, what)
        finally:
            waited["seconds"] += time.monotonic() - wait_started

    before = groups.describe_group(client, group_id)
    result = {}
    if params["state"] == "present":
        action, after, predicted = present(module, params, client, before, wait)
        result["rpo"] = plan.rpo_evidence("rebuild")
    elif params["state"] == "absent":
        action, after, predicted = absent(module, params, client, before, wait)
    else:
        action, after, predicted, (lag, note) = promote(module, params, client, before, wait, region)
        result["rpo"] = plan.rpo_evidence("global_datastore", lag, note)
    shown = predicted if module.check_mode and predicted is not None else after
    if module.check_mode and params["state"] == "absent":
        shown = None
    described = plan.describe_group(shown, region)
    primary = (described or {}).get("primary_endpoint")
    result.update(
        changed=action in ("created", "deleted", "failover", "disassociated"),
        action=action,
        replication_group=described,
        endpoint=f"{primary['address']}:{primary['port']}" if primary else None,
        timings={"total": round(time.monotonic() - started, 3), "wait": round(waited["seconds"], 3)},
    )
    if module._diff:
        result["diff"] = make_diff(diff_view(before), diff_view(shown))
    return result


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent", "promoted"], required=True),
        replication_group_id=dict(type="str", required=True),
        description=dict(type="str", default="DR Redis"),
        engine=dict(type="str", default="redis", choices=["redis", "valkey"]),
        engine_version=dict(type="str"),
        node_type=dict(type="str", default="cache.r6g.large"),
        num_cache_clusters=dict(type="int", default=2),
        automatic_failover=dict(type="bool", default=True),
        multi_az=dict(type="bool"),
        cache_subnet_group=dict(type="str"),
        security_group_ids=dict(type="list", elements="str"),
        parameter_group=dict(type="str"),
        port=dict(type="int"),
        at_rest_encryption=dict(type="bool"),
        transit_encryption=dict(type="bool"),
        kms_key_id=dict(type="str"),
        tags=dict(type="dict"),
        global_replication_group_id=dict(type="str"),
        primary_reachable=dict(type="bool", default=True),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
