# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A primary task definition rewritten for the DR region, and whether a DR revision already matches.

What is regional in a task definition and what it becomes in DR:

* an image in the primary region's ECR (``<account>.dkr.ecr.<primary>.amazonaws.com/<repo>:<tag>``) is pulled
  from the DR replica of the repository (same account and name: ECR registry replication keeps them),
  unless ``image_map`` names another prefix;
* ARNs of secrets, SSM parameters and repository credentials in the primary region point to their DR replicas
  (Secrets Manager replicas keep the secret's name and suffix);
* the ``awslogs-region`` log option is the DR region;
* environment values that name the primary region (``AWS_REGION``, endpoints, ARNs) name the DR region, and
  ``environment`` overrides set values per variable (a DR database endpoint, a feature flag).

Pure functions: dicts in, dicts out; the ECS calls are in ``registry``.
"""

import copy
import re

# What RegisterTaskDefinition accepts from a described definition (the rest is read-only state).
REGISTER_KEYS = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
)
ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?P<cn>\.cn)?/(?P<rest>.+)$"
)
SOURCE_TAG = "pilotlight:source-task-definition"


def registration(described):
    """The RegisterTaskDefinition input of a described task definition (read-only fields dropped)."""
    return {key: copy.deepcopy(described[key]) for key in REGISTER_KEYS if key in described}


def rewrite_image(image, source_region, region, image_map=None):
    """The DR image of ``image``: ``image_map`` prefixes first, then the primary's ECR -> the DR replica."""
    for prefix, replacement in sorted((image_map or {}).items(), key=lambda item: -len(item[0])):
        if image.startswith(prefix):
            return replacement + image[len(prefix) :]
    match = ECR_IMAGE.match(image)
    if match and match.group("region") == source_region:
        return f"{match.group('account')}.dkr.ecr.{region}.amazonaws.com{match.group('cn') or ''}/{match.group('rest')}"
    return image


def rewrite_arn(arn, source_region, region):
    """An ARN of the primary region -> the same resource's ARN in the DR region; other values unchanged."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[3] == source_region:
        parts[3] = region
        return ":".join(parts)
    return arn


def rewrite_container(container, source_region, region, image_map=None, environment=None, rewrite_environment=True):
    """(container for DR, [changes]); each change is {container, field, before, after}."""
    out = copy.deepcopy(container)
    name = out.get("name")
    changes = []

    def note(field, before, after):
        if before != after:
            changes.append({"container": name, "field": field, "before": before, "after": after})
        return after

    if out.get("image"):
        out["image"] = note("image", out["image"], rewrite_image(out["image"], source_region, region, image_map))
    for secret in out.get("secrets") or []:
        secret["valueFrom"] = note(
            f"secrets.{secret['name']}", secret["valueFrom"], rewrite_arn(secret["valueFrom"], source_region, region)
        )
    credentials = out.get("repositoryCredentials") or {}
    if credentials.get("credentialsParameter"):
        credentials["credentialsParameter"] = note(
            "repositoryCredentials",
            credentials["credentialsParameter"],
            rewrite_arn(credentials["credentialsParameter"], source_region, region),
        )
    log = out.get("logConfiguration") or {}
    options = log.get("options") or {}
    if options.get("awslogs-region") == source_region:
        options["awslogs-region"] = note("logConfiguration.awslogs-region", source_region, region)
    for secret in log.get("secretOptions") or []:
        secret["valueFrom"] = note(
            f"logConfiguration.secretOptions.{secret['name']}",
            secret["valueFrom"],
            rewrite_arn(secret["valueFrom"], source_region, region),
        )
    overrides = dict(environment or {})
    variables = []
    for variable in out.get("environment") or []:
        value = variable.get("value", "")
        if variable["name"] in overrides:
            new = str(overrides.pop(variable["name"]))
        elif rewrite_environment:
            new = value.replace(source_region, region)
        else:
            new = value
        variables.append({"name": variable["name"], "value": note(f"environment.{variable['name']}", value, new)})
    for variable_name, value in sorted(overrides.items()):
        variables.append({"name": variable_name, "value": note(f"environment.{variable_name}", None, str(value))})
    if variables or "environment" in out:
        out["environment"] = variables
    return out, changes


def rewrite(described, source_region, region, family=None, image_map=None, environment=None, rewrite_environment=True):
    """(RegisterTaskDefinition input for DR, [changes]) of a primary task definition."""
    definition = registration(described)
    if family:
        definition["family"] = family
    containers, changes = [], []
    for container in definition.get("containerDefinitions") or []:
        per_container = (environment or {}).get(container.get("name"), {})
        shared = {k: v for k, v in (environment or {}).items() if not isinstance(v, dict)}
        rewritten, container_changes = rewrite_container(
            container, source_region, region, image_map, {**shared, **per_container}, rewrite_environment
        )
        containers.append(rewritten)
        changes.extend(container_changes)
    definition["containerDefinitions"] = containers
    return definition, changes


def foreign_images(definition, region):
    """Images of ECR in another region than ``region`` (the DR task would pull across regions)."""
    out = []
    for container in definition.get("containerDefinitions") or []:
        match = ECR_IMAGE.match(container.get("image") or "")
        if match and match.group("region") != region:
            out.append(container["image"])
    return out


# -- comparison --------------------------------------------------------------------------------------------
# Values ECS fills in when a registration leaves them out: not a difference.
CONTAINER_DEFAULTS = {"cpu": 0, "essential": True}


def _normalized(value, defaults=None):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if defaults and key in defaults and item == defaults[key]:
                continue
            item = _normalized(item)
            if item in (None, "", [], {}):
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        items = [_normalized(item) for item in value]
        if all(isinstance(item, dict) and "name" in item for item in items):
            items = sorted(items, key=lambda item: str(item["name"]))
        return items
    return value


def normalized(definition):
    """A registration input as comparable data: empty values, ECS defaults and list order of named items dropped."""
    out = _normalized({k: v for k, v in definition.items() if k != "containerDefinitions"})
    containers = [_normalized(c, CONTAINER_DEFAULTS) for c in definition.get("containerDefinitions") or []]
    if containers:
        out["containerDefinitions"] = sorted(containers, key=lambda c: str(c.get("name")))
    for key in ("cpu", "memory"):
        if key in out:
            out[key] = str(out[key])
    if "requiresCompatibilities" in out:
        out["requiresCompatibilities"] = sorted(out["requiresCompatibilities"])
    return out


def matches(wanted, existing):
    """Whether the registration input ``wanted`` equals the described revision ``existing``."""
    if existing is None:
        return False
    return normalized(wanted) == normalized(registration(existing))
