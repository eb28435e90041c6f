# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""DynamoDB global tables (version 2019.11.21): what a table's replicas need (pure, no AWS call).

``plan_table``, ``predicted_table``, ``latest_latency``... decide what a table needs; the calls are
in ``tables``. Replicas are added and removed one at a time per table, waiting for the table and
every replica to be ACTIVE in between, because DynamoDB refuses a replica change while another one
is in progress.
"""

import datetime
import re

CURRENT = "2019.11.21"
LEGACY = "2017.11.29"
STREAM_VIEW = "NEW_AND_OLD_IMAGES"
REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")

# TableStatus / ReplicaStatus values (botocore's dynamodb model)
IN_PROGRESS = frozenset(["CREATING", "UPDATING", "DELETING"])
CREATION_FAILED = "CREATION_FAILED"
# States that no wait ends: DynamoDB needs someone to fix the cause first.
PERMANENT = {
    "INACCESSIBLE_ENCRYPTION_CREDENTIALS": (
        "its KMS key is disabled, scheduled for deletion or no longer usable by DynamoDB (key policy or grant): "
        "re-enable the key or restore DynamoDB's access to it in that region, wait for the status ACTIVE "
        "(aws dynamodb describe-table) and run again"
    ),
    "REGION_DISABLED": (
        "the region is disabled for the account: enable it (AWS console > Account > AWS Regions), or remove the "
        "replica with state=absent, and run again"
    ),
    "REPLICATION_NOT_AUTHORIZED": (
        "DynamoDB is not allowed to replicate to or from it: check the table's resource-based policy, the "
        "service-linked role AWSServiceRoleForDynamoDBReplication and any SCP that denies DynamoDB in that "
        "region, and run again"
    ),
    "ARCHIVING": (
        "DynamoDB is archiving it because its KMS key was inaccessible for more than seven days: restore the "
        "KMS key, then restore the table from a backup (or remove the replica with state=absent) and run again"
    ),
    "ARCHIVED": (
        "DynamoDB archived it because its KMS key was inaccessible for more than seven days: restore the table "
        "from a backup (or remove the replica with state=absent) and run again"
    ),
}
LEGACY_UPGRADE = (
    "update it to version 2019.11.21 first: DynamoDB console > Tables > {name} > Global tables > "
    "Update version (there is no API for it; the table stays available during the update), then run "
    "this task again. See https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_upgrade.html"
)


class TablePlan:
    """What one table needs: stream first, then replica changes one at a time."""

    def __init__(self, name):
        self.name = name
        self.enable_stream = False
        self.add = []
        self.remove = []
        self.legacy = None  # the legacy replication group (list of regions) when the table is 2017.11.29
        self.problems = []

    @property
    def changes(self):
        return bool(self.enable_stream or self.add or self.remove)

    def actions(self):
        steps = ["enable_stream"] if self.enable_stream else []
        steps += [f"create_replica {region}" for region in self.add]
        steps += [f"delete_replica {region}" for region in self.remove]
        return steps


# -- pure logic ------------------------------------------------------------------------------------
def stream_view(table):
    """The table's stream view type, or None when streams are off."""
    spec = table.get("StreamSpecification") or {}
    return spec.get("StreamViewType") if spec.get("StreamEnabled") else None


def replica_statuses(table):
    """{region: status} of the table's other replicas (DescribeTable lists the other regions)."""
    return {replica["RegionName"]: replica.get("ReplicaStatus", "ACTIVE") for replica in table.get("Replicas") or []}


def is_busy(table):
    """True while a change is in progress (table or replica CREATING, UPDATING or DELETING).

    Failed and permanent states (CREATION_FAILED, ``PERMANENT``) are not "busy": no wait ends them;
    ``plan_table`` and ``permanent_problems`` report them.
    """
    if table.get("TableStatus", "ACTIVE") in IN_PROGRESS:
        return True
    return any(status in IN_PROGRESS for status in replica_statuses(table).values())


def permanent_problems(table, region, ignore=()):
    """Messages for the table (in ``region``) and its replicas (except ``ignore``) in a ``PERMANENT`` state."""
    name = table.get("TableName")
    problems = []
    status = table.get("TableStatus")
    if status in PERMANENT:
        problems.append(f"table {name} in {region} is {status}: {PERMANENT[status]}")
    for replica, status in sorted(replica_statuses(table).items()):
        if status in PERMANENT and replica not in ignore:
            problems.append(f"the replica of table {name} in {replica} is {status}: {PERMANENT[status]}")
    return problems


def change_done(table, change):
    """Whether DescribeTable shows ``change`` (("stream" | "create" | "delete", region)) finished.

    DescribeTable is eventually consistent: right after UpdateTable it may still show the table ACTIVE
    without the new replica (or with the removed one), so ACTIVE alone does not mean done.
    """
    if is_busy(table):
        return False
    if change is None:
        return True
    kind, region = change
    replicas = replica_statuses(table)
    if kind == "stream":
        return stream_view(table) == STREAM_VIEW
    if kind == "create":
        return region in replicas
    return region not in replicas


def invalid_regions(regions):
    return [region for region in regions if not REGION_RE.match(region or "")]


def plan_table(table, replica_regions, state, legacy_group=None, region=None):
    """The TablePlan for ``table`` (a DescribeTable ``Table`` read in ``region``), without calling AWS."""
    plan = TablePlan(table["TableName"])
    if legacy_group is not None or table.get("GlobalTableVersion") == LEGACY:
        plan.legacy = sorted(legacy_group or replica_statuses(table))
        return plan
    replicas = replica_statuses(table)
    failed = [name for name, status in replicas.items() if status == CREATION_FAILED]
    if failed and state == "present":
        plan.problems.append(
            f"table {plan.name}: the replica in {', '.join(sorted(failed))} failed to create; remove it with "
            "state=absent (or in the console), fix the cause (KMS key, quotas) and run again"
        )
    removed = [name for name in replica_regions if name in replicas] if state == "absent" else []
    plan.problems += permanent_problems(table, region or "the module's region", ignore=removed)
    if state == "present":
        plan.add = [region for region in replica_regions if region not in replicas]
        view = stream_view(table)
        if plan.add and view is None:
            plan.enable_stream = True
        elif plan.add and view != STREAM_VIEW:
            plan.problems.append(
                f"table {plan.name} has a {view} stream; global tables need {STREAM_VIEW}. Disable the stream "
                f"(aws dynamodb update-table --table-name {plan.name} --stream-specification StreamEnabled=false), "
                "point its consumers at the new stream after this task, and run again"
            )
    else:
        plan.remove = removed
        # a replica that failed to create never replicated: removing it ends nothing, keeping it keeps nothing
        live_removed = [name for name in plan.remove if replicas[name] != CREATION_FAILED]
        left = [name for name in replicas if name not in plan.remove and replicas[name] != CREATION_FAILED]
        if live_removed and not left:
            plan.problems.append(
                f"table {plan.name}: removing {', '.join(plan.remove)} would remove its last replica and end "
                "replication to the DR region; the module refuses. Keep at least one replica region"
            )
    return plan


def predicted_table(table, plan, wait):
    """The table as it will look after this task (check mode).

    With ``wait`` every change is done. Without it only the first replica change can start, and
    only when no other change is in progress (DynamoDB takes one replica change at a time).
    """
    after = dict(table)
    replicas = replica_statuses(table)
    if wait:
        for region in plan.add:
            replicas[region] = "ACTIVE"
        for region in plan.remove:
            replicas.pop(region, None)
    elif (plan.add or plan.remove) and not is_busy(table):
        first = (plan.add + plan.remove)[0]
        replicas[first] = "CREATING" if first in plan.add else "DELETING"
    if plan.enable_stream:
        after["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": STREAM_VIEW}
    after["Replicas"] = [{"RegionName": region, "ReplicaStatus": status} for region, status in replicas.items()]
    if replicas:
        after["GlobalTableVersion"] = CURRENT
    else:
        after.pop("GlobalTableVersion", None)
    busy = any(status in IN_PROGRESS for status in replicas.values())
    if table.get("TableStatus", "ACTIVE") in ("ACTIVE", *IN_PROGRESS):
        after["TableStatus"] = "UPDATING" if busy else "ACTIVE"
    return after


def pending_regions(table, regions, state):
    """Regions of the task whose replica change is not finished (with wait=false)."""
    replicas = replica_statuses(table)
    if state == "present":
        return [region for region in regions if replicas.get(region) != "ACTIVE"]
    return [region for region in regions if region in replicas]


def latest_latency(datapoints):
    """The newest ReplicationLatency datapoint as {latency_ms, maximum_ms, timestamp}, or None."""
    if not datapoints:
        return None
    newest = max(datapoints, key=lambda point: point["Timestamp"])
    timestamp = newest["Timestamp"]
    if isinstance(timestamp, datetime.datetime):
        timestamp = timestamp.isoformat()
    return {
        "latency_ms": newest.get("Average"),
        "maximum_ms": newest.get("Maximum"),
        "timestamp": timestamp,
    }


def table_summary(table, region):
    """The table as the module returns it (without the latency, added later)."""
    return {
        "table_name": table["TableName"],
        "region": region,
        "table_arn": table.get("TableArn"),
        "table_id": table.get("TableId"),
        "table_status": table.get("TableStatus"),
        "global_table_version": table.get("GlobalTableVersion"),
        "stream_view_type": stream_view(table),
        "replicas": [
            {"region_name": name, "replica_status": status} for name, status in sorted(replica_statuses(table).items())
        ],
    }


def diff_view(table):
    return {
        "stream_view_type": stream_view(table),
        "replicas": dict(sorted(replica_statuses(table).items())),
    }


def legacy_report(name, region, group):
    return {
        "table_name": name,
        "region": region,
        "global_table_version": LEGACY,
        "replication_group": sorted(group),
        "upgrade": f"table {name} is a version {LEGACY} (Legacy) global table and was not changed; "
        + LEGACY_UPGRADE.format(name=name),
    }
