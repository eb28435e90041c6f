# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""state=promoted: each replica in the DR region becomes a standalone secret (StopReplicationToReplica).

Only the DR region is called, so it works while the primary region is down; a secret already
standalone is success, also when another run promoted it meanwhile.
"""

import time

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager import replicas as sr
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager.present import values


def read_promoted(dest, name, params, region):
    """One secret as it is in the DR region, and what to do about it."""
    dr_secret = sr.describe(dest, sr.in_region(name, region), region)
    action, problem = sr.plan_promoted(name, dr_secret, region, params["source_region"])
    entry = {
        "name": (dr_secret or {}).get("Name", name),
        "requested": name,
        "dr": dr_secret,
        "action": action,
        "problem": problem,
        "value_copied_back": False,
        "replica_region": region,
    }
    if dr_secret:
        entry["before"] = {
            "status": "Standalone" if action == sr.ALREADY_STANDALONE else "Replica",
            "primary_region": sr.primary_region_of(dr_secret, region),
            "kms_key_id": dr_secret.get("KmsKeyId") or sr.DEFAULT_KEY,
        }
    return entry


def promote(dest, entry, region):
    try:
        dest.stop_replication_to_replica(SecretId=entry["dr"]["ARN"], aws_retry=True)
    except AWS_ERRORS as exc:
        if is_error_code(exc, "InvalidRequestException", "InvalidParameterException") and "replica" in str(exc):
            current = sr.describe(dest, entry["dr"]["ARN"], region)
            if current and not sr.is_replica(current, region):
                entry["action"] = sr.ALREADY_STANDALONE  # promoted meanwhile
                return entry["name"]
        raise DRError(f"promoting {entry['name']} in {region} failed", exception=exc) from exc
    return entry["name"]


def wait_standalone(dest, entries, region, deadline):
    pending = {e["name"]: e for e in entries}

    def check():
        for name, entry in list(pending.items()):
            current = sr.describe(dest, entry["dr"]["ARN"], region)
            if current and not sr.is_replica(current, region):
                pending.pop(name)
        return not pending

    wait_until(check, deadline, f"secrets to be standalone in {region}", delay=0.5)


def ensure_promoted(module, params, timings, warnings):
    """One entry per secret, each standalone in the DR region at the end."""
    region, dest, workers = module.region, module.client("secretsmanager"), params["max_concurrency"]
    started = time.monotonic()
    entries = values(
        run_concurrently(lambda name: read_promoted(dest, name, params, region), params["secrets"], workers),
        "cannot read the secrets",
        label=str,
    )
    problems = [e["problem"] for e in entries if e["problem"]]
    if problems:
        raise DRError("; ".join(problems))
    timings["read"] = round(time.monotonic() - started, 3)
    to_promote = [e for e in entries if e["action"] == sr.PROMOTE]
    if not module.check_mode and to_promote:
        started = time.monotonic()
        values(
            run_concurrently(lambda e: promote(dest, e, region), to_promote, workers),
            "some secrets could not be promoted",
        )
        timings["change"] = round(time.monotonic() - started, 3)
        if params["wait"]:
            started = time.monotonic()
            wait_standalone(dest, to_promote, region, Deadline(params["wait_timeout"]))
            timings["wait"] = round(time.monotonic() - started, 3)
    for entry in entries:
        entry.update(
            primary_region=region,
            arn=entry["dr"]["ARN"],
            status="Standalone",
            status_message=None,
            kms_key_id=entry["dr"].get("KmsKeyId") or sr.DEFAULT_KEY,
        )
        entry["after"] = {"status": "Standalone", "primary_region": region, "kms_key_id": entry["kms_key_id"]}
    return entries
