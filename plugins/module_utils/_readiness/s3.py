# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the S3 replication (role dr_s3): every bucket replicates to its DR bucket, little is pending.

Checks per bucket of ``buckets``, in this order:

* ``replication <bucket>`` (primary side): the bucket's rule ``rule_id`` is enabled and sends it to
  its DR bucket;
* ``pending replication <bucket>`` (primary side): the latest ``OperationsPendingReplication`` of the
  rule is at most ``readiness_max_pending``; evidence: operations and bytes pending, the datapoint's
  time (what a failover now would lose). No datapoint, or a rule without metrics, is not checked;
* ``DR bucket <dr bucket>`` (DR side, only when the primary is not called): the DR bucket exists in
  the DR region and is versioned.

With ``primary_reachable`` false the primary region is never called: the first two are not checked.
A read that failed (throttled, 5xx) makes its checks not checked, never "not versioned" or "no rule".
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.buckets import location_of
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.buckets import replication_of
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.buckets import versioning_of
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.metrics import describe_rule
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import bucket_of_arn
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import find_rule

COMPONENT = "s3"
LOOKBACK_MINUTES = 60
NO_BUCKET = object()
FIX_RUN_ROLE = "run the dr_s3 role (main entry point), which creates the DR bucket and the replication rule"


def dr_bucket_of(bucket, options):
    return bucket.get("dr_name") or bucket["name"] + options.get("dr_bucket_suffix", "-dr")


def replication_or_missing(client, bucket):
    """The bucket's replication configuration (None without one), or NO_BUCKET when the bucket does not exist."""
    try:
        return replication_of(client, bucket)
    except DRError as error:
        if is_error_code(error.exception, "NoSuchBucket"):
            return NO_BUCKET
        raise


def check_rule(checks, name, dr_bucket, rule_id, primary_region, configuration):
    """The ``replication`` check; the rule when it is enabled and sends to ``dr_bucket``, else None."""
    check = f"replication {name}"
    if configuration is NO_BUCKET:
        checks.failed(
            check,
            f"bucket {name} not found in {primary_region}",
            f"check the bucket names in dr_s3_buckets (each must exist in {primary_region})",
        )
        return None
    rule = find_rule(configuration, rule_id)
    destination = bucket_of_arn(((rule or {}).get("Destination") or {}).get("Bucket"))
    evidence = {"rule_id": rule_id, "status": (rule or {}).get("Status"), "destination_bucket": destination}
    if rule is None:
        checks.failed(
            check, f"bucket {name} has no replication rule {rule_id} (to {dr_bucket})", FIX_RUN_ROLE, evidence
        )
        return None
    if rule.get("Status") != "Enabled" or destination != dr_bucket:
        checks.failed(
            check,
            f"rule {rule_id} of bucket {name} is {rule.get('Status')} and replicates to "
            f"{destination}, not an enabled rule to {dr_bucket}",
            FIX_RUN_ROLE,
            evidence,
        )
        return None
    checks.passed(check, f"rule {rule_id} replicates {name} to {dr_bucket}", evidence)
    return rule


def check_pending(checks, ctx, name, rule, max_pending):
    check = f"pending replication {name}"
    if rule is None:
        checks.not_checked(check, f"bucket {name} has no enabled replication rule to measure", side="primary")
        return
    if (rule["Destination"].get("Metrics") or {}).get("Status") != "Enabled":
        checks.not_checked(
            check,
            f"rule {rule['ID']} of {name} publishes no replication metrics: turn on "
            "dr_s3_replication_time_control to measure what is pending",
            side="primary",
        )
        return
    cloudwatch = ctx.primary_client("cloudwatch")
    ok, entry = checks.read(
        check,
        f"the replication metrics of {name} in {ctx.primary_region}",
        describe_rule,
        cloudwatch,
        name,
        rule,
        LOOKBACK_MINUTES,
        ctx.now(),
        side="primary",
    )
    if not ok:
        return
    pending = entry["operations_pending"]
    evidence = {
        "operations_pending": pending,
        "bytes_pending": entry["bytes_pending"],
        "latency_seconds": entry["latency_seconds"],
        "as_of": entry["as_of"],
        "limit": max_pending,
    }
    if pending is None:
        checks.not_checked(
            check,
            f"pending operations of {name} unknown: no replication metric datapoint in the "
            f"last {LOOKBACK_MINUTES} minutes",
            evidence,
            side="primary",
        )
        return
    checks.expect(
        check,
        pending <= max_pending,
        f"{pending} operation(s) of {name} pending replication (limit {max_pending})",
        "wait for replication to catch up (objects still pending are lost by a failover now), or raise "
        "dr_s3_readiness_max_pending",
        evidence,
    )


def check_dr_bucket(checks, ctx, name, dr_bucket):
    """The DR bucket exists in the DR region and is versioned (DR region only)."""
    check = f"DR bucket {dr_bucket}"
    client = ctx.client("s3")
    ok, location = checks.read(check, f"the location of {dr_bucket} in {ctx.region}", location_of, client, dr_bucket)
    if not ok:
        return
    if location is None:
        checks.failed(check, f"DR bucket {dr_bucket} of {name} does not exist: run the main entry point", FIX_RUN_ROLE)
        return
    if location != ctx.region:
        checks.failed(
            check,
            f"DR bucket {dr_bucket} is in {location}, not in {ctx.region}",
            f"give {name} a dr_name of a bucket in {ctx.region} (or delete {dr_bucket} and run the role)",
            {"location": location},
        )
        return
    ok, versioning = checks.read(
        check, f"the versioning of {dr_bucket} in {ctx.region}", versioning_of, client, dr_bucket
    )
    if not ok:
        return
    checks.expect(
        check,
        versioning == "Enabled",
        f"DR bucket {dr_bucket} exists in {ctx.region} and is versioned (read in {ctx.region} only)"
        if versioning == "Enabled"
        else f"DR bucket {dr_bucket} is not versioned (versioning {versioning}): replication needs versioning, "
        "run the main entry point",
        FIX_RUN_ROLE,
        {"location": location, "versioning": versioning},
    )


def check_bucket(ctx, bucket):
    options = ctx.options
    name, dr_bucket = bucket["name"], dr_bucket_of(bucket, options)
    checks = Checks(COMPONENT, side="primary")
    if not ctx.primary_reachable:
        checks.skipped_primary(
            [f"replication {name}", f"pending replication {name}"],
            f"not checked: the primary region is unreachable (the replication rule of {name} and its pending "
            f"operations are read in {ctx.primary_region})",
        )
        checks.side = "dr"
        check_dr_bucket(checks, ctx, name, dr_bucket)
        return checks.results
    ok, configuration = checks.read(
        [f"replication {name}", f"pending replication {name}"],
        f"the replication configuration of {name} in {ctx.primary_region}",
        replication_or_missing,
        ctx.primary_client("s3"),
        name,
    )
    if ok:
        rule = check_rule(
            checks, name, dr_bucket, options.get("rule_id", "pilotlight-dr"), ctx.primary_region, configuration
        )
        check_pending(checks, ctx, name, rule, int(options.get("readiness_max_pending", 1000)))
    return checks.results


def check(ctx):
    """The results of every bucket, in the order of ``buckets``; buckets are read side by side."""
    outcomes = run_concurrently(lambda bucket: check_bucket(ctx, bucket), ctx.options.get("buckets") or [])
    results = []
    for outcome in outcomes:
        if not outcome.ok:
            raise outcome.error
        results.extend(outcome.value)
    return results
