# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""secretsmanager_replica's parameter checks (made before any call) and what its result shows: never a value."""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager.replicas import parse_arn

HIDDEN = ("SecretString", "SecretBinary", "secret_string", "secret_binary")


def validate_params(params, region):
    names = params["secrets"]
    if not names or any(not name for name in names):
        raise DRError("secrets must list at least one secret name or ARN, without empty entries")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise DRError(f"secrets lists {', '.join(duplicates)} more than once")
    if params["state"] == "present" and not params["source_region"]:
        raise DRError(
            "state=present needs source_region, the region of the primary secrets (for example ap-northeast-2)"
        )
    if params["copy_back_value"] and not params["overwrite"]:
        raise DRError(
            "copy_back_value needs overwrite=true: the DR value is copied back only when the DR secret is "
            "replaced by a replica"
        )
    if params["max_concurrency"] < 1:
        raise DRError(f"max_concurrency must be 1 or more, got {params['max_concurrency']}")
    if params["wait_timeout"] < 0:
        raise DRError(f"wait_timeout must be 0 or more, got {params['wait_timeout']}")
    for name in names:
        parsed = parse_arn(name)
        if parsed and params["state"] == "present" and parsed["region"] != params["source_region"]:
            raise DRError(
                f"secret {name} is an ARN in {parsed['region']} but source_region is "
                f"{params['source_region']}: give the primary's ARN or its name"
            )


def entry_view(entry):
    """What the result shows of one secret (never a value)."""
    return {
        k: entry.get(k)
        for k in (
            "name",
            "primary_region",
            "replica_region",
            "arn",
            "status",
            "status_message",
            "kms_key_id",
            "action",
            "value_copied_back",
        )
    }


def diff_view(entries, which):
    return {
        e["name"]: {
            "status": e[which]["status"],
            "primary_region": e[which]["primary_region"],
            "kms_key_id": e[which]["kms_key_id"],
        }
        for e in entries
    }
