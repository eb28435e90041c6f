# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""global_table_enable's steps: read every table, check the plans, then apply them.

Tables are worked on side by side (``run_concurrently``); the replica changes of one table run one
at a time, each waited for (``Runner``), because DynamoDB takes one replica change at a time.
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import raise_failures
from ansible_collections.pilotlight.dr.plugins.module_utils._core.concurrency import run_concurrently
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
from ansible_collections.pilotlight.dr.plugins.module_utils._core.waiting import wait_until
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import replicas as gt
from ansible_collections.pilotlight.dr.plugins.module_utils._dynamodb import tables as tables_api


def unique(values):
    return list(dict.fromkeys(value for value in values if value))


def _table(name):
    return f"table {name}"


def inspect(client, names, max_workers):
    """{name: (table, legacy group)} for every table; fails naming all missing tables."""

    def look(name):
        table = tables_api.describe_table(client, name)
        return table, (tables_api.legacy_group(client, table) if table else None)

    outcomes = run_concurrently(look, names, max_workers)
    raise_failures(outcomes, "cannot read the tables", label=_table)
    missing = [outcome.item for outcome in outcomes if outcome.value[0] is None]
    if missing:
        raise DRError(
            f"DynamoDB table(s) {', '.join(missing)} not found in {client.meta.region_name}: create them first, "
            "or fix tables/region"
        )
    return {outcome.item: outcome.value for outcome in outcomes}


def check_plans(autoscaling_client, plans, tables):
    """DRError listing every problem of the plans (read before any change), or None.

    ``autoscaling_client()`` gives the Application Auto Scaling client, made only for PROVISIONED tables.
    """
    problems = [problem for plan in plans.values() for problem in plan.problems]
    provisioned = [
        name
        for name, plan in plans.items()
        if plan.add
        and (tables[name].get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED") == "PROVISIONED"
    ]
    if provisioned:
        autoscaling = autoscaling_client()
        for name in provisioned:
            if not tables_api.has_write_autoscaling(autoscaling, name):
                problems.append(
                    f"table {name} is PROVISIONED without write auto scaling, which replicas need: register it "
                    "with Application Auto Scaling (dynamodb:table:WriteCapacityUnits) or switch it to "
                    "PAY_PER_REQUEST, then run again"
                )
    if problems:
        raise DRError("; ".join(problems))


class Runner:
    """Applies the plans: stream and first replica change of every table, then the waits."""

    def __init__(self, client, params, deadline):
        self.client = client
        self.params = params
        self.deadline = deadline
        self.regions = unique(params["replica_regions"])
        self.actions = {}
        self.requested = {}  # table name -> the last change sent, ("stream" | "create" | "delete", region)

    def _wait_idle(self, name, what):
        """Wait until the table shows the last requested change done and nothing in progress."""
        removing = set(self.regions) if self.params["state"] == "absent" else set()
        region = self.client.meta.region_name

        def check():
            table = tables_api.describe_table(self.client, name)
            if table is None:
                raise DRError(f"table {name} disappeared while {what}")
            problems = gt.permanent_problems(table, region, ignore=removing)
            if problems:
                raise DRError(f"while {what}: " + "; ".join(problems))
            # with state=absent a replica that failed to create is being removed, not waited for
            failed = (
                []
                if removing
                else [r for r, status in gt.replica_statuses(table).items() if status == gt.CREATION_FAILED]
            )
            if failed:
                raise DRError(
                    f"the replica of table {name} in {', '.join(failed)} failed to create; check the "
                    "KMS key and quotas of that region, remove it with state=absent and run again"
                )
            return table if gt.change_done(table, self.requested.get(name)) else None

        table = wait_until(check, self.deadline, f"table {name} and its replicas to be ACTIVE ({what})", delay=1.0)
        self.requested.pop(name, None)
        return table

    def _next_change(self, table):
        replicas = gt.replica_statuses(table)
        if self.params["state"] == "present":
            todo = [region for region in self.regions if region not in replicas]
        else:
            todo = [region for region in self.regions if region in replicas and replicas[region] != "DELETING"]
        return todo[0] if todo else None

    def _change(self, name, region):
        if self.params["state"] == "present":
            tables_api.create_replica(self.client, name, region, self.params["replica_kms_keys"].get(region))
            self.requested[name] = ("create", region)
            self.actions[name].append(f"create_replica {region}")
        else:
            tables_api.delete_replica(self.client, name, region)
            self.requested[name] = ("delete", region)
            self.actions[name].append(f"delete_replica {region}")

    def start(self, name, plan, table):
        """Enable the stream if needed and start the first replica change (unless one is in progress)."""
        self.actions.setdefault(name, [])
        if plan.enable_stream:
            tables_api.enable_stream(self.client, name)
            self.requested[name] = ("stream", None)
            self.actions[name].append("enable_stream")
            table = self._wait_idle(name, "enabling its stream")
        if gt.is_busy(table):
            return table  # a change from an earlier run is in progress: the wait step goes on from there
        region = self._next_change(table)
        if region:
            self._change(name, region)
        return tables_api.describe_table(self.client, name)

    def finish(self, name):
        """Wait, then make the remaining changes one at a time."""
        self.actions.setdefault(name, [])
        while True:
            table = self._wait_idle(name, "replica changes")
            region = self._next_change(table)
            if region is None:
                return table
            self._change(name, region)


def apply(client, params, plans, tables, deadline):
    runner = Runner(client, params, deadline)
    workers = params["max_concurrency"]
    started = [name for name, plan in plans.items() if plan.changes]
    outcomes = run_concurrently(lambda name: runner.start(name, plans[name], tables[name]), started, workers)
    raise_failures(outcomes, "cannot change the tables", label=_table)
    after = dict(tables)
    after.update({outcome.item: outcome.value for outcome in outcomes})
    if params["wait"]:
        waiting = [name for name in plans if plans[name].changes or gt.is_busy(after[name])]
        outcomes = run_concurrently(runner.finish, waiting, workers)
        raise_failures(outcomes, "the replica changes did not complete", label=_table)
        after.update({outcome.item: outcome.value for outcome in outcomes})
    return after, runner.actions


def latencies(cloudwatch, tables, params):
    """{table: [{receiving_region, latency_ms, maximum_ms, timestamp}]} for every replica of every table."""

    def read(name):
        return [
            dict(
                receiving_region=region,
                **(
                    tables_api.replication_latency(cloudwatch, name, region, params["latency_lookback"])
                    or {"latency_ms": None, "maximum_ms": None, "timestamp": None}
                ),
            )
            for region in sorted(gt.replica_statuses(tables[name]))
        ]

    outcomes = run_concurrently(read, list(tables), params["max_concurrency"])
    raise_failures(outcomes, "cannot read the ReplicationLatency metric", label=_table)
    return {outcome.item: outcome.value for outcome in outcomes}
