# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ElastiCache and CloudWatch calls of elasticache_dr: each takes boto3 clients and raises DRError."""

import datetime

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until

LAG_METRIC = "GlobalDatastoreReplicationLag"


@DRErrorHandler.reader("read ElastiCache replication group {1}", missing=("ReplicationGroupNotFoundFault",))
def describe_group(client, group_id):
    """The replication group, None when it does not exist."""
    return client.describe_replication_groups(ReplicationGroupId=group_id, aws_retry=True)["ReplicationGroups"][0]


@DRErrorHandler.reader("read Global Datastore {1}", missing=("GlobalReplicationGroupNotFoundFault",))
def describe_global(client, global_id):
    """The Global Datastore with its members, None when it does not exist."""
    response = client.describe_global_replication_groups(
        GlobalReplicationGroupId=global_id, ShowMemberInfo=True, aws_retry=True
    )
    return response["GlobalReplicationGroups"][0]


@DRErrorHandler.call(
    "create ElastiCache replication group {1[ReplicationGroupId]}",
    "check the node type, subnet group and security groups in the DR region",
)
def create_group(client, request):
    return client.create_replication_group(aws_retry=True, **request)["ReplicationGroup"]


@DRErrorHandler.call("delete ElastiCache replication group {1}")
def delete_group(client, group_id):
    client.delete_replication_group(ReplicationGroupId=group_id, aws_retry=True)


@DRErrorHandler.call(
    "fail Global Datastore {1} over to {3} in {2}",
    "the primary's region must answer; with it down, detach the secondary instead (primary_reachable: false)",
)
def failover(client, global_id, region, group_id):
    client.failover_global_replication_group(
        GlobalReplicationGroupId=global_id, PrimaryRegion=region, PrimaryReplicationGroupId=group_id, aws_retry=True
    )


@DRErrorHandler.call("detach replication group {2} in {3} from Global Datastore {1}")
def disassociate(client, global_id, group_id, region):
    client.disassociate_global_replication_group(
        GlobalReplicationGroupId=global_id, ReplicationGroupId=group_id, ReplicationGroupRegion=region, aws_retry=True
    )


def replication_lag(cloudwatch, cluster_ids, now=None):
    """The largest recent GlobalDatastoreReplicationLag (seconds) of the secondary's nodes, None without datapoint."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    worst = None
    for cluster_id in cluster_ids:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/ElastiCache",
            MetricName=LAG_METRIC,
            Dimensions=[{"Name": "CacheClusterId", "Value": cluster_id}],
            StartTime=now - datetime.timedelta(minutes=10),
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
            aws_retry=True,
        ).get("Datapoints", [])
        for point in points:
            worst = point["Maximum"] if worst is None else max(worst, point["Maximum"])
    return worst


def wait_for(client, group_id, ready, deadline, what):
    """Poll the group until ``ready(group)``; WaitTimeout naming the group's last status."""
    last = {}

    def check():
        last["group"] = describe_group(client, group_id)
        return ready(last["group"])

    try:
        # A Redis group takes minutes: poll every few seconds, at most every 15.
        wait_until(check, deadline, f"replication group {group_id} to be {what}", delay=2.0, max_delay=15.0)
    except WaitTimeout as exc:
        status = (last.get("group") or {}).get("Status", "gone")
        raise WaitTimeout(f"{exc.message} (last status: {status})") from None
    return last["group"]


def available(group):
    return bool(group) and group.get("Status") == "available"


def gone(group):
    return group is None


def writable(group):
    """Available and the Global Datastore's primary, or out of any datastore."""
    if not available(group):
        return False
    info = group.get("GlobalReplicationGroupInfo") or {}
    return not info.get("GlobalReplicationGroupId") or info.get("GlobalReplicationGroupMemberRole") == "PRIMARY"


def read_lag(cloudwatch, group, region):
    """(lag seconds or None, note) for the RPO evidence; a failed read is noted, never fatal."""
    try:
        with aws_errors(f"read {LAG_METRIC} in {region}"):
            lag = replication_lag(cloudwatch, (group or {}).get("MemberClusters") or [])
    except DRError as exc:  # evidence only: the promotion goes on
        return None, exc.message
    return lag, (None if lag is not None else "no datapoint in the last 10 minutes")
