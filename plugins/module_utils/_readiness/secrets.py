# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the replicated secrets (role dr_secrets): every secret of ``names`` is in the DR region.

* ``secret <name> replicated`` (side primary): the primary secret in the primary region reports its replica
  in the DR region ``InSync``. Only the primary reports it, so with ``primary_reachable=false`` it is
  ``not_checked``.
* ``secret <name> in DR`` (with ``primary_reachable=false`` only): the secret exists in the DR region as a
  replica of its primary, or already standalone (promoted earlier), so a failover can use it. Read in the DR
  region only.

Secret values are never read.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import describe_error
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager import replicas as sr

COMPONENT = "secrets"
FIX_REPLICATE = "run the dr_secrets main entry point, which replicates it and waits until it is InSync"


def check(ctx):
    options = ctx.options
    names = options.get("names") or []
    dest = ctx.client("secretsmanager")
    source = ctx.primary_client("secretsmanager") if ctx.primary_reachable and names else None
    outcomes = run_concurrently(
        lambda name: check_secret(ctx, source, dest, name), names, int(options.get("max_concurrency", 8))
    )
    results = []
    for outcome in outcomes:
        if outcome.ok:
            results.extend(outcome.value)
        else:  # a bug must not hide the other secrets
            checks = Checks(COMPONENT)
            checks.not_checked(
                replicated_check(outcome.item),
                f"the check could not run: {describe_error(outcome.error)}",
                side="primary",
            )
            results.extend(checks.results)
    return results


def replicated_check(name):
    return f"secret {name} replicated"


def check_secret(ctx, source, dest, name):
    checks = Checks(COMPONENT)
    if source is not None:
        replicated(checks, ctx, source, dest, name)
    else:
        checks.skipped_primary(
            replicated_check(name),
            f"the primary region {ctx.primary_region} is not called (primary_reachable=false), and "
            f"only the primary of {name} reports whether its replica is InSync",
        )
        in_dr(checks, ctx, dest, name)
    return checks.results


def replicated(checks, ctx, source, dest, name):
    """The primary's view of its replica in the DR region."""
    check, region, primary_region = replicated_check(name), ctx.region, ctx.primary_region
    ok, primary = checks.read(
        check, f"secret {name} in {primary_region}", sr.describe, source, name, primary_region, side="primary"
    )
    if not ok:
        return
    dr_secret = None
    if primary is not None:
        ok, dr_secret = checks.read(
            check, f"secret {name} in {region}", sr.describe, dest, primary["Name"], region, side="primary"
        )
        if not ok:
            return
    problem = primary_problem(name, primary, primary_region)
    if problem:
        checks.failed(check, problem[0], problem[1], side="primary")
        return
    # overwrite=True: a secret in the way is something the failback entry point replaces, not an input error.
    action, _dummy = sr.plan_present(name, primary, dr_secret, primary_region, region, overwrite=True)
    status = sr.status_for(primary, region) or {}
    evidence = {
        "status": status.get("Status"),
        "status_message": status.get("StatusMessage"),
        "kms_key_id": status.get("KmsKeyId") or (sr.DEFAULT_KEY if status else None),
        "primary_region": primary_region,
    }
    if action == sr.NOTHING:
        checks.expect(
            check,
            status.get("Status") == "InSync",
            f"{name} replication to {region} is {status.get('Status')}",
            "wait until it is InSync (the dr_secrets main entry point waits for it) and check again",
            evidence,
            side="primary",
        )
    elif action == sr.REPLICATE:
        checks.failed(check, f"{name} has no replica in {region}", FIX_REPLICATE, evidence, side="primary")
    elif action == sr.RETRY:
        checks.failed(
            check,
            f"replication of {name} to {region} failed: {status.get('StatusMessage')}",
            "run the dr_secrets main entry point to retry it",
            evidence,
            side="primary",
        )
    else:  # OVERWRITE: a secret of the same name in the DR region that is not its replica
        kind = (
            "a standalone secret"
            if not sr.is_replica(dr_secret, region)
            else f"a replica of a secret in {sr.primary_region_of(dr_secret, region)}"
        )
        checks.failed(
            check,
            f"{name} is {kind} in {region} (promoted during a failover?), not a replica of its primary",
            "run the dr_secrets failback entry point: it copies the DR value back and replaces the secret "
            "with a replica",
            evidence,
            side="primary",
        )


def primary_problem(name, primary, primary_region):
    """(reason, fix) when the primary secret cannot be replicated at all, else None."""
    if primary is None:
        return (
            f"secret {name} not found in {primary_region}",
            f"create it in {primary_region}, or correct dr_secrets_names / dr_secrets_primary_region",
        )
    if primary.get("DeletedDate"):
        return (
            f"secret {name} in {primary_region} is scheduled for deletion",
            "restore it (aws secretsmanager restore-secret) or drop it from dr_secrets_names",
        )
    other = sr.primary_region_of(primary, primary_region)
    if other != primary_region:
        return (
            f"secret {name} in {primary_region} is a replica of a secret in {other}",
            f"set dr_secrets_primary_region to {other}, or promote the secret in {primary_region} first",
        )
    return None


def in_dr(checks, ctx, dest, name):
    """The DR region's own view: a replica of its primary, or already standalone."""
    check, region, primary_region = f"secret {name} in DR", ctx.region, ctx.primary_region
    ok, dr_secret = checks.read(
        check, f"secret {name} in {region}", sr.describe, dest, sr.in_region(name, region), region
    )
    if not ok:
        return
    action, problem = sr.plan_promoted(name, dr_secret, region, primary_region)
    evidence = {
        "primary_region": sr.primary_region_of(dr_secret, region) if dr_secret else None,
        "kms_key_id": (dr_secret or {}).get("KmsKeyId"),
    }
    if action == sr.PROMOTE:
        checks.passed(
            check,
            f"{name} is a replica in {region} of its primary in {primary_region} (read in {region} only)",
            evidence,
        )
    elif action == sr.ALREADY_STANDALONE:
        checks.passed(check, f"{name} is already a standalone secret in {region} (promoted earlier)", evidence)
    elif dr_secret is None:
        checks.failed(
            check,
            f"secret {name} not found in {region}: a failover has nothing to promote",
            f"replicate it (the dr_secrets main entry point) once {primary_region} answers again; until "
            "then the application has no copy of it in the DR region",
            evidence,
        )
    else:
        checks.failed(check, problem, "correct dr_secrets_names or dr_secrets_primary_region", evidence)
