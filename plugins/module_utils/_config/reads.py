# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reads of the leak check, in the DR region only. Each takes a client and returns raw data.

Not found is ``None`` (the caller says "missing"); any other AWS error (throttled past the retries, 5xx,
denied, unreachable) raises ``DRError``, which the caller reports as "not checked", never as clean.
Values read here (secret strings, SecureString parameters, user data) go to the scanner and nowhere else.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager.replicas import in_region

TEMPLATE_NOT_FOUND = (
    "InvalidLaunchTemplateName.NotFoundException",
    "InvalidLaunchTemplateId.NotFound",
    "InvalidLaunchTemplateId.NotFoundException",
)


@RETRY_DECORATOR
def _paginate(client, operation, **params):
    return client.get_paginator(operation).paginate(**params).build_full_result()


def _tag_filters(filters):
    return [
        {"Name": name, "Values": value if isinstance(value, list) else [str(value)]}
        for name, value in sorted((filters or {}).items())
    ]


@DRErrorHandler.reader("describe launch template {1} in {2}", missing=TEMPLATE_NOT_FOUND)
def launch_template(client, name, region):
    """The launch template named ``name`` (LatestVersionNumber, DefaultVersionNumber), None when missing."""
    found = _paginate(client, "describe_launch_templates", LaunchTemplateNames=[name]).get("LaunchTemplates", [])
    return found[0] if found else None


@DRErrorHandler.call("list the launch templates of {2} matching {1}")
def launch_templates_matching(client, filters, region):
    """Launch templates that match DescribeLaunchTemplates filters (``{"tag:App": "megaticket"}``), by name."""
    found = _paginate(client, "describe_launch_templates", Filters=_tag_filters(filters)).get("LaunchTemplates", [])
    return sorted(found, key=lambda template: template["LaunchTemplateName"])


@DRErrorHandler.reader(
    "read the versions of launch template {1[LaunchTemplateName]} in {2}", missing=TEMPLATE_NOT_FOUND, default=[]
)
def template_versions(client, template, region):
    """The latest and the default version of ``template`` (one entry when they are the same), oldest first."""
    numbers = sorted({template.get("LatestVersionNumber"), template.get("DefaultVersionNumber")} - {None})
    if not numbers:
        return []
    versions = _paginate(
        client,
        "describe_launch_template_versions",
        LaunchTemplateId=template["LaunchTemplateId"],
        Versions=[str(n) for n in numbers],
    ).get("LaunchTemplateVersions", [])
    return sorted(versions, key=lambda version: version["VersionNumber"])


@DRErrorHandler.call("read the SSM parameters under {1} in {2}")
def parameters_by_path(client, path, region):
    """Every parameter under ``path`` (recursive, decrypted), or the one parameter named ``path`` itself."""
    found = _paginate(client, "get_parameters_by_path", Path=path, Recursive=True, WithDecryption=True)
    parameters = found.get("Parameters", [])
    if not parameters and path != "/":
        answer = client.get_parameters(Names=[path.rstrip("/")], WithDecryption=True, aws_retry=True)
        parameters = answer.get("Parameters", [])
    return sorted(parameters, key=lambda parameter: parameter["Name"])


@DRErrorHandler.reader("read the value of secret {1} in {2}", missing=("ResourceNotFoundException",))
def secret_value(client, secret_id, region):
    """The current value of a secret in ``region`` (a primary-region ARN is read as its DR replica), None when missing.

    Returns the text (SecretString, or SecretBinary decoded): only for the scanner, never for a result.
    """
    answer = client.get_secret_value(SecretId=in_region(secret_id, region), aws_retry=True)
    if answer.get("SecretString") is not None:
        return answer["SecretString"]
    binary = answer.get("SecretBinary") or b""
    return binary.decode("utf-8", errors="replace") if isinstance(binary, bytes) else str(binary)


@DRErrorHandler.reader("describe task definition {1} in {2}", missing=("ClientException",))
def task_definition(client, family, region):
    """The latest ACTIVE revision of a task definition family (or a given ``family:revision``), None when missing."""
    return client.describe_task_definition(taskDefinition=family, aws_retry=True).get("taskDefinition")
