# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of the DynamoDB tables (dr_dynamodb): an ACTIVE DR replica and a short replication latency.

Per table, read in the primary region (or, with the primary not called, in the DR region only):

* ``replica <table>``: the table's replica in the DR region is ACTIVE (read in the DR region: the DR
  table itself is ACTIVE); a table not found fails;
* ``replication latency <table>`` (primary side): the newest ``ReplicationLatency`` datapoint is at
  most ``max_latency_ms``; no datapoint in ``latency_lookback`` minutes is not checked. Its evidence
  is the table's RPO evidence (``dr_dynamodb_rpo``): ``receiving_region``, ``latency_ms``,
  ``maximum_ms``, ``timestamp``, ``read_in``, ``table_status`` and, from the DR region, a ``note``;
* ``global table version <table>``: a version 2017.11.29 (Legacy) table fails with its upgrade.

Options (the role's inputs less the ``dr_dynamodb_`` prefix): ``tables``, ``max_latency_ms``,
``latency_lookback``.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import replicas
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import tables as tables_api
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.checks import Checks

COMPONENT = "dynamodb"
PROVISION = "run the dr_dynamodb main entry point (it adds the DR replica to every table and waits for it)"


def rpo_note(ctx):
    """Said with DR-side latency so that nobody reads the reverse direction as the data-loss window."""
    return (
        f"{ctx.primary_region} is unreachable, so its primary-to-DR latency cannot be read; this is the "
        f"DR-to-primary latency published in {ctx.region} (null while the primary is down)"
    )


def check_replica(checks, ctx, name, table, from_dr):
    status = table.get("TableStatus")
    if from_dr:
        replica = status
        reason = f"table {name} in {ctx.region} is {status} (read in the DR region only: the primary is not reachable)"
    else:
        replica = replicas.replica_statuses(table).get(ctx.region, "missing")
        reason = f"replica of {name} in {ctx.region} is {replica}"
    if replica == "ACTIVE":
        checks.passed(f"replica {name}", reason, {"status": replica})
        return
    if replica in replicas.PERMANENT:
        fix = replicas.PERMANENT[replica]
    elif replica in replicas.IN_PROGRESS:
        fix = "wait until it is ACTIVE (a first replica copies the whole table) and check again"
    else:
        fix = PROVISION
    checks.failed(f"replica {name}", reason, fix, {"status": replica})


def check_latency(checks, ctx, name, table, read_region, other_region, from_dr):
    opts = ctx.options
    lookback = int(opts.get("latency_lookback") or 15)
    limit = float(opts.get("max_latency_ms") or 10000)
    check = f"replication latency {name}"
    cloudwatch = ctx.client("cloudwatch") if from_dr else ctx.primary_client("cloudwatch")
    ok, latest = checks.read(
        check,
        f"the ReplicationLatency of {name} in {read_region}",
        tables_api.replication_latency,
        cloudwatch,
        name,
        other_region,
        lookback,
        now=ctx.now(),
        side="primary",
    )
    if not ok:
        return
    evidence = dict(
        latest or {"latency_ms": None, "maximum_ms": None, "timestamp": None},
        receiving_region=other_region,
        read_in=read_region,
        table_status=table.get("TableStatus"),
    )
    if from_dr:
        evidence["note"] = rpo_note(ctx)
    latency = evidence["latency_ms"]
    if latency is None:
        checks.not_checked(
            check,
            f"no write of {name} was replicated in the last {lookback} minutes (no "
            "ReplicationLatency datapoint): the replication delay is unknown",
            evidence,
            side="primary",
        )
        return
    reason = f"newest replication latency of {name} is {latency} ms (limit {opts.get('max_latency_ms', 10000)} ms)"
    checks.expect(
        check,
        float(latency) <= limit,
        reason,
        f"find why replication to {other_region} lags (write throughput, throttled replica writes in "
        f"{other_region}, a regional event) before relying on the replica",
        evidence,
        side="primary",
    )


def check_table(checks, ctx, name, client, read_region, other_region, from_dr):
    ok, table = checks.read(
        f"replica {name}", f"table {name} in {read_region}", tables_api.describe_table, client, name
    )
    if ok and table is not None:
        ok, legacy = checks.read(
            f"replica {name}",
            f"whether {name} is a legacy global table in {read_region}",
            tables_api.legacy_group,
            client,
            table,
        )
    if not ok:
        checks.not_checked(
            f"replication latency {name}", f"table {name} in {read_region} could not be read", side="primary"
        )
        return
    if table is None:
        checks.failed(
            f"replica {name}",
            f"table {name} not found in {read_region}",
            f"create the table in {ctx.primary_region} and {PROVISION}"
            if not from_dr
            else PROVISION + f" while {ctx.primary_region} is reachable",
        )
        return
    if legacy is not None or table.get("GlobalTableVersion") == replicas.LEGACY:
        report = replicas.legacy_report(name, read_region, legacy or replicas.replica_statuses(table))
        checks.failed(
            f"global table version {name}",
            report["upgrade"],
            replicas.LEGACY_UPGRADE.format(name=name),
            {"replication_group": report["replication_group"]},
        )
        return
    check_replica(checks, ctx, name, table, from_dr)
    check_latency(checks, ctx, name, table, read_region, other_region, from_dr)


def check(ctx):
    checks = Checks(COMPONENT)
    names = list(dict.fromkeys(ctx.options.get("tables") or []))
    if not names:
        return checks.results
    from_dr = not ctx.primary_reachable
    read_region = ctx.region if from_dr else ctx.primary_region
    other_region = ctx.primary_region if from_dr else ctx.region
    client = ctx.client("dynamodb", read_region) if from_dr else ctx.primary_client("dynamodb")
    for name in names:
        check_table(checks, ctx, name, client, read_region, other_region, from_dr)
    return checks.results
