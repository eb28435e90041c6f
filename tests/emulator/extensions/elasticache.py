"""ElastiCache: replication groups that take time to create and delete, and Global Datastores.

moto creates a replication group ``available`` at once, leaves a deleted one ``deleting`` forever
(so "wait until gone" never ends) and has no Global Datastore at all. Here:

* ``CreateReplicationGroup`` returns the group ``creating``; it is ``available`` after
  ``STATE.delay("redis_create")`` seconds (0, the default: at once); ``DeleteReplicationGroup``
  leaves it ``deleting`` for the same time, then it is gone (``ReplicationGroupNotFoundFault``);
* ``NumCacheClusters`` makes that many nodes (moto makes one);
* endpoints carry the group's region in AWS's short form (``fileflow-dr-redis.x1y2z3.apne1.cache.amazonaws.com``
  in Tokyo; moto writes ``use1`` in every region, which would show a DR cache as a us-east-1 host);
* ``CreateGlobalReplicationGroup`` (the primary group is the ``primary`` member),
  ``DescribeGlobalReplicationGroups`` (``ShowMemberInfo``), ``CreateReplicationGroup`` with
  ``GlobalReplicationGroupId`` (a ``secondary`` member in its region),
  ``FailoverGlobalReplicationGroup`` (roles swap; refused with
  ``InvalidGlobalReplicationGroupState`` while the current primary's region is down, as the
  primary must answer) and ``DisassociateGlobalReplicationGroup`` (the secondary leaves the
  datastore and becomes a stand-alone, writable group; works with the primary's region down);
* a regional outage (besides refusing every call, core) shows that region's members as
  ``inaccessible`` in ``DescribeGlobalReplicationGroups`` until the region is back.
"""

import threading

from moto.core.responses import ActionResult
from moto.core.responses import PaginatedResult
from moto.elasticache.exceptions import ElastiCacheException
from moto.elasticache.models import ElastiCacheBackend
from moto.elasticache.models import ReplicationGroup
from moto.elasticache.models import elasticache_backends
from moto.elasticache.responses import ElastiCacheResponse

from ..core import SCHEDULER
from ..core import STATE
from ..core import ExtensionError
from ..core import on_reset
from ..core import patch
from ..core import require

DESCRIPTION = (
    "ElastiCache: replication groups creating -> available and deleting -> gone (redis_create latency); Global "
    "Datastores (create, describe, secondary members, failover, disassociate)"
)

# AWS prefixes a Global Datastore's id with a few letters of its own; any fixed prefix will do here.
GLOBAL_PREFIX = "ldgnf-"
_LOCK = threading.RLock()
_GLOBAL = {}  # (account, global id) -> global replication group dict


class GlobalNotFound(ElastiCacheException):
    code = "GlobalReplicationGroupNotFoundFault"

    def __init__(self, global_id):
        super().__init__(f"Global replication group {global_id} not found.")


class GlobalInvalidState(ElastiCacheException):
    code = "InvalidGlobalReplicationGroupState"


class GlobalAlreadyExists(ElastiCacheException):
    code = "GlobalReplicationGroupAlreadyExistsFault"


def add(owner, name, fn):
    """Give moto a method it lacks; refuse to start once moto has its own (then drop ours)."""
    if hasattr(owner, name):
        raise ExtensionError(f"moto now implements {owner.__name__}.{name}: remove the emulator's version")
    setattr(owner, name, fn)


def _backend(account_id, region):
    return elasticache_backends[account_id][region]


# -- replication groups: creating -> available, deleting -> gone ---------------------------------
def _available(group):
    if group.status == "creating":
        group.status = "available"


def _gone(backend, group_id):
    with _LOCK:
        group = backend.replication_groups.get(group_id)
        if group is not None and group.status == "deleting":
            del backend.replication_groups[group_id]


_GEOGRAPHY = {
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
}


def region_short(region):
    """AWS's short form of a region in ElastiCache host names: ap-northeast-1 -> apne1, us-west-2 -> usw2."""
    *words, number = region.split("-")
    return "".join(_GEOGRAPHY.get(word, word) for word in words) + number


def _regional(value, region):
    """``value`` (moto's endpoints: nested dicts, lists, strings) with moto's ``use1`` replaced by ``region``."""
    if isinstance(value, str):
        return value.replace(".use1.cache.amazonaws.com", f".{region_short(region)}.cache.amazonaws.com")
    if isinstance(value, dict):
        return {key: _regional(item, region) for key, item in value.items()}
    if isinstance(value, list):
        return [_regional(item, region) for item in value]
    return value


def _wrap_create(original):
    def create_replication_group(self, *args, **kwargs):
        global_id = kwargs.get("global_replication_group_id")
        if global_id:
            with _LOCK:
                datastore = _GLOBAL.get((self.account_id, global_id))
            if datastore is None:
                raise GlobalNotFound(global_id)
        if kwargs.get("num_cache_clusters") and not kwargs.get("replicas_per_node_group"):
            # moto makes one node whatever NumCacheClusters says; AWS makes a primary and NumCacheClusters-1 replicas.
            kwargs["replicas_per_node_group"] = kwargs["num_cache_clusters"] - 1
        group = original(self, *args, **kwargs)
        group.node_groups = _regional(group.node_groups, self.region_name)
        if getattr(group, "configuration_endpoint", None):
            group.configuration_endpoint = _regional(group.configuration_endpoint, self.region_name)
        group.global_replication_group_member_role = "SECONDARY" if global_id else ""
        if global_id:
            with _LOCK:
                datastore["Members"].append(_member(group, self.region_name, "SECONDARY"))
        if STATE.delay("redis_create") > 0:
            group.status = "creating"
            SCHEDULER.call_later(STATE.delay("redis_create"), _available, group, name=f"redis_create {group.arn}")
        return group

    return create_replication_group


def _wrap_delete(original):
    def delete_replication_group(self, replication_group_id, retain_primary_cluster):
        group = original(self, replication_group_id, retain_primary_cluster)
        with _LOCK:
            for datastore in _GLOBAL.values():
                datastore["Members"] = [
                    m for m in datastore["Members"] if m["ReplicationGroupId"] != replication_group_id
                ]
        delay = STATE.delay("redis_create")
        if delay <= 0:
            _gone(self, replication_group_id)
        else:
            SCHEDULER.call_later(delay, _gone, self, replication_group_id, name=f"redis_delete {group.arn}")
        return group

    return delete_replication_group


# -- Global Datastore ------------------------------------------------------------------------------
def _member(group, region, role):
    return {
        "ReplicationGroupId": group.replication_group_id,
        "ReplicationGroupRegion": region,
        "Role": role,
        "AutomaticFailover": group.automatic_failover,
        "Status": "associated",
    }


def _view(datastore, members=True):
    out = {k: v for k, v in datastore.items() if k != "Members"}
    if members:
        out["Members"] = [
            dict(m, Status="inaccessible" if STATE.is_down(m["ReplicationGroupRegion"]) else m["Status"])
            for m in datastore["Members"]
        ]
    return out


def _find(account_id, global_id):
    with _LOCK:
        datastore = _GLOBAL.get((account_id, global_id))
    if datastore is None:
        raise GlobalNotFound(global_id)
    return datastore


def _group(account_id, region, group_id):
    return _backend(account_id, region).describe_replication_groups(group_id)[0]


def create_global_replication_group(self):
    suffix = self._get_param("GlobalReplicationGroupIdSuffix")
    primary_id = self._get_param("PrimaryReplicationGroupId")
    primary = _group(self.current_account, self.region, primary_id)
    global_id = GLOBAL_PREFIX + suffix
    with _LOCK:
        if (self.current_account, global_id) in _GLOBAL:
            raise GlobalAlreadyExists(f"Global replication group {global_id} already exists.")
        datastore = {
            "GlobalReplicationGroupId": global_id,
            "GlobalReplicationGroupDescription": self._get_param("GlobalReplicationGroupDescription") or "",
            "Status": "available",
            "CacheNodeType": primary.cache_node_type,
            "Engine": primary.engine,
            "EngineVersion": primary.engine_version or "7.1",
            "ClusterEnabled": primary.cluster_enabled,
            "ARN": f"arn:aws:elasticache::{self.current_account}:globalreplicationgroup:{global_id}",
            "Members": [_member(primary, self.region, "PRIMARY")],
        }
        _GLOBAL[(self.current_account, global_id)] = datastore
    primary.global_replication_group_id = global_id
    primary.global_replication_group_member_role = "PRIMARY"
    return ActionResult({"GlobalReplicationGroup": _view(datastore)})


def describe_global_replication_groups(self):
    global_id = self._get_param("GlobalReplicationGroupId")
    show = self._get_bool_param("ShowMemberInfo") or False
    if global_id:
        found = [_find(self.current_account, global_id)]
    else:
        with _LOCK:
            found = [d for (account, _id), d in _GLOBAL.items() if account == self.current_account]
    return PaginatedResult({"GlobalReplicationGroups": [_view(d, show) for d in found]})


def failover_global_replication_group(self):
    global_id = self._get_param("GlobalReplicationGroupId")
    region = self._get_param("PrimaryRegion")
    group_id = self._get_param("PrimaryReplicationGroupId")
    datastore = _find(self.current_account, global_id)
    with _LOCK:
        current = next(m for m in datastore["Members"] if m["Role"] == "PRIMARY")
        target = next(
            (
                m
                for m in datastore["Members"]
                if m["ReplicationGroupId"] == group_id and m["ReplicationGroupRegion"] == region
            ),
            None,
        )
        if target is None:
            raise GlobalInvalidState(f"Replication group {group_id} in {region} is not a member of {global_id}.")
        if STATE.is_down(current["ReplicationGroupRegion"]):
            raise GlobalInvalidState(
                f"The primary of {global_id} in {current['ReplicationGroupRegion']} is not reachable; "
                "disassociate the secondary instead."
            )
        if target is not current:
            current["Role"], target["Role"] = "SECONDARY", "PRIMARY"
            for member in (current, target):
                group = _group(self.current_account, member["ReplicationGroupRegion"], member["ReplicationGroupId"])
                group.global_replication_group_member_role = member["Role"]
    return ActionResult({"GlobalReplicationGroup": _view(datastore)})


def disassociate_global_replication_group(self):
    global_id = self._get_param("GlobalReplicationGroupId")
    group_id = self._get_param("ReplicationGroupId")
    region = self._get_param("ReplicationGroupRegion")
    datastore = _find(self.current_account, global_id)
    with _LOCK:
        member = next(
            (
                m
                for m in datastore["Members"]
                if m["ReplicationGroupId"] == group_id and m["ReplicationGroupRegion"] == region
            ),
            None,
        )
        if member is None or member["Role"] != "SECONDARY":
            raise GlobalInvalidState(
                f"Replication group {group_id} in {region} is not a secondary member of {global_id}."
            )
        datastore["Members"].remove(member)
    group = _group(self.current_account, region, group_id)
    group.global_replication_group_id = ""
    group.global_replication_group_member_role = ""
    return ActionResult({"GlobalReplicationGroup": _view(datastore)})


@on_reset
def _forget_global():
    with _LOCK:
        _GLOBAL.clear()


def install():
    STATE.register_latency(
        "redis_create",
        0.0,
        "seconds an ElastiCache replication group stays creating before it is available, and deleting before it is "
        "gone (AWS: 5-15 minutes)",
    )
    require(ReplicationGroup, "global_replication_group_info")
    for name, wrap in (("create_replication_group", _wrap_create), ("delete_replication_group", _wrap_delete)):
        require(ElastiCacheBackend, name)
        patch(ElastiCacheBackend, name, wrap(getattr(ElastiCacheBackend, name)))
    add(ElastiCacheResponse, "create_global_replication_group", create_global_replication_group)
    add(ElastiCacheResponse, "describe_global_replication_groups", describe_global_replication_groups)
    add(ElastiCacheResponse, "failover_global_replication_group", failover_global_replication_group)
    add(ElastiCacheResponse, "disassociate_global_replication_group", disassociate_global_replication_group)
