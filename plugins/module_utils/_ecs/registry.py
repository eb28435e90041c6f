# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The task definition calls of ecs_task_definition_copy: each takes a boto3 client and raises DRError."""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors


def _describe(client, task_definition):
    response = client.describe_task_definition(taskDefinition=task_definition, include=["TAGS"], aws_retry=True)
    definition = response["taskDefinition"]
    definition["tags"] = response.get("tags") or []
    return definition


def read_source(client, task_definition, region):
    """The primary's task definition (``family``, ``family:revision`` or an ARN), with its tags."""
    with aws_errors(
        f"read task definition {task_definition} in {region} (is the region reachable, does it exist?)",
        "copy task definitions while the primary region answers (the role's main entry point does)",
    ):
        return _describe(client, task_definition)


@DRErrorHandler.reader("read the task definitions of family {1} in {2}")
def latest_active(client, family, region):
    """The newest ACTIVE revision of ``family`` (with its tags), None when the family has none."""
    paginator = client.get_paginator("list_task_definitions")
    arns = []
    for page in paginator.paginate(familyPrefix=family, status="ACTIVE", sort="DESC"):
        arns.extend(
            arn for arn in page.get("taskDefinitionArns", []) if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family
        )
        if arns:
            break
    if not arns:
        return None
    # sort=DESC is by family then revision; take the highest revision of exactly this family.
    newest = max(arns, key=lambda arn: int(arn.rsplit(":", 1)[-1]))
    return _describe(client, newest)


@DRErrorHandler.call("register task definition {1[family]} in {2}")
def register(client, definition, region, tags):
    """Register a revision; the described new revision."""
    params = dict(definition)
    if tags:
        params["tags"] = tags
    response = client.register_task_definition(aws_retry=True, **params)
    registered = response["taskDefinition"]
    registered["tags"] = response.get("tags") or tags or []
    return registered
