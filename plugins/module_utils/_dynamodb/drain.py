# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The drain check of a graceful failover: has every write of the primary replicated to the DR region?

Global tables have no "replica lag" to read (MREC replicates each item on its own, typically within a
second; ``ReplicationLatency`` is a per-minute CloudWatch average published one or two minutes late).
AWS's guidance for evacuating a live Region is: stop the writes, then wait long enough for them to
propagate - about ten times the recent maximum replication latency - because no metric says with
certainty that everything arrived, and each partition replicates in parallel with the others, so the
order of writes in the other Region is not the order they were made in.

So, once the writers are fenced, per table:

1. a marker item is written in the primary (a key built from the table's key schema and attribute
   types: ``pilotlight-drain-<uuid>`` for strings and binaries, a negative number derived from the uuid
   for numbers; the attribute ``pilotlight_drain`` says what it is), never over an existing item;
2. it is read in every DR replica with ``ConsistentRead`` until it is there (a strongly consistent read
   of the replica shows every write applied to it, so "not there yet" is never stale);
3. then, measured from the marker's write, the check waits ten times the largest time a marker took to
   arrive: the other partitions' writes, all made before the marker, replicate at that speed too;
4. the markers are deleted in both regions, whatever happened (stream consumers see a put and a delete).

All of it is bounded by ``drain_timeout``; tables whose marker did not arrive are named in the failure.
"""

import time
import uuid

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import AWS_ERRORS
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import WaitTimeout
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import aws_errors
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import replicas as gt

PREFIX = "pilotlight-drain-"
MARKER_ATTRIBUTE = "pilotlight_drain"
SETTLE_FACTOR = 10  # AWS: about ten times the recent maximum replication latency


# -- pure logic ------------------------------------------------------------------------------------
def new_token():
    return uuid.uuid4().hex


def marker_key(table, token):
    """The marker's key in ``table`` (a DescribeTable ``Table``): one value per key attribute, by type."""
    types = {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions") or []}
    text = f"{PREFIX}{token}"
    key = {}
    for element in table["KeySchema"]:
        name = element["AttributeName"]
        kind = types.get(name)
        if kind == "S":
            key[name] = {"S": text}
        elif kind == "N":
            key[name] = {"N": f"-{int(token, 16) % 10**30}"}
        elif kind == "B":
            key[name] = {"B": text.encode()}
        else:
            raise DRError(
                f"table {table['TableName']}: key attribute {name} has type {kind!r}, not S, N or B: cannot build "
                "the drain marker"
            )
    return key


def not_ready(table, regions):
    """Why the drain cannot be checked for ``table`` (a replica missing or not ACTIVE), or None."""
    statuses = gt.replica_statuses(table)
    missing = [
        f"{region} ({statuses.get(region, 'no replica')})" for region in regions if statuses.get(region) != "ACTIVE"
    ]
    if missing:
        return f"table {table['TableName']} has no ACTIVE replica in {', '.join(missing)}"
    return None


def check_ready(tables, regions):
    """DRError naming every table without an ACTIVE replica in one of ``regions`` (before any marker)."""
    problems = [problem for problem in (not_ready(table, regions) for table in tables.values()) if problem]
    if problems:
        raise DRError(
            "cannot check that DynamoDB replication drained: " + "; ".join(problems) + ". Re-arm the tables "
            "(dr_dynamodb main) or fail over with dr_mode=ungraceful"
        )


def settle_seconds(arrivals):
    """How long after the marker's write the drain waits: ten times the slowest marker's arrival."""
    return round(SETTLE_FACTOR * max(arrivals or [0.0]), 3)


# -- AWS calls ---------------------------------------------------------------------------------------
def put_marker(client, name, key, hash_name, token):
    item = dict(key)
    item[MARKER_ATTRIBUTE] = {
        "S": f"pilotlight.dr failover drain marker {token}: written after the writers were fenced, deleted at once"
    }
    with aws_errors(
        f"write the drain marker in table {name} in {client.meta.region_name}",
        "allow dynamodb:PutItem and dynamodb:DeleteItem on the table, or set the role's drain timeout to 0",
    ):
        client.put_item(
            TableName=name,
            Item=item,
            ConditionExpression="attribute_not_exists(#k)",  # never over an item of the application
            ExpressionAttributeNames={"#k": hash_name},
            aws_retry=True,
        )


@DRErrorHandler.reader("read the drain marker of table {1} in {3}")
def marker_present(client, name, key, region):
    return "Item" in client.get_item(TableName=name, Key=key, ConsistentRead=True, aws_retry=True)


def delete_marker(client, name, key):
    client.delete_item(TableName=name, Key=key, aws_retry=True)


# -- the check -----------------------------------------------------------------------------------------
def drain(primary, replica_clients, tables, deadline, warnings, token=None, clock=time.monotonic, sleep=time.sleep):
    """Write a marker per table in ``primary``'s region, wait for it in every region of ``replica_clients``.

    ``tables``: {name: DescribeTable ``Table``}; ``replica_clients``: {region: DynamoDB client}.
    Returns the drain record; raises DRError naming the tables that did not drain (the markers are
    deleted either way; one that cannot be is added to ``warnings``).
    """
    token = token or new_token()
    region = primary.meta.region_name
    regions = sorted(replica_clients)
    check_ready(tables, regions)
    keys = {name: marker_key(table, token) for name, table in tables.items()}
    record = {
        "drained": False,
        "marker": f"{PREFIX}{token}",
        "settle_factor": SETTLE_FACTOR,
        "settle_seconds": None,
        "tables": {name: {"drained": False, "arrived_after_seconds": {}} for name in tables},
    }
    written = {}
    try:
        for name, table in tables.items():
            hash_name = next(e["AttributeName"] for e in table["KeySchema"] if e["KeyType"] == "HASH")
            put_marker(primary, name, keys[name], hash_name, token)
            written[name] = clock()
        pending = {(name, other) for name in tables for other in regions}

        def arrived():
            for name, other in sorted(pending):
                if marker_present(replica_clients[other], name, keys[name], other):
                    record["tables"][name]["arrived_after_seconds"][other] = round(clock() - written[name], 3)
                    pending.discard((name, other))
            return not pending

        try:
            wait_until(arrived, deadline, "the drain markers to replicate", delay=0.2, max_delay=2.0, sleep=sleep)
        except WaitTimeout:
            late = sorted({name for name, _other in pending})
            raise DRError(
                f"DynamoDB replication from {region} did not drain within drain_timeout={int(deadline.timeout)}s: the "
                f"marker written after the writers were fenced did not reach {', '.join(regions)} for table(s) "
                f"{', '.join(late)}. Check the replicas and their ReplicationLatency, and that every writer is "
                "stopped, then re-run (raise the drain timeout), or fail over with dr_mode=ungraceful to accept the "
                "writes not replicated",
                drain=record,
            ) from None
        arrivals = [s for entry in record["tables"].values() for s in entry["arrived_after_seconds"].values()]
        record["settle_seconds"] = settle = settle_seconds(arrivals)
        settled_at = min(written.values()) + settle
        if settled_at - clock() > deadline.remaining:
            raise DRError(
                f"DynamoDB replication from {region} is too slow to call drained within "
                f"drain_timeout={int(deadline.timeout)}s: the markers took up to {max(arrivals)}s to arrive, and the "
                f"writes of other partitions need about {SETTLE_FACTOR} times that ({settle}s). Raise the drain "
                "timeout, or fail over with dr_mode=ungraceful",
                drain=record,
            )
        if settled_at > clock():
            sleep(settled_at - clock())
        for entry in record["tables"].values():
            entry["drained"] = True
        record["drained"] = True
        return record
    finally:
        for name in written:
            for client in [primary] + [replica_clients[other] for other in regions]:
                try:
                    delete_marker(client, name, keys[name])
                except AWS_ERRORS as exc:  # a marker left behind is reported, never a reason to stop
                    warnings.append(
                        f"the drain marker {PREFIX}{token} is left in table {name} in {client.meta.region_name} "
                        f"({exc}): delete it (attribute {MARKER_ATTRIBUTE})"
                    )
