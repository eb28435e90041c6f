"""DynamoDB global tables: replicas in other regions, item replication between them, and their metrics.

What moto 5.2 lacks and this module adds, over the same HTTP endpoint:

* version 2019.11.21: ``UpdateTable`` ``ReplicaUpdates`` Create/Delete makes or removes the replica
  table in the other region (same keys, indexes, billing, stream settings and items). The replica is
  ``CREATING`` for ``global_table_replica`` seconds, then ``ACTIVE``; meanwhile the table is
  ``UPDATING``. ``DescribeTable`` lists the other regions in ``Replicas`` and carries
  ``GlobalTableVersion``. AWS's validation: streams NEW_AND_OLD_IMAGES first, one replica action per
  request, nothing else in the same request, not the local region, not while a replica is being
  added, PROVISIONED tables need write auto scaling, streams cannot be disabled on a replica;
* item replication: every write (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
  TransactWriteItems, PartiQL) in one replica reaches the others ``replication`` seconds later, last
  writer wins, applied writes are not replicated again. A region that is down neither sends nor
  receives: its changes wait until it is up, as on AWS (that wait is the RPO);
* the ``ReplicationLatency`` metric (AWS/DynamoDB, TableName + ReceivingRegion) in the source region;
* version 2017.11.29 (legacy): enough of CreateGlobalTable / DescribeGlobalTable / ListGlobalTables /
  UpdateGlobalTable (moto answers 500) to build a legacy global table and detect it;
* ``TableId`` in every table description (community.aws.dynamodb_table reads it), and streams that
  can be re-enabled with another view type after being disabled.
"""

import copy
import itertools
import json
import threading
import time
import uuid

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import StreamShard
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodb.responses import DynamoResult

from ..core import CONTROL
from ..core import SCHEDULER
from ..core import STATE
from ..core import ExtensionError
from ..core import backend
from ..core import on_reset
from ..core import patch
from ..core import require

DESCRIPTION = (
    "DynamoDB global tables 2019.11.21 (+ legacy 2017.11.29): replicas, item replication "
    "(last writer wins, held while a region is down), ReplicationLatency, TableId"
)

CURRENT = "2019.11.21"
LEGACY = "2017.11.29"
NEW_AND_OLD = "NEW_AND_OLD_IMAGES"

_LOCK = threading.RLock()
_LOCAL = threading.local()  # .applying (a replicated write: do not replicate it again), .buffer (transaction)
_SEQ = itertools.count(1)
_GROUPS = {}  # (account, table name) -> Group
_LAST_WRITE = {}  # (account, region, table, key) -> (time, seq) of the write the item holds now
_HELD = []  # [(Change, target region)] waiting for a region to come back
_STATS = {"delivered": 0, "superseded": 0, "dropped": 0}

_original = {}


class Group:
    """The regions that hold one global table, and each replica's status."""

    def __init__(self, account, name, version):
        self.account = account
        self.name = name
        self.version = version
        self.members = {}  # region -> CREATING | ACTIVE | DELETING
        self.created = utcnow()

    def others(self, region):
        return [r for r in self.members if r != region]

    def to_dict(self):
        return {"table": self.name, "version": self.version, "replicas": dict(self.members)}


class Change:
    __slots__ = ("account", "table", "source", "key", "key_repr", "image", "stamp", "written")

    def __init__(self, account, table, source, key, image, stamp):
        self.account = account
        self.table = table
        self.source = source
        self.key = key  # {attr: DynamoType}
        self.key_repr = _key_repr(key)
        self.image = image  # {attr: DynamoType} or None for a delete
        self.stamp = stamp
        self.written = time.time()


def _error(code, message):
    return JsonRESTError(ERROR_TYPE_PREFIX + code, message)


def _key_repr(key):
    return json.dumps({name: value.to_json() for name, value in key.items()}, sort_keys=True, default=str)


def _group_of(table):
    group = _GROUPS.get((table.account_id, table.name))
    if group is not None and table.region_name in group.members:
        return group
    return None


def _table_id(table):
    if "_pilotlight_table_id" not in table.__dict__:
        table.__dict__["_pilotlight_table_id"] = str(uuid.uuid4())
    return table.__dict__["_pilotlight_table_id"]


# -- DescribeTable: TableId, Replicas, GlobalTableVersion, statuses --------------------------------
def describe(self, base_key="TableDescription"):
    result = _original["describe"](self, base_key)
    description = result[base_key]
    description["TableId"] = _table_id(self)
    with _LOCK:
        group = _group_of(self)
        if group is None:
            return result
        own = group.members.get(self.region_name)
        busy = any(status != "ACTIVE" for region, status in group.members.items() if region != self.region_name)
        if own in ("CREATING", "DELETING"):
            description["TableStatus"] = own
        elif busy:
            description["TableStatus"] = "UPDATING"
        if group.version == CURRENT and group.others(self.region_name):
            description["GlobalTableVersion"] = CURRENT
            description["Replicas"] = [_replica_description(group, region) for region in group.others(self.region_name)]
    return result


def _replica_description(group, region):
    entry = {"RegionName": region, "ReplicaStatus": group.members[region]}
    if group.members[region] == "CREATING":
        entry["ReplicaStatusPercentProgress"] = "0"
    table = backend("dynamodb", region, group.account).tables.get(group.name)
    if table is not None and table.global_indexes:
        entry["GlobalSecondaryIndexes"] = [{"IndexName": index.name} for index in table.global_indexes]
    return entry


# -- UpdateTable ----------------------------------------------------------------------------------
def update_table(self):
    body = self.body
    if body.get("ReplicaUpdates"):
        return _replica_updates(self, body)
    stream = body.get("StreamSpecification")
    if stream is not None and not stream.get("StreamEnabled", True):
        table = self.dynamodb_backend.get_table(body["TableName"])
        with _LOCK:
            group = _group_of(table)
            if group is not None and group.others(table.region_name):
                raise MockValidationException(
                    "One or more parameter values were invalid: "
                    "Disabling Stream is not allowed for a Global Table replica."
                )
    return _original["update_table"](self)


_REPLICA_ONLY_FIELDS = (
    "AttributeDefinitions",
    "GlobalSecondaryIndexUpdates",
    "ProvisionedThroughput",
    "BillingMode",
    "StreamSpecification",
    "SSESpecification",
    "DeletionProtectionEnabled",
    "TableClass",
    "WarmThroughput",
    "OnDemandThroughput",
)


def _replica_updates(handler, body):
    name = body["TableName"]
    region = handler.region
    table = handler.dynamodb_backend.get_table(name)
    updates = body["ReplicaUpdates"]
    if any(body.get(field) for field in _REPLICA_ONLY_FIELDS):
        raise MockValidationException(
            "One or more parameter values were invalid: Replica modification must be the only operation in the request"
        )
    if len(updates) > 1:
        raise MockValidationException(
            "Update table operation with more than one create or delete replica actions not allowed"
        )
    update = updates[0]
    action = next((key for key in ("Create", "Update", "Delete") if update.get(key)), None)
    if action is None:
        raise MockValidationException("There are no actions specified in the Replica Update Action of the request.")
    target = update[action]["RegionName"]
    if target == region:
        raise MockValidationException(
            "Cannot add, delete, or update the local region through ReplicaUpdates. "
            "Use CreateTable, DeleteTable, or UpdateTable as required."
        )
    with _LOCK:
        group = _GROUPS.get((table.account_id, name))
        if group is not None and region not in group.members:
            group = None
        if group is not None and group.version == LEGACY:
            raise MockValidationException(
                f"One or more parameter values were invalid: table {name} is a replica of a global table version "
                f"{LEGACY}; update it to version {CURRENT} before using ReplicaUpdates"
            )
        if group is not None:
            for member, status in group.members.items():
                if status != "ACTIVE":
                    raise MockValidationException(
                        "Create/Update/Delete of replica is not allowed while the replica is being added to table "
                        f"with name: \u2018{name}\u2019 in region: \u2018{member}\u2019."
                    )
        if action == "Create":
            _create_replica(table, group, target, update["Create"])
        elif action == "Delete":
            _delete_replica(table, group, target)
        elif group is None or target not in group.members:
            _not_a_replica(target)
    return DynamoResult(table.describe())


def _not_a_replica(region):
    raise MockValidationException(
        "Update global table operation failed because one or more replicas were not part of the global table. "
        f"Please retry the request without these replicas: [{region}]."
    )


def _has_write_autoscaling(table):
    targets = backend("applicationautoscaling", table.region_name, table.account_id).targets
    return f"table/{table.name}" in targets.get("dynamodb:table:WriteCapacityUnits", {})


def _create_replica(table, group, target, spec):
    stream = table.stream_specification or {}
    if not stream.get("StreamEnabled") or stream.get("StreamViewType") != NEW_AND_OLD:
        raise MockValidationException(
            f"One or more parameter values were invalid: Table {table.name} must have DynamoDB Streams enabled with "
            f"StreamViewType {NEW_AND_OLD} before a replica can be added"
        )
    if table.billing_mode == "PROVISIONED" and not _has_write_autoscaling(table):
        raise MockValidationException("Table write capacity should either be Pay-Per-Request or AutoScaled.")
    destination = backend("dynamodb", target, table.account_id)
    if (group is not None and target in group.members) or table.name in destination.tables:
        raise MockValidationException(
            f"Failed to create a the new replica of table with name: \u2018{table.name}\u2019 because one or more "
            "replicas already existed as tables."
        )
    if group is None:
        group = Group(table.account_id, table.name, CURRENT)
        group.members[table.region_name] = "ACTIVE"
        _GROUPS[(table.account_id, table.name)] = group
    replica = _copy_table(table, destination, spec)
    group.members[target] = "CREATING"
    _copy_items(table, replica)
    SCHEDULER.call_later(
        STATE.delay("global_table_replica"),
        _activate,
        group,
        target,
        name=f"dynamodb-replica-create {table.name} {target}",
    )


def _copy_table(table, destination, spec):
    provisioned = table.billing_mode == "PROVISIONED"
    override = (spec.get("ProvisionedThroughputOverride") or {}).get("ReadCapacityUnits")
    throughput = None
    if provisioned:
        throughput = {
            "ReadCapacityUnits": override or table.throughput["ReadCapacityUnits"],
            "WriteCapacityUnits": table.throughput["WriteCapacityUnits"],
        }
    gsi_overrides = {gsi["IndexName"]: gsi for gsi in spec.get("GlobalSecondaryIndexes") or []}
    gsis = []
    for index in table.global_indexes:
        definition = {
            "IndexName": index.name,
            "KeySchema": copy.deepcopy(index.schema),
            "Projection": copy.deepcopy(index.projection),
        }
        if provisioned:
            override_index = gsi_overrides.get(index.name, {}).get("ProvisionedThroughputOverride") or {}
            read = override_index.get("ReadCapacityUnits")
            definition["ProvisionedThroughput"] = {
                "ReadCapacityUnits": read or index.throughput["ReadCapacityUnits"],
                "WriteCapacityUnits": index.throughput["WriteCapacityUnits"],
            }
        gsis.append(definition)
    lsis = [
        {
            "IndexName": index.name,
            "KeySchema": copy.deepcopy(index.schema),
            "Projection": copy.deepcopy(index.projection),
        }
        for index in table.indexes
    ]
    sse = None
    if table.sse_specification and table.sse_specification.get("Enabled"):
        sse = {"Enabled": True, "SSEType": "KMS"}
        if spec.get("KMSMasterKeyId"):
            sse["KMSMasterKeyId"] = spec["KMSMasterKeyId"]
    replica = destination.create_table(
        table.name,
        schema=copy.deepcopy(table.schema),
        throughput=throughput,
        attr=copy.deepcopy(table.attr),
        global_indexes=gsis,
        indexes=lsis,
        streams={"StreamEnabled": True, "StreamViewType": NEW_AND_OLD},
        billing_mode=table.billing_mode,
        sse_specification=sse,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    replica.ttl = copy.deepcopy(table.ttl)
    return replica


def _copy_items(source, replica):
    """The backfill: everything the source holds now (later writes are replicated as they come)."""
    _LOCAL.applying = True
    try:
        for item in source.all_items():
            replica.put_item(_snapshot(item))
            _LAST_WRITE[(replica.account_id, replica.region_name, replica.name, _key_repr(_key_of(source, item)))] = (
                time.time(),
                next(_SEQ),
            )
    finally:
        _LOCAL.applying = False


def _activate(group, region):
    with _LOCK:
        if _GROUPS.get((group.account, group.name)) is not group or group.members.get(region) != "CREATING":
            return
        if STATE.is_down(region):
            _HELD.append(("activate", group, region))
            return
        group.members[region] = "ACTIVE"


def _delete_replica(table, group, target):
    if group is None or target not in group.members:
        _not_a_replica(target)
    replica = backend("dynamodb", target, table.account_id).tables.get(table.name)
    if replica is not None and replica.deletion_protection_enabled:
        raise MockValidationException(
            f"Cannot delete table {table.name} in region {target} because it has deletion protection enabled. "
            "Disable deletion protection first."
        )
    group.members[target] = "DELETING"
    SCHEDULER.call_later(
        STATE.delay("global_table_replica"),
        _remove_replica,
        group,
        target,
        name=f"dynamodb-replica-delete {table.name} {target}",
    )


def _remove_replica(group, region):
    with _LOCK:
        if _GROUPS.get((group.account, group.name)) is not group or group.members.get(region) != "DELETING":
            return
        if STATE.is_down(region):
            _HELD.append(("remove", group, region))
            return
        destination = backend("dynamodb", region, group.account)
        destination.tables.pop(group.name, None)
        _leave(group, region)


def _leave(group, region):
    group.members.pop(region, None)
    for key in [key for key in _LAST_WRITE if key[:3] == (group.account, region, group.name)]:
        del _LAST_WRITE[key]
    if len(group.members) <= 1 and group.version == CURRENT:
        _GROUPS.pop((group.account, group.name), None)


def delete_table(self, name):
    table = _original["delete_table"](self, name)
    with _LOCK:
        group = _group_of(table)
        if group is not None:
            _leave(group, self.region_name)
            if group.version == LEGACY and not group.members:
                _GROUPS.pop((group.account, group.name), None)
    return table


# -- streams: re-enable after disable, as AWS allows ------------------------------------------------
def update_table_streams(self, table, stream_specification):
    enabling = bool(stream_specification.get("StreamEnabled") or stream_specification.get("StreamViewType"))
    enabled = bool(table.stream_specification and table.stream_specification.get("StreamEnabled"))
    if enabling and enabled:
        raise MockValidationException(f"Table already has an enabled stream: TableName: {table.name}")
    if not enabling and not enabled:
        raise MockValidationException(f"Table has no stream to disable: TableName: {table.name}")
    label = table.latest_stream_label
    table.set_stream_specification(stream_specification)
    if not enabling:
        table.stream_shard = None
        table.latest_stream_label = label  # AWS keeps LatestStreamArn after a stream is disabled


# -- item replication --------------------------------------------------------------------------------
def _key_of(table, item):
    key = {table.hash_key_attr: copy.deepcopy(item.hash_key)}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = copy.deepcopy(item.range_key)
    return key


def _snapshot(item):
    return {name: copy.deepcopy(value) for name, value in item.attrs.items()}


def stream_add(self, old, new):
    _original["stream_add"](self, old, new)
    if getattr(_LOCAL, "applying", False):
        return
    table = self.table
    with _LOCK:
        group = _group_of(table)
        if group is None:
            return
        item = new if new is not None else old
        change = Change(
            table.account_id,
            table.name,
            table.region_name,
            _key_of(table, item),
            None if new is None else _snapshot(new),
            (time.time(), next(_SEQ)),
        )
        _LAST_WRITE[(table.account_id, table.region_name, table.name, change.key_repr)] = change.stamp
        targets = [
            region for region, status in group.members.items() if region != table.region_name and status != "DELETING"
        ]
    buffer = getattr(_LOCAL, "buffer", None)
    if buffer is not None:
        buffer.append((change, targets))
    else:
        _dispatch(change, targets)


def _dispatch(change, targets):
    for target in targets:
        SCHEDULER.call_later(
            STATE.delay("replication"),
            _deliver,
            change,
            target,
            name=f"dynamodb-replication {change.table} {change.source}->{target}",
        )


def transact_write_items(self, transact_items):
    """Replicate a transaction only when it commits (moto rolls back by restoring a copy of the table)."""
    outer = getattr(_LOCAL, "buffer", None)
    _LOCAL.buffer = []
    try:
        result = _original["transact_write_items"](self, transact_items)
        committed = _LOCAL.buffer
    finally:
        _LOCAL.buffer = outer
    for change, targets in committed:
        _dispatch(change, targets)
    return result


def _deliver(change, target):
    with _LOCK:
        if STATE.is_down(change.source) or STATE.is_down(target):
            _HELD.append(("change", change, target))
            return
        applied = _apply(change, target)
    if applied:
        _publish_latency(change, target)


def _apply(change, target):
    group = _GROUPS.get((change.account, change.table))
    if group is None or target not in group.members or change.source not in group.members:
        _STATS["dropped"] += 1
        return False
    replica = backend("dynamodb", target, change.account).tables.get(change.table)
    if replica is None:
        _STATS["dropped"] += 1
        return False
    slot = (change.account, target, change.table, change.key_repr)
    if _LAST_WRITE.get(slot, (0.0, 0)) > change.stamp:
        _STATS["superseded"] += 1  # a newer write is there already: last writer wins
        return True
    _LOCAL.applying = True
    try:
        if change.image is not None:
            replica.put_item(copy.deepcopy(change.image))
        else:
            hash_value = DynamoType(change.key[replica.hash_key_attr])
            range_value = DynamoType(change.key[replica.range_key_attr]) if replica.range_key_attr else None
            replica.delete_item(hash_value, range_value)
    finally:
        _LOCAL.applying = False
    _LAST_WRITE[slot] = change.stamp
    _STATS["delivered"] += 1
    return True


def _publish_latency(change, target):
    latency_ms = max(0.0, (time.time() - change.written) * 1000.0)
    backend("cloudwatch", change.source, change.account).put_metric_data(
        "AWS/DynamoDB",
        [
            {
                "MetricName": "ReplicationLatency",
                "Dimensions": [
                    {"Name": "TableName", "Value": change.table},
                    {"Name": "ReceivingRegion", "Value": target},
                ],
                "Value": round(latency_ms, 3),
                "Unit": "Milliseconds",
            }
        ],
    )


def set_region(region, up):
    """After a region comes back, what waited for it goes on (replication resumes, replicas finish)."""
    _original["set_region"](region, up)
    if not up:
        return
    with _LOCK:
        waiting, _HELD[:] = list(_HELD), []
    for entry in waiting:
        kind = entry[0]
        if kind == "change":
            SCHEDULER.call_later(STATE.delay("replication"), _deliver, entry[1], entry[2], name="dynamodb-replication")
        elif kind == "activate":
            SCHEDULER.call_later(0, _activate, entry[1], entry[2], name="dynamodb-replica-create")
        else:
            SCHEDULER.call_later(0, _remove_replica, entry[1], entry[2], name="dynamodb-replica-delete")


# -- version 2017.11.29 (legacy) ----------------------------------------------------------------------
def _legacy_group(account, name, region):
    group = _GROUPS.get((account, name))
    if group is None or group.version != LEGACY or region not in group.members:
        raise _error(
            "GlobalTableNotFoundException",
            f"Global table not found: Global table with name: \u2018{name}\u2019 does not exist.",
        )
    return group


def _legacy_description(group):
    return {
        "GlobalTableName": group.name,
        "GlobalTableArn": f"arn:aws:dynamodb::{group.account}:global-table/{group.name}",
        "CreationDateTime": group.created,
        "GlobalTableStatus": "ACTIVE",
        "ReplicationGroup": [
            {"RegionName": region, "ReplicaStatus": status} for region, status in group.members.items()
        ],
    }


def _legacy_member_table(account, name, region):
    table = backend("dynamodb", region, account).tables.get(name)
    if table is None:
        raise _error("TableNotFoundException", f"Table not found: {name} in region {region}")
    stream = table.stream_specification or {}
    if not stream.get("StreamEnabled") or stream.get("StreamViewType") != NEW_AND_OLD:
        raise MockValidationException(
            f"One or more parameter values were invalid: Table {name} in region {region} must have DynamoDB Streams "
            f"enabled with StreamViewType {NEW_AND_OLD}"
        )
    if len(table):
        raise MockValidationException(
            f"One or more parameter values were invalid: Table {name} in region {region} is not empty; "
            "a new replica of a global table must be empty"
        )
    return table


def create_global_table(self):
    name = self.body["GlobalTableName"]
    regions = [entry["RegionName"] for entry in self.body.get("ReplicationGroup") or []]
    account = self.current_account
    with _LOCK:
        if (account, name) in _GROUPS:
            raise _error("GlobalTableAlreadyExistsException", "Global table with this name already exists")
        for region in regions:
            _legacy_member_table(account, name, region)
        group = Group(account, name, LEGACY)
        for region in regions:
            group.members[region] = "ACTIVE"
        _GROUPS[(account, name)] = group
        return ActionResult({"GlobalTableDescription": _legacy_description(group)})


def describe_global_table(self):
    with _LOCK:
        group = _legacy_group(self.current_account, self.body["GlobalTableName"], self.region)
        return ActionResult({"GlobalTableDescription": _legacy_description(group)})


def list_global_tables(self):
    region = self.body.get("RegionName") or self.region
    start = self.body.get("ExclusiveStartGlobalTableName")
    limit = int(self.body.get("Limit") or 100)
    with _LOCK:
        names = sorted(
            group.name
            for (account, _name), group in _GROUPS.items()
            if account == self.current_account and group.version == LEGACY and region in group.members
        )
        groups = {name: _GROUPS[(self.current_account, name)] for name in names}
    if start:
        names = [name for name in names if name > start]
    page = names[:limit]
    response = {
        "GlobalTables": [
            {"GlobalTableName": name, "ReplicationGroup": [{"RegionName": r} for r in groups[name].members]}
            for name in page
        ]
    }
    if len(names) > limit:
        response["LastEvaluatedGlobalTableName"] = page[-1]
    return ActionResult(response)


def update_global_table(self):
    name = self.body["GlobalTableName"]
    account = self.current_account
    with _LOCK:
        group = _legacy_group(account, name, self.region)
        for update in self.body.get("ReplicaUpdates") or []:
            if update.get("Create"):
                region = update["Create"]["RegionName"]
                if region in group.members:
                    raise _error("ReplicaAlreadyExistsException", f"Replica already exists in region {region}")
                _legacy_member_table(account, name, region)
                group.members[region] = "ACTIVE"
            elif update.get("Delete"):
                region = update["Delete"]["RegionName"]
                if region not in group.members:
                    raise _error("ReplicaNotFoundException", f"Replica not found in region {region}")
                _leave(group, region)
        return ActionResult({"GlobalTableDescription": _legacy_description(group)})


# -- control API and lifecycle ---------------------------------------------------------------------------
@CONTROL.route(
    "GET", "/dynamodb/replication", "global tables, their replicas, and item changes waiting for a region that is down"
)
def replication_status(body, query):
    with _LOCK:
        held = {}
        for entry in _HELD:
            if entry[0] == "change":
                label = f"{entry[1].table} {entry[1].source}->{entry[2]}"
                held[label] = held.get(label, 0) + 1
        return {"global_tables": [group.to_dict() for group in _GROUPS.values()], "held": held, "stats": dict(_STATS)}


@on_reset
def _forget():
    with _LOCK:
        _GROUPS.clear()
        _LAST_WRITE.clear()
        _HELD.clear()
        for key in _STATS:
            _STATS[key] = 0


def _add(owner, name, fn):
    """Give moto a handler it lacks; refuse to start once moto has its own (then drop ours)."""
    if name in vars(owner):
        raise ExtensionError(f"moto now implements {owner.__name__}.{name}: remove the emulator's version")
    setattr(owner, name, fn)


def install():
    require(Table, "all_items", "set_stream_specification")
    STATE.register_latency(
        "global_table_replica",
        0.2,
        "time a DynamoDB global-table replica stays CREATING (or DELETING) before it is done",
    )
    _original["describe"] = patch(Table, "describe", describe)
    _original["stream_add"] = patch(StreamShard, "add", stream_add)
    _original["update_table"] = patch(DynamoHandler, "update_table", update_table)
    _original["delete_table"] = patch(DynamoDBBackend, "delete_table", delete_table)
    _original["update_table_streams"] = patch(DynamoDBBackend, "update_table_streams", update_table_streams)
    _original["transact_write_items"] = patch(DynamoDBBackend, "transact_write_items", transact_write_items)
    _original["set_region"] = patch(STATE, "set_region", set_region)
    _add(DynamoHandler, "create_global_table", create_global_table)
    _add(DynamoHandler, "describe_global_table", describe_global_table)
    _add(DynamoHandler, "list_global_tables", list_global_tables)
    _add(DynamoHandler, "update_global_table", update_global_table)
