# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the DR ECS services (dr_ecs): cluster, task definitions, images, services in standby.

Checks, in this order:

* ``cluster``: the DR cluster is ACTIVE;
* ``task_definitions``: each DR family has an ACTIVE revision;
* ``task_definitions_current`` (primary side): the newest DR revision equals the primary's task definition
  rewritten for DR (images, secrets, log region, environment), so the DR tasks run what production runs;
* ``images_in_dr``: every ECR image of the DR revisions is in the DR region's ECR (the DR replica);
* ``services_standby``: each DR service is ACTIVE at desired 0 with no task, on its DR family, with the
  active count recorded (``pilotlight:active-count``);
* ``primary_services`` (primary side): the primary services exist, so fencing can scale them to 0.

With ``primary_reachable`` false the primary region is never called: the primary-side checks are not
checked. A read that failed (throttled, 5xx) makes its checks not checked, never "missing".

Options (the role's inputs less the ``dr_ecs_`` prefix): ``cluster``, ``primary_cluster``, ``image_map``,
``rewrite_environment`` and ``services`` (``[{name, primary_name, task_definition, primary_task_definition,
environment}]``).
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import counts
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import definitions
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import registry
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import services as ecs_services
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

COMPONENT = "ecs"
PROVISION = "run the dr_ecs main entry point: it creates the cluster, copies the task definitions and the services at 0"


# -- reads -------------------------------------------------------------------------------------------
@DRErrorHandler.reader("read ECS cluster {1} in {2}")
def read_cluster(client, name, region):
    clusters = client.describe_clusters(clusters=[name], aws_retry=True).get("clusters", [])
    return clusters[0] if clusters else None


@DRErrorHandler.reader("read the ECS services of cluster {1} in {3}")
def read_services(client, cluster, names, region):
    return ecs_services.describe_services(client, cluster, names)


@DRErrorHandler.reader("read the newest revisions of {1} in {2}")
def newest_revisions(client, families, region):
    return {family: registry.latest_active(client, family, region) for family in families}


@DRErrorHandler.reader("read the source task definitions {1} in {2}")
def source_definitions(client, names, region):
    return {name: registry.read_source(client, name, region) for name in names}


@DRErrorHandler.reader("read image {2}:{3} in {4}", missing=("ImageNotFoundException", "RepositoryNotFoundException"))
def image_in_ecr(client, registry_id, repository, reference, region):
    key = "imageDigest" if reference.startswith("sha256:") else "imageTag"
    images = client.describe_images(
        registryId=registry_id, repositoryName=repository, imageIds=[{key: reference}], aws_retry=True
    ).get("imageDetails", [])
    return images[0] if images else None


# -- pure logic ----------------------------------------------------------------------------------------
def services_of(ctx):
    return list(ctx.options.get("services") or [])


def families_of(entries):
    return list(dict.fromkeys(entry["task_definition"] for entry in entries))


def ecr_reference(image):
    """(registry id, region, repository, tag or digest) of an ECR image, None for any other image."""
    match = definitions.ECR_IMAGE.match(image or "")
    if not match:
        return None
    rest = match.group("rest")
    if "@" in rest:
        repository, reference = rest.split("@", 1)
    elif ":" in rest.rsplit("/", 1)[-1]:
        repository, reference = rest.rsplit(":", 1)
    else:
        repository, reference = rest, "latest"
    return match.group("account"), match.group("region"), repository, reference


# -- the checks ----------------------------------------------------------------------------------------
def check_cluster(ctx, checks):
    name = ctx.options.get("cluster")
    ok, cluster = checks.read(
        "cluster", f"cluster {name} in {ctx.region}", read_cluster, ctx.client("ecs"), name, ctx.region
    )
    if not ok:
        return
    status = (cluster or {}).get("status")
    checks.expect(
        "cluster",
        status == "ACTIVE",
        f"cluster {name} is {status or 'missing'} in {ctx.region}",
        PROVISION,
        {"cluster": name, "status": status},
    )


def check_task_definitions(ctx, checks, entries):
    """task_definitions; returns {family: newest DR revision or None}, or None when unread."""
    families = families_of(entries)
    ok, newest = checks.read(
        ["task_definitions", "images_in_dr"],
        f"the task definitions in {ctx.region}",
        newest_revisions,
        ctx.client("ecs"),
        families,
        ctx.region,
    )
    if not ok:
        return None
    missing = [family for family in families if newest.get(family) is None]
    evidence = {family: (revision or {}).get("taskDefinitionArn") for family, revision in newest.items()}
    checks.expect(
        "task_definitions",
        not missing,
        f"no ACTIVE revision of {', '.join(missing)} in {ctx.region}"
        if missing
        else "ACTIVE DR revisions: " + ", ".join(arn.rsplit("/", 1)[-1] for arn in evidence.values()),
        PROVISION,
        evidence,
    )
    return newest


def check_current(ctx, checks, entries, newest):
    """task_definitions_current (primary side): the newest DR revision is the primary's, rewritten."""
    if not ctx.primary_reachable:
        checks.skipped_primary(
            "task_definitions_current",
            f"the primary region {ctx.primary_region} is not called (primary_reachable=false): whether the DR "
            "revisions equal the primary's task definitions needs it",
        )
        return
    if newest is None:
        checks.not_checked(
            "task_definitions_current",
            "nothing to compare with: the DR task definitions could not be read",
            side="primary",
        )
        return
    sources = list(dict.fromkeys(entry["primary_task_definition"] for entry in entries))
    ok, described = checks.read(
        "task_definitions_current",
        f"the task definitions in {ctx.primary_region}",
        source_definitions,
        ctx.primary_client("ecs"),
        sources,
        ctx.primary_region,
        side="primary",
    )
    if not ok:
        return
    stale, evidence = [], {}
    for entry in entries:
        source = described[entry["primary_task_definition"]]
        wanted, _changes = definitions.rewrite(
            source,
            ctx.primary_region,
            ctx.region,
            family=entry["task_definition"],
            image_map=ctx.options.get("image_map") or {},
            environment=entry.get("environment") or {},
            rewrite_environment=ctx.options.get("rewrite_environment", True),
        )
        current = newest.get(entry["task_definition"])
        evidence[entry["task_definition"]] = {
            "source": source["taskDefinitionArn"],
            "dr": (current or {}).get("taskDefinitionArn"),
        }
        if not definitions.matches(wanted, current):
            stale.append(f"{entry['task_definition']} differs from {source['taskDefinitionArn'].rsplit('/', 1)[-1]}")
    checks.expect(
        "task_definitions_current",
        not stale,
        "; ".join(stale) if stale else "the DR revisions equal the primary's task definitions, rewritten for DR",
        PROVISION + " (it registers a new DR revision when the primary's changed)",
        evidence,
        side="primary",
    )


def check_images(ctx, checks, newest):
    if newest is None:
        return
    client = ctx.client("ecr")
    images = sorted(
        {
            container.get("image")
            for revision in newest.values()
            if revision
            for container in revision.get("containerDefinitions") or []
            if ecr_reference(container.get("image"))
        }
    )
    missing, foreign, found = [], [], {}
    for image in images:
        registry_id, region, repository, reference = ecr_reference(image)
        if region != ctx.region:
            foreign.append(image)
            continue
        ok, detail = checks.read(
            "images_in_dr", f"image {image}", image_in_ecr, client, registry_id, repository, reference, ctx.region
        )
        if not ok:
            return
        if detail is None:
            missing.append(image)
        else:
            found[image] = detail.get("imageDigest")
    problems = [f"{image} is not in {ctx.region}'s ECR" for image in missing]
    problems += [f"{image} is pulled from another region" for image in foreign]
    checks.expect(
        "images_in_dr",
        not problems,
        "; ".join(problems)
        if problems
        else f"{len(found)} ECR image(s) of the DR task definitions are in {ctx.region}",
        "replicate the repositories to the DR region (dr_ecr) and push the image again, or fix dr_ecs_image_map",
        {"images": found, "missing": missing, "other_region": foreign},
    )


def check_standby(ctx, checks, entries):
    cluster = ctx.options.get("cluster")
    names = [entry["name"] for entry in entries]
    ok, services = checks.read(
        "services_standby",
        f"the services of cluster {cluster} in {ctx.region}",
        read_services,
        ctx.client("ecs"),
        cluster,
        names,
        ctx.region,
    )
    if not ok:
        return
    missing = [name for name in names if name not in services]
    if missing:
        checks.failed("services_standby", f"service(s) {', '.join(missing)} not found in cluster {cluster}", PROVISION)
        return
    running, unrecorded, wrong_family, evidence = [], [], [], {}
    for entry in entries:
        service = services[entry["name"]]
        try:
            recorded = counts.recorded_count(service)
        except counts.CountError as error:
            unrecorded.append(str(error))
            recorded = None
        family = (service.get("taskDefinition") or "").rsplit("/", 1)[-1].rsplit(":", 1)[0]
        evidence[entry["name"]] = {
            "desired": service.get("desiredCount", 0),
            "running": service.get("runningCount", 0),
            "recorded": recorded,
            "task_definition": service.get("taskDefinition"),
        }
        if service.get("desiredCount") or not counts.stopped(service):
            running.append(entry["name"])
        elif not recorded:
            unrecorded.append(f"no active count recorded on {entry['name']}")
        if family != entry["task_definition"]:
            wrong_family.append(
                f"{entry['name']} runs {family or 'no task definition'}, not {entry['task_definition']}"
            )
    if running:
        checks.failed(
            "services_standby",
            f"not in standby (desired 0, no task): {', '.join(running)}",
            "put them back in standby: dr_ecs failback (after a failover) or main",
            evidence,
        )
    elif unrecorded or wrong_family:
        checks.failed("services_standby", "; ".join(unrecorded + wrong_family), PROVISION, evidence)
    else:
        checks.passed(
            "services_standby",
            "in standby with the active count recorded: "
            + ", ".join(f"{name} {evidence[name]['recorded']}" for name in names),
            evidence,
        )


def check_primary_services(ctx, checks, entries):
    if not ctx.primary_reachable:
        checks.skipped_primary("primary_services")
        return
    cluster = ctx.options.get("primary_cluster")
    names = [entry["primary_name"] for entry in entries if entry.get("primary_name")]
    ok, services = checks.read(
        "primary_services",
        f"the services of cluster {cluster} in {ctx.primary_region}",
        read_services,
        ctx.primary_client("ecs"),
        cluster,
        names,
        ctx.primary_region,
        side="primary",
    )
    if not ok:
        return
    missing = [name for name in names if name not in services]
    checks.expect(
        "primary_services",
        not missing,
        f"service(s) {', '.join(missing)} not found in cluster {cluster} in {ctx.primary_region}"
        if missing
        else "primary services: " + ", ".join(f"{n} desired {services[n].get('desiredCount', 0)}" for n in names),
        "set dr_ecs_primary_cluster and each service's primary_name to the production cluster and services",
        {name: services[name].get("desiredCount", 0) for name in names if name in services},
        side="primary",
    )


def check(ctx):
    checks = Checks(COMPONENT)
    entries = services_of(ctx)
    check_cluster(ctx, checks)
    newest = check_task_definitions(ctx, checks, entries)
    check_current(ctx, checks, entries, newest)
    check_images(ctx, checks, newest)
    check_standby(ctx, checks, entries)
    check_primary_services(ctx, checks, entries)
    return checks.results
