# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""DynamoDB global tables (version 2019.11.21): reading, planning and changing replicas.

The pure part (``plan_table``, ``predicted_table``, ``latest_latency``...) decides what a table
needs; the rest are small functions that take a boto3 client. Replicas are added and removed one
at a time per table, waiting for the table and every replica to be ACTIVE in between, because
DynamoDB refuses a replica change while another one is in progress.
"""

import datetime
import re

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.pilotlight.dr.plugins.module_utils.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils.errors import is_error_code

CURRENT = "2019.11.21"
LEGACY = "2017.11.29"
STREAM_VIEW = "NEW_AND_OLD_IMAGES"
REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")

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
    """True while DynamoDB would refuse another replica change (a table or replica not ACTIVE)."""
    if table.get("TableStatus") != "ACTIVE":
        return True
    return any(status != "ACTIVE" for status in replica_statuses(table).values())


def invalid_regions(regions):
    return [region for region in regions if not REGION_RE.match(region or "")]


def plan_table(table, replica_regions, state, legacy_group=None):
    """The TablePlan for ``table`` (a DescribeTable ``Table``), without calling AWS."""
    plan = TablePlan(table["TableName"])
    if legacy_group is not None or table.get("GlobalTableVersion") == LEGACY:
        plan.legacy = sorted(legacy_group or replica_statuses(table))
        return plan
    replicas = replica_statuses(table)
    failed = [region for region, status in replicas.items() if status == "CREATION_FAILED"]
    if failed:
        plan.problems.append(
            f"table {plan.name}: the replica in {', '.join(sorted(failed))} failed to create; remove it with "
            "state=absent (or in the console), fix the cause (KMS key, quotas) and run again"
        )
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
        plan.remove = [region for region in replica_regions if region in replicas]
        left = [region for region in replicas if region not in plan.remove]
        if plan.remove and not left:
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
    busy = any(status != "ACTIVE" for status in replicas.values())
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
        "replicas": [{"region_name": name, "replica_status": status}
                     for name, status in sorted(replica_statuses(table).items())],
    }


def diff_view(table):
    return {
        "stream_view_type": stream_view(table),
        "replicas": {name: status for name, status in sorted(replica_statuses(table).items())},
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


# -- AWS calls ---------------------------------------------------------------------------------------
def describe_table(client, name):
    """DescribeTable's ``Table``, or None when the table does not exist."""
    try:
        return client.describe_table(TableName=name, aws_retry=True)["Table"]
    except botocore.exceptions.ClientError as error:
        if is_error_code(error, "ResourceNotFoundException"):
            return None
        raise DRError(f"cannot describe DynamoDB table {name}: {error}", exception=error)


def legacy_group(client, table):
    """The regions of the table's 2017.11.29 global table, or None when it is not one.

    Legacy replicas need NEW_AND_OLD_IMAGES streams and carry no 2019.11.21 version, so other tables
    are not asked about (DescribeGlobalTable is not offered in every region).
    """
    if table.get("GlobalTableVersion") or stream_view(table) != STREAM_VIEW:
        return None
    try:
        described = client.describe_global_table(GlobalTableName=table["TableName"], aws_retry=True)
    except botocore.exceptions.ClientError as error:
        if is_error_code(error, "GlobalTableNotFoundException", "UnknownOperationException", "ValidationException"):
            return None
        raise DRError(f"cannot check whether table {table['TableName']} is a legacy global table: {error}",
                      exception=error)
    return [replica["RegionName"] for replica in described["GlobalTableDescription"].get("ReplicationGroup", [])]


def has_write_autoscaling(client, name):
    """A PROVISIONED table needs write auto scaling before it can have replicas."""
    targets = client.describe_scalable_targets(
        ServiceNamespace="dynamodb", ResourceIds=[f"table/{name}"],
        ScalableDimension="dynamodb:table:WriteCapacityUnits", aws_retry=True,
    )["ScalableTargets"]
    return bool(targets)


def enable_stream(client, name):
    client.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": STREAM_VIEW},
                        aws_retry=True)


def create_replica(client, name, region, kms_key_id=None):
    create = {"RegionName": region}
    if kms_key_id:
        create["KMSMasterKeyId"] = kms_key_id
    client.update_table(TableName=name, ReplicaUpdates=[{"Create": create}], aws_retry=True)


def delete_replica(client, name, region):
    client.update_table(TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": region}}], aws_retry=True)


def replication_latency(client, name, receiving_region, lookback_minutes, now=None):
    """The newest ReplicationLatency of ``name`` towards ``receiving_region`` (from the client's region)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    response = client.get_metric_statistics(
        Namespace="AWS/DynamoDB",
        MetricName="ReplicationLatency",
        Dimensions=[{"Name": "TableName", "Value": name}, {"Name": "ReceivingRegion", "Value": receiving_region}],
        StartTime=now - datetime.timedelta(minutes=lookback_minutes),
        EndTime=now + datetime.timedelta(minutes=1),
        Period=60,
        Statistics=["Average", "Maximum"],
        aws_retry=True,
    )
    return latest_latency(response.get("Datapoints"))
