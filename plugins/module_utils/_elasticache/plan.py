# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What elasticache_dr decides, without calling AWS: the create request, drift, endpoints, promotion, RPO."""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

# What the rebuilt group loses: a new replication group starts empty.
REBUILD_LOSS = (
    "everything in the cache: the DR replication group is created empty (sessions and cached data are rebuilt)"
)


def create_request(params):
    """CreateReplicationGroup arguments from the module's parameters (only those given).

    With ``global_replication_group_id`` the group is a Global Datastore secondary: engine, version, node type and
    encryption come from the datastore (AWS refuses them), so only placement and size are sent.
    """
    if params.get("global_replication_group_id"):
        request = {
            "ReplicationGroupId": params["replication_group_id"],
            "ReplicationGroupDescription": params["description"],
            "GlobalReplicationGroupId": params["global_replication_group_id"],
            "NumCacheClusters": params["num_cache_clusters"],
            "AutomaticFailoverEnabled": params["automatic_failover"],
        }
        optional = {
            "CacheSubnetGroupName": params.get("cache_subnet_group"),
            "SecurityGroupIds": params.get("security_group_ids") or None,
            "KmsKeyId": params.get("kms_key_id"),
        }
        request.update({k: v for k, v in optional.items() if v is not None})
        return request
    request = {
        "ReplicationGroupId": params["replication_group_id"],
        "ReplicationGroupDescription": params["description"],
        "Engine": params["engine"],
        "CacheNodeType": params["node_type"],
        "NumCacheClusters": params["num_cache_clusters"],
        "AutomaticFailoverEnabled": params["automatic_failover"],
    }
    optional = {
        "EngineVersion": params.get("engine_version"),
        "MultiAZEnabled": params.get("multi_az"),
        "CacheSubnetGroupName": params.get("cache_subnet_group"),
        "SecurityGroupIds": params.get("security_group_ids") or None,
        "CacheParameterGroupName": params.get("parameter_group"),
        "Port": params.get("port"),
        "AtRestEncryptionEnabled": params.get("at_rest_encryption"),
        "TransitEncryptionEnabled": params.get("transit_encryption"),
        "KmsKeyId": params.get("kms_key_id"),
    }
    request.update({k: v for k, v in optional.items() if v is not None})
    if params.get("tags"):
        request["Tags"] = [{"Key": k, "Value": str(v)} for k, v in sorted(params["tags"].items())]
    if params["num_cache_clusters"] < 2 and params["automatic_failover"]:
        raise DRError("automatic_failover needs num_cache_clusters of 2 or more (a primary and a replica)")
    return request


def drift(group, params):
    """Differences between an existing group and the parameters ("node type cache.t3.small, wanted cache.r6g.large")."""
    out = []
    if params.get("global_replication_group_id"):
        return out  # a secondary takes the datastore's node type
    if group.get("CacheNodeType") and group["CacheNodeType"] != params["node_type"]:
        out.append(f"node type {group['CacheNodeType']}, wanted {params['node_type']}")
    members = len(group.get("MemberClusters") or [])
    if members and members != params["num_cache_clusters"]:
        out.append(f"{members} cache clusters, wanted {params['num_cache_clusters']}")
    return out


def _endpoint(endpoint):
    if not endpoint or not endpoint.get("Address"):
        return None
    return {"address": endpoint.get("Address"), "port": endpoint.get("Port")}


def endpoints(group):
    """(primary, reader) endpoint dicts {address, port} of a replication group, None when it has none yet."""
    if not group:
        return None, None
    if group.get("ConfigurationEndpoint"):
        config = group["ConfigurationEndpoint"]
        return {"address": config.get("Address"), "port": config.get("Port")}, None
    node_groups = group.get("NodeGroups") or [{}]
    primary, reader = node_groups[0].get("PrimaryEndpoint"), node_groups[0].get("ReaderEndpoint")
    return _endpoint(primary), _endpoint(reader)


def global_role(group):
    """(global datastore id or None, role PRIMARY/SECONDARY or None) of a replication group."""
    info = (group or {}).get("GlobalReplicationGroupInfo") or {}
    return info.get("GlobalReplicationGroupId") or None, (info.get("GlobalReplicationGroupMemberRole") or None)


def member(datastore, group_id, region):
    for item in (datastore or {}).get("Members") or []:
        if item.get("ReplicationGroupId") == group_id and item.get("ReplicationGroupRegion") == region:
            return item
    return None


def promotion(datastore, group, group_id, region, primary_reachable):
    """What state=promoted does: ``none`` (already primary or stand-alone), ``failover`` or ``disassociate``.

    A secondary is promoted by FailoverGlobalReplicationGroup when the primary's region answers (the old
    primary becomes a secondary: nothing is lost beyond the replication lag, and failback is one more
    failover); when it does not, the secondary leaves the datastore (DisassociateGlobalReplicationGroup) and
    becomes a stand-alone, writable group.
    """
    global_id, role = global_role(group)
    if not global_id:
        return "none", "stand-alone (not in a Global Datastore): writable already"
    entry = member(datastore, group_id, region)
    if entry is None and datastore is not None:
        raise DRError(
            f"replication group {group_id} in {region} says it is in Global Datastore {global_id}, which does not "
            "list it: check the datastore in the ElastiCache console"
        )
    if (entry or {}).get("Role", role) == "PRIMARY":
        return "none", f"already the primary of Global Datastore {global_id}"
    if primary_reachable:
        return "failover", f"secondary of {global_id}: fail over to it (the old primary becomes a secondary)"
    return "disassociate", f"secondary of {global_id} with the primary region down: detach it as a stand-alone group"


def rpo_evidence(mode, lag_seconds=None, lag_note=None):
    """The report's RPO evidence for the cache."""
    if mode == "rebuild":
        return {"mode": "rebuild", "data_loss": REBUILD_LOSS, "replication_lag_seconds": None}
    return {
        "mode": "global_datastore",
        "data_loss": (
            f"writes of the last {lag_seconds} s before the failover (Global Datastore replication lag)"
            if lag_seconds is not None
            else f"up to the Global Datastore replication lag, which could not be read ({lag_note or 'no datapoint'})"
        ),
        "replication_lag_seconds": lag_seconds,
    }


def describe_group(group, region, predicted=None):
    """The module's ``replication_group``: a few fields of the group (or of the predicted group in check mode)."""
    group = group or predicted
    if not group:
        return None
    primary, reader = endpoints(group)
    global_id, role = global_role(group)
    return {
        "id": group.get("ReplicationGroupId"),
        "arn": group.get("ARN"),
        "region": region,
        "status": group.get("Status"),
        "node_type": group.get("CacheNodeType"),
        "member_clusters": group.get("MemberClusters") or [],
        "primary_endpoint": primary,
        "reader_endpoint": reader,
        "global_replication_group_id": global_id,
        "global_role": role,
    }
