# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The DynamoDB calls of global tables: each takes a boto3 client and raises DRError naming what failed."""

import datetime

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import jittered_backoff
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import replicas

# UpdateTable answers these while the table is still UPDATING from the previous change (DescribeTable is
# eventually consistent) and when too many table operations run at once (up to 8 tables start together
# here, and other tasks may change tables too): both pass, so the call is retried with back-off.
UPDATE_RETRY = jittered_backoff(["ResourceInUseException", "LimitExceededException"])


@DRErrorHandler.reader("describe DynamoDB table {1}", missing=("ResourceNotFoundException",))
def describe_table(client, name):
    """DescribeTable's ``Table``, or None when the table does not exist."""
    return client.describe_table(TableName=name, aws_retry=True)["Table"]


@DRErrorHandler.reader(
    "check whether table {1[TableName]} is a legacy global table",
    missing=("GlobalTableNotFoundException", "UnknownOperationException", "ValidationException"),
)
def _legacy_replication_group(client, table):
    described = client.describe_global_table(GlobalTableName=table["TableName"], aws_retry=True)
    return [replica["RegionName"] for replica in described["GlobalTableDescription"].get("ReplicationGroup", [])]


def legacy_group(client, table):
    """The regions of the table's 2017.11.29 global table, or None when it is not one.

    Legacy replicas need NEW_AND_OLD_IMAGES streams and carry no 2019.11.21 version, so other tables
    are not asked about (DescribeGlobalTable is not offered in every region).
    """
    if table.get("GlobalTableVersion") or replicas.stream_view(table) != replicas.STREAM_VIEW:
        return None
    return _legacy_replication_group(client, table)


def has_write_autoscaling(client, name):
    """A PROVISIONED table needs write auto scaling before it can have replicas."""
    with aws_errors(
        f"read the write auto scaling of PROVISIONED table {name} in {client.meta.region_name} "
        "(Application Auto Scaling DescribeScalableTargets)",
        "allow application-autoscaling:DescribeScalableTargets, or switch the table to PAY_PER_REQUEST",
    ):
        targets = client.describe_scalable_targets(
            ServiceNamespace="dynamodb",
            ResourceIds=[f"table/{name}"],
            ScalableDimension="dynamodb:table:WriteCapacityUnits",
            aws_retry=True,
        )["ScalableTargets"]
    return bool(targets)


@UPDATE_RETRY
def _update_table(client, **request):
    # called without aws_retry: UPDATE_RETRY is the one retry policy of this call (throttling included)
    return client.update_table(**request)


def update_table(client, name, what, fix, **request):
    """UpdateTable, retried while the table is busy or too many tables change; DRError naming ``what``."""
    with aws_errors(f"{what} of table {name} in {client.meta.region_name}", fix):
        return _update_table(client, TableName=name, **request)


def enable_stream(client, name):
    update_table(
        client,
        name,
        "enable the NEW_AND_OLD_IMAGES stream",
        "check dynamodb:UpdateTable permissions and that no other change of the table is in progress",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": replicas.STREAM_VIEW},
    )


def create_replica(client, name, region, kms_key_id=None):
    create = {"RegionName": region}
    if kms_key_id:
        create["KMSMasterKeyId"] = kms_key_id
    update_table(
        client,
        name,
        f"create the replica in {region}",
        f"check that {region} is enabled, the KMS key given for it (replica_kms_keys) exists there, and "
        "the DynamoDB permissions and quotas of both regions",
        ReplicaUpdates=[{"Create": create}],
    )


def delete_replica(client, name, region):
    update_table(
        client,
        name,
        f"delete the replica in {region}",
        "check dynamodb:UpdateTable and dynamodb:DeleteTableReplica permissions (and deletion protection "
        f"of the replica in {region})",
        ReplicaUpdates=[{"Delete": {"RegionName": region}}],
    )


@DRErrorHandler.reader("read the ReplicationLatency of table {1} towards {2}")
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
    return replicas.latest_latency(response.get("Datapoints"))
