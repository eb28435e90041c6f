# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the CloudFront origin failover (role dr_cdn): the origin group is armed on the distribution,
and CloudFront may read the DR bucket.

One check, ``origin_group``: the distribution has the origin group with the two origins (whichever one
is primary: after a failover the DR origin is), the failover status codes, and the cache behaviors
that should target it do. It is the plan of cloudfront_origin_group (state=present, primary kept)
run on the current configuration: no change planned means ready.

A second check, ``dr_origin_access``, when the DR origin has an ``origin_access_control``: the DR origin
signs with that origin access control, and the DR bucket's policy (read in the bucket's region) lets the
CloudFront service principal read its objects for this distribution's ARN.

CloudFront's control plane is global, served from us-east-1: the check never calls the primary region,
and a CloudFront that cannot be read (us-east-1 impaired, throttled) makes it not checked. With a us-east-1
primary that is not reachable, CloudFront is not called at all (not checked, primary side).
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import access
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import distributions
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import origin_groups
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

COMPONENT = "cdn"
CHECK = "origin_group"
WHERE = "CloudFront (control plane in us-east-1)"
FIX_RUN_ROLE = "run the dr_cdn role (main entry point), which arms the origin failover"
LOOKUPS = ("distribution_id", "alias", "comment")
ACCESS_CHECK = "dr_origin_access"
FIX_ACCESS = (
    "run the dr_cdn role (main entry point) with dr_cdn_dr_origin.origin_access_control: it creates the origin "
    "access control, puts it on the DR origin and lets the distribution read in the DR bucket's policy"
)


def module_params(options):
    """The cloudfront_origin_group parameters the check plans with: origins by id, the primary kept."""
    origins = [options.get("primary_origin") or {}, options.get("dr_origin") or {}]
    return {
        "origin_group_id": options.get("origin_group_id"),
        "origins": [{"id": origin.get("id")} for origin in origins],
        "primary": None,
        "failover_status_codes": list(options.get("failover_status_codes") or origin_groups.DEFAULT_STATUS_CODES),
        "target_default_cache_behavior": options.get("target_default_cache_behavior", True),
        "target_path_patterns": list(options.get("target_path_patterns") or []),
        "state": "present",
    }


def fix_of(error, default=FIX_RUN_ROLE):
    """What the error message says to do (after its first ": "), else ``default``."""
    _dummy, found, fix = error.message.partition(": ")
    return fix if found and fix else default


def find_distribution(checks, client, options):
    """The distribution's id; None once the check is recorded (fail: none or several, not checked: unreadable)."""
    given = [name for name in LOOKUPS if options.get(name)]
    if len(given) != 1:
        checks.failed(
            CHECK,
            f"the distribution is given by {', '.join(given) or 'nothing'}",
            "set exactly one of dr_cdn_distribution_id, dr_cdn_alias and dr_cdn_comment",
        )
        return None
    if options.get("distribution_id"):
        return options["distribution_id"]
    ok, summaries = checks.read(CHECK, f"the distributions of {WHERE}", distributions.list_distributions, client)
    if not ok:
        return None
    found, what = distributions.matching_distributions(summaries, options.get("alias"), options.get("comment"))
    if len(found) == 1:
        return found[0]["Id"]
    if not found:
        checks.failed(
            CHECK,
            f"no CloudFront distribution has the {what}",
            f"create the distribution or fix dr_cdn_{what.split()[0]}",
        )
    else:
        ids = ", ".join(d["Id"] for d in found)
        checks.failed(
            CHECK,
            f"{len(found)} CloudFront distributions have the {what} ({ids})",
            "set dr_cdn_distribution_id to the one to arm",
        )
    return None


def ready_reason(group_id, distribution_id, view):
    group = view["origin_group"]
    codes = "/".join(str(code) for code in group["failover_status_codes"])
    return (
        f"origin group {group_id} on {distribution_id}: primary {group['primary']}, secondary "
        f"{group['secondary']}, fails over on {codes}, targeted by {', '.join(view['targets']) or 'nothing'}"
    )


def check(ctx):
    checks = Checks(COMPONENT)
    options = ctx.options
    params = module_params(options)
    group_id = params["origin_group_id"]
    try:
        origin_groups.validate(params)
    except DRError as error:
        checks.failed(
            CHECK,
            f"origin group {group_id}: {error.message}",
            "fix dr_cdn_primary_origin, dr_cdn_dr_origin, dr_cdn_origin_group_id or dr_cdn_failover_status_codes",
        )
        return checks.results
    if ctx.primary_region == distributions.CLOUDFRONT_REGION and not ctx.primary_reachable:
        checks.skipped_primary(
            [CHECK],
            "CloudFront's control plane is in us-east-1, the primary region, which is not "
            "reachable (the origin group still fails over on errors: its data plane)",
        )
        return checks.results
    client = ctx.client("cloudfront", region=distributions.CLOUDFRONT_REGION)
    distribution_id = find_distribution(checks, client, options)
    if distribution_id is None:
        return checks.results
    ok, found = checks.read(
        CHECK, f"CloudFront distribution {distribution_id}", distributions.read_config, client, distribution_id
    )
    if not ok:
        return checks.results
    if found is None:
        checks.failed(
            CHECK,
            f"CloudFront distribution {distribution_id} not found",
            "check dr_cdn_distribution_id (or create the distribution)",
        )
        return checks.results
    config, _dummy = found
    check_origin_group(checks, params, config, distribution_id)
    check_origin_access(checks, ctx, client, distribution_id, config, options.get("dr_origin") or {})
    return checks.results


def check_origin_group(checks, params, config, distribution_id):
    group_id = params["origin_group_id"]
    ids = [origin["id"] for origin in params["origins"]]
    view = origin_groups.state_view(config, group_id, ids)
    evidence = {"distribution_id": distribution_id, "origin_group": view["origin_group"], "targets": view["targets"]}
    try:
        _dummy, changes = origin_groups.plan_present(config, params)
    except DRError as error:
        checks.failed(
            CHECK,
            f"origin group {group_id} on {distribution_id} cannot be armed: {error.message}",
            fix_of(error),
            evidence,
        )
        return
    evidence["changes"] = changes
    if changes:
        checks.failed(
            CHECK,
            f"origin group {group_id} on {distribution_id} is not ready: {'; '.join(changes)}",
            FIX_RUN_ROLE,
            evidence,
        )
    else:
        checks.passed(CHECK, ready_reason(group_id, distribution_id, view), evidence)


def check_origin_access(checks, ctx, client, distribution_id, config, dr_origin):
    """The DR origin signs with its origin access control and the DR bucket's policy lets the distribution
    read: without both, the private DR bucket answers 403 once the group fails over to it."""
    name = dr_origin.get("origin_access_control")
    if not name:
        return
    origin_id = dr_origin.get("id")
    origin = next((o for o in origin_groups.items(config.get("Origins")) if o.get("Id") == origin_id), None)
    control_id = (origin or {}).get("OriginAccessControlId") or ""
    evidence = {"distribution_id": distribution_id, "origin_id": origin_id, "origin_access_control_id": control_id}
    if not control_id:
        checks.failed(
            ACCESS_CHECK,
            f"DR origin {origin_id} of {distribution_id} has no origin access control: CloudFront would read the "
            "private DR bucket unsigned (403 after a failover)",
            FIX_ACCESS,
            evidence,
        )
        return
    ok, control = checks.read(
        ACCESS_CHECK,
        f"CloudFront origin access control {control_id}",
        access.read_access_control,
        client,
        control_id,
    )
    if not ok:
        return
    if control is None or control.get("Name") != name or control.get("SigningBehavior") == "never":
        found = (
            "no such origin access control"
            if control is None
            else f"{control.get('Name')}, signing {control.get('SigningBehavior')}"
        )
        checks.failed(
            ACCESS_CHECK,
            f"DR origin {origin_id} of {distribution_id} uses origin access control {control_id} ({found}), "
            f"not {name} signing its requests",
            FIX_ACCESS,
            evidence,
        )
        return
    try:
        bucket, region = access.bucket_of((origin or {}).get("DomainName"))
    except DRError as error:
        checks.failed(
            ACCESS_CHECK, f"DR origin {origin_id}: {error.message}", "fix dr_cdn_dr_origin.domain_name", evidence
        )
        return
    evidence.update(bucket=bucket, region=region)
    if region == ctx.primary_region and not ctx.primary_reachable:
        checks.skipped_primary([ACCESS_CHECK], f"bucket {bucket} is in the primary region, which is not reachable")
        return
    ok, distribution = checks.read(
        ACCESS_CHECK,
        f"CloudFront distribution {distribution_id}",
        distributions.read_distribution,
        client,
        distribution_id,
    )
    if not ok:
        return
    arn = (distribution or {}).get("ARN")
    ok, policy = checks.read(
        ACCESS_CHECK,
        f"the bucket policy of {bucket} in {region}",
        access.read_bucket_policy,
        ctx.client("s3", region=region),
        bucket,
    )
    if not ok:
        return
    evidence["distribution_arn"] = arn
    checks.expect(
        ACCESS_CHECK,
        bool(arn) and access.grants_distribution(policy, bucket, arn),
        f"DR origin {origin_id} signs with origin access control {name} ({control_id}); the policy of {bucket} "
        + (
            f"lets {arn} read its objects"
            if access.grants_distribution(policy, bucket, arn)
            else f"does not let {arn} read its objects (CloudFront gets 403 after a failover)"
        ),
        FIX_ACCESS,
        evidence,
    )
