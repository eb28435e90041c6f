# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reads of an IAM role (trust policy, managed and inline policies) and of an instance profile.

IAM is global: its control plane is in us-east-1 (aws partition), whatever region the client is for.
"Not found" (NoSuchEntity) returns None; any other error raises a DRError, so an unreachable IAM is
"could not read", never "absent".
"""

import json
import urllib.parse

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler


def policy_document(document):
    """A policy document as a dict: boto3 decodes IAM's URL-encoded JSON, other readers may not."""
    if isinstance(document, str):
        return json.loads(urllib.parse.unquote(document))
    return document or {}


@DRErrorHandler.reader("read IAM role {1}", missing=("NoSuchEntity",))
def find_role(iam, name):
    """The role (GetRole shape, trust policy as a dict), or None."""
    role = iam.get_role(RoleName=name, aws_retry=True)["Role"]
    role["AssumeRolePolicyDocument"] = policy_document(role.get("AssumeRolePolicyDocument"))
    return role


@DRErrorHandler.call("list the managed policies of IAM role {1}")
def attached_policy_arns(iam, role_name):
    pages = iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name)
    return [policy["PolicyArn"] for policy in pages.build_full_result().get("AttachedPolicies", [])]


@DRErrorHandler.call("read the inline policies of IAM role {1}")
def inline_policies(iam, role_name):
    """{policy name: document} of the role's inline policies."""
    names = iam.get_paginator("list_role_policies").paginate(RoleName=role_name).build_full_result()
    return {
        name: policy_document(
            iam.get_role_policy(RoleName=role_name, PolicyName=name, aws_retry=True)["PolicyDocument"]
        )
        for name in names.get("PolicyNames", [])
    }


@DRErrorHandler.reader("read IAM instance profile {1}", missing=("NoSuchEntity",))
def find_instance_profile(iam, name):
    """The instance profile (GetInstanceProfile shape, with its ``Roles``), or None."""
    return iam.get_instance_profile(InstanceProfileName=name, aws_retry=True)["InstanceProfile"]
