# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the ECR replication (role dr_ecr): the registry replicates to DR and every image is there.

Checks, in this order:

* ``replication rule`` (primary side): the primary registry has a rule that sends exactly the
  repositories of ``repository_prefixes`` to the DR region's registry;
* ``images in DR`` (primary side): every tagged image of the primary repositories in scope
  (``repositories``, else those matching the prefixes) is in the DR repository with all its tags;
* ``DR repositories`` (DR side, only when the primary is not called): the DR repositories in scope
  exist and hold tagged images.

With ``primary_reachable`` false the primary region is never called: the first two are not checked.
A read that failed (throttled, 5xx) makes its checks not checked, never "missing".
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import raise_failures
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr import rules as ecr
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.backfill import DEFAULT_TEMP_TAG_PREFIX
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.backfill import missing_images
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.backfill import plan_images
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import Registry
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import images_of
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import list_repositories
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import select
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import tagged_images
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

COMPONENT = "ecr"
RULE, IMAGES, DR_REPOSITORIES = "replication rule", "images in DR", "DR repositories"
FIX_RUN_ROLE = "run the dr_ecr role (main entry point)"
MISSING_REPORTED = 10


def compare_images(source, dest, names):
    """(tagged images in the source, [plans the destination lacks]) over the repositories ``names``."""

    def compare(name):
        plans, _dummy = plan_images(images_of(source, name) or [], images_of(dest, name) or [], DEFAULT_TEMP_TAG_PREFIX)
        return len(plans), [dict(plan, repository=name) for plan in missing_images(plans)]

    outcomes = run_concurrently(compare, names)
    raise_failures(outcomes, "cannot compare the images")
    return sum(o.value[0] for o in outcomes), [plan for o in outcomes for plan in o.value[1]]


def count_images(client, region, registry_id, repositories):
    """[{"name", "tagged_images", "tags"}] of each repository, read side by side."""
    outcomes = run_concurrently(
        lambda repo: tagged_images(client, repo["repositoryName"], region, registry_id), repositories
    )
    raise_failures(outcomes, f"cannot read the ECR images of {region}")
    return [dict(name=o.item["repositoryName"], **o.value) for o in outcomes]


def check_rule(checks, ctx, rules, destination, prefixes):
    evidence = {"destination": destination, "rule": ecr.rule_for(rules, destination)}
    scope = f" for prefixes {', '.join(prefixes)}" if prefixes else ""
    # Ready when the rule the role would set is already there, exactly.
    ok = ecr.same_rules(rules, ecr.merge_destination(rules, destination, prefixes))
    checks.expect(
        RULE,
        ok,
        f"the {ctx.primary_region} registry replicates to {ctx.region}{scope}"
        if ok
        else f"the {ctx.primary_region} registry does not replicate to {ctx.region}{scope}",
        f"{FIX_RUN_ROLE}, which sets the registry's replication rule",
        evidence,
    )


def check_images(checks, ctx, source, dest, options):
    ok, found = checks.read(
        IMAGES,
        f"the repositories of {ctx.primary_region}",
        list_repositories,
        source.client,
        source.region,
        source.registry_id,
    )
    if not ok:
        return
    names = sorted(repo["repositoryName"] for repo in found)
    if options.get("repositories"):
        unknown = sorted(set(options["repositories"]) - set(names))
        if unknown:
            checks.failed(
                IMAGES,
                f"repositories {', '.join(unknown)} not found in {ctx.primary_region}",
                "check dr_ecr_repositories (each must exist in the primary registry)",
            )
            return
        names = sorted(options["repositories"])
    else:
        names = [name for name in names if ecr.matches(options.get("repository_prefixes"), name)]
    ok, compared = checks.read(
        IMAGES, f"the images of {ctx.primary_region} and {ctx.region}", compare_images, source, dest, names
    )
    if not ok:
        return
    total, missing = compared
    evidence = {
        "repositories": names,
        "images": total,
        "missing": len(missing),
        "missing_images": [
            {"repository": p["repository"], "digest": p["digest"], "tags": p["tags"]}
            for p in missing[:MISSING_REPORTED]
        ],
    }
    listed = " ".join(f"{p['repository']}:{','.join(p['tags'])}" for p in missing[:MISSING_REPORTED])
    checks.expect(
        IMAGES,
        not missing,
        f"{total} tagged image(s) of {len(names)} repositories are all in {ctx.region}"
        if not missing
        else f"{len(missing)} of {total} tagged image(s) missing in {ctx.region}: {listed}",
        f"{FIX_RUN_ROLE} with dr_ecr_backfill: true, which copies the older images",
        evidence,
    )


def check_dr_repositories(checks, ctx, options):
    names, prefixes = options.get("repositories") or [], options.get("repository_prefixes") or []
    client, registry_id = ctx.client("ecr"), options.get("registry_id") or None
    ok, found = checks.read(
        DR_REPOSITORIES, f"the repositories of {ctx.region}", list_repositories, client, ctx.region, registry_id
    )
    if not ok:
        return
    chosen, missing = select(found, names, prefixes)
    if missing:
        checks.failed(DR_REPOSITORIES, f"not in {ctx.region}: {', '.join(missing)}", FIX_RUN_ROLE, {"missing": missing})
        return
    if not chosen:
        scope = f"repositories starting with {', '.join(prefixes)}" if prefixes else "repositories"
        checks.failed(DR_REPOSITORIES, f"no {scope} in {ctx.region}", FIX_RUN_ROLE)
        return
    ok, counted = checks.read(
        DR_REPOSITORIES, f"the images of {ctx.region}", count_images, client, ctx.region, registry_id, chosen
    )
    if not ok:
        return
    empty = [repo["name"] for repo in counted if repo["tagged_images"] == 0]
    evidence = {"repositories": {repo["name"]: repo["tagged_images"] for repo in counted}}
    checks.expect(
        DR_REPOSITORIES,
        not empty,
        f"no tagged image in {ctx.region}: {', '.join(empty)}"
        if empty
        else f"{len(counted)} repositories in {ctx.region} hold "
        f"{sum(repo['tagged_images'] for repo in counted)} tagged image(s) (read in {ctx.region} only)",
        f"{FIX_RUN_ROLE} with dr_ecr_backfill: true",
        evidence,
    )


def check(ctx):
    options = ctx.options
    checks = Checks(COMPONENT, side="primary")
    if not ctx.primary_reachable:
        checks.skipped_primary(
            [RULE, IMAGES],
            f"not checked: the primary region is unreachable ({ctx.primary_region} holds the registry's "
            "replication rules and the images to compare with)",
        )
        checks.side = "dr"
        check_dr_repositories(checks, ctx, options)
        return checks.results
    source_client = ctx.primary_client("ecr")
    ok, registry = checks.read(
        [RULE, IMAGES],
        f"the ECR registry of {ctx.primary_region}",
        ecr.read_registry,
        source_client,
        ctx.primary_region,
    )
    if not ok:
        return checks.results
    own_id, rules = registry
    registry_id = options.get("registry_id") or own_id
    check_rule(checks, ctx, rules, ecr.destination_of(ctx.region, registry_id), options.get("repository_prefixes"))
    check_images(
        checks,
        ctx,
        Registry(source_client, ctx.primary_region, own_id),
        Registry(ctx.client("ecr"), ctx.region, registry_id),
        options,
    )
    return checks.results
