# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudFront's read access to a private S3 origin: an origin access control (OAC) and the bucket policy.

CloudFront signs its requests to the bucket with the OAC (SigV4, always); the bucket lets the CloudFront
service principal read objects only for the distribution's ARN (``AWS:SourceArn``). Without both, the DR
bucket answers 403 the moment the origin group fails over to it. The API calls take a client; the policy
logic is pure, shared by cloudfront_origin_group (grant) and the cdn readiness check (verify).
"""

import copy
import json
import re

from ansible_collections.pilotlight.dr.plugins.module_utils._cloudfront.origin_groups import items
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler

CLOUDFRONT_PRINCIPAL = "cloudfront.amazonaws.com"
READ_ACTIONS = {"s3:getobject", "s3:get*", "s3:*", "*"}
SOURCE_ARN_OPERATORS = ("StringEquals", "ArnEquals", "StringLike", "ArnLike")
# bucket.s3.<region>.amazonaws.com, bucket.s3-<region>.amazonaws.com, bucket.s3.amazonaws.com (us-east-1)
S3_REST_RE = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]*)\.s3(?:[.-](?P<region>(?!website)[a-z0-9-]+))?\.amazonaws\.com$"
)


# -- the origin access control -----------------------------------------------------------------------------
@DRErrorHandler.call("list the CloudFront origin access controls")
def list_access_controls(client):
    result = client.get_paginator("list_origin_access_controls").paginate().build_full_result()
    return items(result.get("OriginAccessControlList"))


def find_access_control(controls, name):
    """The one OAC named ``name`` (None when there is none); DRError when several share the name."""
    found = [c for c in controls if c.get("Name") == name]
    if len(found) > 1:
        raise DRError(
            f"{len(found)} CloudFront origin access controls are named {name} "
            f"({', '.join(c['Id'] for c in found)}): delete the extra ones or give origin_access_control_id"
        )
    return found[0] if found else None


@DRErrorHandler.call("create CloudFront origin access control {1}", "check cloudfront:CreateOriginAccessControl")
def create_access_control(client, name, description=""):
    config = {
        "Name": name,
        "Description": description,
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }
    return client.create_origin_access_control(OriginAccessControlConfig=config, aws_retry=True)["OriginAccessControl"][
        "Id"
    ]


@DRErrorHandler.reader("read CloudFront origin access control {1}", missing=("NoSuchOriginAccessControl",))
def read_access_control(client, control_id):
    """The OAC's config (Name, SigningBehavior, ...), or None when there is no such OAC."""
    return client.get_origin_access_control(Id=control_id, aws_retry=True)["OriginAccessControl"][
        "OriginAccessControlConfig"
    ]


# -- the bucket and its policy --------------------------------------------------------------------------------
def bucket_of(domain_name):
    """(bucket, region) of an S3 REST endpoint; DRError for anything else (a website endpoint cannot use an OAC)."""
    match = S3_REST_RE.match((domain_name or "").lower())
    if not match:
        raise DRError(
            f"origin domain {domain_name} is not an S3 REST endpoint: an origin access control needs "
            "<bucket>.s3.<region>.amazonaws.com (not the website endpoint)"
        )
    return match.group("bucket"), match.group("region") or "us-east-1"


@DRErrorHandler.reader("read the bucket policy of S3 bucket {1}", missing=("NoSuchBucketPolicy",))
def read_bucket_policy(client, bucket):
    """The policy document (dict), or None when the bucket has no policy."""
    return json.loads(client.get_bucket_policy(Bucket=bucket, aws_retry=True)["Policy"])


@DRErrorHandler.call("write the bucket policy of S3 bucket {1}", "check s3:PutBucketPolicy and Block Public Access")
def put_bucket_policy(client, bucket, policy):
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy), aws_retry=True)


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _principal_is_cloudfront(statement):
    principal = statement.get("Principal")
    if not isinstance(principal, dict):
        return False
    return CLOUDFRONT_PRINCIPAL in _as_list(principal.get("Service"))


def _allows_read(statement):
    return any(action.lower() in READ_ACTIONS for action in _as_list(statement.get("Action")))


def _covers_objects(statement, bucket):
    wanted = {f"arn:aws:s3:::{bucket}/*", "arn:aws:s3:::*", "*"}
    return any(resource in wanted for resource in _as_list(statement.get("Resource")))


def _source_arns(statement):
    arns = []
    for operator in SOURCE_ARN_OPERATORS:
        for key, value in ((statement.get("Condition") or {}).get(operator) or {}).items():
            if key.lower() == "aws:sourcearn":
                arns += _as_list(value)
    return arns


def grants_distribution(policy, bucket, distribution_arn):
    """Whether an Allow statement lets the CloudFront service principal read the bucket's objects for the
    distribution (its ARN in ``AWS:SourceArn``), as AWS's OAC setup writes it."""
    for statement in _as_list((policy or {}).get("Statement")):
        if (
            statement.get("Effect") == "Allow"
            and _principal_is_cloudfront(statement)
            and _allows_read(statement)
            and _covers_objects(statement, bucket)
            and distribution_arn in _source_arns(statement)
        ):
            return True
    return False


def read_statement(bucket, distribution_arn):
    distribution_id = distribution_arn.rsplit("/", 1)[-1]
    return {
        "Sid": f"PilotLightCloudFrontRead{re.sub(r'[^A-Za-z0-9]', '', distribution_id)}",
        "Effect": "Allow",
        "Principal": {"Service": CLOUDFRONT_PRINCIPAL},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
    }


def plan_bucket_policy(policy, bucket, distribution_arn):
    """(new policy, changes): the read statement added to the policy, every other statement kept."""
    if grants_distribution(policy, bucket, distribution_arn):
        return policy, []
    new = copy.deepcopy(policy) if policy else {"Version": "2012-10-17", "Statement": []}
    statement = read_statement(bucket, distribution_arn)
    kept = [s for s in _as_list(new.get("Statement")) if s.get("Sid") != statement["Sid"]]
    new["Statement"] = kept + [statement]
    return new, [f"bucket policy of {bucket}: CloudFront may read objects for {distribution_arn}"]
