# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""state=present: make each primary secret a replica in the DR region and wait until it is InSync.

A Failed replication is retried; a same-name secret in the way (the standalone secret a failover left)
is replaced only with ``overwrite``, after its value is copied back to the primary with ``copy_back_value``.
"""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import raise_failures
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._kms.keys import enabled_key_arn
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager import replicas as sr


def values(outcomes, what, label=None):
    """The values of concurrent outcomes, or one DRError naming every failure (``label(item)`` when unnamed)."""
    raise_failures(outcomes, what, label=label)
    return [outcome.value for outcome in outcomes]


def read_present(source, dest, name, params, region):
    """One secret as it is in both regions, and what to do about it."""
    source_region = params["source_region"]
    primary = sr.describe(source, name, source_region)
    dr_secret = sr.describe(dest, primary["Name"], region) if primary else None
    action, problem = sr.plan_present(name, primary, dr_secret, source_region, region, params["overwrite"])
    entry = {
        "name": (primary or {}).get("Name", name),
        "requested": name,
        "primary": primary,
        "dr": dr_secret,
        "action": action,
        "problem": problem,
        "value_copied_back": False,
    }
    status = sr.status_for(primary, region) or {}
    standalone = dr_secret is not None and not sr.is_replica(dr_secret, region)
    entry["before"] = {
        "status": "Standalone" if standalone and not status else status.get("Status"),
        "primary_region": sr.primary_region_of(dr_secret, region) if dr_secret else None,
        "kms_key_id": status.get("KmsKeyId") or (dr_secret or {}).get("KmsKeyId"),
    }
    wanted_key = params["kms_key_id"]
    if action == sr.NOTHING and wanted_key and not sr.key_matches(status.get("KmsKeyId"), wanted_key):
        entry["warning"] = (
            f"the replica of {entry['name']} in {region} is encrypted with {status.get('KmsKeyId')}, "
            f"not {params['kms_key_id']}; change it with UpdateSecret KmsKeyId in {region}"
        )
    return entry


def copy_back(source, dest, entry):
    """Write the DR secret's current value to the primary when they differ (values stay in this function)."""
    if not (entry["dr"] and not sr.is_replica(entry["dr"], entry["replica_region"])):
        return False
    dr_value = sr.current_value(dest, entry["dr"]["ARN"])
    if sr.current_value(source, entry["primary"]["ARN"]) == dr_value:
        return False
    source.put_secret_value(SecretId=entry["primary"]["ARN"], aws_retry=True, **dr_value)
    return True


def replicate(source, dest, entry, params, region):
    name = entry["name"]
    with aws_errors(f"replicate {name} from {params['source_region']} to {region}"):
        if params["copy_back_value"] and entry["action"] in (sr.OVERWRITE, sr.RETRY):
            entry["value_copied_back"] = copy_back(source, dest, entry)
        if entry["action"] == sr.RETRY:
            source.remove_regions_from_replication(
                SecretId=entry["primary"]["ARN"], RemoveReplicaRegions=[region], aws_retry=True
            )
        replica_region = {"Region": region}
        if params["kms_key_id"]:
            replica_region["KmsKeyId"] = params["kms_key_id"]
        source.replicate_secret_to_regions(
            SecretId=entry["primary"]["ARN"],
            AddReplicaRegions=[replica_region],
            ForceOverwriteReplicaSecret=bool(params["overwrite"] and entry["dr"] is not None),
            aws_retry=True,
        )
    return name


def poll_status(source, entry, source_region, region):
    """The ReplicationStatus entry of ``region`` as the primary reports it now ({} when none)."""
    return sr.status_for(sr.describe(source, entry["primary"]["ARN"], source_region), region) or {}


def wait_in_sync(source, entries, source_region, region, deadline, max_workers):
    pending = {e["name"]: e for e in entries}
    last = {}

    def check():
        outcomes = values(
            run_concurrently(
                lambda e: (e["name"], poll_status(source, e, source_region, region)),
                list(pending.values()),
                max_workers,
            ),
            "cannot read the replication status",
        )
        for name, status in outcomes:
            last[name] = status
            if status.get("Status") == "InSync":
                pending.pop(name)
            elif status.get("Status") == "Failed":
                raise DRError(f"replication of {name} to {region} failed: {status.get('StatusMessage')}")
        return not pending

    try:
        wait_until(check, deadline, f"secret replicas to be InSync in {region}", delay=0.5)
    except WaitTimeout as timeout:
        if not pending:
            raise
        raise WaitTimeout(f"{timeout.message} (not in sync yet: {', '.join(sorted(pending))})") from None
    return last


def finish_present(entry, status, region, params, predicted=False):
    primary = entry["primary"]
    if predicted and entry["action"] in sr.CHANGING:
        status = {
            "Status": "InSync" if params["wait"] else "InProgress",
            "KmsKeyId": params["kms_key_id"],
            "StatusMessage": None,
        }
    entry.update(
        primary_region=params["source_region"],
        replica_region=region,
        arn=sr.in_region(primary["ARN"], region),
        status=status.get("Status"),
        status_message=status.get("StatusMessage"),
        kms_key_id=status.get("KmsKeyId") or sr.DEFAULT_KEY,
    )
    entry["after"] = {
        "status": entry["status"],
        "primary_region": params["source_region"],
        "kms_key_id": entry["kms_key_id"],
    }


def ensure_present(module, params, timings, warnings):
    """One entry per secret: what was found, what was done, its replica's status now."""
    region, source_region = module.region, params["source_region"]
    source, dest = module.client("secretsmanager", region=source_region), module.client("secretsmanager")
    workers = params["max_concurrency"]
    started = time.monotonic()
    entries = values(
        run_concurrently(lambda name: read_present(source, dest, name, params, region), params["secrets"], workers),
        "cannot read the secrets",
        label=str,
    )
    problems = [e["problem"] for e in entries if e["problem"]]
    if problems:
        raise DRError("; ".join(problems))
    to_change = [e for e in entries if e["action"] in sr.CHANGING]
    if to_change and params["kms_key_id"]:
        enabled_key_arn(module.client("kms"), params["kms_key_id"], region, "kms_key_id: KMS key")
    timings["read"] = round(time.monotonic() - started, 3)
    warnings += [e["warning"] for e in entries if e.get("warning")]
    for entry in entries:
        entry["replica_region"] = region

    if module.check_mode:
        for entry in entries:
            finish_present(entry, sr.status_for(entry["primary"], region) or {}, region, params, predicted=True)
        return entries

    started = time.monotonic()
    values(
        run_concurrently(lambda e: replicate(source, dest, e, params, region), to_change, workers),
        "some secrets could not be replicated",
    )
    timings["change"] = round(time.monotonic() - started, 3)
    statuses = {}
    waiting = [
        e
        for e in entries
        if e["action"] in sr.CHANGING or (sr.status_for(e["primary"], region) or {}).get("Status") == "InProgress"
    ]
    if params["wait"] and waiting:
        started = time.monotonic()
        statuses = wait_in_sync(source, waiting, source_region, region, Deadline(params["wait_timeout"]), workers)
        timings["wait"] = round(time.monotonic() - started, 3)
    elif to_change:
        statuses = dict(
            values(
                run_concurrently(
                    lambda e: (e["name"], poll_status(source, e, source_region, region)), to_change, workers
                ),
                "cannot read the replication status",
            )
        )
    for entry in entries:
        status = statuses.get(entry["name"]) or sr.status_for(entry["primary"], region) or {}
        finish_present(entry, status, region, params)
    return entries
