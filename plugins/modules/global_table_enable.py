#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: global_table_enable
version_added: 0.1.0
short_description: Make DynamoDB tables global tables (version 2019.11.21) with replicas in the DR region
description:
  - Turns existing DynamoDB tables of the module's region into global tables, version 2019.11.21, with a
    replica in each of O(replica_regions), or removes replicas with O(state=absent).
  - For each table it enables DynamoDB Streams with C(NEW_AND_OLD_IMAGES) when streams are off (and waits
    for it), adds the missing replica regions one at a time (DynamoDB accepts one replica change per table
    at a time) and waits until the table and all its replicas are C(ACTIVE).
  - Several tables are handled in one task and in parallel; all tables start their first change before
    any wait, and the waits share one O(wait_timeout).
  - Tables that are still version 2017.11.29 (Legacy) global tables are reported in RV(legacy_tables)
    with the upgrade to make, and are never changed.
  - Returns each table's replicas and status and, as RPO evidence, the newest C(ReplicationLatency)
    CloudWatch metric towards each replica, read in the module's region.
  - This fills a gap of M(community.aws.dynamodb_table), which manages neither streams nor replicas
    (community.aws issue 605, open since 2021).
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  tables:
    description:
      - Names of the DynamoDB tables, in the module's region.
      - Every table must exist, or the module fails before changing anything.
    type: list
    elements: str
    required: true
    aliases: [names]
    version_added: 0.1.0
  replica_regions:
    description:
      - With O(state=present), the regions that must hold a replica of every table (the DR region).
      - With O(state=absent), the regions whose replicas are removed.
      - Must not contain the module's region.
    type: list
    elements: str
    required: true
    version_added: 0.1.0
  state:
    description:
      - V(present) adds the missing replicas (and enables streams first when needed).
      - V(absent) removes the replicas in O(replica_regions). The module refuses to remove the last replica
        of a table, which would end its replication.
      - A replica in C(CREATION_FAILED) makes V(present) fail (remove it first); V(absent) removes it, even when
        it is the table's only replica (it never replicated).
      - V(drained) (graceful failover, once the writers are stopped) changes no replica; it checks that every write
        made in the module's region has replicated to O(replica_regions). Every table must have an C(ACTIVE)
        replica in each of them. Per table, a marker item is written in the module's region (its key built from
        the table's key schema and attribute types, C(pilotlight-drain-<uuid>), never over an existing item), read
        in each replica region with C(ConsistentRead) until it is there, then the check waits ten times the
        longest time a marker took to arrive (AWS's guidance for a live Region evacuation - each partition
        replicates on its own, so one marker alone does not cover the others), all within O(drain_timeout); the
        markers are deleted in every region afterwards, whatever happened. A table whose marker did not arrive
        fails the task, naming it. RV(drain) is the RPO evidence. C(changed) stays false (nothing is left), but
        stream consumers see each marker put and deleted, and it needs C(dynamodb:PutItem), C(GetItem) and
        C(DeleteItem).
    type: str
    choices: [present, absent, drained]
    default: present
    version_added: 0.1.0
  drain_timeout:
    description:
      - With O(state=drained), seconds for the markers to arrive in every replica region and for the settle
        time after them.
    type: int
    default: 300
    version_added: 0.2.0
  replica_kms_keys:
    description:
      - KMS key (id, ARN or alias in that region) for the replica of each region, for tables encrypted
        with a customer managed key. A dict from region to key.
      - Regions not listed use the AWS owned or AWS managed key, as the table does.
    type: dict
    default: {}
    version_added: 0.1.0
  latency_lookback:
    description:
      - How many minutes back the C(ReplicationLatency) metric is looked for.
    type: int
    default: 15
    version_added: 0.1.0
notes:
  - Creating a replica copies the whole table and takes minutes to hours on AWS. With O(wait=false) only
    the first replica change of each table is started; run the task again (with O(wait=true)) to wait for
    it and add the remaining regions. A re-run never starts a change twice.
  - A table or replica in a state that no wait ends (C(INACCESSIBLE_ENCRYPTION_CREDENTIALS), C(REGION_DISABLED),
    C(REPLICATION_NOT_AUTHORIZED), C(ARCHIVING), C(ARCHIVED)) fails the task at once, naming the table, the region,
    the status and what to fix; replicas being removed with O(state=absent) are exempt.
  - C(UpdateTable) is retried with back-off when DynamoDB answers C(ResourceInUseException) (the table is still
    updating from the previous change) or C(LimitExceededException) (too many table operations at once). After each
    change the module waits until C(DescribeTable) shows it (the new replica listed, the removed one gone), not only
    an C(ACTIVE) table, because C(DescribeTable) is eventually consistent.
  - C(PROVISIONED) tables need write auto scaling (Application Auto Scaling) before they can have replicas;
    C(PAY_PER_REQUEST) tables need nothing.
  - A table whose stream has another view type than C(NEW_AND_OLD_IMAGES) is refused, because changing it gives
    the stream a new ARN that its consumers must follow; that change is left to you.
  - To read replica status and latency while the primary region is down, run the module in the DR region
    with O(replica_regions) naming the primary and C(check_mode=true); it then calls only the DR region.
  - The metric is published by DynamoDB in the region the writes come from, with a C(ReceivingRegion)
    dimension; from the DR region you read the DR-to-primary direction.
attributes:
  check_mode:
    support: full
    description:
      - Returns the predicted tables (streams and replicas as they will be) and makes no change.
      - With O(state=drained), checks the replicas and writes no marker.
  diff_mode:
    support: full
    description: Shows each table's stream view type and replica statuses before and after.
extends_documentation_fragment:
  - pilotlight.dr.wait
  - pilotlight.dr.concurrency
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Make the MegaTicket tables global tables with a replica in Tokyo
  pilotlight.dr.global_table_enable:
    region: ap-northeast-2
    tables:
      - KDT-Msp4-PLDR-performances
      - KDT-Msp4-PLDR-reservations
    replica_regions:
      - ap-northeast-1
  register: megaticket_tables

- name: Start the replicas of two more tables without waiting for them
  pilotlight.dr.global_table_enable:
    region: ap-northeast-2
    tables: [KDT-Msp4-PLDR-schedules, KDT-Msp4-PLDR-venues]
    replica_regions: [ap-northeast-1]
    wait: false

- name: Wait for those replicas (nothing is started twice)
  pilotlight.dr.global_table_enable:
    region: ap-northeast-2
    tables: [KDT-Msp4-PLDR-schedules, KDT-Msp4-PLDR-venues]
    replica_regions: [ap-northeast-1]
    wait_timeout: 3600

- name: Read replica status and RPO evidence from Tokyo only (works while Seoul is down)
  pilotlight.dr.global_table_enable:
    region: ap-northeast-1
    tables: [KDT-Msp4-PLDR-performances, KDT-Msp4-PLDR-reservations]
    replica_regions: [ap-northeast-2]
  check_mode: true
  register: from_tokyo

- name: Show the newest replication latency of each table
  ansible.builtin.debug:
    msg: "{{ item.table_name }}: {{ item.replication_latency | map(attribute='latency_ms') | list }}"
  loop: "{{ from_tokyo.tables }}"

- name: Replicate the reservations table to Osaka as well
  pilotlight.dr.global_table_enable:
    region: ap-northeast-2
    tables: [KDT-Msp4-PLDR-reservations]
    replica_regions: [ap-northeast-1, ap-northeast-3]

- name: Graceful failover, writers stopped - every write made in Seoul is in Tokyo (RPO evidence)
  pilotlight.dr.global_table_enable:
    region: ap-northeast-2
    tables: [KDT-Msp4-PLDR-performances, KDT-Msp4-PLDR-reservations]
    replica_regions: [ap-northeast-1]
    state: drained
    drain_timeout: 300
  register: drained

- name: Show the drain evidence
  ansible.builtin.debug:
    msg: "drained={{ drained.drain.drained }} settle={{ drained.drain.settle_seconds }}s"

- name: Remove the Osaka replica again (the Tokyo replica stays)
  pilotlight.dr.global_table_enable:
    region: ap-northeast-2
    tables: [KDT-Msp4-PLDR-reservations]
    replica_regions: [ap-northeast-3]
    state: absent
"""

RETURN = r"""
tables:
  description: The tables (except legacy ones), as they are at the end of the task (predicted in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    table_name:
      description: Name of the table.
      type: str
      sample: KDT-Msp4-PLDR-reservations
    region:
      description: The module's region, where the table was read.
      type: str
      sample: ap-northeast-2
    table_arn:
      description: ARN of the table in the module's region.
      type: str
      sample: arn:aws:dynamodb:ap-northeast-2:123456789012:table/KDT-Msp4-PLDR-reservations
    table_id:
      description: Unique id of the table in the module's region.
      type: str
      sample: 3f0c9a4e-2b1d-4c55-9f0e-6a7b8c9d0e1f
    table_status:
      description: C(TableStatus) (C(ACTIVE), or C(UPDATING) while a replica is being added or removed).
      type: str
      sample: ACTIVE
    global_table_version:
      description: C(2019.11.21) when the table has replicas, else null.
      type: str
      sample: "2019.11.21"
    stream_view_type:
      description: The stream view type, null when streams are off.
      type: str
      sample: NEW_AND_OLD_IMAGES
    replicas:
      description: The other regions that hold a replica.
      type: list
      elements: dict
      contains:
        region_name:
          description: Region of the replica.
          type: str
          sample: ap-northeast-1
        replica_status:
          description:
            - C(CREATING), C(ACTIVE), C(UPDATING), C(DELETING), C(CREATION_FAILED), C(REGION_DISABLED),
              C(INACCESSIBLE_ENCRYPTION_CREDENTIALS), C(REPLICATION_NOT_AUTHORIZED), C(ARCHIVING) or C(ARCHIVED).
          type: str
          sample: ACTIVE
    changed:
      description: Whether this task changed the table (would change it, in check mode).
      type: bool
      sample: true
    actions:
      description: The changes made (or to make), in order.
      type: list
      elements: str
      sample: [enable_stream, create_replica ap-northeast-1]
    drain:
      description: With O(state=drained), this table's entry of RV(drain.tables).
      type: dict
      sample: {"drained": true, "arrived_after_seconds": {"ap-northeast-1": 0.42}}
    pending_replicas:
      description: Regions whose replica change is not finished (with O(wait=false)).
      type: list
      elements: str
      sample: []
    replication_latency:
      description:
        - The newest C(ReplicationLatency) datapoint (one-minute average and maximum, milliseconds) towards
          each replica region, from CloudWatch in the module's region; null values when none was published
          within O(latency_lookback) minutes. RPO evidence.
      type: list
      elements: dict
      contains:
        receiving_region:
          description: Region the writes replicate to.
          type: str
          sample: ap-northeast-1
        latency_ms:
          description: Average replication latency of the newest minute, in milliseconds.
          type: float
          sample: 812.5
        maximum_ms:
          description: Maximum replication latency of the newest minute, in milliseconds.
          type: float
          sample: 1540.0
        timestamp:
          description: Start of that minute (ISO 8601).
          type: str
          sample: "2026-11-22T03:14:00+00:00"
drain:
  description:
    - With O(state=drained), whether every table drained (RPO evidence 0). In check mode C(checked) is false and
      C(drained) null (no marker is written).
  returned: when O(state=drained)
  type: dict
  contains:
    checked:
      description: Whether markers were written and awaited (false in check mode).
      type: bool
      sample: true
    drained:
      description: Whether every table's marker arrived in every replica region and the settle time passed.
      type: bool
      sample: true
    marker:
      description: The marker's recognisable value (string and binary key attributes).
      type: str
      sample: pilotlight-drain-3f0c9a4e2b1d4c559f0e6a7b8c9d0e1f
    settle_factor:
      description: The settle time is this many times the slowest marker's arrival.
      type: int
      sample: 10
    settle_seconds:
      description: The settle time waited after the markers were written.
      type: float
      sample: 4.2
    tables:
      description: Per table, C(drained) and C(arrived_after_seconds) (per replica region).
      type: dict
      sample: {"KDT-Msp4-PLDR-reservations": {"drained": true, "arrived_after_seconds": {"ap-northeast-1": 0.42}}}
legacy_tables:
  description: Tables that are version 2017.11.29 (Legacy) global tables; they were not changed.
  returned: always
  type: list
  elements: dict
  contains:
    table_name:
      description: Name of the table.
      type: str
      sample: team_chats_ddb
    region:
      description: The module's region.
      type: str
      sample: ap-northeast-2
    global_table_version:
      description: Always C(2017.11.29).
      type: str
      sample: "2017.11.29"
    replication_group:
      description: Regions of the legacy global table.
      type: list
      elements: str
      sample: [ap-northeast-1, ap-northeast-2]
    upgrade:
      description: What to do to upgrade the table to version 2019.11.21.
      type: str
      sample: "table team_chats_ddb is a version 2017.11.29 (Legacy) global table and was not changed; update it..."
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import drain
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import enabling
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import replicas as gt
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb.enabling import unique


def validate(region, tables, regions, params):
    problems = []
    if not region:
        problems.append("region is not set: set region (or AWS_REGION) to the region that holds the tables")
    if not tables:
        problems.append("tables is empty: name at least one DynamoDB table")
    if not regions:
        problems.append("replica_regions is empty: name the DR region (for example ap-northeast-1)")
    bad = gt.invalid_regions(regions)
    if bad:
        problems.append(f"replica_regions has invalid region names {bad}: use names such as ap-northeast-1")
    if region and region in regions:
        problems.append(
            f"replica_regions contains {region}, the region the tables are read from (region): "
            "name only the other regions (for example ap-northeast-1)"
        )
    stray = sorted(set(params["replica_kms_keys"]) - set(regions))
    if stray:
        problems.append(f"replica_kms_keys names regions that are not in replica_regions: {stray}")
    if params["latency_lookback"] < 1:
        problems.append(f"latency_lookback must be at least 1 minute, got {params['latency_lookback']}")
    if params["wait_timeout"] < 1:
        problems.append(f"wait_timeout must be at least 1 second, got {params['wait_timeout']}")
    if params["max_concurrency"] < 1:
        problems.append(f"max_concurrency must be at least 1, got {params['max_concurrency']}")
    if params["drain_timeout"] < 1:
        problems.append(f"drain_timeout must be at least 1 second, got {params['drain_timeout']}")
    if problems:
        raise DRError("; ".join(problems))


def check_drain(module, client, tables, legacy, regions, params):
    """state=drained: the drain record (markers written and awaited; in check mode only the checks)."""
    if legacy:
        raise DRError(
            f"cannot check that replication drained for version {gt.LEGACY} (Legacy) global table(s) "
            f"{', '.join(sorted(legacy))}: upgrade them to {gt.CURRENT} first, or fail over with dr_mode=ungraceful"
        )
    drain.check_ready(tables, regions)
    if module.check_mode:
        return {"checked": False, "drained": None, "reason": "check mode: no marker written", "tables": {}}
    warnings = []
    try:
        replica_clients = {other: module.client("dynamodb", region=other) for other in regions}
        record = drain.drain(client, replica_clients, tables, Deadline(params["drain_timeout"]), warnings)
    finally:
        for warning in warnings:
            module.warn(warning)
    record["checked"] = True
    return record


def run(module, params):
    region = module.region
    names = unique(params["tables"])
    regions = unique(params["replica_regions"])
    validate(region, names, regions, params)
    client = module.client("dynamodb")
    deadline = Deadline(params["wait_timeout"])

    inspected = enabling.inspect(client, names, params["max_concurrency"])
    legacy = {
        name: group
        for name, (table, group) in inspected.items()
        if group is not None or table.get("GlobalTableVersion") == gt.LEGACY
    }
    tables = {name: table for name, (table, group) in inspected.items() if name not in legacy}
    drained = None
    if params["state"] == "drained":  # nothing about the replicas changes: only the markers come and go
        drained = check_drain(module, client, tables, legacy, regions, params)
        after, actions = tables, {}
    else:
        plans = {name: gt.plan_table(table, regions, params["state"], region=region) for name, table in tables.items()}
        enabling.check_plans(lambda: module.client("application-autoscaling"), plans, tables)
        if module.check_mode:
            after = {name: gt.predicted_table(table, plans[name], params["wait"]) for name, table in tables.items()}
            actions = {name: plan.actions() for name, plan in plans.items()}
        else:
            after, actions = enabling.apply(client, params, plans, tables, deadline)

    latency = enabling.latencies(module.client("cloudwatch"), after, params)
    results = []
    for name in tables:
        summary = gt.table_summary(after[name], region)
        summary.update(
            changed=bool(actions.get(name)),
            actions=actions.get(name, []),
            pending_replicas=[]
            if params["wait"] or drained is not None
            else gt.pending_regions(after[name], regions, params["state"]),
            replication_latency=latency[name],
        )
        if drained is not None:
            summary["drain"] = drained["tables"].get(name)
        results.append(summary)
    legacy_tables = [
        gt.legacy_report(name, region, group or gt.replica_statuses(inspected[name][0]))
        for name, group in legacy.items()
    ]
    result = dict(changed=any(entry["changed"] for entry in results), tables=results, legacy_tables=legacy_tables)
    if drained is not None:
        result["drain"] = drained
    if module._diff:
        result["diff"] = make_diff(
            {name: gt.diff_view(table) for name, table in tables.items()},
            {name: gt.diff_view(after[name]) for name in tables},
        )
    return result


def main():
    argument_spec = dict(
        tables=dict(type="list", elements="str", required=True, aliases=["names"]),
        replica_regions=dict(type="list", elements="str", required=True),
        state=dict(type="str", choices=["present", "absent", "drained"], default="present"),
        drain_timeout=dict(type="int", default=300),
        replica_kms_keys=dict(type="dict", default={}, no_log=False),  # key ids, not key material
        latency_lookback=dict(type="int", default=15),
        max_concurrency=dict(type="int", default=8),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
