# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What is still pending replication (the RPO evidence) and what the DR copy holds.

For rules with replication metrics S3 publishes ``OperationsPendingReplication``,
``BytesPendingReplication`` and ``ReplicationLatency`` to CloudWatch in the source region. No
datapoint in the window means unknown (None), never zero.
"""

import datetime
import math

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import bucket_of_arn

METRICS = {
    "OperationsPendingReplication": "operations_pending",
    "BytesPendingReplication": "bytes_pending",
    "ReplicationLatency": "latency_seconds",
}

METRIC_MAX_DATAPOINTS = 1440  # GetMetricStatistics refuses more


def metric_period(lookback_minutes):
    """GetMetricStatistics Period (seconds) for a window of ``lookback_minutes`` + 1 minutes.

    One minute while that is at most 1,440 datapoints, else the smallest multiple of a minute that
    stays within 1,440; rounded up to 5 minutes and 1 hour for windows starting over 15 and 63 days
    ago, which CloudWatch only answers at those resolutions.
    """
    period = max(60, 60 * math.ceil((lookback_minutes + 1) / METRIC_MAX_DATAPOINTS))
    if lookback_minutes > 63 * 24 * 60:
        return 3600 * math.ceil(period / 3600)
    if lookback_minutes > 15 * 24 * 60:
        return 300 * math.ceil(period / 300)
    return period


def total(rules, field):
    """Sum of ``field`` over the rules; None when there is no rule or any value is unknown."""
    values = [rule[field] for rule in rules]
    if not values or any(value is None for value in values):
        return None
    return sum(values)


# -- calls ---------------------------------------------------------------------------------------------------
def read_configuration(client, bucket, region):
    """The replication configuration of ``bucket`` (None without one); a missing bucket says the fix."""
    try:
        return client.get_bucket_replication(Bucket=bucket, aws_retry=True)["ReplicationConfiguration"]
    except AWS_ERRORS as exc:
        if is_error_code(exc, "ReplicationConfigurationNotFoundError"):
            return None
        if is_error_code(exc, "NoSuchBucket"):
            raise DRError(f"bucket {bucket} not found in {region}: check the name and source_region") from None
        raise DRError(f"cannot read the replication configuration of bucket {bucket}", exception=exc) from exc


@DRErrorHandler.call("read the replication metric {1} of bucket {2}")
def latest_metric(cloudwatch, name, bucket, destination, rule_id, lookback_minutes, now):
    """(latest value, its time) for Operations/BytesPendingReplication; (max, time) for ReplicationLatency."""
    dimensions = [
        {"Name": "SourceBucket", "Value": bucket},
        {"Name": "DestinationBucket", "Value": destination},
        {"Name": "RuleId", "Value": rule_id},
    ]
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/S3",
        MetricName=name,
        Dimensions=dimensions,
        Statistics=["Maximum"],
        Period=metric_period(lookback_minutes),
        StartTime=now - datetime.timedelta(minutes=lookback_minutes),
        EndTime=now + datetime.timedelta(minutes=1),
        aws_retry=True,
    )["Datapoints"]
    if not points:
        return None, None
    if name == "ReplicationLatency":
        return max(p["Maximum"] for p in points), max(p["Timestamp"] for p in points)
    latest = max(points, key=lambda p: p["Timestamp"])
    return latest["Maximum"], latest["Timestamp"]


def describe_rule(cloudwatch, bucket, rule, lookback_minutes, now):
    """One rule with its latest replication metrics (None where unknown; no call without metrics)."""
    destination = bucket_of_arn(rule["Destination"]["Bucket"])
    metrics_enabled = (rule["Destination"].get("Metrics") or {}).get("Status") == "Enabled"
    entry = {
        "id": rule.get("ID"),
        "status": rule.get("Status"),
        "destination_bucket": destination,
        "metrics_enabled": metrics_enabled,
        "operations_pending": None,
        "bytes_pending": None,
        "latency_seconds": None,
        "as_of": None,
    }
    if metrics_enabled and cloudwatch is not None:
        for name, field in METRICS.items():
            value, stamp = latest_metric(cloudwatch, name, bucket, destination, rule.get("ID"), lookback_minutes, now)
            if value is not None:
                entry[field] = value if field == "latency_seconds" else int(value)
            if name == "OperationsPendingReplication" and stamp is not None:
                entry["as_of"] = stamp.isoformat()
    return entry


def summarize(client, bucket, region):
    """Object count, total size and newest object of ``bucket`` (one ListObjectsV2 call per 1000 objects)."""
    try:
        contents = (
            client.get_paginator("list_objects_v2").paginate(Bucket=bucket).build_full_result().get("Contents", [])
        )
    except AWS_ERRORS as exc:
        if is_error_code(exc, "NoSuchBucket"):
            raise DRError(f"destination bucket {bucket} not found in {region}: check destination_bucket") from None
        raise DRError(f"cannot list bucket {bucket} in {region}", exception=exc) from exc
    newest = max((item["LastModified"] for item in contents), default=None)
    return {
        "bucket": bucket,
        "object_count": len(contents),
        "total_bytes": sum(item["Size"] for item in contents),
        "newest_last_modified": newest.isoformat() if newest else None,
    }
