"""`make demo`: the main job of pilotlight.dr, end to end, on the local AWS emulator.

The story: Seoul production (MegaTicket and PortForge, with data and users) -> provision the pilot
light in Tokyo -> readiness -> more writes -> Seoul goes down -> ungraceful failover -> the data
written before the outage is in Tokyo and nothing called Seoul -> the report -> Seoul comes back ->
failback -> MegaTicket's pilot light is armed again. Every Ansible step is a real
`ansible-playbook` run against the emulator. Exits 0 only if every step and check passed.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3

from tests.demo.production import PORTFORGE_BUCKETS
from tests.demo.production import SEOUL
from tests.demo.production import TOKYO
from tests.demo.production import MegaTicketProduction
from tests.demo.production import PortForgeProduction
from tests.demo.production import table_name
from tests.emulator.launcher import REPO_ROOT
from tests.emulator.launcher import EmulatorProcess
from tests.emulator.launcher import emulator_env

INVENTORY = "inventories/local"
# Emulated latencies (seconds): slow enough to show the waits overlap, short enough for a demo.
LATENCY = {"instance_boot": 3, "rds_promotion": 4, "ami_copy": 1, "replication": 0.3}


class Demo:
    def __init__(self, emulator):
        self.emulator = emulator
        self.client = emulator.client
        self.env = dict(os.environ, **emulator_env(emulator.endpoint))
        self.env.update(
            ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            ANSIBLE_NOCOLOR="1",
        )
        os.environ.update(emulator_env(emulator.endpoint))
        self.steps = []
        self.megaticket = self.portforge = None
        self.before_outage = {}

    # -- helpers ---------------------------------------------------------------------------
    def step(self, title, fn):
        print(f"\n== {title}", flush=True)
        started = time.monotonic()
        try:
            detail = fn()
            ok = True
        except Exception as exc:  # the demo reports every failure and stops
            detail, ok = f"{type(exc).__name__}: {exc}", False
        elapsed = time.monotonic() - started
        self.steps.append((title, elapsed, ok, detail))
        print(f"   {'ok' if ok else 'FAILED'} in {elapsed:.1f}s{': ' + str(detail) if detail else ''}", flush=True)
        return ok

    def playbook(self, playbook, *args):
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", INVENTORY, playbook, *args]
        print(f"   $ ansible-playbook -i {INVENTORY} {playbook} {' '.join(args)}".rstrip(), flush=True)
        result = subprocess.run(cmd, cwd=REPO_ROOT, env=self.env, capture_output=True, text=True, check=False)
        tail = [line for line in result.stdout.splitlines() if line.strip()]
        recap = (
            tail[tail.index(next(line for line in tail if line.startswith("PLAY RECAP"))) :]
            if any(line.startswith("PLAY RECAP") for line in tail)
            else tail[-15:]
        )
        print("\n".join("   | " + line for line in recap), flush=True)
        if result.returncode != 0:
            print("\n".join("   ! " + line for line in (result.stdout + result.stderr).splitlines()[-40:]), flush=True)
            raise RuntimeError(f"{playbook} exited {result.returncode}")
        self.last_recap = recap
        return f"{playbook} passed"

    def idempotent_provision(self):
        self.playbook("playbooks/provision.yml")
        changed = [line.split()[0] for line in self.last_recap if " changed=" in line and " changed=0 " not in line]
        if changed:
            raise AssertionError(f"provisioning again changed something for {', '.join(changed)}")
        return "changed=0 for every application"

    # -- the story -----------------------------------------------------------------------------
    def build_production(self):
        self.client.configure(latency=LATENCY)
        self.megaticket = MegaTicketProduction()
        self.megaticket.build(items_per_table=250)
        self.portforge = PortForgeProduction()
        self.portforge.build()
        return (
            f"MegaTicket: ALB {self.megaticket.ids['alb_dns_name']}, 2 Auto Scaling groups at 2, 4 tables x 250 "
            f"items; PortForge: RDS, {len(PORTFORGE_BUCKETS)} buckets, ECR images, secrets, 25 Cognito users"
        )

    def live_traffic(self):
        written = self.megaticket.live_traffic()
        uploaded = self.portforge.live_traffic()
        return (
            f"{sum(len(v) for v in written.values())} items in {len(written)} tables, "
            f"{sum(len(v) for v in uploaded.values())} objects in {len(uploaded)} buckets"
        )

    def write_more_data(self):
        reservations = self.megaticket.put_items("reservations", range(100), tag="before-outage")
        objects = self.portforge.put_objects("portforge-team", range(10), tag="before-outage")
        users = self.portforge.add_users(range(5), tag="late-signup")
        self.before_outage = {"reservations": reservations, "objects": objects, "users": users}
        # Let replication carry the writes (as it does in normal times, within the replication latency).
        tokyo = boto3.client("dynamodb", region_name=TOKYO)
        deadline = time.monotonic() + 30
        last = table_name("reservations")
        while time.monotonic() < deadline:
            if tokyo.get_item(TableName=last, Key={"id": {"S": reservations[-1]}}).get("Item"):
                break
            time.sleep(0.2)
        return "100 reservations (HOLDING and CONFIRMED), 10 team files, 5 new sign-ups in Seoul"

    def sync_users(self):
        return self.playbook("playbooks/provision.yml", "--limit", "portforge")

    def take_seoul_down(self):
        self.outage_seq = self.client.last_seq()
        self.client.region_down(SEOUL)
        return "every call signed for ap-northeast-2 now has its connection dropped"

    def check_data_in_tokyo(self):
        dynamodb = boto3.client("dynamodb", region_name=TOKYO)
        missing = [
            key
            for key in self.before_outage["reservations"]
            if not dynamodb.get_item(TableName=table_name("reservations"), Key={"id": {"S": key}}).get("Item")
        ]
        s3 = boto3.client("s3", region_name=TOKYO)
        listed = {
            o["Key"]
            for o in s3.list_objects_v2(Bucket="portforge-team-dr", Prefix="before-outage/").get("Contents", [])
        }
        missing_objects = [key for key in self.before_outage["objects"] if key not in listed]
        cognito = boto3.client("cognito-idp", region_name=TOKYO)
        pool = next(
            p["Id"]
            for p in cognito.list_user_pools(MaxResults=60)["UserPools"]
            if p["Name"] == "portforge-dr-user-pool"
        )
        dr_users = {u["Username"] for u in cognito.list_users(UserPoolId=pool)["Users"]}
        dr_emails = {
            a["Value"]
            for u in cognito.list_users(UserPoolId=pool)["Users"]
            for a in u["Attributes"]
            if a["Name"] == "email"
        }
        missing_users = [u for u in self.before_outage["users"] if u not in dr_users and u not in dr_emails]
        problems = []
        if missing:
            problems.append(f"{len(missing)} reservations missing in Tokyo")
        if missing_objects:
            problems.append(f"{len(missing_objects)} objects missing in portforge-team-dr")
        if missing_users:
            problems.append(f"{len(missing_users)} users missing in the DR pool")
        if problems:
            raise AssertionError("; ".join(problems))
        seoul_calls = self.client.calls(since=self.outage_seq, region=SEOUL)
        dropped = [c for c in seoul_calls if c.get("note", "").startswith("region down")]
        if dropped:
            raise AssertionError(
                f"the ungraceful failover called Seoul {len(dropped)} times: "
                f"{sorted({(c['service'], c['action']) for c in dropped})}"
            )
        return (
            f"all {len(self.before_outage['reservations'])} reservations, {len(self.before_outage['objects'])} "
            f"files and {len(self.before_outage['users'])} users written before the outage are in Tokyo; "
            "0 calls to Seoul during the failover"
        )

    def show_report(self):
        reports = sorted((REPO_ROOT / "reports").glob("failover-*.md"), key=lambda p: p.stat().st_mtime)
        if not reports:
            raise AssertionError("no failover report was written")
        print("\n".join("   > " + line for line in reports[-1].read_text().splitlines()), flush=True)
        data = json.loads(reports[-1].with_suffix(".json").read_text())
        rto = {app: d["rto_seconds"] for app, d in data["applications"].items()}
        if data["result"] != "ok" or any(value is None for value in rto.values()):
            raise AssertionError(f"the failover report says {data['result']}, RTO {rto}")
        return f"RTO per application (s): {rto}; {reports[-1].relative_to(REPO_ROOT)}"

    def bring_seoul_back(self):
        self.client.region_up(SEOUL)
        return "ap-northeast-2 answers again"

    def run(self):
        plan = [
            ("Build 'Seoul production' (MegaTicket + PortForge, with data and users)", self.build_production),
            ("Provision the pilot light in Tokyo", lambda: self.playbook("playbooks/provision.yml")),
            ("Re-run provisioning: nothing changes", self.idempotent_provision),
            ("Production keeps serving: live writes and uploads replicate to Tokyo", self.live_traffic),
            ("Readiness: is Tokyo ready to take over?", lambda: self.playbook("playbooks/readiness.yml")),
            ("Normal times: more writes and sign-ups in Seoul", self.write_more_data),
            ("The scheduled user sync carries the sign-ups to the DR pool", self.sync_users),
            ("Seoul goes down (emulated regional outage)", self.take_seoul_down),
            (
                "Ungraceful failover to Tokyo",
                lambda: self.playbook("playbooks/failover.yml", "-e", "dr_mode=ungraceful"),
            ),
            ("The data written before the outage is in Tokyo", self.check_data_in_tokyo),
            ("The failover report", self.show_report),
            ("Seoul comes back", self.bring_seoul_back),
            ("Fail back to Seoul", lambda: self.playbook("playbooks/failback.yml")),
            (
                "MegaTicket's pilot light is armed again",
                lambda: self.playbook("playbooks/readiness.yml", "--limit", "megaticket"),
            ),
        ]
        for title, fn in plan:
            if not self.step(title, fn):
                break
        print("\n== Summary")
        for title, elapsed, ok, _detail in self.steps:
            print(f"   {'ok  ' if ok else 'FAIL'} {elapsed:6.1f}s  {title}")
        passed = len(self.steps) == len(plan) and all(step[2] for step in self.steps)
        print(f"\n{'DEMO PASSED' if passed else 'DEMO FAILED'}")
        return 0 if passed else 1


def main():
    (REPO_ROOT / ".cache").mkdir(exist_ok=True)
    with EmulatorProcess(log_path=REPO_ROOT / ".cache" / "demo-emulator.log") as emulator:
        print(f"== local AWS emulator ready at {emulator.endpoint}", flush=True)
        return Demo(emulator).run()


if __name__ == "__main__":
    sys.exit(main())
