#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_task_definition_copy
version_added: 0.1.0
short_description: Register the primary region's ECS task definitions in the DR region, rewritten for DR
description:
  - Reads each task definition in O(source_region) and registers it in the module's region with what is
    regional rewritten to the DR region - container images of the primary's ECR pull from the DR replica
    (same account and repository, as ECR registry replication creates it; O(image_map) for other layouts),
    Secrets Manager, SSM and repository-credential ARNs point to their DR replicas, the C(awslogs-region) log
    option is the DR region, environment values naming the primary region name the DR region, and
    O(task_definitions[].environment) sets DR values (a promoted database endpoint, a DR flag).
  - Idempotent - no new revision when the newest C(ACTIVE) revision of the DR family already equals the
    rewritten definition (ECS defaults and list order are not differences).
  - The copy needs the primary region to answer; run it while arming the pilot light, not during an
    ungraceful failover (the DR services run the revision registered then).
  - This fills a gap of M(community.aws.ecs_taskdefinition), which registers a definition written in the task
    but cannot read one from another region, rewrite its regional values, or tell that a DR revision already
    matches the primary's.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  source_region:
    description:
      - Region of the source task definitions (the primary region). Must differ from O(region).
    type: str
    required: true
    version_added: 0.1.0
  task_definitions:
    description:
      - The task definitions to copy.
    type: list
    elements: dict
    required: true
    version_added: 0.1.0
    suboptions:
      source:
        description:
          - The source task definition in O(source_region) - C(family) (its newest C(ACTIVE) revision),
            C(family:revision) or an ARN.
        type: str
        required: true
        version_added: 0.1.0
      family:
        description:
          - Family of the DR task definition. Defaults to the source's family.
        type: str
        version_added: 0.1.0
      environment:
        description:
          - Environment values for DR, variable name -> value, set in every container that has the variable
            or, when the value is a dictionary, container name -> {variable name -> value} for one container.
          - A variable no container has is added (to every container, or to the named one).
        type: dict
        default: {}
        version_added: 0.1.0
  image_map:
    description:
      - Image prefix in the primary -> image prefix in DR, for images that are not in the primary's ECR or
        whose DR replica has another name. The longest matching prefix wins; it is applied before the
        ECR rewrite.
    type: dict
    default: {}
    version_added: 0.1.0
  rewrite_environment:
    description:
      - Replace the primary region's name by the DR region's in every environment value.
    type: bool
    default: true
    version_added: 0.1.0
  copy_tags:
    description:
      - Give the DR revision the source's tags (plus C(pilotlight:source-task-definition) = the source ARN).
    type: bool
    default: true
    version_added: 0.1.0
  tags:
    description:
      - More tags for the DR revisions.
    type: dict
    default: {}
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description: Reads both regions and returns the rewritten definitions and whether a revision would be registered.
  diff_mode:
    support: full
    description: Shows the newest DR revision and the rewritten definition of each family.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Register FileFlow's task definition in Tokyo from Seoul's, pointing at Tokyo's replicas
  pilotlight.dr.ecs_task_definition_copy:
    region: ap-northeast-1
    source_region: ap-northeast-2
    task_definitions:
      - source: fileflow-prod
        family: fileflow-dr
        environment:
          SPRING_PROFILES_ACTIVE: dr
          DB_HOST: fileflow-dr-db.abcdefghij.ap-northeast-1.rds.amazonaws.com
  register: dr_task_definitions

- name: An image outside ECR, mirrored in DR under another name
  pilotlight.dr.ecs_task_definition_copy:
    region: ap-northeast-1
    source_region: ap-northeast-2
    image_map:
      "ghcr.io/fileflow/": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/mirror/fileflow/"
    task_definitions:
      - source: arn:aws:ecs:ap-northeast-2:123456789012:task-definition/fileflow-worker:12
"""

RETURN = r"""
task_definitions:
  description: Each copy, in the order of O(task_definitions).
  returned: always
  type: list
  elements: dict
  contains:
    source_arn:
      description: ARN of the source task definition.
      type: str
      sample: arn:aws:ecs:ap-northeast-2:123456789012:task-definition/fileflow-prod:15
    family:
      description: Family of the DR task definition.
      type: str
      sample: fileflow-dr
    arn:
      description: ARN of the DR revision that matches (null in check mode when one would be registered).
      type: str
      sample: arn:aws:ecs:ap-northeast-1:123456789012:task-definition/fileflow-dr:3
    revision:
      description: Revision number of RV(task_definitions[].arn).
      type: int
      sample: 3
    changed:
      description: Whether a revision was (or, in check mode, would be) registered.
      type: bool
      sample: false
    rewrites:
      description: What was rewritten for DR - container, field, value before and after.
      type: list
      elements: dict
      sample:
        - {"container": "app", "field": "image",
           "before": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fileflow:1.4.2",
           "after": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/fileflow:1.4.2"}
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._core.results import make_diff
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import definitions
from ansible_collections.pilotlight.dr.plugins.module_utils._ecs import registry


def tags_for(source, params):
    tags = {}
    if params["copy_tags"]:
        tags = {tag["key"]: tag["value"] for tag in source.get("tags") or [] if not tag["key"].startswith("aws:")}
        tags[definitions.SOURCE_TAG] = source["taskDefinitionArn"]
    tags.update({str(k): str(v) for k, v in params["tags"].items()})
    return [{"key": key, "value": value} for key, value in sorted(tags.items())]


def copy_one(module, params, entry, source_client, client):
    region, source_region = module.region, params["source_region"]
    source = registry.read_source(source_client, entry["source"], source_region)
    wanted, rewrites = definitions.rewrite(
        source,
        source_region,
        region,
        family=entry["family"],
        image_map=params["image_map"],
        environment=entry["environment"],
        rewrite_environment=params["rewrite_environment"],
    )
    for image in definitions.foreign_images(wanted, region):
        module.warn(
            f"task definition {wanted['family']}: image {image} is in another region's ECR; the DR tasks would pull "
            "it across regions (add an image_map entry or replicate the repository to the DR region)"
        )
    existing = registry.latest_active(client, wanted["family"], region)
    changed = not definitions.matches(wanted, existing)
    current = existing
    if changed and not module.check_mode:
        current = registry.register(client, wanted, region, tags_for(source, params))
    elif changed:
        current = None
    return (
        {
            "source_arn": source["taskDefinitionArn"],
            "family": wanted["family"],
            "arn": current["taskDefinitionArn"] if current else None,
            "revision": current["revision"] if current else None,
            "changed": changed,
            "rewrites": rewrites,
        },
        (definitions.normalized(definitions.registration(existing)) if existing else None),
        definitions.normalized(wanted),
    )


def run(module, params):
    if not params["task_definitions"]:
        raise DRError("task_definitions is empty: name at least one source task definition")
    source_client = module.client("ecs", region=params["source_region"])
    client = module.client("ecs")
    results, before, after = [], {}, {}
    for entry in params["task_definitions"]:
        result, old, new = copy_one(module, params, entry, source_client, client)
        if result["family"] in after:
            raise DRError(f"two task_definitions copy to family {result['family']}: give each its own family")
        results.append(result)
        before[result["family"]], after[result["family"]] = old, new
    out = dict(changed=any(r["changed"] for r in results), task_definitions=results)
    if module._diff:
        out["diff"] = make_diff(before, after)
    return out


def main():
    definition_spec = dict(
        source=dict(type="str", required=True),
        family=dict(type="str"),
        environment=dict(type="dict", default={}),
    )
    argument_spec = dict(
        source_region=dict(type="str", required=True),
        task_definitions=dict(type="list", elements="dict", options=definition_spec, required=True),
        image_map=dict(type="dict", default={}),
        rewrite_environment=dict(type="bool", default=True),
        copy_tags=dict(type="bool", default=True),
        tags=dict(type="dict", default={}),
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.require_distinct_regions(region=module.region, source_region=module.params["source_region"])
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
