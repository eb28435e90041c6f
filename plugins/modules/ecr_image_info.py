#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_image_info
version_added: 0.1.0
short_description: List the ECR repositories of one region with their tagged images
description:
  - Reads the private registry of the module's region only (C(DescribeRepositories), C(ListImages)) and returns
    the repositories named in O(repositories), or those matching O(repository_prefixes), each with the number of
    its tagged images and its tags.
  - Only the module's region is called, so it works while another region is down; the dr_ecr role's readiness
    uses it in the DR region during an outage of the primary region.
  - No amazon.aws or community.aws module lists ECR images - M(community.aws.ecs_ecr) reads one named repository
    and none of its images - and M(pilotlight.dr.ecr_replication) always reads its source region as well.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  repositories:
    description:
      - Names of repositories that must exist. Each one is reported (O(repository_prefixes) is not applied), with
        RV(missing) naming those that do not exist.
      - When empty, every repository matching O(repository_prefixes) is reported.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  repository_prefixes:
    description:
      - Report only repositories whose names start with one of these prefixes. Empty matches every repository.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  registry_id:
    description:
      - Account id of the registry to read (a cross-account DR registry). Default the caller's own registry.
    type: str
    version_added: 0.1.0
  max_concurrency:
    description:
      - How many repositories are read at the same time.
    type: int
    default: 8
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    description: Reads only; the same result in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is no diff.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: What does the DR registry hold? (Tokyo only)
  pilotlight.dr.ecr_image_info:
    region: ap-northeast-1
    repository_prefixes: [auth, team]
  register: dr_images

- name: Show the repositories and their tagged images
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.tagged_images }} tagged image(s), tags {{ item.tags | join(', ') }}"
  loop: "{{ dr_images.repositories }}"

- name: These repositories must be in Tokyo
  pilotlight.dr.ecr_image_info:
    region: ap-northeast-1
    repositories: [auth-service, slack-monitoring-bot]
  register: dr_named

- name: Name the missing ones
  ansible.builtin.debug:
    msg: "missing in Tokyo: {{ dr_named.missing | join(', ') or 'none' }}"
"""

RETURN = r"""
repositories:
  description: One entry per matching repository that exists, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Repository name.
      type: str
      sample: auth-service
    uri:
      description: Repository URI.
      type: str
      sample: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/auth-service
    tagged_images:
      description: Number of distinct image digests with at least one tag.
      type: int
      sample: 3
    tags:
      description: Every tag in the repository, sorted.
      type: list
      elements: str
      sample: ["1.0", "latest"]
missing:
  description: Names of O(repositories) that do not exist in the region.
  returned: always
  type: list
  elements: str
  sample: ["team-service"]
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import raise_failures
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import list_repositories
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import select
from ansible_collections.pilotlight.dr.plugins.module_utils._ecr.images import tagged_images


def run(module, params):
    if params["max_concurrency"] < 1:
        raise DRError(f"max_concurrency must be 1 or more, got {params['max_concurrency']}")
    region, client, registry_id = module.region, module.client("ecr"), params["registry_id"]
    chosen, missing = select(
        list_repositories(client, region, registry_id), params["repositories"], params["repository_prefixes"]
    )
    outcomes = run_concurrently(
        lambda repo: tagged_images(client, repo["repositoryName"], region, registry_id),
        chosen,
        params["max_concurrency"],
    )
    raise_failures(outcomes, f"cannot read the ECR images of {region}")
    repositories = [dict(name=o.item["repositoryName"], uri=o.item.get("repositoryUri"), **o.value) for o in outcomes]
    return dict(changed=False, repositories=repositories, missing=missing)


def main():
    argument_spec = dict(
        repositories=dict(type="list", elements="str", default=[]),
        repository_prefixes=dict(type="list", elements="str", default=[]),
        registry_id=dict(type="str"),
        max_concurrency=dict(type="int", default=8),
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
