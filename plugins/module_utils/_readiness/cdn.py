# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the CloudFront origin failover (role dr_cdn): the origin group is armed on the distribution.

One check, ``origin_group``: the distribution has the origin group with the two origins (whichever one
is primary: after a failover the DR origin is), the failover status codes, and the cache behaviors
that should target it do. It is the plan of cloudfront_origin_group (state=present, primary kept)
run on the current configuration: no change planned means ready.

CloudFront's control plane is global, served from us-east-1: the check never calls the primary region,
and a CloudFront that cannot be read (us-east-1 impaired, throttled) makes it not checked. With a us-east-1
primary that is not reachable, CloudFront is not called at all (not checked, primary side).
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import distributions
from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront import origin_groups
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

COMPONENT = "cdn"
CHECK = "origin_group"
WHERE = "CloudFront (control plane in us-east-1)"
FIX_RUN_ROLE = "run the dr_cdn role (main entry point), which arms the origin failover"
LOOKUPS = ("distribution_id", "alias", "comment")


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
        return checks.results
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
    return checks.results
