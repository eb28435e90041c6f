# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""state=failed_back: the primary region's instance holds again every write the promoted DR instance took.

A promoted instance can never become a replica again, so the way back is a new replica in the primary
region (the failback replica) of the promoted DR instance; once the DR writers are stopped it must read
ReplicaLag 0 (drain_timeout) before it is promoted, so it keeps every write DR acknowledged. Then the
identifiers move so that the application and the pilot light find everything under the names they know:
the promoted DR instance is retired (renamed ``<dr id>-retired-<stamp>``, its data is all in the primary
now), the stale old primary is set aside (``<id>-stale-<stamp>``, kept: after an ungraceful failover it may
hold writes that never reached DR), and the failback replica takes the primary's identifier (and so its
endpoint). Re-arming is then state=present of a new DR replica under the DR identifier.

Every step reads first, so a re-run after any interruption goes on from where it stopped; a DR instance
that is still a replica (the failover never promoted it) has nothing to fail back, and nothing is touched.
"""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import available
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import get_instance
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import is_replica
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import parse_arn
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.present import ensure_present
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.promoted import ensure_promoted
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.promoted import match_resilience

MAX_IDENTIFIER = 63


def suffixed(identifier, suffix):
    """``identifier-suffix`` within RDS's 63 characters (the identifier is cut, never the suffix)."""
    base = identifier[: MAX_IDENTIFIER - len(suffix) - 1].rstrip("-")
    return f"{base}-{suffix}"


def stamp(instance):
    """A suffix fixed for one failback: the failback replica's creation time (the same on every re-run)."""
    created = instance.get("InstanceCreateTime")
    return created.strftime("%Y%m%d%H%M%S") if hasattr(created, "strftime") else "0"


def dr_identifier(params):
    source = params["source_db_instance_identifier"]
    parsed = parse_arn(source)
    return (parsed["id"] if parsed else source).lower()


def plan(primary, failback, dr):
    """The steps left, from what exists (the promoted DR instance, the failback replica, the primary)."""
    if dr is not None and not is_replica(dr):
        steps = [] if failback is not None else ["create failback replica"]
        if failback is None or is_replica(failback):
            steps.append("promote failback replica")
        steps.append("retire DR instance")
    elif failback is not None and not is_replica(failback):
        steps = []  # promoted, DR retired: only the identifiers are left to move
    elif failback is not None:
        raise DRError(
            f"{failback['DBInstanceIdentifier']} is still a read replica but the DR instance it should replicate is "
            "not a promoted instance any more: look at both, delete the failback replica if it is not needed, re-run"
        )
    else:
        return []  # the DR instance was never promoted (or is re-armed): nothing to fail back
    if primary is not None:
        steps.append("set the stale primary aside")
    steps.append("take the primary identifier")
    return steps


def rename(client, region, old, new, deadline, check_mode):
    """ModifyDBInstance NewDBInstanceIdentifier, then wait until the instance answers to its new name."""
    if check_mode:
        return
    with aws_errors(f"rename DB instance {old} to {new} in {region}", fix="rename it by hand, then re-run"):
        client.modify_db_instance(
            DBInstanceIdentifier=old, NewDBInstanceIdentifier=new, ApplyImmediately=True, aws_retry=True
        )

    def renamed():
        instance = get_instance(client, new, region)
        return instance if instance is not None and available(instance) else None

    try:
        wait_until(renamed, deadline, f"{old} in {region} to be renamed {new}", delay=1.0, max_delay=5.0)
    except WaitTimeout:
        raise DRError(
            f"{old} in {region} was not available as {new} within wait_timeout: re-run later (the rename goes on "
            "in AWS)"
        ) from None


def ensure_failed_back(module, params, timings, warnings):
    """(instance before, instance after, changed, ReplicaLag evidence of the promotion or None, failback record)."""
    region, dr_region = module.region, params["source_region"]
    client, dr_client = module.client("rds"), module.client("rds", region=dr_region)
    identifier = params["db_instance_identifier"].lower()
    failback_id = (params["failback_identifier"] or suffixed(identifier, "failback")).lower()
    dr_id = dr_identifier(params)
    deadline = Deadline(params["wait_timeout"])
    started = time.monotonic()
    primary = get_instance(client, identifier, region)
    failback = get_instance(client, failback_id, region)
    dr = get_instance(dr_client, dr_id, dr_region)
    timings["read"] = round(time.monotonic() - started, 3)
    steps = plan(primary, failback, dr)
    record = {
        "steps": steps,
        "nothing_to_fail_back": not steps and (dr is None or is_replica(dr)) and failback is None,
        "failback_identifier": failback_id,
        "retired_dr_identifier": None,
        "stale_primary_identifier": None,
        "promotion": None,
    }
    if record["nothing_to_fail_back"]:
        reason = "it is still a read replica (never promoted)" if dr is not None else "it does not exist"
        warnings.append(f"nothing to fail back for {dr_id} in {dr_region}: {reason}; {identifier} is not touched")
        return primary, primary, False, None, record
    if not steps:
        return primary, primary, False, None, record
    if module.check_mode:
        return primary, primary, True, None, record
    lag = None
    replica_params = dict(
        params,
        state="present",
        db_instance_identifier=failback_id,
        source_db_instance_identifier=dr["DBInstanceArn"]
        if dr is not None
        else params["source_db_instance_identifier"],
        multi_az=None,
        publish_endpoint=None,  # the failback replica's own address is never the one the application reads
        wait=True,
    )
    if "create failback replica" in steps:
        ensure_present(module, dict(replica_params, wait_timeout=max(1, int(deadline.remaining))), timings, warnings)
    if "promote failback replica" in steps:
        promoted_params = dict(
            replica_params, state="promoted", force=False, wait_timeout=max(1, int(deadline.remaining))
        )
        _before, _after, _changed, lag, promotion = ensure_promoted(module, promoted_params, timings, warnings)
        record["promotion"] = promotion
    failback = get_instance(client, failback_id, region)
    suffix = stamp(failback) if failback is not None else "0"
    if "retire DR instance" in steps:
        record["retired_dr_identifier"] = suffixed(dr_id, f"retired-{suffix}")
        rename(dr_client, dr_region, dr_id, record["retired_dr_identifier"], deadline, module.check_mode)
    if "set the stale primary aside" in steps:
        record["stale_primary_identifier"] = suffixed(identifier, f"stale-{suffix}")
        rename(client, region, identifier, record["stale_primary_identifier"], deadline, module.check_mode)
    rename(client, region, failback_id, identifier, deadline, module.check_mode)
    match_resilience(module, client, region, identifier, params, deadline, timings)
    after = get_instance(client, identifier, region)
    return primary, after, True, lag, record
