"""Benchmark: waits that overlap. The wall-time figures the pass/fail tests used to assert (issue 10).

1. global_table_enable: 4 tables, an emulated replica creation of 5 s each. One after the other would
   take at least 20 s; overlapping waits take about one creation plus the module's own time.
2. asg_pilot_light: 2 DR groups of 2 instances, an emulated boot of 1 s. The module's ``timings.wait``
   is about one boot when the groups are waited on together, two boots one after the other.

Run: ``.venv/bin/python tests/benchmarks/bench_concurrent_waits.py`` (starts its own emulator, about
15 s). Timings are printed, never asserted; the tests prove the order of the calls instead.
"""

import os
import sys
import time
from pathlib import Path

# Run as a script from anywhere: the repository root is where `tests` is importable from.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import boto3  # noqa: E402

from tests.conftest import invoke_module  # noqa: E402
from tests.emulator.launcher import EmulatorProcess  # noqa: E402
from tests.emulator.launcher import emulator_env  # noqa: E402
from tests.integration.modules.test_asg_pilot_light import make_groups  # noqa: E402

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
TABLES = [f"bench-table-{number}" for number in range(4)]
REPLICA_LATENCY = 5.0
GROUPS = ["bench-dr-web", "bench-dr-app"]
BOOT_LATENCY = 1.0


def timed(name, args):
    started = time.monotonic()
    result = invoke_module(name, args)
    wall = time.monotonic() - started
    if result.get("failed"):
        raise SystemExit(f"{name} failed: {result.get('msg')}")
    return wall, result


def global_tables(client):
    dynamodb = boto3.client("dynamodb", region_name=SEOUL)
    for name in TABLES:
        dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
    client.configure(latency={"global_table_replica": REPLICA_LATENCY})
    wall, _result = timed("global_table_enable", {"region": SEOUL, "tables": TABLES, "replica_regions": [TOKYO]})
    print(f"global_table_enable: {len(TABLES)} tables, emulated replica creation {REPLICA_LATENCY:.0f} s each")
    print(f"  wall {wall:.2f} s (one after the other: >= {len(TABLES) * REPLICA_LATENCY:.0f} s)")


def auto_scaling_groups(client):
    make_groups(TOKYO, GROUPS, desired=0)
    groups = [{"name": name, "desired_capacity": 2} for name in GROUPS]
    timed("asg_pilot_light", {"region": TOKYO, "state": "standby", "groups": groups})
    client.configure(latency={"instance_boot": BOOT_LATENCY})
    wall, result = timed(
        "asg_pilot_light", {"region": TOKYO, "state": "active", "groups": [{"name": n} for n in GROUPS]}
    )
    print(f"asg_pilot_light: {len(GROUPS)} groups of 2 instances, emulated boot {BOOT_LATENCY:.0f} s")
    print(
        f"  wall {wall:.2f} s, module wait {result['timings']['wait']:.2f} s "
        f"(one after the other: >= {len(GROUPS) * BOOT_LATENCY:.0f} s)"
    )
    print("  healthy after: " + ", ".join(f"{g['name']} {g['timings']['healthy']:.2f} s" for g in result["groups"]))


def main():
    with EmulatorProcess() as emulator:
        os.environ.update(emulator_env(emulator.endpoint))
        global_tables(emulator.client)
        emulator.client.reset()
        auto_scaling_groups(emulator.client)
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
