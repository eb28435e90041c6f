# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""state=promoted: promote the replica to a standalone instance behind the lag gate, at most once.

Reads and writes the replica's region only (RDS and CloudWatch there), so it works while the source
region is down. An instance already standalone is success; a promotion in progress is waited for,
never started twice.
"""

import datetime
import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import available
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import get_instance
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import is_replica
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import replicates_other
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import standalone_and_available
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.lag import lag_gate
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.lag import read_lag
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.waits import describe_pending
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.waits import modifications_applied
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.waits import wait_for


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def check_promoted_source(instance, params, region):
    """A replica about to be promoted must replicate the source given, when one is (compared, never called)."""
    wanted = params["source_db_instance_identifier"]
    if not wanted or not is_replica(instance):
        return
    current = replicates_other(instance, wanted, params["source_region"])
    if current:
        raise DRError(
            f"{params['db_instance_identifier']} in {region} replicates {current}, not {wanted}: "
            "check db_instance_identifier before promoting"
        )


def predicted_promotion(instance, params):
    """The promoted instance as check mode shows it."""
    dropped = ("ReadReplicaSourceDBInstanceIdentifier", "StatusInfos")
    predicted = {k: v for k, v in instance.items() if k not in dropped}
    predicted["DBInstanceStatus"] = "available" if params["wait"] else "modifying"
    if params["backup_retention_period"] is not None:
        predicted["BackupRetentionPeriod"] = params["backup_retention_period"]
    if params.get("multi_az") is not None:
        predicted["MultiAZ"] = params["multi_az"]
    return predicted


def request_promotion(client, instance, params, region, promotion, warnings):
    """PromoteReadReplica, once: a promotion that is under way or done already is not an error."""
    identifier = params["db_instance_identifier"]
    request = {"DBInstanceIdentifier": identifier}
    if params["backup_retention_period"] is not None:
        request["BackupRetentionPeriod"] = params["backup_retention_period"]
    promotion["requested_at"] = utcnow().isoformat()
    try:
        client.promote_read_replica(aws_retry=True, **request)
        promotion["promoted"] = True
    except AWS_ERRORS as exc:
        if not is_error_code(exc, "InvalidDBInstanceState"):
            raise DRError(f"promoting {identifier} in {region} failed", exception=exc) from exc
        # Promoted meanwhile, or a promotion an earlier run started is under way: never a second one.
        current = get_instance(client, identifier, region) or instance
        if is_replica(current) and available(current):
            raise DRError(f"promoting {identifier} in {region} failed", exception=exc) from exc
        promotion.update(already_standalone=not is_replica(current), requested_at=None)
        warnings.append(f"{identifier} was not promoted by this run: {exc}")


def drained(lag):
    """Whether the replica has applied everything its source wrote (the writers are fenced)."""
    return lag.get("seconds") == 0 and lag.get("replication_active") is not False and not lag.get("stale")


def wait_drained(module, identifier, region, params, lag):
    """With drain_timeout, poll ReplicaLag until it reads 0, or fail naming the last lag seen.

    A graceful failover or a failback stops the writers first; this is the wait until what they wrote
    has reached the replica, so the promotion keeps every acknowledged write (RPO evidence 0).
    """
    if not params.get("drain_timeout") or drained(lag) or module.check_mode:
        return lag
    state = {"lag": lag}

    def check():
        state["lag"] = read_lag(module.client("cloudwatch"), identifier, region, params["lag_lookback_seconds"])
        return drained(state["lag"])

    try:
        wait_until(
            check,
            Deadline(params.get("drain_timeout")),
            f"{identifier} in {region} to drain",
            delay=2.0,
            max_delay=10.0,
        )
    except WaitTimeout:
        last = state["lag"]
        raise DRError(
            f"{identifier} in {region} did not catch up within drain_timeout={params['drain_timeout']}s: replica "
            f"lag {last.get('seconds')}s ({last.get('basis')}). Check that every writer of its source is stopped, "
            "then re-run; or raise drain_timeout",
            replica_lag=last,
        ) from None
    return state["lag"]


def resilience_changes(instance, params):
    """ModifyDBInstance arguments a promoted instance still needs: Multi-AZ and backups as asked.

    A value already waiting in PendingModifiedValues (asked by an earlier run that did not wait) is not
    asked again.
    """
    pending = instance.get("PendingModifiedValues") or {}
    changes = {}
    if (
        params.get("multi_az") is not None
        and bool(pending.get("MultiAZ", instance.get("MultiAZ"))) != params["multi_az"]
    ):
        changes["MultiAZ"] = params["multi_az"]
    retention = params.get("backup_retention_period")
    current = pending.get("BackupRetentionPeriod", instance.get("BackupRetentionPeriod"))
    if retention is not None and current != retention:
        changes["BackupRetentionPeriod"] = retention
    return changes


def match_resilience(module, client, region, identifier, params, deadline, timings):
    """A promoted instance gets the Multi-AZ setting and the backups asked for (seed 003's promote script).

    PromoteReadReplica sets the backups itself; this catches an instance promoted without them. The
    instance serves while AWS applies Multi-AZ (a standby is built), so with multi_az_wait=false the
    change is asked for and not waited for: the failover's RTO does not include it.
    """
    instance = get_instance(client, identifier, region)
    changes = resilience_changes(instance, params) if instance is not None else {}
    if not changes:
        return False
    if not module.check_mode:
        wanted = ", ".join(f"{name}={value}" for name, value in changes.items())
        with aws_errors(f"set {wanted} on {identifier} in {region}"):
            client.modify_db_instance(DBInstanceIdentifier=identifier, ApplyImmediately=True, aws_retry=True, **changes)
        if params.get("multi_az_wait", True):
            started = time.monotonic()
            wait_for(
                client,
                identifier,
                region,
                deadline,
                modifications_applied(changes),
                "modified",
                still=describe_pending(changes),
            )
            timings["resilience"] = round(time.monotonic() - started, 3)
    return True


def ensure_promoted(module, params, timings, warnings):
    """(instance before, instance after, changed, ReplicaLag evidence or None, promotion record)."""
    client, region, identifier = module.client("rds"), module.region, params["db_instance_identifier"]
    deadline = Deadline(params["wait_timeout"])
    promotion = {
        "promoted": False,
        "already_standalone": False,
        "forced": False,
        "gate": None,
        "requested_at": None,
        "completed_at": None,
        "drained": None,
        "lag_before_drain_seconds": None,
    }
    started = time.monotonic()
    existing = instance = get_instance(client, identifier, region)
    timings["read"] = round(time.monotonic() - started, 3)
    if instance is None:
        raise DRError(
            f"no DB instance {identifier} in {region}: nothing to promote (check db_instance_identifier and "
            "region; state=present creates the replica)"
        )
    check_promoted_source(instance, params, region)

    if is_replica(instance) and not available(instance):
        # Busy (being created, or a promotion that an earlier run started): never start a second one.
        if not params["wait"] or module.check_mode:
            warnings.append(
                f"{identifier} is {instance.get('DBInstanceStatus')}, not available: no promotion started "
                "(a promotion may already be in progress); re-run with wait=true to finish it"
            )
            return existing, instance, False, None, promotion
        started = time.monotonic()
        instance = wait_for(client, identifier, region, deadline, available, "available")
        timings["wait"] = round(time.monotonic() - started, 3)

    if not is_replica(instance):
        promotion["already_standalone"] = True
        if params["wait"] and not available(instance) and not module.check_mode:
            started = time.monotonic()
            instance = wait_for(client, identifier, region, deadline, available, "available")
            timings["wait"] = round(timings.get("wait", 0) + time.monotonic() - started, 3)
        changed = False
        if available(instance):
            promotion["completed_at"] = utcnow().isoformat()
            if params["wait"] and match_resilience(module, client, region, identifier, params, deadline, timings):
                changed, instance = True, get_instance(client, identifier, region) or instance
        return existing, instance, changed, None, promotion

    started = time.monotonic()
    lag = read_lag(module.client("cloudwatch"), identifier, region, params["lag_lookback_seconds"])
    initial = lag.get("seconds")
    lag = wait_drained(module, identifier, region, params, lag)
    promotion["drained"] = drained(lag) if params.get("drain_timeout") else None
    promotion["lag_before_drain_seconds"] = initial if params.get("drain_timeout") else None
    timings["lag_check"] = round(time.monotonic() - started, 3)
    allowed, reason = lag_gate(lag, params["max_lag_seconds"], params["force"])
    promotion["gate"] = reason
    if not allowed:
        raise DRError(
            f"refusing to promote {identifier} in {region}: {reason}. Wait for the replica to catch up, raise "
            "max_lag_seconds, or set force=true to promote and accept the data loss",
            replica_lag=lag,
            promotion=promotion,
        )
    promotion["forced"] = lag["seconds"] is None or lag["seconds"] > params["max_lag_seconds"]
    if module.check_mode:
        promotion["promoted"] = True
        return existing, predicted_promotion(instance, params), True, lag, promotion

    started = time.monotonic()
    request_promotion(client, instance, params, region, promotion, warnings)
    timings["change"] = round(time.monotonic() - started, 3)
    changed = promotion["promoted"]
    if params["wait"]:
        started = time.monotonic()
        instance = wait_for(client, identifier, region, deadline, standalone_and_available, "promoted and available")
        timings["wait"] = round(timings.get("wait", 0) + time.monotonic() - started, 3)
        promotion["completed_at"] = utcnow().isoformat()
        if match_resilience(module, client, region, identifier, params, deadline, timings):
            instance = get_instance(client, identifier, region) or instance
    else:
        instance = get_instance(client, identifier, region) or instance
    return existing, instance, changed, lag, promotion
