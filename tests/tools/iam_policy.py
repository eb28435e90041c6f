"""The IAM policy each playbook needs, generated from the calls it makes: docs/iam/<name>.json.

    python -m tests.tools.iam_policy            run the scenario on a fresh emulator, write docs/iam/
    python -m tests.tools.iam_policy --check    the same, but fail if docs/iam/ would change
    python -m tests.tools.iam_policy --offline  rebuild the policies from docs/iam/calls.json only

The scenario, three stories on fresh emulators with 'Seoul production' of both applications of
inventories/local: provision (twice: create, then converge), readiness (both modes), the
non-disruptive drill, a graceful failover and failback; provision, an ungraceful failover with Seoul
down and failback once it is back; provision and a full drill. The
emulator's request log gives every (service, action) each playbook called, whoever called it (our
modules, amazon.aws modules, lookups). ``calls.json`` keeps those pairs; ``iam_actions`` maps them to
IAM action names (the S3 ones differ from the API names) and adds what AWS authorizes on the
caller without a request of its own (iam:PassRole, the DynamoDB replica permissions, ...).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs" / "iam"
CALLS_FILE = DOCS / "calls.json"
SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"

# botocore service name (the request log's) -> IAM service prefix, where they differ.
IAM_PREFIX = {"elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing"}

# S3 REST operations whose IAM action is not "s3:<operation>".
S3_ACTIONS = {
    "HeadBucket": ["s3:ListBucket"],
    "ListObjects": ["s3:ListBucket"],
    "ListObjectsV2": ["s3:ListBucket"],
    "ListObjectVersions": ["s3:ListBucketVersions"],
    "ListBuckets": ["s3:ListAllMyBuckets"],
    "HeadObject": ["s3:GetObject"],
    "CopyObject": ["s3:GetObject", "s3:PutObject"],
    "UploadPartCopy": ["s3:GetObject", "s3:PutObject"],
    "GetBucketInventoryConfiguration": ["s3:GetInventoryConfiguration"],
    "ListBucketInventoryConfigurations": ["s3:GetInventoryConfiguration"],
    "GetBucketReplication": ["s3:GetReplicationConfiguration"],
    "PutBucketReplication": ["s3:PutReplicationConfiguration"],
    "DeleteBucketReplication": ["s3:PutReplicationConfiguration"],
    "GetBucketEncryption": ["s3:GetEncryptionConfiguration"],
    "PutBucketEncryption": ["s3:PutEncryptionConfiguration"],
    "GetBucketLifecycleConfiguration": ["s3:GetLifecycleConfiguration"],
    "PutBucketLifecycleConfiguration": ["s3:PutLifecycleConfiguration"],
    "GetBucketMetricsConfiguration": ["s3:GetMetricsConfiguration"],
    "PutBucketMetricsConfiguration": ["s3:PutMetricsConfiguration"],
    "ListBucketMetricsConfigurations": ["s3:GetMetricsConfiguration"],
    "GetPublicAccessBlock": ["s3:GetBucketPublicAccessBlock"],
    "PutPublicAccessBlock": ["s3:PutBucketPublicAccessBlock"],
    "DeletePublicAccessBlock": ["s3:PutBucketPublicAccessBlock"],
    "GetBucketCors": ["s3:GetBucketCORS"],
    "PutBucketCors": ["s3:PutBucketCORS"],
    "GetBucketAccelerateConfiguration": ["s3:GetAccelerateConfiguration"],
    "GetObjectLockConfiguration": ["s3:GetBucketObjectLockConfiguration"],
    "GetBucketNotificationConfiguration": ["s3:GetBucketNotification"],
    "PutBucketNotificationConfiguration": ["s3:PutBucketNotification"],
    "DeleteBucketPolicy": ["s3:DeleteBucketPolicy"],
    "DeleteBucketTagging": ["s3:PutBucketTagging"],
    "DeleteObjects": ["s3:DeleteObject"],
    "CreateMultipartUpload": ["s3:PutObject"],
    "UploadPart": ["s3:PutObject"],
    "CompleteMultipartUpload": ["s3:PutObject"],
}

# Permissions AWS checks on the caller of an action beyond the action itself (no request of their
# own, so the log cannot show them). Sources: each action's "Dependent actions" in the Service
# Authorization Reference, and the services' guides (DynamoDB global tables, Auto Scaling launch
# templates, S3 replication, EC2 tag-on-create).
DEPENDENT_ACTIONS = {
    "dynamodb:UpdateTable": [
        # adding or removing a global table replica (version 2019.11.21)
        "dynamodb:CreateTableReplica",
        "dynamodb:DeleteTableReplica",
        "dynamodb:Scan",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "iam:CreateServiceLinkedRole",
    ],
    "autoscaling:CreateAutoScalingGroup": ["ec2:RunInstances", "ec2:CreateTags"],
    "autoscaling:UpdateAutoScalingGroup": ["ec2:RunInstances", "ec2:CreateTags"],
    "rds:CreateDBInstanceReadReplica": ["iam:CreateServiceLinkedRole"],
    "secretsmanager:ReplicateSecretToRegions": ["secretsmanager:CreateSecret"],
    "elasticloadbalancing:CreateLoadBalancer": ["iam:CreateServiceLinkedRole"],
    "elasticloadbalancing:CreateTargetGroup": ["elasticloadbalancing:AddTags"],
    "elasticloadbalancing:CreateListener": ["elasticloadbalancing:AddTags"],
    "acm:RequestCertificate": ["acm:AddTagsToCertificate"],
}

# Calls that hand a role to a service: iam:PassRole, only towards that service (iam:PassedToService).
PASSES_ROLE_TO = {
    "s3:PutBucketReplication": "s3.amazonaws.com",  # the replication role
    "autoscaling:CreateAutoScalingGroup": "ec2.amazonaws.com",  # the launch template's instance profile
    "autoscaling:UpdateAutoScalingGroup": "ec2.amazonaws.com",
    "ec2:CreateLaunchTemplate": "ec2.amazonaws.com",
    "ec2:CreateLaunchTemplateVersion": "ec2.amazonaws.com",
    "ec2:RunInstances": "ec2.amazonaws.com",
}

# ec2:Create* / CopyImage with TagSpecifications is authorized as ec2:CreateTags too.
EC2_TAG_ON_CREATE = ("Create", "CopyImage", "RunInstances", "AllocateAddress")

# Always allowed by AWS (no permission can deny it), so it is not part of a policy.
NOT_AUTHORIZED = {"sts:GetCallerIdentity"}

# Characters of a customer managed policy (whitespace aside); over it, a policy must be split.
MANAGED_POLICY_LIMIT = 6144

POLICIES = {
    "provision": "Build or converge the pilot light in the DR region (and the primary-side replication).",
    "readiness": "Read-only readiness checks (both regions, or the DR region alone with dr_mode=ungraceful).",
    "failover-graceful": "Graceful failover: fence the primary, promote and switch in the DR region.",
    "failover-ungraceful": "Ungraceful failover: the primary region is down; only the DR region is called.",
    "failback": "Fail back to the primary and re-arm the pilot light.",
    "drill": "Drills: non_disruptive (wake and verify DR compute) and full (failover then failback).",
}


def iam_actions(service, action):
    """The IAM actions that authorize one logged (botocore service, API action) call."""
    if service == "s3":
        actions = list(S3_ACTIONS.get(action, [f"s3:{action}"]))
    else:
        actions = [f"{IAM_PREFIX.get(service, service)}:{action}"]
    for name in list(actions):
        actions += DEPENDENT_ACTIONS.get(name, [])
    if service == "ec2" and action.startswith(EC2_TAG_ON_CREATE):
        actions.append("ec2:CreateTags")
    return [name for name in actions if name not in NOT_AUTHORIZED]


def policy_document(calls):
    """One policy document (actions sorted, Resource "*") for ["service:Action", ...] as logged."""
    actions = set()
    for call in calls:
        service, _sep, action = call.partition(":")
        actions.update(iam_actions(service, action))
    statements = [{"Sid": "PilotlightDr", "Effect": "Allow", "Action": sorted(actions), "Resource": "*"}]
    services = sorted({PASSES_ROLE_TO[call] for call in calls if call in PASSES_ROLE_TO})
    if services:
        statements.append(
            {
                "Sid": "PassRolesToTheirService",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": services}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def logged_calls(entries):
    """Sorted unique "service:Action" of request-log entries (control routes and unknown ones left out)."""
    return sorted({f"{e['service']}:{e['action']}" for e in entries if e.get("service") and e.get("action")})


# -- the scenario --------------------------------------------------------------------------------
def _ansible_env(endpoint, report_dir):
    from tests.emulator.launcher import emulator_env

    collections = REPO_ROOT / ".collections"
    env = dict(os.environ)
    env.update(emulator_env(endpoint))
    env.update(
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        PYTHONPATH=str(collections),
        PILOTLIGHT_REPORT_DIR=str(report_dir),
    )
    return env


class Production:
    """The applications of inventories/local in Seoul (small: the calls matter, not the volume)."""

    def __init__(self, client):
        from tests.demo.fileflow import FileFlowProduction
        from tests.demo.production import PORTFORGE_BUCKETS
        from tests.demo.production import PORTFORGE_CHAT_TABLES
        from tests.demo.production import TABLES
        from tests.demo.production import MegaTicketProduction
        from tests.demo.production import PortForgeProduction

        self.client = client
        self.tables, self.buckets, self.chat_tables = TABLES, PORTFORGE_BUCKETS, list(PORTFORGE_CHAT_TABLES)
        self.megaticket = MegaTicketProduction()
        self.megaticket.build(items_per_table=5)
        self.portforge = PortForgeProduction()
        self.portforge.build()
        self.fileflow = FileFlowProduction()
        self.fileflow.build()

    def write_data(self):
        """Writes that replicate, so readiness has replication latencies and metrics to judge."""
        for table in self.tables:
            self.megaticket.put_items(table, range(3), tag="policy")
        for bucket in self.buckets:
            self.portforge.put_objects(bucket, range(3), tag="policy")
        for table in self.chat_tables:
            self.portforge.put_messages(table, range(3), tag="policy")
        self.fileflow.put_objects(range(3), tag="policy")

    def write_then_down(self):
        """More writes in normal times (a failback re-creates replicas), then the regional outage."""
        self.write_data()
        self.client.settle()
        self.client.region_down(SEOUL)

    def seoul_up(self):
        self.client.region_up(SEOUL)


# Stories, each on a fresh emulator: [(policy, playbook, extra arguments, what happens in
# production before the run)]. Each failover starts from a freshly provisioned pilot light.
# dr_force: the calls are the same, and readiness may lack a replication datapoint (a not-checked
# gate would stop the run before the calls this scenario is for).
# PortForge's database writers are not ours to stop: a graceful failover needs them declared fenced.
FORCED = ["-e", "dr_force=true", "-e", "dr_writers_fenced_externally=true"]
SCENARIO = [
    [
        ("provision", "provision", [], None),
        ("provision", "provision", [], None),
        ("readiness", "readiness", [], "write_data"),
        ("readiness", "readiness", ["-e", "dr_mode=ungraceful"], None),
        ("drill", "drill", ["-e", "dr_force=true"], None),
        ("failover-graceful", "failover", ["-e", "dr_mode=graceful", *FORCED], "write_data"),
        ("failback", "failback", [], None),
    ],
    [
        ("provision", "provision", [], None),
        # dr_rds_force: FileFlow's MySQL replica is seconds old and reports -1 once its source is down, so it has
        # no lag on record for the promotion gate (the calls are the same).
        (
            "failover-ungraceful",
            "failover",
            ["-e", "dr_mode=ungraceful", "-e", "dr_force=true", "-e", "dr_rds_force=true"],
            "write_then_down",
        ),
        ("failback", "failback", [], "seoul_up"),
    ],
    [
        ("provision", "provision", [], None),
        ("drill", "drill", ["-e", "dr_drill_type=full", *FORCED], "write_data"),
    ],
]
LOGS = REPO_ROOT / ".cache" / "iam_policy"


def run_playbook(endpoint, playbook, args, report_dir, inventory="inventories/local", env=None, drop_token=False):
    """ansible-playbook against the emulator; ``env`` overrides (an IAM user's keys, with ``drop_token``)."""
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), f"playbooks/{playbook}.yml", "-i", inventory, *args]
    full_env = _ansible_env(endpoint, report_dir)
    full_env.update(env or {})
    if drop_token:
        full_env.pop("AWS_SESSION_TOKEN", None)
    return subprocess.run(cmd, cwd=REPO_ROOT, env=full_env, capture_output=True, text=True, timeout=1800, check=False)


def collect(verbose=True, keep_going=False):
    """Run the stories on fresh emulators; ({policy name: sorted "service:Action" calls}, failed runs).

    Each run's output is kept in .cache/iam_policy/.
    """
    calls = {name: set() for name in POLICIES}
    failed = []
    LOGS.mkdir(parents=True, exist_ok=True)
    for number, story in enumerate(SCENARIO, 1):
        failed += _tell(number, story, calls, verbose, keep_going)
    return {name: sorted(found) for name, found in calls.items()}, failed


def _tell(number, story, calls, verbose, keep_going):
    from tests.emulator.launcher import EmulatorProcess
    from tests.emulator.launcher import emulator_env

    failed = []
    with tempfile.TemporaryDirectory() as tmp, EmulatorProcess(log_path=Path(tmp) / "emulator.log") as emulator:
        os.environ.update(emulator_env(emulator.endpoint))
        client = emulator.client
        production = Production(client)
        for step, (name, playbook, args, before) in enumerate(story, 1):
            if before:
                getattr(production, before)()
            client.settle()
            since = client.last_seq()
            result = run_playbook(emulator.endpoint, playbook, args, Path(tmp) / "reports")
            run = f"{playbook} {' '.join(args)}".strip()
            log = LOGS / f"{number}.{step}-{playbook}.log"
            log.write_text(result.stdout + result.stderr)
            if result.returncode != 0:
                if not keep_going:
                    raise RuntimeError(f"{run} failed, no policy written: see {log}")
                failed.append(f"{run} (see {log.relative_to(REPO_ROOT)})")
            seen = logged_calls(client.requests(since))
            calls[name].update(seen)
            if verbose:
                status = "FAILED" if result.returncode else "ok"
                print(f"story {number}: {run}: {status}, {len(seen)} distinct calls", flush=True)
    return failed


def render(calls):
    """{file name: text} of docs/iam/ for the collected calls."""
    files = {"calls.json": json.dumps(calls, indent=2, sort_keys=True) + "\n"}
    for name in POLICIES:
        document = policy_document(calls[name])
        size = len(json.dumps(document, separators=(",", ":")))
        if size > MANAGED_POLICY_LIMIT:
            raise ValueError(f"{name}: {size} characters, over IAM's {MANAGED_POLICY_LIMIT} for a managed policy")
        files[f"{name}.json"] = json.dumps(document, indent=2) + "\n"
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tests.tools.iam_policy", description=__doc__.split("\n", maxsplit=1)[0]
    )
    parser.add_argument("--check", action="store_true", help="fail if docs/iam/ would change")
    parser.add_argument("--offline", action="store_true", help="rebuild from docs/iam/calls.json, no emulator")
    parser.add_argument(
        "--keep-going", action="store_true", help="write the policies even when a run fails (they may miss calls)"
    )
    args = parser.parse_args(argv)
    failed = []
    if args.offline:
        calls = json.loads(CALLS_FILE.read_text())
    else:
        calls, failed = collect(keep_going=args.keep_going)
    files = render(calls)
    stale = [name for name, text in files.items() if not (DOCS / name).exists() or (DOCS / name).read_text() != text]
    if args.check:
        if stale:
            print(
                f"docs/iam is out of date ({', '.join(stale)}): run python -m tests.tools.iam_policy", file=sys.stderr
            )
            return 1
        return 0
    DOCS.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (DOCS / name).write_text(text)
    print(f"wrote {len(files)} files to {DOCS.relative_to(REPO_ROOT)}: {', '.join(stale) or 'no change'}")
    if failed:
        print(f"incomplete: {'; '.join(failed)} failed, so the policies may miss the calls after the failure")
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT / ".collections"))
    sys.exit(main())
