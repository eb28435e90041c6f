# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the RDS read replicas (role dr_rds): each replica can be promoted and what it would lose.

Two checks per entry of ``instances`` ({source, replica}), in that order:

* ``replica <id> available``: the replica exists in the DR region, replicates ``source`` (of the primary
  region) and is ``available``. With ``primary_reachable=false`` an instance a failover already promoted
  (standalone) passes; with the primary up it fails, since it no longer protects anything.
* ``replica <id> lag``: ``ReplicaLag`` read from CloudWatch in the DR region is within ``max_lag_seconds``,
  the RPO that the failover's promotion gate applies too. The evidence is the lag evidence the promotion
  records (seconds, basis, newest datapoint and its age). No datapoint, or a stale one (older than
  CloudWatch's normal delivery delay), is ``not_checked`` with its age: the recent lag is unknown.

Everything is read in the DR region (RDS and CloudWatch there): the primary region is never called.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import TRANSITIONAL
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import available
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import get_instance
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import is_replica
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import replicates_other
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import replication_state
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.lag import STALE_AFTER_SECONDS
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.lag import read_replica_lag
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import describe_error

COMPONENT = "rds"
FIX_CREATE = "run the dr_rds main entry point, which creates the replica"
FIX_REPLACE = (
    "a promoted instance cannot become a replica again: after the failback, delete it "
    "(amazon.aws.rds_instance state=absent) and run the dr_rds main entry point to create the replica anew"
)


def check(ctx):
    options = ctx.options
    max_lag = float(options.get("max_lag_seconds", 900))
    lookback = int(options.get("lag_lookback_seconds", 900))
    rds, cloudwatch = ctx.client("rds"), ctx.client("cloudwatch")
    outcomes = run_concurrently(
        lambda entry: check_replica(ctx, rds, cloudwatch, entry, max_lag, lookback),
        options.get("instances") or [],
        int(options.get("max_concurrency", 8)),
    )
    results = []
    for outcome in outcomes:
        if outcome.ok:
            results.extend(outcome.value)
        else:  # a bug must not hide the other replicas
            checks = Checks(COMPONENT)
            for name in check_names(outcome.item["replica"]):
                checks.not_checked(name, f"the check could not run: {describe_error(outcome.error)}")
            results.extend(checks.results)
    return results


def check_names(replica):
    return f"replica {replica} available", f"replica {replica} lag"


def check_replica(ctx, rds, cloudwatch, entry, max_lag, lookback):
    """The two checks of one replica."""
    checks = Checks(COMPONENT)
    replica, source, region = entry["replica"], entry["source"], ctx.region
    available_check, lag_check = check_names(replica)
    ok, instance = checks.read(
        [available_check, lag_check], f"DB instance {replica} in {region}", get_instance, rds, replica, region
    )
    if not ok:
        return checks.results
    if instance is None:
        reason = f"replica {replica} does not exist in {region}"
        checks.failed(available_check, reason, FIX_CREATE, {"source": source})
        checks.failed(lag_check, f"no replica lag: {reason}", FIX_CREATE)
        return checks.results

    status, current = instance.get("DBInstanceStatus"), instance.get("ReadReplicaSourceDBInstanceIdentifier")
    evidence = {
        "status": status,
        "replica_of": current,
        "source": source,
        "replication": replication_state(instance).get("Status"),
        "kms_key_id": instance.get("KmsKeyId"),
    }
    if not is_replica(instance):
        standalone_checks(checks, ctx, instance, available_check, lag_check, evidence)
        return checks.results

    mismatch = source_mismatch(instance, source, ctx.primary_region, region)
    if mismatch:
        fix = (
            f"correct the source or replica of {replica} in dr_rds_instances, or delete {replica} "
            "(amazon.aws.rds_instance state=absent) and run the dr_rds main entry point"
        )
        checks.failed(available_check, mismatch, fix, evidence)
        checks.failed(lag_check, f"no replica lag of {source}: {mismatch}", fix)
        return checks.results

    checks.expect(
        available_check,
        available(instance),
        f"{replica} is {status}, a replica of {current}",
        status_fix(replica, status),
        evidence,
    )
    ok, lag = checks.read(
        lag_check,
        f"ReplicaLag of {replica} from CloudWatch in {region}",
        read_replica_lag,
        cloudwatch,
        replica.lower(),
        lookback,
        now=ctx.now(),
    )
    if ok:
        lag_result(checks, lag_check, replica, lag, max_lag, region)
    return checks.results


def source_mismatch(instance, source, primary_region, region):
    """Why the replica does not replicate ``source`` (None when it does)."""
    try:
        current = replicates_other(instance, source, primary_region)
    except DRError as error:
        return error.message
    return f"{instance.get('DBInstanceIdentifier')} in {region} replicates {current}, not {source}" if current else None


def status_fix(replica, status):
    if status in TRANSITIONAL:
        return f"wait until {replica} is available (it is {status}, which ends on its own) and check again"
    return f"{replica} is {status}, which needs a person: look at its events in the RDS console"


def standalone_checks(checks, ctx, instance, available_check, lag_check, evidence):
    """A standalone instance in the DR region: promoted by a failover."""
    replica, status, region = instance.get("DBInstanceIdentifier"), instance.get("DBInstanceStatus"), ctx.region
    if ctx.primary_reachable:
        reason = (
            f"{replica} in {region} is a standalone DB instance, not a read replica (promoted during a "
            "failover?): it protects nothing"
        )
        checks.failed(available_check, reason, FIX_REPLACE, evidence)
        checks.failed(lag_check, f"no replica lag: {reason}", FIX_REPLACE)
        return
    checks.expect(
        available_check,
        available(instance),
        f"{replica} is {status}, already standalone (promoted earlier); read in {region} only",
        status_fix(replica, status),
        evidence,
    )
    checks.passed(lag_check, f"{replica} is standalone: no replica lag to check (promoted earlier)", evidence)


def lag_result(checks, name, replica, lag, max_lag, region):
    evidence = dict(lag, max_lag_seconds=max_lag)
    seconds, age = lag.get("seconds"), lag.get("datapoint_age_seconds")
    if seconds is None:
        aged = f"; newest datapoint {age:g}s old" if age is not None else ""
        checks.not_checked(name, f"no replica lag for {replica} ({lag.get('basis')}{aged})", evidence)
    elif lag.get("stale"):
        checks.not_checked(
            name,
            f"the newest ReplicaLag datapoint of {replica} is {age:g}s old (stale after {STALE_AFTER_SECONDS}s): the "
            f"lag since is unknown, at most {seconds:g}s if replication stopped when it was measured",
            evidence,
        )
    else:
        checks.expect(
            name,
            seconds <= max_lag,
            f"replica lag of {replica} is {seconds:g}s (max {max_lag:g}s; {lag.get('basis')}, read in {region})",
            f"{replica} is further behind than dr_rds_max_lag_seconds: find why (RDS events, write load on the "
            "source, the replica's class) and let it catch up; a failover now refuses to promote it unless "
            "dr_rds_force accepts the data loss",
            evidence,
        )
