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
  - pilotlight.dr contributors (@pilotlight)
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

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import WAIT_ARGUMENT_SPEC
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr import backfill
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr import rules as ecr
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import Registry

FILTER_PATTERN = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$")
TAG_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def validate_params(params):
    """Option values and combinations ECR would refuse or that would never replicate, before any call."""
    problem = ecr.registry_id_problem(params["registry_id"])
    if problem:
        raise DRError(f"{problem}: set it to the destination registry's account id or leave it unset")
    for prefix in params["repository_prefixes"]:
        if not 2 <= len(prefix) <= 256 or not FILTER_PATTERN.match(prefix):
            raise DRError(
                f"repository prefix {prefix!r} is not valid: 2 to 256 characters, lower-case letters, "
                "digits and . _ - / as in repository names"
            )
    if not TAG_PATTERN.match(params["temp_tag_prefix"] + "0" * 16):
        raise DRError(
            f"temp_tag_prefix {params['temp_tag_prefix']!r} cannot start a Docker tag: use letters, digits, "
            "_ . - (at most 111 characters)"
        )
    if params["state"] == "absent" and (params["backfill"] or params["repositories"]):
        raise DRError("backfill and repositories apply to state: present only")
    if params["repositories"] and not params["backfill"]:
        raise DRError("repositories limits the backfill: set backfill: true or remove repositories")
    outside = [name for name in params["repositories"] if not ecr.matches(params["repository_prefixes"], name)]
    if outside:
        raise DRError(
            f"repositories {', '.join(outside)} do not match repository_prefixes "
            f"{', '.join(params['repository_prefixes'])}: they would never be replicated"
        )
    if params["max_concurrency"] < 1:
        raise DRError(f"max_concurrency must be 1 or more, got {params['max_concurrency']}")
    if params["wait_timeout"] < 1:
        raise DRError(f"wait_timeout must be 1 or more, got {params['wait_timeout']}")


def run(module, params):
    validate_params(params)
    source_region, region = params["source_region"], module.region
    source_client = module.client("ecr", region=source_region)
    # The source is the caller's own registry: DescribeRegistry and PutReplicationConfiguration take no registryId.
    own_id, rules = ecr.read_registry(source_client, source_region)
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
        raise DRError(
            f"the registry of {source_region} would have {len(wanted)} replication rules, more than ECR's "
            f"{ecr.MAX_RULES}: merge some rules first"
        )
    rules_changed = not ecr.same_rules(rules, wanted)
    work = report = None
    if params["backfill"]:
        names, work = backfill.plan_backfill(params, source, dest)
        report = backfill.backfill_report(names, work)
    result = {"changed": rules_changed, "rules_changed": rules_changed, "registry_id": registry_id}
    if report is not None:
        cleanup = any(backfill.needs_cleanup(p) for item in work for p in item["plans"])
        result["changed"] = rules_changed or bool(report["missing"]) or cleanup
        result["backfill"] = report
    if not module.check_mode:
        if rules_changed:
            ecr.put_rules(source_client, source_region, wanted)
        if report is not None:
            backfill.execute_backfill(params, source, dest, work, report)
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
        temp_tag_prefix=dict(type="str", default=backfill.DEFAULT_TEMP_TAG_PREFIX),
        max_concurrency=dict(type="int", default=8),
        **WAIT_ARGUMENT_SPEC,
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    # A copy in the source region (even in another account's registry) does not survive the region: refused
    # before any call, whatever registry_id says.
    module.require_distinct_regions(source_region=module.params["source_region"], region=module.region)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
