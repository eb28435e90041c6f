"""`make demo`: the main job of pilotlight.dr, end to end, on the local AWS emulator.

The story: Seoul production (MegaTicket, PortForge and FileFlow, with data and users) -> provision the pilot
light in Tokyo -> readiness -> more writes -> Seoul goes down -> ungraceful failover -> the data
written before the outage is in Tokyo and nothing called Seoul -> the application itself serves in
Tokyo (a sample MegaTicket API run with the environment dr_compute wrote into the DR launch template; the
failover polls its health URL) -> the failover's configuration leak check and a PortForge user's sign-in
on the DR pool -> FileFlow's tasks, Redis, database and uploads in Tokyo -> the report -> Seoul comes back
-> failback -> MegaTicket's pilot light is armed again.
Every Ansible step is a real `ansible-playbook` run against the emulator. Exits 0 only if every step and
check passed.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import boto3
import yaml

from tests.demo import portforge_eks
from tests.demo.fileflow import FILEFLOW_BUCKET
from tests.demo.fileflow import FILEFLOW_DESIRED_COUNT
from tests.demo.fileflow import FILEFLOW_DR_KEYS
from tests.demo.fileflow import FileFlowProduction
from tests.demo.megaticket_api import MegaTicketApi
from tests.demo.megaticket_api import dr_environment
from tests.demo.megaticket_api import parse_time
from tests.demo.megaticket_api import request_json
from tests.demo.portforge_eks import DR_CLUSTER as PORTFORGE_DR_CLUSTER
from tests.demo.portforge_eks import DR_NODEGROUP as PORTFORGE_DR_NODEGROUP
from tests.demo.portforge_eks import PRIMARY_SCALING as PORTFORGE_PRIMARY_SCALING
from tests.demo.production import PORTFORGE_BUCKETS
from tests.demo.production import PORTFORGE_CHAT_TABLES
from tests.demo.production import PORTFORGE_REPOSITORIES
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
LATENCY = {
    "instance_boot": 3,
    "task_start": 2,
    "redis_create": 3,
    "rds_promotion": 4,
    "ami_copy": 1,
    "replication": 0.3,
}
# What dr_compute names in Tokyo for MegaTicket (inventories/local), and the NLB of dr_loadbalancer.
MEGATICKET_TEMPLATES = {"app": "MegaTicket-DR-App-LT", "web": "MegaTicket-DR-Web-LT"}
MEGATICKET_NLB = "MegaTicket-DR-API-NLB"
# The failover's verify-phase task whose result the demo shows (run with -v: results are printed).
LEAK_CHECK_TASK = "Nothing the DR application reads points at the primary (configuration leak check)"
NEW_PASSWORD = "Tokyo!Passw0rd-2026"


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
        self.megaticket = self.portforge = self.fileflow = self.api = None
        self.before_outage = {}
        self.last_output = ""

    # -- helpers ---------------------------------------------------------------------------
    def step(self, title, fn, summarize=False):
        print(f"\n== {title}", flush=True)
        started = time.monotonic()
        try:
            detail = fn()
            ok = True
        except Exception as exc:  # the demo reports every failure and stops
            detail, ok = f"{type(exc).__name__}: {exc}", False
        elapsed = time.monotonic() - started
        self.steps.append((title, elapsed, ok, detail if summarize or not ok else None))
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
        self.last_output = result.stdout
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
        self.fileflow = FileFlowProduction()
        self.fileflow.build()
        return (
            f"MegaTicket: ALB {self.megaticket.ids['alb_dns_name']}, 2 Auto Scaling groups at 2, 4 tables x 250 "
            f"items; PortForge: RDS, {len(PORTFORGE_BUCKETS)} buckets, {len(PORTFORGE_REPOSITORIES)} ECR repositories, "
            f"{len(PORTFORGE_CHAT_TABLES)} chat tables, EKS, secrets, 25 Cognito users; "
            f"FileFlow: ECS service at {FILEFLOW_DESIRED_COUNT} tasks, Redis, RDS MySQL and S3 with KMS"
        )

    def live_traffic(self):
        written = self.megaticket.live_traffic()
        uploaded = self.portforge.live_traffic()
        uploaded.update(self.fileflow.live_traffic())
        return (
            f"{sum(len(v) for v in written.values())} items in {len(written)} tables, "
            f"{sum(len(v) for v in uploaded.values())} objects in {len(uploaded)} buckets"
        )

    def write_more_data(self):
        reservations = self.megaticket.put_items("reservations", range(100), tag="before-outage")
        objects = self.portforge.put_objects("portforge-team", range(10), tag="before-outage")
        users = self.portforge.add_users(range(5), tag="late-signup")
        uploads = self.fileflow.put_objects(range(10), tag="before-outage")
        messages = self.portforge.put_messages("team_chats_ddb", range(20), tag="before-outage")
        self.before_outage = {
            "reservations": reservations,
            "objects": objects,
            "users": users,
            "uploads": uploads,
            "messages": messages,
        }
        # Let replication carry the writes (as it does in normal times, within the replication latency).
        tokyo = boto3.client("dynamodb", region_name=TOKYO)
        deadline = time.monotonic() + 30
        last = table_name("reservations")
        while time.monotonic() < deadline:
            if tokyo.get_item(TableName=last, Key={"id": {"S": reservations[-1]}}).get("Item"):
                break
            time.sleep(0.2)
        return (
            "100 reservations (HOLDING and CONFIRMED), 10 team files, 20 chat messages, 5 new sign-ups, "
            "10 FileFlow uploads in Seoul"
        )

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

    def portforge_serves_in_tokyo(self):
        """PortForge's own signals in Tokyo: its EKS node group at the primary's size with every node InService and
        healthy, and the chat messages written in Seoul before the outage in Tokyo's replica of team_chats_ddb."""
        desired = portforge_eks.scaling(TOKYO, PORTFORGE_DR_CLUSTER, PORTFORGE_DR_NODEGROUP)[1]
        ready = portforge_eks.ready_nodes(TOKYO, PORTFORGE_DR_CLUSTER, PORTFORGE_DR_NODEGROUP)
        wanted = PORTFORGE_PRIMARY_SCALING["desiredSize"]
        dynamodb = boto3.client("dynamodb", region_name=TOKYO)
        missing = [
            key
            for key in self.before_outage["messages"]
            if not dynamodb.get_item(TableName="team_chats_ddb", Key=key, ConsistentRead=True).get("Item")
        ]
        problems = []
        if desired != wanted or ready != wanted:
            problems.append(f"DR node group at desired {desired} with {ready} ready")
        if missing:
            problems.append(f"{len(missing)} chat messages missing in Tokyo")
        if problems:
            raise AssertionError("; ".join(problems))
        return (
            f"EKS node group {PORTFORGE_DR_NODEGROUP} at {wanted} ready nodes (the primary's size); "
            f"all {len(self.before_outage['messages'])} chat messages written before the outage are in Tokyo"
        )

    def fileflow_serves_in_tokyo(self):
        """FileFlow's own signals in Tokyo: its service at the seed's count with healthy targets, Redis and its
        endpoint where the app reads it, the database promoted with DR's key, the uploads in the DR bucket."""
        ecs = boto3.client("ecs", region_name=TOKYO)
        service = ecs.describe_services(cluster="fileflow-dr-cluster", services=["fileflow-dr-service"])["services"][0]
        problems = []
        if (service["desiredCount"], service["runningCount"]) != (FILEFLOW_DESIRED_COUNT,) * 2:
            problems.append(f"ECS service at {service['runningCount']}/{service['desiredCount']} tasks")
        redis = boto3.client("elasticache", region_name=TOKYO).describe_replication_groups(
            ReplicationGroupId="fileflow-dr-redis"
        )["ReplicationGroups"][0]
        endpoint = redis["NodeGroups"][0]["PrimaryEndpoint"]
        published = boto3.client("ssm", region_name=TOKYO).get_parameter(Name="/fileflow/dr/redis/endpoint")
        if (
            redis["Status"] != "available"
            or published["Parameter"]["Value"] != f"{endpoint['Address']}:{endpoint['Port']}"
        ):
            problems.append(f"Redis {redis['Status']}, published endpoint {published['Parameter']['Value']}")
        database = boto3.client("rds", region_name=TOKYO).describe_db_instances(
            DBInstanceIdentifier="ryuqqq-shared-rds-replica"
        )["DBInstances"][0]
        if "ReadReplicaSourceDBInstanceIdentifier" in database or not database["StorageEncrypted"]:
            problems.append("the database is not a promoted, encrypted instance")
        elif database["KmsKeyId"] != self.fileflow.ids["kms_keys"][FILEFLOW_DR_KEYS["rds"]]:
            problems.append(f"the database is encrypted with {database['KmsKeyId']}, not DR's key")
        published = boto3.client("ssm", region_name=TOKYO).get_parameter(Name="/shared/rds/dr/endpoint")["Parameter"]
        if published["Value"] != f"{database['Endpoint']['Address']}:{database['Endpoint']['Port']}":
            problems.append(f"/shared/rds/dr/endpoint says {published['Value']}, not the promoted database")
        s3 = boto3.client("s3", region_name=TOKYO)
        listed = {
            o["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=f"{FILEFLOW_BUCKET}-dr", Prefix="before-outage/"
            )
            for o in page.get("Contents", [])
        }
        missing = [key for key in self.before_outage["uploads"] if key not in listed]
        if missing:
            problems.append(f"{len(missing)} uploads missing in {FILEFLOW_BUCKET}-dr")
        if problems:
            raise AssertionError("; ".join(problems))
        return (
            f"{FILEFLOW_DESIRED_COUNT} tasks running, Redis available at {endpoint['Address']} (published in SSM), "
            f"database promoted with DR's key and its endpoint in /shared/rds/dr/endpoint, "
            f"all {len(self.before_outage['uploads'])} uploads in Tokyo"
        )

    def start_megaticket_api(self):
        """The app tier as Tokyo's instances would run it: with the environment in the DR user data."""
        env = dr_environment(TOKYO, MEGATICKET_TEMPLATES["app"], MEGATICKET_TEMPLATES["web"])
        self.api = MegaTicketApi(env)
        self.api.start()
        status, health = request_json(self.api.health_url)
        if status != 200:
            raise AssertionError(f"{self.api.health_url} answered {status}: {health}")
        # INTERNAL_API_URL names Tokyo's internal NLB, and the app instances admit it (VPC CIDR on 3001).
        elbv2, ec2 = boto3.client("elbv2", region_name=TOKYO), boto3.client("ec2", region_name=TOKYO)
        nlb = elbv2.describe_load_balancers(Names=[MEGATICKET_NLB])["LoadBalancers"][0]
        if env.get("INTERNAL_API_URL") != f"http://{nlb['DNSName']}:3001":
            raise AssertionError(f"INTERNAL_API_URL is {env.get('INTERNAL_API_URL')!r}, not Tokyo's {nlb['DNSName']}")
        cidr = ec2.describe_vpcs(VpcIds=[nlb["VpcId"]])["Vpcs"][0]["CidrBlock"]
        template = ec2.describe_launch_template_versions(
            LaunchTemplateName=MEGATICKET_TEMPLATES["app"], Versions=["$Latest"]
        )["LaunchTemplateVersions"][0]["LaunchTemplateData"]
        groups = ec2.describe_security_groups(GroupIds=template["SecurityGroupIds"])["SecurityGroups"]
        if not any(
            rule.get("FromPort") == 3001 and any(r["CidrIp"] == cidr for r in rule.get("IpRanges", []))
            for group in groups
            for rule in group["IpPermissions"]
        ):
            raise AssertionError(f"the app instances do not admit 3001 from {cidr}: the NLB cannot reach them")
        return (
            f"{self.api.health_url} (AWS_REGION={self.api.settings.region}, {len(self.api.settings.tables)} tables, "
            f"DR_RECOVERY_MODE={str(self.api.settings.recovery_mode).lower()}); INTERNAL_API_URL -> {nlb['DNSName']}, "
            f"app instances admit 3001 from {cidr}"
        )

    def failover(self):
        return self.playbook(
            "playbooks/failover.yml",
            "-v",  # the verify phase's results (the leak check) are printed, and shown below
            "-e",
            "dr_mode=ungraceful",
            "-e",
            f"megaticket_dr_health_url={self.api.health_url}",
        )

    def api_serves_reservations(self):
        polled = self.api.health_requests
        if polled < 2:
            raise AssertionError("the failover's verify phase did not poll the API's health URL")
        wrong = []
        for key in self.before_outage["reservations"]:
            status, body = request_json(f"{self.api.url}/api/reservations/{quote(key)}")
            expected = "HOLDING" if int(key.rsplit("-", 1)[1]) % 7 == 0 else "CONFIRMED"
            if status != 200 or body.get("status") != expected:
                wrong.append(f"{key}: {status} {body.get('status') or body.get('error')}")
        if wrong:
            raise AssertionError(f"{len(wrong)} reservations not served as written: {wrong[:3]}")
        return (
            f"all {len(self.before_outage['reservations'])} reservations written in Seoul before the outage served "
            f"from {self.api.settings.tables['reservations']} in {self.api.settings.region}; the failover's verify "
            f"phase got 200 from its health URL (requests: {polled - 1})"
        )

    def holding_grace(self):
        """Seed 004: HOLDING in Seoul before the outage -> payable until the DR start + 30 minutes."""
        parameter = self.api.settings.recovery_parameter
        started = parse_time(boto3.client("ssm", region_name=TOKYO).get_parameter(Name=parameter)["Parameter"]["Value"])
        holding = [k for k in self.before_outage["reservations"] if int(k.rsplit("-", 1)[1]) % 7 == 0]

        def pay(key, minutes):
            now = (started + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
            return request_json(f"{self.api.url}/api/reservations/{quote(key)}/pay?now={now}", "POST")

        late_status, late = pay(holding[0], 35)
        if late_status != 410:
            raise AssertionError(f"{holding[0]} at DR start + 35 min: {late_status} {late}, expected 410 (expired)")
        status, paid = pay(holding[1], 25)
        if status != 200 or paid.get("status") != "CONFIRMED":
            raise AssertionError(f"{holding[1]} at DR start + 25 min: {status} {paid}, expected 200 CONFIRMED")
        stored = request_json(f"{self.api.url}/api/reservations/{quote(holding[1])}")[1]
        if stored.get("status") != "CONFIRMED":
            raise AssertionError(f"{holding[1]} was paid but reads {stored.get('status')}")
        return (
            f"DR start {paid['recovery_started_at']} (from {parameter}): {holding[1]} paid at +25 min (200 CONFIRMED), "
            f"{holding[0]} expired at +35 min (410, deadline {late['deadline']})"
        )

    def leak_check(self):
        """The failover's configuration leak check, as its verify phase printed it (-v)."""
        results = task_results(self.last_output, LEAK_CHECK_TASK)
        if "megaticket" not in results:
            raise AssertionError(f"the failover printed no leak check result for megaticket: {sorted(results)}")
        lines, failed = [], []
        for host, (state, data) in sorted(results.items()):
            checks = (data or {}).get("checks") or []
            by_status = {}
            for check in checks:
                by_status.setdefault(check.get("status", "?"), []).append(check)
            failed += [f"{host}: {check.get('check')} - {check.get('reason')}" for check in by_status.get("fail", [])]
            if state not in ("ok", "changed"):
                failed.append(f"{host}: the task was {state}")
            counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(by_status.items())) or "no checks"
            names = ", ".join(str(c.get("check", "?")).removeprefix("config ") for c in checks)
            lines.append(f"{host}: {counts} ({names})" if names else f"{host}: {counts}")
            for check in checks:
                print(f"   > {host}: {check.get('status', '?').upper()} {check.get('check')}", flush=True)
        if failed:
            raise AssertionError("; ".join(failed))
        return "nothing in Tokyo points at Seoul - " + "; ".join(lines)

    def sign_in_check(self):
        """A user synced to the DR pool regains access through the app's own forgot-password flow."""
        cognito = boto3.client("cognito-idp", region_name=TOKYO)
        pool = next(
            p["Id"]
            for p in cognito.list_user_pools(MaxResults=60)["UserPools"]
            if p["Name"] == "portforge-dr-user-pool"
        )
        client_id = next(
            c["ClientId"]
            for c in cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"]
            if c["ClientName"] == "portforge-client"
        )
        user = self.before_outage["users"][0]  # signed up in Seoul, carried over by the scheduled sync
        codes = []  # the code goes by email; the emulator also returns it in a header, as moto does
        cognito.meta.events.register(
            "after-call.cognito-identity-provider.ForgotPassword",
            lambda http_response, **_kwargs: codes.append(
                http_response.headers.get("x-moto-forgot-password-confirmation-code")
            ),
        )
        cognito.forgot_password(ClientId=client_id, Username=user)
        cognito.confirm_forgot_password(
            ClientId=client_id, Username=user, ConfirmationCode=codes[-1], Password=NEW_PASSWORD
        )
        tokens = cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": NEW_PASSWORD},
        )["AuthenticationResult"]
        if not (tokens.get("AccessToken") and tokens.get("IdToken")):
            raise AssertionError(f"{user} got no tokens from the DR pool")
        return f"{user} signed in on portforge-dr-user-pool (ForgotPassword -> ConfirmForgotPassword -> InitiateAuth)"

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
            (
                "Build 'Seoul production' (MegaTicket, PortForge and FileFlow, with data and users)",
                self.build_production,
            ),
            ("Provision the pilot light in Tokyo", lambda: self.playbook("playbooks/provision.yml")),
            ("Re-run provisioning: nothing changes", self.idempotent_provision),
            ("Start the sample MegaTicket API with the environment in Tokyo's user data", self.start_megaticket_api),
            ("Production keeps serving: live writes and uploads replicate to Tokyo", self.live_traffic),
            ("Readiness: is Tokyo ready to take over?", lambda: self.playbook("playbooks/readiness.yml")),
            ("Normal times: more writes and sign-ups in Seoul", self.write_more_data),
            ("The scheduled user sync carries the sign-ups to the DR pool", self.sync_users),
            ("Seoul goes down (emulated regional outage)", self.take_seoul_down),
            ("Ungraceful failover to Tokyo (polls the MegaTicket API's health URL)", self.failover),
            ("The data written before the outage is in Tokyo", self.check_data_in_tokyo),
            ("The failover's configuration leak check", self.leak_check, True),
            ("MegaTicket's API in Tokyo serves the reservations written in Seoul", self.api_serves_reservations),
            ("A seat HOLDING in Seoul: payable at DR start + 25 min, expired at + 35 min", self.holding_grace, True),
            ("Sign-in check: a synced PortForge user signs in on the DR pool", self.sign_in_check, True),
            ("PortForge runs in Tokyo: EKS nodes and chat messages", self.portforge_serves_in_tokyo, True),
            (
                "FileFlow serves from Tokyo: ECS tasks, Redis, promoted MySQL, uploads",
                self.fileflow_serves_in_tokyo,
                True,
            ),
            ("The failover report", self.show_report),
            ("Seoul comes back", self.bring_seoul_back),
            ("Fail back to Seoul", lambda: self.playbook("playbooks/failback.yml")),
            (
                "MegaTicket's pilot light is armed again",
                lambda: self.playbook("playbooks/readiness.yml", "--limit", "megaticket"),
            ),
        ]
        try:
            for title, fn, *summarize in plan:
                if not self.step(title, fn, *summarize):
                    break
        finally:
            if self.api:
                self.api.stop()
        print("\n== Summary")
        for title, elapsed, ok, detail in self.steps:
            print(f"   {'ok  ' if ok else 'FAIL'} {elapsed:6.1f}s  {title}")
            if detail:
                print(f"                -> {detail}")
        passed = len(self.steps) == len(plan) and all(step[2] for step in self.steps)
        print(f"\n{'DEMO PASSED' if passed else 'DEMO FAILED'}")
        return 0 if passed else 1


def task_results(output, task):
    """{host: (state, result)} of one task in an ``ansible-playbook -v`` output (YAML results)."""
    results, inside, host, block = {}, False, None, []

    def flush():
        if host:
            try:
                data = yaml.safe_load(textwrap.dedent("\n".join(block))) if block else None
            except yaml.YAMLError:
                data = None
            results[host] = (state, data if isinstance(data, dict) else None)

    state = None
    for line in output.splitlines():
        if line.startswith(("TASK [", "PLAY ", "RUNNING HANDLER [")):
            flush()
            host, block, inside = None, [], line.startswith("TASK [") and f"{task}]" in line
            continue
        match = re.match(r"^(ok|changed|failed|fatal|skipping): \[([^\]]+)\]", line) if inside else None
        if match:
            flush()
            state, host, block = match.group(1), match.group(2), []
        elif inside and host and line.startswith(" "):
            block.append(line)
    flush()
    return results


def main():
    (REPO_ROOT / ".cache").mkdir(exist_ok=True)
    with EmulatorProcess(log_path=REPO_ROOT / ".cache" / "demo-emulator.log") as emulator:
        print(f"== local AWS emulator ready at {emulator.endpoint}", flush=True)
        return Demo(emulator).run()


if __name__ == "__main__":
    sys.exit(main())
