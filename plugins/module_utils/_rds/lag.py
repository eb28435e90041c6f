# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ReplicaLag: what CloudWatch in the replica's region says of a replica's lag, and the promotion gate.

The evidence is the RPO record of a promotion and of the readiness check; it is read in the replica's
region only, so it is known while the source region is down.
"""

import datetime

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors

METRIC_PERIOD = 60  # RDS publishes ReplicaLag once a minute
# CloudWatch delivers a minute's datapoint one to two minutes after the minute ends, so on a healthy replica the
# newest datapoint is up to ~2 periods old (counted from the end of its period). Older than 2 periods plus this
# margin, the metric is stale: nothing is known of the lag since.
STALE_MARGIN_SECONDS = 60
STALE_AFTER_SECONDS = 2 * METRIC_PERIOD + STALE_MARGIN_SECONDS


def _aware(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value


def datapoint_age(point, now, period=METRIC_PERIOD):
    """Seconds between the end of ``point``'s period and ``now`` (0 for the current period)."""
    end = _aware(point["Timestamp"]) + datetime.timedelta(seconds=period)
    return round(max(0.0, (_aware(now) - end).total_seconds()), 3)


def lag_evidence(datapoints, now, period=METRIC_PERIOD):
    """What the ReplicaLag datapoints (GetMetricStatistics, Maximum and Minimum per minute) say now.

    * The newest minute with replication active (Minimum >= 0): its Maximum is the lag, as long as the
      datapoint is fresh. Its age is the time since the end of its period (``datapoint_age_seconds``);
      an age up to 2 periods plus ``STALE_MARGIN_SECONDS`` (180 s for one-minute datapoints) is
      CloudWatch's normal delivery delay and is not added (it would make every promotion look lagged).
      An older datapoint is stale (``stale``; for example the metric stopped after an abrupt loss of the
      primary region): the lag since is unknown, and its upper bound - the Maximum plus the age, as
      replication may have stopped when the period ended - is what the gate uses.
    * The newest minute reports -1 (MySQL/MariaDB: replication not active, for example because the
      source region is unreachable): the lag is unknown now; its upper bound is the last active lag
      plus the time since that minute began, because the source cannot have written for longer than
      that without it reaching the replica. That bound is what the gate uses.
    * No datapoint: unknown.
    """
    points = sorted(datapoints or [], key=lambda p: _aware(p["Timestamp"]))
    evidence = {
        "seconds": None,
        "reported_seconds": None,
        "timestamp": None,
        "replication_active": None,
        "last_active_seconds": None,
        "last_active_timestamp": None,
        "datapoints": len(points),
        "datapoint_age_seconds": None,
        "stale": None,
        "basis": "no ReplicaLag datapoint",
    }
    if not points:
        return evidence
    latest = points[-1]
    age = datapoint_age(latest, now, period)
    stale_after = 2 * period + STALE_MARGIN_SECONDS
    evidence.update(
        reported_seconds=latest.get("Maximum"),
        timestamp=_aware(latest["Timestamp"]).isoformat(),
        datapoint_age_seconds=age,
        stale=age > stale_after,
    )
    active = [p for p in points if p.get("Minimum", p.get("Maximum", -1)) >= 0]
    if latest.get("Minimum", latest.get("Maximum", -1)) >= 0:
        reported = float(latest["Maximum"])
        evidence.update(
            seconds=reported,
            replication_active=True,
            last_active_seconds=reported,
            last_active_timestamp=evidence["timestamp"],
            basis="latest ReplicaLag datapoint",
        )
        if evidence["stale"]:
            evidence.update(
                seconds=round(reported + age, 3),
                basis=f"latest ReplicaLag datapoint is stale ({age:g}s old, more than {stale_after:g}s): its lag "
                "plus its age",
            )
        return evidence
    evidence["replication_active"] = False
    if not active:
        evidence["basis"] = "replication not active (ReplicaLag -1) and no earlier active datapoint in the lookback"
        return evidence
    last = active[-1]
    since = max(0.0, (_aware(now) - _aware(last["Timestamp"])).total_seconds())
    evidence.update(
        seconds=round(float(last["Maximum"]) + since, 3),
        last_active_seconds=float(last["Maximum"]),
        last_active_timestamp=_aware(last["Timestamp"]).isoformat(),
        basis="replication not active (ReplicaLag -1): last active lag plus the time since it was measured",
    )
    return evidence


def lag_gate(evidence, max_lag_seconds, force):
    """(allowed, reason) for promoting with this lag evidence."""
    seconds = evidence.get("seconds")
    if seconds is None:
        reason = f"replica lag unknown ({evidence.get('basis')})"
        return (True, reason + "; promoting anyway because force=true") if force else (False, reason)
    if seconds > max_lag_seconds:
        reason = f"replica lag {seconds:g}s is above max_lag_seconds={max_lag_seconds} ({evidence.get('basis')})"
        return (True, reason + "; promoting anyway because force=true") if force else (False, reason)
    return True, f"replica lag {seconds:g}s is within max_lag_seconds={max_lag_seconds}"


# -- AWS reader ------------------------------------------------------------------------------------
def read_replica_lag(cloudwatch, identifier, lookback_seconds, now=None):
    """ReplicaLag evidence for ``identifier`` from CloudWatch in the client's region."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/RDS",
        MetricName="ReplicaLag",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": identifier}],
        StartTime=now - datetime.timedelta(seconds=max(lookback_seconds, METRIC_PERIOD)),
        EndTime=now + datetime.timedelta(seconds=METRIC_PERIOD),
        Period=METRIC_PERIOD,
        Statistics=["Maximum", "Minimum"],
        aws_retry=True,
    ).get("Datapoints", [])
    evidence = lag_evidence(points, now, METRIC_PERIOD)
    evidence["measured_at"] = now.isoformat()
    return evidence


def read_lag(cloudwatch, identifier, region, lookback_seconds, now=None):
    """``read_replica_lag`` with an AWS error turned into DRError naming the replica and the region."""
    with aws_errors(f"read ReplicaLag of {identifier} from CloudWatch in {region}"):
        return read_replica_lag(cloudwatch, identifier.lower(), lookback_seconds, now)
