"""RDS read replicas as AWS runs them across regions (issue 3, item 5).

moto 5.2 copies the source into a replica that is ``available`` at once, keeps the source's
Availability Zone, subnet group and tag list (shared objects), lets ``PromoteReadReplica`` succeed
on anything without detaching the replica, and publishes no ``ReplicaLag``. Here:

* ``CreateDBInstanceReadReplica`` validates as AWS does (automated backups on the source, a KMS key of
  the replica's region for an encrypted cross-region source, the key exists there, no duplicate
  identifier), builds the replica in its own region (AZ, default security group, subnet group, tags,
  KMS key of the request) and keeps it ``creating`` for ``STATE.delay("rds_replica_creation")``.
* ``PromoteReadReplica`` refuses a standalone instance (``InvalidDBInstanceState``, "DB Instance is
  not a read replica.") and an instance that is not ``available``; otherwise replication stops at
  once, the instance is ``modifying`` for ``STATE.delay("rds_promotion")``, then it is detached (the
  source no longer lists it, ``ReadReplicaSourceDBInstanceIdentifier`` and ``StatusInfos`` are gone)
  and ``available`` with backups on (``BackupRetentionPeriod``, default 1, as AWS).
* A promoted instance can be the source of a replica in the other direction (failback).
* ``ReplicaLag`` (AWS/RDS, DBInstanceIdentifier, Seconds) is published in the replica's region, one
  datapoint a minute from the moment the replica is available until replication stops; the current
  minute shows the current value. ``POST /_emulator/rds/<region>/<id>/lag {"seconds": 42}`` sets
  the lag a test wants.
* While the source's region is down the replica keeps serving; ``StatusInfos`` says replication is
  in ``error`` and the lag is what the engine reports: MySQL and MariaDB report -1 (replication not
  active, ``Seconds_Behind_Master`` NULL), PostgreSQL and the others a lag that grows with the
  outage. When the region comes back the lag returns to its set value.
* Each instance's write position, so a test can show which acknowledged writes survive a failover or a
  failback. ``POST /_emulator/rds/<region>/<id>/writes {"count": 3}`` acknowledges writes on a writable
  instance (a standalone, available one in a region that is up; a replica is read-only: 409). A new
  replica starts with everything its source holds; it applies each later write of its source at once
  while its lag is 0 and its source's region is up, else the write is pending until then. A promotion
  keeps what the replica has applied and drops what is pending (the writes a too-early promotion
  loses). ``GET /_emulator/rds/<region>/<id>/data`` shows the writes an instance holds and how many
  are pending. The position belongs to the instance, so it follows a rename (``NewDBInstanceIdentifier``,
  refused onto an identifier that exists, as AWS does).
"""

import copy
import threading
import time
from datetime import datetime
from datetime import timezone

from ..core import CONTROL
from ..core import SCHEDULER
from ..core import STATE
from ..core import ControlError
from ..core import ExtensionError
from ..core import on_reset
from ..core import patch
from ..core import require

DESCRIPTION = (
    "RDS: cross-region read replicas that take time to create, detach on promotion, refuse a double "
    "promotion, use the replica region's KMS key and publish ReplicaLag (frozen or -1 when the source region is down)"
)

METRIC_PERIOD = 60  # seconds between two ReplicaLag datapoints, as RDS publishes them
NOT_ACTIVE_ENGINES = ("mysql", "mariadb")  # report ReplicaLag -1 when replication is not running

_LOCK = threading.RLock()
_PROVIDER = []  # keeps the CloudWatch metric provider class alive (moto finds it through __subclasses__)
_REPLICAS = {}  # (account, region, identifier) -> _Replica
_OUTAGES = {}  # region -> [[start, end or None], ...]


class _Replica:
    """What the emulator remembers of one replica to compute its lag at any time."""

    def __init__(self, account, region, identifier, source_region, engine):
        self.account = account
        self.region = region
        self.identifier = identifier
        self.source_region = source_region
        self.engine = engine
        self.available_at = None
        self.ended_at = None
        self.events = [(time.time(), 0.0)]  # (since, lag seconds set by a test or 0)

    def set_lag(self, seconds, at=None):
        self.events.append((at or time.time(), float(seconds)))

    def base_lag(self, at):
        since, value = self.events[0]
        for event_time, event_value in self.events:
            if event_time <= at:
                since, value = event_time, event_value
        return since, value

    def lag_at(self, at):
        """ReplicaLag as RDS would report it at epoch time ``at``."""
        since, value = self.base_lag(at)
        outage_start = _outage_start(self.source_region, at)
        if outage_start is None:
            return value
        if self.engine.lower().startswith(NOT_ACTIVE_ENGINES):
            return -1.0
        return value + (at - max(outage_start, since))

    def datapoints(self, now):
        """(minute start, value) for every minute from availability to now (or to the end of replication)."""
        if self.available_at is None:
            return []
        end = min(now, self.ended_at) if self.ended_at is not None else now
        points = []
        minute = int(self.available_at) // METRIC_PERIOD * METRIC_PERIOD
        while minute <= end:
            # A past minute shows the value at its end; the current minute the value now.
            points.append((minute, self.lag_at(min(minute + METRIC_PERIOD - 0.001, end))))
            minute += METRIC_PERIOD
        return points

    def to_dict(self, now=None):
        now = now or time.time()
        return {
            "region": self.region,
            "identifier": self.identifier,
            "source_region": self.source_region,
            "engine": self.engine,
            "available": self.available_at is not None,
            "replicating": self.available_at is not None and self.ended_at is None,
            "replica_lag": self.lag_at(now) if self.available_at is not None and self.ended_at is None else None,
        }


# -- write positions -------------------------------------------------------------------------------
_WRITE_SEQ = [0]


def _data(database):
    """The write ids an instance holds, its pending source writes and its replicas (kept on the instance)."""
    if not hasattr(database, "_pl_writes"):
        database._pl_writes = []
        database._pl_pending = []
        database._pl_replicas = []
        database._pl_record = None
    return database


def _catch_up(replica):
    """Apply the pending writes of a replica that replicates with lag 0 from a source region that is up."""
    _data(replica)
    record = replica._pl_record
    if not replica._pl_pending or record is None or record.ended_at is not None:
        return
    if record.lag_at(time.time()) == 0 and not STATE.is_down(record.source_region):
        replica._pl_writes.extend(replica._pl_pending)
        replica._pl_pending = []
        for child in list(replica._pl_replicas):
            _propagate(child, list(replica._pl_writes))


def _propagate(replica, writes):
    _data(replica)
    known = set(replica._pl_writes) | set(replica._pl_pending)
    replica._pl_pending.extend(w for w in writes if w not in known)
    _catch_up(replica)


def _start_copy(source, replica, record):
    """A new replica holds what its source holds and follows it from there."""
    _data(source)
    _data(replica)
    replica._pl_writes = list(source._pl_writes)
    replica._pl_pending = []
    replica._pl_replicas = []
    replica._pl_record = record
    source._pl_replicas.append(replica)


def _stop_following(database):
    """Replication stops (promotion or deletion): pending writes are lost, the source forgets the replica."""
    _data(database)
    _catch_up(database)
    database._pl_pending = []
    for candidate in _ALL_INSTANCES():
        if database in getattr(candidate, "_pl_replicas", []):
            candidate._pl_replicas.remove(database)


def _ALL_INSTANCES():
    from moto.rds.models import rds_backends

    for regions in rds_backends.values():
        for region_backend in regions.values():
            yield from list(region_backend.databases.values())


def _find(region, identifier):
    from moto.rds.models import rds_backends

    for regions in rds_backends.values():
        if region in regions:
            database = regions[region].databases.get(identifier.lower())
            if database is not None:
                return database
    known = sorted(f"{d.region}/{d.db_instance_identifier}" for d in _ALL_INSTANCES())
    raise ControlError(404, f"no DB instance {identifier} in {region}; known: {', '.join(known) or 'none'}")


@CONTROL.route("POST", "/rds/<region>/<identifier>/writes", 'acknowledge writes on a writable instance: {"count": 3}')
def acknowledge_writes(body, query, region, identifier):
    count = body.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ControlError(400, f'"count" must be an integer >= 1, got {count!r}')
    with _LOCK:
        database = _data(_find(region, identifier))
        if STATE.is_down(region):
            raise ControlError(503, f"{region} is down: {identifier} acknowledges no write")
        if database.is_replica:
            raise ControlError(409, f"{region}/{identifier} is a read replica: it is read-only")
        if database.status != "available":
            raise ControlError(409, f"{region}/{identifier} is {database.status}, not available")
        ids = []
        for _dummy in range(count):
            _WRITE_SEQ[0] += 1
            ids.append(f"{region}/{database.db_instance_identifier}#{_WRITE_SEQ[0]}")
        database._pl_writes.extend(ids)
        for replica in list(database._pl_replicas):
            _propagate(replica, ids)
        return {"acknowledged": ids}


@CONTROL.route("GET", "/rds/<region>/<identifier>/data", "the writes an instance holds and those still pending")
def instance_data(body, query, region, identifier):
    with _LOCK:
        database = _data(_find(region, identifier))
        _catch_up(database)
        return {
            "region": region,
            "identifier": database.db_instance_identifier,
            "replica": bool(database.is_replica),
            "writes": list(database._pl_writes),
            "pending": len(database._pl_pending),
        }


def _renaming(original):
    def modify_db_instance(self, db_instance_identifier, db_kwargs):
        new_id = db_kwargs.get("new_db_instance_identifier")
        if new_id and new_id.lower() != db_instance_identifier.lower() and new_id.lower() in self.databases:
            raise _errors().DBInstanceAlreadyExists()
        return original(self, db_instance_identifier, db_kwargs)

    return modify_db_instance


def _outage_start(region, at):
    for start, end in _OUTAGES.get(region, []):
        if start <= at and (end is None or at < end):
            return start
    return None


def _record_outage(original):
    def set_region(region, up):
        with _LOCK:
            spans = _OUTAGES.setdefault(region, [])
            now = time.time()
            if up and spans and spans[-1][1] is None:
                spans[-1][1] = now
            elif not up and not (spans and spans[-1][1] is None):
                spans.append([now, None])
        return original(region, up)

    return set_region


def _utc(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


def _region_of(identifier, default):
    """The region in an RDS ARN (arn:aws:rds:REGION:ACCOUNT:db:ID), else ``default``."""
    if identifier and identifier.startswith("arn:"):
        return identifier.split(":")[3]
    return default


def _errors():
    from moto.rds import exceptions

    return exceptions


# -- CreateDBInstanceReadReplica ----------------------------------------------------------------
_HANDLED = {
    "db_instance_identifier",
    "source_db_instance_identifier",
    "source_region",
    "pre_signed_url",
    "kms_key_id",
    "tags",
    "db_subnet_group_name",
    "vpc_security_group_ids",
    "availability_zone",
    "db_instance_class",
    "multi_az",
    "backup_retention_period",
    "backend",
}


def create_db_instance_read_replica(self, db_kwargs):
    errors = _errors()
    params = dict(db_kwargs.items())
    replica_id = params["db_instance_identifier"]
    source_id = params["source_db_instance_identifier"]
    if replica_id.lower() in self.databases:
        raise errors.DBInstanceAlreadyExists()
    primary = self.find_db_from_id(source_id)
    cross_region = primary.region != self.region_name
    if not primary.backup_retention_period:
        raise errors.RDSClientError(
            "InvalidDBInstanceState",
            "Automated backups are not enabled for this database instance. To enable automated backups, use "
            "ModifyDBInstance to set the backup retention period to a non-zero value.",
        )
    if primary.status != "available":
        raise errors.InvalidDBInstanceStateError(primary.db_instance_identifier, "stop")
    kms_key_id = params.get("kms_key_id")
    if kms_key_id and not primary.storage_encrypted:
        raise errors.InvalidParameterCombination(
            "Cannot create an encrypted read replica from an unencrypted source DB instance."
        )
    if cross_region and primary.storage_encrypted and not kms_key_id:
        raise errors.InvalidParameterCombination(
            "Cannot create a cross region unencrypted read replica from encrypted source."
        )
    if kms_key_id:
        kms_key_id = self._validate_kms_key(kms_key_id)
    elif primary.storage_encrypted:
        kms_key_id = primary.kms_key_id
    subnet_group = params.get("db_subnet_group_name")
    if subnet_group:
        self.describe_db_subnet_groups(subnet_group)  # DBSubnetGroupNotFoundFault as AWS

    replica = copy.copy(primary)
    for key, value in list(vars(replica).items()):
        if isinstance(value, (list, dict, set)):  # never share mutable state with the source
            replica.__dict__[key] = copy.copy(value)
    replica.backend = self
    replica.db_instance_identifier = replica_id
    replica.source_db_instance_identifier = source_id
    replica.created = replica.instance_create_time = datetime.now(timezone.utc).replace(tzinfo=None)
    replica.tags = list(params.get("tags") or [])
    replica.availability_zone = params.get("availability_zone") or f"{self.region_name}a"
    replica.db_instance_class = params.get("db_instance_class") or primary.db_instance_class
    replica.multi_az = bool(params.get("multi_az"))
    replica.backup_retention_period = int(params.get("backup_retention_period") or 0)
    replica.storage_encrypted = primary.storage_encrypted
    replica.kms_key_id = kms_key_id
    if cross_region or params.get("vpc_security_group_ids"):
        replica.vpc_security_group_ids = list(params.get("vpc_security_group_ids") or []) or _default_sg(self)
    if subnet_group:
        replica.db_subnet_group_name = subnet_group
    elif cross_region:
        replica.__dict__.pop("db_subnet_group", None)
        replica._db_subnet_group_name = None
    replica.update(**{k: v for k, v in params.items() if k not in _HANDLED})
    replica.is_replica = True
    replica.replicas = []
    replica.status = "creating"
    _set_status_infos(replica)
    self.databases[replica.db_instance_identifier] = replica
    primary.add_replica(replica)

    record = _Replica(self.account_id, self.region_name, replica.db_instance_identifier, primary.region, replica.engine)
    with _LOCK:
        _REPLICAS[(self.account_id, self.region_name, replica.db_instance_identifier)] = record
        _start_copy(primary, replica, record)
    SCHEDULER.call_later(
        STATE.delay("rds_replica_creation"),
        _replica_ready,
        self,
        replica,
        record,
        name=f"rds replica {self.region_name}/{replica.db_instance_identifier}",
    )
    return replica


def _default_sg(rds_backend):
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[rds_backend.account_id][rds_backend.region_name]
    vpc = ec2.default_vpc
    return [ec2.get_default_security_group(vpc.id).id] if vpc is not None else []


def _replica_ready(rds_backend, replica, record):
    if rds_backend.databases.get(replica.db_instance_identifier) is not replica or replica.status != "creating":
        return
    with _LOCK:
        record.available_at = time.time()
    replica.status = "available"


# -- PromoteReadReplica --------------------------------------------------------------------------
def promote_read_replica(self, db_kwargs):
    errors = _errors()
    params = dict(db_kwargs.items())
    database = self.describe_db_instances(params["db_instance_identifier"])[0]
    if not database.is_replica:
        raise errors.RDSClientError("InvalidDBInstanceState", "DB Instance is not a read replica.")
    if database.status != "available":
        raise errors.InvalidDBInstanceStateError(database.db_instance_identifier, "stop")
    database.status = "modifying"
    with _LOCK:
        record = _REPLICAS.get((self.account_id, self.region_name, database.db_instance_identifier))
        _stop_following(database)  # what is applied is kept; what is pending is lost
        if record is not None:
            record.ended_at = time.time()  # replication stops when the promotion starts
    SCHEDULER.call_later(
        STATE.delay("rds_promotion"),
        _promotion_done,
        self,
        database,
        params,
        name=f"rds promotion {self.region_name}/{database.db_instance_identifier}",
    )
    return database


def _promotion_done(rds_backend, database, params):
    if rds_backend.databases.get(database.db_instance_identifier) is not database:
        return
    try:
        source = rds_backend.find_db_from_id(database.source_db_instance_identifier)
    except Exception:  # the source was deleted meanwhile: nothing lists the replica any more
        source = None
    if source is not None:
        source.remove_replica(database)
    database.is_replica = False
    database.source_db_instance_identifier = None
    _set_status_infos(database)
    database.backup_retention_period = int(params.get("backup_retention_period") or 1)
    if params.get("preferred_backup_window"):
        database.preferred_backup_window = params["preferred_backup_window"]
    database.status = "available"


# -- what DescribeDBInstances shows about replication ----------------------------------------------
def _status_infos(database):
    if not database.is_replica or database.status not in ("available", "modifying", "backing-up"):
        return None
    source_region = _region_of(database.source_db_instance_identifier, database.region)
    if STATE.is_down(source_region):
        return [
            {
                "StatusType": "read replication",
                "Normal": False,
                "Status": "error",
                "Message": f"Replication has stopped: the source DB instance in {source_region} is unreachable.",
            }
        ]
    return [{"StatusType": "read replication", "Normal": True, "Status": "replicating"}]


def _set_status_infos(database):
    infos = _status_infos(database)
    if infos is None:
        database.__dict__.pop("status_infos", None)  # absent, as for an instance that is not a replica
    else:
        database.status_infos = infos


def _describing(original):
    def describe_db_instances(self, db_instance_identifier=None, filters=None):
        found = original(self, db_instance_identifier, filters=filters)
        for database in found:
            _set_status_infos(database)
        return found

    return describe_db_instances


def remove_replica(self, replica):
    """moto lists a cross-region replica by ARN but removes it by identifier (ValueError): accept both."""
    for name in (replica.db_instance_arn, replica.db_instance_identifier):
        if name in self.replicas:
            self.replicas.remove(name)


def _delete_forgets(original):
    def delete_db_instance(self, db_instance_identifier, *args, **kwargs):
        deleted = original(self, db_instance_identifier, *args, **kwargs)
        with _LOCK:
            _stop_following(deleted)
            record = _REPLICAS.get((self.account_id, self.region_name, deleted.db_instance_identifier))
            if record is not None and record.ended_at is None:
                record.ended_at = time.time()
        return deleted

    return delete_db_instance


# -- ReplicaLag in CloudWatch ------------------------------------------------------------------------
def _make_metric_provider():
    from moto.cloudwatch.models import MetricDatum
    from moto.core.common_models import CloudWatchMetricProvider

    class ReplicaLagMetrics(CloudWatchMetricProvider):
        @staticmethod
        def get_cloudwatch_metrics(account_id, region):
            now = time.time()
            with _LOCK:
                records = [r for r in _REPLICAS.values() if r.account == account_id and r.region == region]
                points = [(r.identifier, minute, value) for r in records for minute, value in r.datapoints(now)]
            return [
                MetricDatum(
                    namespace="AWS/RDS",
                    name="ReplicaLag",
                    value=value,
                    dimensions=[{"Name": "DBInstanceIdentifier", "Value": identifier}],
                    timestamp=_utc(minute),
                    unit="Seconds",
                )
                for identifier, minute, value in points
            ]

    return ReplicaLagMetrics


@CONTROL.route("POST", "/rds/<region>/<identifier>/lag", 'set a read replica\'s ReplicaLag: {"seconds": 42}')
def set_lag(body, query, region, identifier):
    seconds = body.get("seconds")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
        raise ControlError(400, f'"seconds" must be a number >= 0, got {seconds!r}')
    with _LOCK:
        matches = [r for r in _REPLICAS.values() if r.region == region and r.identifier == identifier.lower()]
        if not matches:
            known = sorted(f"{r.region}/{r.identifier}" for r in _REPLICAS.values())
            raise ControlError(404, f"no read replica {identifier} in {region}; known: {', '.join(known) or 'none'}")
        record = matches[-1]
        if record.ended_at is not None:
            raise ControlError(409, f"{region}/{identifier} no longer replicates (promoted or deleted)")
        record.set_lag(seconds)
        for database in _ALL_INSTANCES():
            if getattr(database, "_pl_record", None) is record:
                _catch_up(database)
        return record.to_dict()


@CONTROL.route("GET", "/rds/replicas", "read replicas the emulator tracks, with their current ReplicaLag")
def list_replicas(body, query):
    now = time.time()
    with _LOCK:
        return {"replicas": [record.to_dict(now) for record in _REPLICAS.values()]}


@on_reset
def _forget():
    with _LOCK:
        _REPLICAS.clear()
        _OUTAGES.clear()
        _WRITE_SEQ[0] = 0


def install():
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.core.common_models import CloudWatchMetricProvider
    from moto.rds.models import DBInstance
    from moto.rds.models import RDSBackend

    require(CloudWatchBackend, "aws_metric_data", "get_metric_statistics", "get_metric_data")
    require(CloudWatchMetricProvider, "get_cloudwatch_metrics")
    require(RDSBackend, "find_db_from_id", "_validate_kms_key", "describe_db_subnet_groups", "modify_db_instance")
    require(DBInstance, "add_replica", "update", "read_replica_source_db_instance_identifier")
    for name in (
        "InvalidParameterCombination",
        "InvalidDBInstanceStateError",
        "DBInstanceAlreadyExists",
        "RDSClientError",
    ):
        if not hasattr(_errors(), name):
            raise ExtensionError(f"moto changed: moto.rds.exceptions has no {name}")
    STATE.register_latency("rds_replica_creation", 0.3, "seconds a new RDS read replica stays 'creating'")
    STATE.register_latency("rds_promotion", 0.3, "seconds an RDS replica stays 'modifying' when promoted")
    patch(RDSBackend, "create_db_instance_read_replica", create_db_instance_read_replica)
    patch(RDSBackend, "promote_read_replica", promote_read_replica)
    patch(RDSBackend, "describe_db_instances", _describing(RDSBackend.describe_db_instances))
    patch(RDSBackend, "delete_db_instance", _delete_forgets(RDSBackend.delete_db_instance))
    patch(RDSBackend, "modify_db_instance", _renaming(RDSBackend.modify_db_instance))
    patch(DBInstance, "remove_replica", remove_replica)
    patch(STATE, "set_region", _record_outage(STATE.set_region))
    _PROVIDER.append(_make_metric_provider())
