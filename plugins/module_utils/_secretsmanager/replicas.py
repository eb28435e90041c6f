# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Secrets Manager replicas across regions: what a secret is in each region and what to do about it.

Pure decisions (``plan_present``, ``plan_promoted``) are unit-tested; readers take a client.
``describe`` raises DRError on any AWS error but "not found", never answering "absent" for a failed
read. Secret values are only ever read to copy a DR value back to the primary on failback, compared
in memory and never returned.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._kms.keys import key_ids_match

DEFAULT_KEY = "alias/aws/secretsmanager"
# What the module does to one secret.
NOTHING = "none"
REPLICATE = "replicate"
RETRY = "retry"
OVERWRITE = "overwrite"
PROMOTE = "promote"
ALREADY_STANDALONE = "already_standalone"
CHANGING = (REPLICATE, RETRY, OVERWRITE, PROMOTE)


def parse_arn(arn):
    """``arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-xxxxxx`` -> dict, else None."""
    parts = (arn or "").split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "secretsmanager" or not parts[5].startswith("secret:"):
        return None
    return {"partition": parts[1], "region": parts[3], "account": parts[4], "resource": parts[5]}


def in_region(secret_id, region):
    """The id to use for ``secret_id`` in ``region``: a name as is, an ARN with its region replaced."""
    parsed = parse_arn(secret_id)
    if not parsed:
        return secret_id
    return f"arn:{parsed['partition']}:secretsmanager:{region}:{parsed['account']}:{parsed['resource']}"


def primary_region_of(described, region):
    """The region of the primary of a secret described in ``region`` (itself when it is not a replica)."""
    return (described or {}).get("PrimaryRegion") or region


def is_replica(described, region):
    return bool(described) and primary_region_of(described, region) != region


def status_for(primary, region):
    """The ReplicationStatus entry of ``region`` in a described primary secret, or None."""
    for entry in (primary or {}).get("ReplicationStatus") or []:
        if entry.get("Region") == region:
            return entry
    return None


def key_matches(current, wanted):
    """Whether a replica's key (None: the AWS managed key) is the ``wanted`` one."""
    return key_ids_match(current or DEFAULT_KEY, wanted)


def plan_present(name, primary, dr_secret, source_region, region, overwrite):
    """(action, problem or None) for making ``name`` a replica in ``region`` of its primary in ``source_region``."""
    if primary is None:
        return None, f"secret {name} not found in {source_region}: check the name and source_region"
    if primary.get("DeletedDate"):
        return None, f"secret {name} in {source_region} is scheduled for deletion: restore it first"
    primary_region = primary_region_of(primary, source_region)
    if primary_region != source_region:
        return None, (
            f"secret {name} in {source_region} is a replica of a secret in {primary_region}: set "
            f"source_region to {primary_region}, or promote it first"
        )
    entry = status_for(primary, region)
    replica_of_primary = dr_secret is not None and primary_region_of(dr_secret, region) == source_region
    occupied = dr_secret is not None and not replica_of_primary
    if entry and entry.get("Status") in ("InSync", "InProgress"):
        return NOTHING, None
    if occupied and not overwrite:
        kind = (
            "a standalone secret"
            if not is_replica(dr_secret, region)
            else (f"a replica of a secret in {primary_region_of(dr_secret, region)}")
        )
        return None, (
            f"secret {name} already exists in {region} as {kind} (promoted during a failover?): set "
            "overwrite=true to replace it with a replica of the primary (copy_back_value=true first copies "
            "its current value to the primary)"
        )
    if entry:  # Failed: retry, replacing what is in the way when allowed
        return RETRY, None
    return (OVERWRITE if occupied else REPLICATE), None


def plan_promoted(name, dr_secret, region, source_region=None):
    """(action, problem or None) for promoting the replica ``name`` in ``region`` to a standalone secret."""
    if dr_secret is None:
        return None, (
            f"secret {name} not found in {region}: nothing to promote (check the name and region; "
            "state=present replicates it)"
        )
    if not is_replica(dr_secret, region):
        return ALREADY_STANDALONE, None
    primary_region = primary_region_of(dr_secret, region)
    if source_region and primary_region != source_region:
        return None, (
            f"secret {name} in {region} is a replica of a secret in {primary_region}, not in "
            f"{source_region}: check the name or source_region before promoting"
        )
    return PROMOTE, None


@DRErrorHandler.reader("read secret {1} in {2}", missing=("ResourceNotFoundException",))
def describe(client, secret_id, region):
    """DescribeSecret in the client's region (``region``), or None when the secret does not exist there."""
    return client.describe_secret(SecretId=secret_id, aws_retry=True)


def current_value(client, secret_id):
    """The AWSCURRENT value as the kwargs PutSecretValue takes; kept in memory, never returned."""
    found = client.get_secret_value(SecretId=secret_id, aws_retry=True)
    if "SecretString" in found:
        return {"SecretString": found["SecretString"]}
    if "SecretBinary" in found:
        return {"SecretBinary": found["SecretBinary"]}
    raise DRError(f"secret {secret_id} has no current value to copy")
