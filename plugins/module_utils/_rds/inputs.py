# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""rds_replica's parameter checks, made before any call."""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.instances import parse_arn
from ansible_collections.pilotlight.dr.plugins.module_utils._rds.lag import METRIC_PERIOD


def validate_params(params, region):
    if params["state"] == "present" and not params["source_db_instance_identifier"]:
        raise DRError("state=present needs source_db_instance_identifier (the primary instance, id or ARN)")
    if params["state"] == "failed_back" and not (params["source_db_instance_identifier"] and params["source_region"]):
        raise DRError(
            "state=failed_back needs source_db_instance_identifier (the promoted DR instance) and source_region "
            "(the DR region)"
        )
    if params["max_lag_seconds"] < 0:
        raise DRError(f"max_lag_seconds must be 0 or more, got {params['max_lag_seconds']}")
    if params["lag_lookback_seconds"] < METRIC_PERIOD:
        raise DRError(
            f"lag_lookback_seconds must be at least {METRIC_PERIOD} (ReplicaLag has one datapoint a "
            f"minute), got {params['lag_lookback_seconds']}"
        )
    if params["backup_retention_period"] is not None and not 0 <= params["backup_retention_period"] <= 35:
        raise DRError(f"backup_retention_period must be between 0 and 35 days, got {params['backup_retention_period']}")
    if (params.get("drain_timeout") or 0) < 0:
        raise DRError(f"drain_timeout must be 0 or more, got {params['drain_timeout']}")
    if params["wait_timeout"] < 0:
        raise DRError(f"wait_timeout must be 0 or more, got {params['wait_timeout']}")
    source = params["source_db_instance_identifier"]
    parsed = parse_arn(source)
    if parsed and parsed["region"] == region:
        raise DRError(
            f"source_db_instance_identifier {source} is in {region}, the region of the replica: "
            "a DR replica must be in another region"
        )
