"""Benchmark of cognito_dr_sync: a 10,000-user pool mirrored to the DR region, then synced again.

Prints, for a first sync (everything to create) and a second sync (nothing to do), the wall time,
users per second and the API calls the emulator logged (reads and writes). The second sync must make
no write call and take well under a tenth of the first: the module lists both pools, compares, and
writes only the differences. A third sync after a few changes shows that only those are written.

Writes are limited to 50 per second by default (``--max-rps``), Cognito's default quota for user
creation (updates and group changes have 25), so the first sync takes as long as it would on AWS;
reads are not limited. Run: ``.venv/bin/python tests/benchmarks/bench_cognito_dr_sync.py [--users N]``
(about four minutes for 10,000 users). It starts its own emulator. The pools sign users in by
username because moto looks up email sign-in users by scanning the whole pool (O(pool) per call),
which would measure moto, not the module.

``--examples`` times the module's EXAMPLES instead, run as written as one playbook on a pool of
``--users`` users (``--users 4`` for the figure the examples test used to assert).
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from tests.conftest import ansible_env  # noqa: E402
from tests.conftest import invoke_module  # noqa: E402  (also makes the collection importable)
from tests.emulator.launcher import EmulatorProcess  # noqa: E402
from tests.emulator.launcher import emulator_env  # noqa: E402

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
GROUPS = {"admins": 50, "premium": 500}  # group -> members (the first N users)
SCHEMA = [
    {"Name": "tenant", "AttributeDataType": "String", "Mutable": False},
    {"Name": "plan", "AttributeDataType": "String", "Mutable": True},
]


def build_source(client, emulator, users):
    import boto3

    idp = boto3.client("cognito-idp", region_name=SEOUL)
    pool = idp.create_user_pool(PoolName="portforge-user-pool", Schema=SCHEMA)["UserPool"]["Id"]
    for group in GROUPS:
        idp.create_group(UserPoolId=pool, GroupName=group, Description=f"{group} users")
    batch = []
    for number in range(users):
        batch.append(
            {
                "username": f"user{number:06d}",
                "attributes": {
                    "email": f"user{number}@example.com",
                    "email_verified": "true",
                    "name": f"User {number}",
                    "custom:tenant": f"t{number % 20}",
                    "custom:plan": "pro" if number % 7 == 0 else "free",
                },
                "groups": [group for group, size in GROUPS.items() if number < size],
                "enabled": number % 500 != 499,
            }
        )
        if len(batch) == 1000:
            emulator.post("/cognito/users", {"user_pool_id": pool, "users": batch})
            batch = []
    if batch:
        emulator.post("/cognito/users", {"user_pool_id": pool, "users": batch})
    idp_dr = boto3.client("cognito-idp", region_name=TOKYO)
    idp_dr.create_user_pool(PoolName="portforge-dr-user-pool", Schema=SCHEMA)
    return pool


def run_sync(emulator, label, users, max_rps, workers):
    since = emulator.last_seq()
    started = time.monotonic()
    result = invoke_module(
        "cognito_dr_sync",
        {
            "region": TOKYO,
            "source_region": SEOUL,
            "source_user_pool_name": "portforge-user-pool",
            "user_pool_name": "portforge-dr-user-pool",
            "max_rps": max_rps,
            "max_concurrency": workers,
        },
    )
    elapsed = time.monotonic() - started
    if result.get("failed"):
        raise SystemExit(f"{label} failed: {result.get('msg')}")
    calls = emulator.requests(since)
    # the one TagResource of every complete sync records its time on the DR pool: bookkeeping, not a user write
    writes = [call for call in calls if call["mutating"] and call["action"] != "TagResource"]
    by_action = collections.Counter(call["action"] for call in calls)
    counts = result["counts"]
    print(
        f"\n{label}: {elapsed:.1f} s wall, {users / elapsed:,.0f} users/s compared, "
        f"{counts['created'] / elapsed:,.0f} users/s created (load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs)"
    )
    print(f"  API calls: {len(calls)} ({len(calls) - len(writes)} reads, {len(writes)} writes)")
    print("  by action: " + ", ".join(f"{action} {count}" for action, count in sorted(by_action.items())))
    print("  counts: " + ", ".join(f"{name} {value}" for name, value in counts.items() if value))
    return elapsed, len(writes)


def run_examples(process, users):
    """Wall time of the EXAMPLES playbook (the DR pool, Google and the domain, syncs, the failover read)."""
    import boto3
    import yaml

    from ansible_collections.pilotlight.dr.plugins.modules import cognito_dr_sync

    source = build_source(None, process.client, users)
    idp = boto3.client("cognito-idp", region_name=SEOUL)
    idp.create_user_pool_client(UserPoolId=source, ClientName="portforge-client", GenerateSecret=True)
    idp.create_identity_provider(
        UserPoolId=source,
        ProviderName="Google",
        ProviderType="Google",
        ProviderDetails={"client_id": "1234.apps.googleusercontent.com", "authorize_scopes": "openid email"},
    )
    boto3.client("secretsmanager", region_name=TOKYO).create_secret(
        Name="portforge/google-oauth", SecretString=json.dumps({"client_secret": "bench"})
    )
    play = {
        "name": "EXAMPLES of cognito_dr_sync",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "module_defaults": {"group/pilotlight.dr.aws": {"region": TOKYO}},
        "tasks": yaml.safe_load(cognito_dr_sync.EXAMPLES),
    }
    with tempfile.TemporaryDirectory() as tmp:
        playbook = Path(tmp) / "examples.yml"
        playbook.write_text(yaml.safe_dump([play], sort_keys=False))
        started = time.monotonic()
        result = subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", str(playbook)],
            cwd=REPO_ROOT,
            env=ansible_env(process.endpoint),
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.monotonic() - started
    if result.returncode:
        raise SystemExit(f"the EXAMPLES failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    tasks = result.stdout.count("\nTASK [")
    print(f"EXAMPLES of cognito_dr_sync ({tasks} tasks, source pool of {users} users): {wall:.1f} s wall")
    print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument(
        "--max-rps",
        type=float,
        default=50.0,
        help="the module's write rate limit; 50/s is Cognito's default quota for user creation, "
        "so the first sync runs as fast as it can on AWS",
    )
    parser.add_argument("--max-concurrency", type=int, default=8)
    parser.add_argument("--examples", action="store_true", help="time the module's EXAMPLES playbook instead")
    options = parser.parse_args()

    with EmulatorProcess() as process:
        os.environ.update(emulator_env(process.endpoint))
        if options.examples:
            run_examples(process, options.users)
            return
        emulator = process.client
        started = time.monotonic()
        source = build_source(None, emulator, options.users)
        print(
            f"source pool {source}: {options.users} users, groups {GROUPS}, seeded in "
            f"{time.monotonic() - started:.1f} s"
        )
        print(f"module settings: max_rps {options.max_rps}, max_concurrency {options.max_concurrency}")

        first, first_writes = run_sync(
            emulator, "first sync (empty DR pool)", options.users, options.max_rps, options.max_concurrency
        )
        second, second_writes = run_sync(
            emulator, "second sync (nothing to do)", options.users, options.max_rps, options.max_concurrency
        )

        import boto3

        idp = boto3.client("cognito-idp", region_name=SEOUL)
        for number in range(0, 25):
            idp.admin_update_user_attributes(
                UserPoolId=source,
                Username=f"user{number * 37:06d}",
                UserAttributes=[{"Name": "custom:plan", "Value": "enterprise"}],
            )
        third, third_writes = run_sync(
            emulator, "third sync (25 users changed)", options.users, options.max_rps, options.max_concurrency
        )

    ratio = second / first
    print("\nsummary")
    print(f"  first sync  {first:6.1f} s  {first_writes:6d} writes")
    print(f"  second sync {second:6.1f} s  {second_writes:6d} writes  ({ratio:.1%} of the first)")
    print(f"  third sync  {third:6.1f} s  {third_writes:6d} writes")
    verdict = "OK" if second_writes == 0 and ratio < 0.10 else "NOT MET"
    print(f"  second sync makes no write and takes < 10% of the first: {verdict}")


if __name__ == "__main__":
    main()
