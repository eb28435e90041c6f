# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Native Cognito multi-Region replication (CreateUserPoolReplica): when a pool qualifies, and the replica.

AWS replicates users (with their passwords), groups, app clients and identity providers of an eligible
pool to a replica pool with the same pool id in another region. Eligible (AWS developer guide, "Multi-Region
replication for user pools"): the Essentials or Plus feature plan (``UserPoolTier``) and a customer managed
multi-Region KMS key (``KeyConfiguration``, an ``mrk-`` key) with a replica key in the DR region. The
"updated" issuer is recommended so that tokens validate in both regions; without it a warning says so.
``eligibility`` is pure; the calls are beside it.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._kms.keys import enabled_key_arn

MODES = ("auto", "native", "sync")
TIERS = ("ESSENTIALS", "PLUS")
CUSTOMER_MANAGED_KEY = "CUSTOMER_MANAGED_KEY"


def pool_key_arn(pool):
    """The customer managed KMS key of a DescribeUserPool ``UserPool``, or None."""
    config = pool.get("KeyConfiguration") or {}
    return config.get("KmsKeyArn") if config.get("KeyType") == CUSTOMER_MANAGED_KEY else None


def key_in_region(key_arn, region):
    """The ARN of the replica of multi-Region key ``key_arn`` in ``region`` (same key id, that region)."""
    parts = key_arn.split(":")
    if len(parts) < 6:
        return key_arn
    parts[3] = region
    return ":".join(parts)


def eligibility(source_pool):
    """Why the source pool cannot have a native replica (pure): a list of reasons, empty when it qualifies
    as far as the pool itself says (the DR replica key is checked apart)."""
    reasons = []
    tier = source_pool.get("UserPoolTier") or "ESSENTIALS"
    if tier not in TIERS:
        reasons.append(f"its feature plan is {tier}: multi-Region replication needs ESSENTIALS or PLUS")
    key = pool_key_arn(source_pool)
    if not key:
        reasons.append(
            "it is encrypted with an AWS owned key: multi-Region replication needs a customer managed "
            "multi-Region KMS key (KeyConfiguration)"
        )
    elif not key.split("/")[-1].startswith("mrk-"):
        reasons.append(
            f"its KMS key {key} is a single-Region key: multi-Region replication needs a multi-Region key (mrk-...)"
        )
    return reasons


def issuer_warning(source_pool):
    if (source_pool.get("IssuerConfiguration") or {}).get("Type") != "UPDATED":
        return (
            "the source user pool uses the original (regional) token issuer: tokens of the DR replica carry the DR "
            "region's issuer; set IssuerConfiguration Type UPDATED so that one issuer validates in both regions"
        )
    return None


def dr_key_problem(kms_client, source_pool, region):
    """None when the pool's multi-Region key has an enabled replica in ``region``, else the reason.

    A failed read raises (a key that could not be read is not checked, never "missing").
    """
    key = pool_key_arn(source_pool)
    try:
        enabled_key_arn(kms_client, key_in_region(key, region), region, "replica of the user pool's KMS key")
    except DRError as error:
        if error.exception is not None:
            raise
        return error.message
    return None


def list_replicas(client, pool_id, limiter=None):
    with aws_errors(
        f"list the replicas of user pool {pool_id} in {client.meta.region_name}",
        "allow cognito-idp:ListUserPoolReplicas",
    ):
        replicas, request = [], {"UserPoolId": pool_id}
        while True:  # botocore 1.44.5 has no paginator for it
            if limiter is not None:
                limiter.acquire()
            page = client.list_user_pool_replicas(aws_retry=True, **request)
            replicas.extend(page.get("UserPoolReplicas") or [])
            if not page.get("NextToken"):
                return replicas
            request["NextToken"] = page["NextToken"]


def replica_in(replicas, region):
    return next((replica for replica in replicas if replica.get("RegionName") == region), None)


def create_replica(client, pool_id, region, tags, limiter=None):
    """CreateUserPoolReplica from the primary region; the ``UserPoolReplica``."""
    with aws_errors(
        f"create a replica of user pool {pool_id} in {region}",
        "check the pool's feature plan and multi-Region KMS key, and cognito-idp:CreateUserPoolReplica "
        f"permissions (also to create user pools in {region}), or use replication_mode=sync",
    ):
        if limiter is not None:
            limiter.acquire()
        return client.create_user_pool_replica(
            UserPoolId=pool_id, RegionName=region, UserPoolTags=tags, aws_retry=True
        )["UserPoolReplica"]


def replica_view(replica):
    if not replica:
        return None
    return {
        "region": replica.get("RegionName"),
        "status": replica.get("Status"),
        "role": replica.get("Role"),
        "arn": replica.get("UserPoolArn"),
    }
