# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The replication role: its least-privilege policy (pure) and the IAM calls that read and set it.

S3 assumes the role to read the source's versions and write the replicas; with a replica KMS key
it also decrypts with the source keys and encrypts with the DR key. The inline policy is named after
the pair of buckets, so several buckets can share one role (within IAM's size limit).
"""

import json

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import bucket_arn
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import partition_of
from ansible_collections.pilotlight.dr.plugins.module_utils._s3.rules import s3_service_name

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}

ROLE_INLINE_POLICIES_LIMIT = 10240  # IAM: characters of all inline policies of a role, whitespace excluded


def replication_policy(
    source_bucket, source_region, destination_bucket, region, source_kms_key_arns=(), replica_kms_key_arn=None
):
    """The least-privilege inline policy of the replication role (AWS's documented permissions)."""
    source_arn = bucket_arn(source_bucket, source_region)
    destination_arn = bucket_arn(destination_bucket, region)
    statements = [
        {
            "Sid": "ReadReplicationConfiguration",
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": [source_arn],
        },
        {
            "Sid": "ReadSourceObjectVersions",
            "Effect": "Allow",
            "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            "Resource": [f"{source_arn}/*"],
        },
        {
            "Sid": "WriteReplicas",
            "Effect": "Allow",
            "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            "Resource": [f"{destination_arn}/*"],
        },
    ]
    if replica_kms_key_arn:
        statements.append(
            {
                "Sid": "DecryptSourceObjects",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": sorted(source_kms_key_arns),
                "Condition": {
                    "StringLike": {
                        "kms:ViaService": s3_service_name(source_region),
                        # objects' context is the object ARN, with S3 Bucket Keys the bucket ARN
                        "kms:EncryptionContext:aws:s3:arn": [source_arn, f"{source_arn}/*"],
                    }
                },
            }
        )
        statements.append(
            {
                "Sid": "EncryptReplicas",
                "Effect": "Allow",
                "Action": ["kms:Encrypt"],
                "Resource": [replica_kms_key_arn],
                "Condition": {
                    "StringLike": {
                        "kms:ViaService": s3_service_name(region),
                        "kms:EncryptionContext:aws:s3:arn": [destination_arn, f"{destination_arn}/*"],
                    }
                },
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_size(document):
    """Characters IAM counts for a policy document: its JSON without whitespace."""
    return len(json.dumps(policy_document(document), separators=(",", ":"), ensure_ascii=False))


def inline_policies_size(other_documents, document):
    """Total size of a role's inline policies once ``document`` is added to (or replaces one beside) the others."""
    return sum(policy_size(other) for other in other_documents) + policy_size(document)


def policy_document(value):
    """IAM returns policy documents URL-decoded as dicts (boto3) or as JSON strings: compare dicts."""
    if isinstance(value, str):
        return json.loads(value)
    return value


def trusts_s3(trust_policy):
    for statement in (policy_document(trust_policy) or {}).get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        services = (statement.get("Principal") or {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if "s3.amazonaws.com" in services and "sts:AssumeRole" in actions:
            return True
    return False


def default_role_name(bucket):
    return f"s3-replication-{bucket}"[:64]


def policy_name(bucket, destination_bucket):
    return f"s3-replication-{bucket}-to-{destination_bucket}"[:128]


# -- IAM calls -----------------------------------------------------------------------------------------------
@DRErrorHandler.reader("read IAM role {1}", missing=("NoSuchEntity",))
def _get_role(iam, role_name):
    return iam.get_role(RoleName=role_name, aws_retry=True)["Role"]


@DRErrorHandler.reader("read inline policy {2} of IAM role {1}", missing=("NoSuchEntity",))
def _get_role_policy(iam, role_name, name):
    return iam.get_role_policy(RoleName=role_name, PolicyName=name, aws_retry=True)["PolicyDocument"]


def read_role(iam, role_name, name):
    """{"arn", "trust", "policy"} of the role (policy: the inline policy ``name`` or None); None if absent."""
    role = _get_role(iam, role_name)
    if role is None:
        return None
    policy = _get_role_policy(iam, role_name, name) if name else None
    return {
        "arn": role["Arn"],
        "trust": policy_document(role.get("AssumeRolePolicyDocument")),
        "policy": policy_document(policy) if policy else None,
    }


@DRErrorHandler.call("read the inline policies of IAM role {1}")
def other_inline_policies(iam, role_name, name):
    """The documents of the role's inline policies other than ``name``."""
    names = iam.get_paginator("list_role_policies").paginate(RoleName=role_name).build_full_result()["PolicyNames"]
    return [
        iam.get_role_policy(RoleName=role_name, PolicyName=other, aws_retry=True)["PolicyDocument"]
        for other in names
        if other != name
    ]


def check_inline_policies_size(role_name, others, policy):
    total = inline_policies_size(others, policy)
    if total > ROLE_INLINE_POLICIES_LIMIT:
        raise DRError(
            f"the inline policies of IAM role {role_name} would total {total} characters with this bucket's policy "
            f"({policy_size(policy)}, the {len(others)} others {total - policy_size(policy)}), over IAM's "
            f"limit of {ROLE_INLINE_POLICIES_LIMIT} per role: use one role per bucket (leave role_name out for "
            f"{default_role_name('<bucket>')}) or fewer buckets per role"
        )


@DRErrorHandler.call("read the account id (sts:GetCallerIdentity)")
def account_id(sts):
    return sts.get_caller_identity(aws_retry=True)["Account"]


def plan_role(iam, sts, params, region, source_keys, replica_key):
    """What the role must become: {"arn", "create", "update_trust", "update_policy", ...} (reads only)."""
    if params["role_arn"]:
        given = params["role_arn"].split(":role/", 1)[1].rsplit("/", 1)[-1]
        if read_role(iam, given, None) is None:
            raise DRError(
                f"role_arn {params['role_arn']} not found: create the role first or leave role_arn out to "
                "let the module create one"
            )
        return {
            "arn": params["role_arn"],
            "managed": False,
            "create": False,
            "update_trust": False,
            "update_policy": False,
        }
    role_name = params["role_name"] or default_role_name(params["bucket"])
    name = policy_name(params["bucket"], params["destination_bucket"])
    current = read_role(iam, role_name, name)
    policy = replication_policy(
        params["bucket"], params["source_region"], params["destination_bucket"], region, source_keys or (), replica_key
    )
    if current is None:
        arn = f"arn:{partition_of(region)}:iam::{account_id(sts)}:role/{role_name}"
    else:
        arn = current["arn"]
    update_policy = current is None or current["policy"] != policy
    if update_policy:
        others = [] if current is None else other_inline_policies(iam, role_name, name)
        check_inline_policies_size(role_name, others, policy)
    return {
        "arn": arn,
        "name": role_name,
        "policy_name": name,
        "policy": policy,
        "managed": True,
        "create": current is None,
        "update_trust": current is not None and not trusts_s3(current["trust"]),
        "update_policy": update_policy,
    }


def role_changes(role):
    return role["create"] or role["update_trust"] or role["update_policy"]


def apply_role(iam, role):
    """Create the role or fix its trust, and put its inline policy, as ``plan_role`` decided."""
    with aws_errors(f"create or update IAM role {role['name']}"):
        if role["create"]:
            created = iam.create_role(
                RoleName=role["name"],
                AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
                Description="S3 cross-region replication (pilotlight.dr)",
                aws_retry=True,
            )["Role"]
            role["arn"] = created["Arn"]
        elif role["update_trust"]:
            iam.update_assume_role_policy(
                RoleName=role["name"], PolicyDocument=json.dumps(TRUST_POLICY), aws_retry=True
            )
        if role["update_policy"]:
            iam.put_role_policy(
                RoleName=role["name"],
                PolicyName=role["policy_name"],
                PolicyDocument=json.dumps(role["policy"]),
                aws_retry=True,
            )


@DRErrorHandler.reader("delete inline policy {2} of IAM role {1}", missing=("NoSuchEntity",))
def delete_role_policy(iam, role_name, name):
    iam.delete_role_policy(RoleName=role_name, PolicyName=name, aws_retry=True)
