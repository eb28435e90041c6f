#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_replication
version_added: 0.1.0
short_description: ECR registry replication to the DR region, with a backfill of images pushed before it
description:
  - Makes the private registry of O(source_region) replicate to the registry of O(region) (the DR region), for
    every repository or only those whose names start with O(repository_prefixes). The destination is merged into
    the registry's existing replication rules; other destinations and rules are kept.
  - ECR replicates only images pushed after replication is configured. With O(backfill=true) the module also
    brings the older tagged images of the matching repositories to the DR region, without pulling any layer
    through the controller. An image whose digest is already in DR only gets its missing tags. An image whose
    layers are all in the DR repository already is put there directly. Any other image is pushed again in
    O(source_region) under a temporary tag (O(temp_tag_prefix)), which ECR treats as a new push and replicates
    with its layers; once it has arrived, its real tags are put in DR and the temporary tag is removed in both
    regions. (Re-putting a manifest under a tag it already has fails on AWS with C(ImageAlreadyExistsException),
    hence the new tag.)
  - The waits for those replications share O(wait_timeout). With O(wait=false) the module starts them and
    returns; a later run with O(wait=true) finishes the job without pushing anything twice.
  - This fills a gap of M(community.aws.ecs_ecr), which manages repositories (and their policies, lifecycle and
    scanning) but has no registry replication rules and cannot copy images between regions.
author:
  - pilotlight.dr contributors
options:
  source_region:
    description:
      - The region whose registry replicates (the primary region). The source registry is always the private
        registry of the module's credentials in that region (the one whose replication configuration is set).
      - Must differ from O(region), the destination, even when O(registry_id) names another account, because a copy
        in the same region does not survive that region. The same region twice fails before any call.
    type: str
    required: true
    version_added: 0.1.0
  registry_id:
    description:
      - Account id (12 digits) of the destination registry in O(region), the one named in the replication rule.
        Defaults to the source registry's account (the module's credentials).
      - A registry of another account must allow replication from this one (its registry permissions policy,
        C(ecr:ReplicateImage) for the source account).
      - With another account, only the replication rule is managed. O(backfill=true) is refused before any change,
        because copying images into that registry needs that account's credentials. In check mode it is allowed
        and only compares the registries; reading the other account's repositories needs their repository
        policies to allow it (C(ecr:DescribeImages), C(ecr:BatchCheckLayerAvailability)).
    type: str
    version_added: 0.1.0
  state:
    description:
      - V(present) makes O(region) a replication destination for the repositories matching O(repository_prefixes).
      - V(absent) removes O(region) from every rule (rules left without destination are removed). Images already
        replicated stay in DR.
    type: str
    choices: [present, absent]
    default: present
    version_added: 0.1.0
  repository_prefixes:
    description:
      - Replicate only repositories whose names start with one of these prefixes (C(PREFIX_MATCH) filters).
      - Empty replicates every repository.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  backfill:
    description:
      - Bring tagged images pushed before replication was configured to O(region), as described above.
      - Untagged images are not copied (they are reported).
      - Only to a registry of the module's own account (O(registry_id) unset or equal to it); refused before any
        change otherwise (check mode still compares, see O(registry_id)).
    type: bool
    default: false
    version_added: 0.1.0
  repositories:
    description:
      - Limit the backfill to these repositories of O(source_region). They must exist and match
        O(repository_prefixes).
      - Without it, every repository matching O(repository_prefixes) is backfilled.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  temp_tag_prefix:
    description:
      - Prefix of the temporary tags that trigger the replication of old images. Tags with this prefix are never
        treated as the image's own tags.
    type: str
    default: pilotlight-backfill-
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description: Returns the rules the registry would have and, with O(backfill=true), which images would be
      copied and how; makes no change.
  diff_mode:
    support: full
    description: Shows the registry's replication rules before and after.
notes:
  - The first replication configuration of a registry makes ECR create its service-linked role.
  - Images are copied with the same digest, so a task definition that pins a digest works in both regions.
extends_documentation_fragment:
  - pilotlight.dr.wait
  - pilotlight.dr.concurrency
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Replicate every PortForge repository from Seoul to Tokyo and bring the existing images over
  pilotlight.dr.ecr_replication:
    source_region: ap-northeast-2
    region: ap-northeast-1
    backfill: true
  register: portforge_ecr

- name: Report the backfill
  ansible.builtin.debug:
    msg: >-
      {{ portforge_ecr.backfill.present }} images already in Tokyo,
      {{ portforge_ecr.backfill.retagged + portforge_ecr.backfill.copied_direct + portforge_ecr.backfill.triggered }}
      brought over

- name: Replicate only the bots, start their backfill and come back later
  pilotlight.dr.ecr_replication:
    source_region: ap-northeast-2
    region: ap-northeast-1
    repository_prefixes: [infra-bot, slack-monitoring-bot]
    backfill: true
    wait: false

- name: Finish the bots' backfill (nothing is pushed twice)
  pilotlight.dr.ecr_replication:
    source_region: ap-northeast-2
    region: ap-northeast-1
    repository_prefixes: [infra-bot, slack-monitoring-bot]
    backfill: true
    wait_timeout: 1200
"""

RETURN = r"""
registry_id:
  description: Account id of the destination registry.
  returned: always
  type: str
  sample: "123456789012"
replication_configuration:
  description: The source registry's replication rules after the task (predicted in check mode).
  returned: always
  type: dict
  contains:
    rules:
      description: Rules with their destinations and repository filters.
      type: list
      elements: dict
      sample: [{"destinations": [{"region": "ap-northeast-1", "registry_id": "123456789012"}]}]
rules_changed:
  description: Whether the registry's replication rules were (or, in check mode, would be) changed.
  returned: always
  type: bool
  sample: false
rule:
  description: The rule that replicates to O(region) (null with O(state=absent)).
  returned: always
  type: dict
  sample: {"destinations": [{"region": "ap-northeast-1", "registry_id": "123456789012"}]}
backfill:
  description: What the backfill found and did (what it would do, in check mode).
  returned: when O(backfill=true)
  type: dict
  contains:
    repositories:
      description: Repositories backfilled.
      type: list
      elements: str
      sample: ["auth-service", "team-service"]
    images:
      description: Tagged images in those repositories of O(source_region).
      type: int
      sample: 14
    present:
      description: Images already in O(region) with all their tags before the task.
      type: int
      sample: 10
    missing:
      description: Images not yet (completely) in O(region) before the task.
      type: int
      sample: 4
    retagged:
      description: Images already in O(region) that got their missing tags.
      type: int
      sample: 1
    copied_direct:
      description: Images put directly in O(region) (their layers were there).
      type: int
      sample: 0
    triggered:
      description: Images pushed again in O(source_region) under a temporary tag to be replicated.
      type: int
      sample: 3
    pending:
      description: Images whose replication was started but has not arrived (with O(wait=false)).
      type: list
      elements: dict
      sample: [{"repository": "auth-service", "digest": "sha256:4f5e...", "tags": ["latest"]}]
    temp_tags_removed:
      description: Temporary tags removed after their image arrived.
      type: int
      sample: 6
    skipped_untagged:
      description: Untagged images of O(source_region) that were not copied.
      type: int
      sample: 2
    details:
      description: The first 100 images that were not present, with the action taken.
      type: list
      elements: dict
      sample: [{"repository": "auth-service", "digest": "sha256:4f5e...", "tags": ["latest"], "action": "trigger"}]
"""

import re

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError

    AWS_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    AWS_ERRORS = ()  # AnsibleAWSModule reports the missing SDK

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.pilotlight.dr.plugins.module_utils import ecr_replication as ecr
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import is_error_code
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import Deadline
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until

FILTER_PATTERN = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$")
TAG_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
DETAILS_REPORTED = 100
BATCH = 100


# -- validation (no call) -------------------------------------------------------------------------------
def validate_params(params):
    problem = ecr.registry_id_problem(params["registry_id"])
    if problem:
        raise DRError(f"{problem}: set it to the destination registry's account id or leave it unset")
    for prefix in params["repository_prefixes"]:
        if not 2 <= len(prefix) <= 256 or not FILTER_PATTERN.match(prefix):
            raise DRError(f"repository prefix {prefix!r} is not valid: 2 to 256 characters, lower-case letters, "
                          "digits and . _ - / as in repository names")
    if not TAG_PATTERN.match(params["temp_tag_prefix"] + "0" * 16):
        raise DRError(f"temp_tag_prefix {params['temp_tag_prefix']!r} cannot start a Docker tag: use letters, digits, "
                      "_ . - (at most 111 characters)")
    if params["state"] == "absent" and (params["backfill"] or params["repositories"]):
        raise DRError("backfill and repositories apply to state: present only")
    if params["repositories"] and not params["backfill"]:
        raise DRError("repositories limits the backfill: set backfill: true or remove repositories")
    outside = [name for name in params["repositories"] if not ecr.matches(params["repository_prefixes"], name)]
    if outside:
        raise DRError(f"repositories {', '.join(outside)} do not match repository_prefixes "
                      f"{', '.join(params['repository_prefixes'])}: they would never be replicated")
    if params["max_concurrency"] < 1:
        raise DRError(f"max_concurrency must be 1 or more, got {params['max_concurrency']}")
    if params["wait_timeout"] < 1:
        raise DRError(f"wait_timeout must be 1 or more, got {params['wait_timeout']}")


# -- the two registries --------------------------------------------------------------------------------------
class Registry:
    """One side of the replication: a client of its region and the registry every call names.

    ECR calls without ``registryId`` go to the caller's own registry, so each call passes this one.
    """

    __slots__ = ("client", "region", "registry_id")

    def __init__(self, client, region, registry_id):
        self.client, self.region, self.registry_id = client, region, registry_id


# -- reads ---------------------------------------------------------------------------------------------------
def read_registry(client, region):
    """(registry id, replication rules) of the caller's own registry in ``region`` (the source)."""
    try:
        answer = client.describe_registry(aws_retry=True)
    except AWS_ERRORS as exc:
        raise DRError(f"cannot read the ECR registry of {region}", exception=exc)
    return answer["registryId"], (answer.get("replicationConfiguration") or {}).get("rules", [])


def repository_names(side):
    try:
        result = side.client.get_paginator("describe_repositories").paginate(
            registryId=side.registry_id).build_full_result()
    except AWS_ERRORS as exc:
        raise DRError(f"cannot list the ECR repositories of {side.region}", exception=exc)
    return sorted(repo["repositoryName"] for repo in result.get("repositories", []))


def images_of(side, repository):
    """DescribeImages details of a repository, None when the repository does not exist."""
    try:
        result = side.client.get_paginator("describe_images").paginate(
            registryId=side.registry_id, repositoryName=repository).build_full_result()
    except AWS_ERRORS as exc:
        if is_error_code(exc, "RepositoryNotFoundException"):
            return None
        raise DRError(f"cannot list the images of repository {repository} in {side.region}", exception=exc)
    return result.get("imageDetails", [])


def manifests(side, repository, plans):
    """{digest: (manifest, media type)} for the planned images, read from the source."""
    out = {}
    for start in range(0, len(plans), BATCH):
        chunk = plans[start:start + BATCH]
        media_types = sorted({p["media_type"] for p in chunk if p["media_type"]})
        kwargs = {"acceptedMediaTypes": media_types} if media_types else {}
        try:
            answer = side.client.batch_get_image(registryId=side.registry_id, repositoryName=repository,
                                                 imageIds=[{"imageDigest": p["digest"]} for p in chunk],
                                                 aws_retry=True, **kwargs)
        except AWS_ERRORS as exc:
            raise DRError(f"cannot read the manifests of repository {repository} in {side.region}", exception=exc)
        for image in answer.get("images", []):
            out[image["imageId"]["imageDigest"]] = (image["imageManifest"], image.get("imageManifestMediaType"))
    return out


def layers_available(side, repository, digests):
    """True when every blob digest is AVAILABLE in the repository."""
    if not digests:
        return False
    for start in range(0, len(digests), BATCH):
        try:
            answer = side.client.batch_check_layer_availability(registryId=side.registry_id,
                                                                repositoryName=repository,
                                                                layerDigests=digests[start:start + BATCH],
                                                                aws_retry=True)
        except AWS_ERRORS as exc:
            if is_error_code(exc, "RepositoryNotFoundException"):
                return False
            raise DRError(f"cannot check the layers of repository {repository} in {side.region}", exception=exc)
        if answer.get("failures") or any(layer.get("layerAvailability") != "AVAILABLE"
                                         for layer in answer.get("layers", [])):
            return False
    return True


# -- planning ------------------------------------------------------------------------------------------------
def plan_repository(source, dest, repository, params):
    source_images = images_of(source, repository) or []
    destination_images = images_of(dest, repository)
    plans, untagged = ecr.plan_images(source_images, destination_images or [], params["temp_tag_prefix"])
    todo = [p for p in plans if p["missing_tags"] or ecr.needs_cleanup(p)]
    found = manifests(source, repository, todo) if todo else {}
    for plan in plans:
        plan["repository"] = repository
        plan["manifest"], plan["manifest_media_type"] = found.get(plan["digest"], (None, None))
        available = None
        if not plan["in_destination"] and plan["missing_tags"] and destination_images is not None:
            kind, digests = ecr.blob_digests(plan["manifest"] or "{}", plan["manifest_media_type"])
            available = kind == "image" and layers_available(dest, repository, digests)
        plan["action"] = ecr.action_for(plan, available)
        if plan["action"] != "present" and plan["manifest"] is None:
            raise DRError(f"cannot read the manifest of {repository}@{plan['digest']} in {source.region}")
    return {"repository": repository, "plans": plans, "untagged": untagged}


def backfill_scope(source, params):
    names = repository_names(source)
    if params["repositories"]:
        unknown = sorted(set(params["repositories"]) - set(names))
        if unknown:
            raise DRError(f"repositories {', '.join(unknown)} not found in {source.region}: check the names")
        return sorted(params["repositories"])
    return [name for name in names if ecr.matches(params["repository_prefixes"], name)]


# -- changes -------------------------------------------------------------------------------------------------
def put_image(side, plan, tag, tolerate_existing=True):
    try:
        kwargs = {"imageManifestMediaType": plan["manifest_media_type"]} if plan["manifest_media_type"] else {}
        side.client.put_image(registryId=side.registry_id, repositoryName=plan["repository"],
                              imageManifest=plan["manifest"], imageTag=tag, aws_retry=True, **kwargs)
        return True
    except AWS_ERRORS as exc:
        if tolerate_existing and is_error_code(exc, "ImageAlreadyExistsException"):
            return False
        if is_error_code(exc, "ImageTagAlreadyExistsException"):
            raise DRError(f"tag {tag} of repository {plan['repository']} in {side.region} is immutable and points to "
                          f"another image: cannot give it to {plan['digest']}") from None
        raise DRError(f"putting {plan['repository']}:{tag} ({plan['digest']}) in {side.region} failed", exception=exc)


def remove_tags(side, repository, tags):
    if not tags:
        return 0
    try:
        answer = side.client.batch_delete_image(registryId=side.registry_id, repositoryName=repository,
                                                imageIds=[{"imageTag": t} for t in tags], aws_retry=True)
    except AWS_ERRORS as exc:
        raise DRError(f"removing temporary tags {', '.join(tags)} of repository {repository} in {side.region} failed",
                      exception=exc)
    return len(answer.get("imageIds", []))


def start_repository(source, dest, work, params):
    """Retag, put directly or trigger replication for every image of one repository (no waiting)."""
    counts = {"retagged": 0, "copied_direct": 0, "triggered": 0}
    for plan in work["plans"]:
        action = plan["action"]
        if action in ("retag", "direct"):
            for tag in plan["missing_tags"]:
                put_image(dest, plan, tag)
            counts["copied_direct" if action == "direct" else "retagged"] += 1
        elif action == "trigger":
            if not plan["temp_tags"]:
                put_image(source, plan, ecr.temp_tag(params["temp_tag_prefix"], plan["digest"]))
            counts["triggered"] += 1
    return counts


def arrived(dest, pending):
    """The pending images (plans) whose digest is now in the destination repository."""
    out = []
    by_repository = {}
    for plan in pending:
        by_repository.setdefault(plan["repository"], []).append(plan)
    for repository, plans in by_repository.items():
        present = {image["imageDigest"] for image in images_of(dest, repository) or []}
        out += [plan for plan in plans if plan["digest"] in present]
    return out


def wait_for_replication(dest, pending, deadline):
    remaining = list(pending)

    def check():
        for plan in arrived(dest, remaining):
            remaining.remove(plan)
        return not remaining

    try:
        wait_until(check, deadline, f"ECR replication of {len(pending)} image(s) to {dest.region}", delay=1.0)
    except DRError as exc:
        still = ", ".join(f"{p['repository']}@{p['digest'][:19]}" for p in remaining[:10])
        raise DRError(f"{exc.message} (still missing: {still})") from None


def finish_image(source, dest, plan, params, put_tags):
    """Real tags in DR (when ``put_tags``), then the temporary tags go in both regions.

    The DR image keeps at least one real tag, so removing its temporary tag never deletes it.
    """
    if put_tags:
        for tag in plan["missing_tags"]:
            put_image(dest, plan, tag)
    temp = {ecr.temp_tag(params["temp_tag_prefix"], plan["digest"])} if plan["action"] == "trigger" else set()
    removed = remove_tags(dest, plan["repository"], sorted(set(plan["dest_temp_tags"]) | temp))
    removed += remove_tags(source, plan["repository"], sorted(set(plan["temp_tags"]) | temp))
    return removed


def raise_failures(outcomes, what):
    failures = [o for o in outcomes if not o.ok]
    if failures:
        first = failures[0].error
        message = "; ".join(getattr(o.error, "message", str(o.error)) for o in failures[:5])
        raise DRError(f"{what}: {message}", exception=getattr(first, "exception", None))


# -- the story -----------------------------------------------------------------------------------------------
def plan_backfill(params, source, dest):
    """Every read the backfill needs, before any change: [{repository, plans, untagged}]."""
    names = backfill_scope(source, params)
    outcomes = run_concurrently(lambda name: plan_repository(source, dest, name, params),
                                names, params["max_concurrency"])
    raise_failures(outcomes, "planning the ECR backfill failed")
    return names, [o.value for o in outcomes]


def backfill_report(names, work):
    plans = [plan for item in work for plan in item["plans"]]
    return {
        "repositories": names, "images": len(plans),
        "present": sum(1 for p in plans if p["action"] == "present"),
        "missing": sum(1 for p in plans if p["action"] != "present"),
        "retagged": sum(1 for p in plans if p["action"] == "retag"),
        "copied_direct": sum(1 for p in plans if p["action"] == "direct"),
        "triggered": sum(1 for p in plans if p["action"] == "trigger"),
        "pending": [], "temp_tags_removed": 0,
        "skipped_untagged": sum(len(item["untagged"]) for item in work),
        "details": [{"repository": p["repository"], "digest": p["digest"], "tags": p["tags"], "action": p["action"]}
                    for p in plans if p["action"] != "present"][:DETAILS_REPORTED],
    }


def execute_backfill(params, source, dest, work, report):
    plans = [plan for item in work for plan in item["plans"]]
    # Start every slow operation (the triggers) before waiting on any.
    outcomes = run_concurrently(lambda item: start_repository(source, dest, item, params),
                                work, params["max_concurrency"])
    raise_failures(outcomes, "the ECR backfill failed")
    triggered = [p for p in plans if p["action"] == "trigger"]
    if triggered and params["wait"]:
        wait_for_replication(dest, triggered, Deadline(params["wait_timeout"]))
    elif triggered:
        landed = arrived(dest, triggered)
        report["pending"] = [{"repository": p["repository"], "digest": p["digest"], "tags": p["tags"]}
                             for p in triggered if p not in landed]
        triggered = landed
    # (plan, put its tags now): arrived triggers get their tags; others only lose leftover temporary tags.
    finishing = [(p, True) for p in triggered] + [
        (p, False) for p in plans if p["action"] in ("present", "retag", "direct") and ecr.needs_cleanup(p)]
    outcomes = run_concurrently(lambda item: finish_image(source, dest, item[0], params, item[1]),
                                finishing, params["max_concurrency"])
    raise_failures(outcomes, "finishing the ECR backfill failed")
    report["temp_tags_removed"] = sum(o.value for o in outcomes)


def run(module, params):
    source_region, region = params["source_region"], module.region
    source_client = module.client("ecr", region=source_region)
    # The source is the caller's own registry: DescribeRegistry and PutReplicationConfiguration take no registryId.
    own_id, rules = read_registry(source_client, source_region)
    registry_id = params["registry_id"] or own_id
    if params["backfill"] and not module.check_mode:
        # Check mode only reads, which the destination's repository policies can allow; a real backfill cannot.
        problem = ecr.backfill_problem(own_id, registry_id, source_region, region)
        if problem:
            raise DRError(problem)
    source = Registry(source_client, source_region, own_id)
    dest = Registry(module.client("ecr"), region, registry_id)
    destination = ecr.destination_of(region, registry_id)
    if params["state"] == "present":
        wanted = ecr.merge_destination(rules, destination, params["repository_prefixes"])
    else:
        wanted = ecr.remove_destination(rules, destination)
    if len(wanted) > ecr.MAX_RULES:
        raise DRError(f"the registry of {source_region} would have {len(wanted)} replication rules, more than ECR's "
                      f"{ecr.MAX_RULES}: merge some rules first")
    rules_changed = not ecr.same_rules(rules, wanted)
    work = report = None
    if params["backfill"]:
        names, work = plan_backfill(params, source, dest)
        report = backfill_report(names, work)
    result = {"changed": rules_changed, "rules_changed": rules_changed, "registry_id": registry_id}
    if report is not None:
        cleanup = any(ecr.needs_cleanup(p) for item in work for p in item["plans"])
        result["changed"] = rules_changed or bool(report["missing"]) or cleanup
        result["backfill"] = report
    if not module.check_mode:
        if rules_changed:
            try:
                source_client.put_replication_configuration(replicationConfiguration={"rules": wanted},
                                                            aws_retry=True)
            except AWS_ERRORS as exc:
                raise DRError(f"setting the replication rules of the {source_region} registry failed", exception=exc)
        if report is not None:
            execute_backfill(params, source, dest, work, report)
    rule = ecr.rule_for(wanted, destination)
    result.update(
        replication_configuration={"rules": [camel_dict_to_snake_dict(r) for r in wanted]},
        rule=camel_dict_to_snake_dict(rule) if rule else None,
    )
    if module._diff:
        result["diff"] = make_diff({"rules": rules}, {"rules": wanted})
    return result


def main():
    argument_spec = dict(
        source_region=dict(type="str", required=True),
        registry_id=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        repository_prefixes=dict(type="list", elements="str", default=[]),
        backfill=dict(type="bool", default=False),
        repositories=dict(type="list", elements="str", default=[]),
        temp_tag_prefix=dict(type="str", default=ecr.DEFAULT_TEMP_TAG_PREFIX),
        max_concurrency=dict(type="int", default=8),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    # A copy in the source region (even in another account's registry) does not survive the region: refused
    # before any call, whatever registry_id says.
    module.require_distinct_regions(source_region=params["source_region"], region=module.region)
    try:
        validate_params(params)
        result = run(module, params)
    except DRError as exc:
        module.fail_dr(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
