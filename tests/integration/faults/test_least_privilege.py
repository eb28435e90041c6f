"""The operator's IAM policies (docs/iam/) are enough, and each permission in them is needed.

Both applications of inventories/local are provisioned by an administrator. Then, with IAM
enforcement on (moto authorizes every request against the caller's policies), an IAM user with
exactly docs/iam/readiness.json runs readiness, and one with exactly failover-ungraceful.json fails
over while Seoul is down. Without one permission, the failover fails with a message that names it.
Every call the runs make must be in docs/iam/calls.json, so a module that starts making a new call
fails here until the policies are regenerated (python -m tests.tools.iam_policy).
"""

import json

import boto3
import pytest

from tests.integration.playbooks.stack import EmulatorSession
from tests.tools import iam_policy

pytestmark = pytest.mark.xdist_group("least-privilege")

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
REMOVED = "rds:PromoteReadReplica"
REGENERATE = "calls outside docs/iam/ (denied, or not in calls.json): run python -m tests.tools.iam_policy"


def committed(name):
    return json.loads((iam_policy.DOCS / f"{name}.json").read_text())


# FileFlow's MySQL replica is minutes old and reports ReplicaLag -1 once Seoul is down: the gates may have no lag
# on record; forcing them makes the same calls.
UNGRACEFUL = ["-e", "dr_mode=ungraceful", "-e", "dr_force=true", "-e", "dr_rds_force=true"]


class Stack(EmulatorSession):
    """The lifecycle only: playbooks run through iam_policy.run_playbook, which can swap in an IAM user's keys."""

    def __init__(self, tmp_path):
        super().__init__(tmp_path)
        self.production = iam_policy.Production(self.client)

    def run(self, playbook, *args, credentials=None):
        return iam_policy.run_playbook(
            self.emulator.endpoint,
            playbook,
            list(args),
            self.tmp_path / "reports",
            env=credentials,
            drop_token=bool(credentials),
        )

    def operator(self, name, policy):
        """An IAM user whose only permissions are ``policy`` (a managed policy attached to it); its keys."""
        iam = boto3.client("iam", region_name=TOKYO)
        iam.create_user(UserName=name)
        arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}

    def run_as(self, credentials, playbook, *args):
        """Run with IAM enforcement on; (result, request-log entries of the run)."""
        since = self.client.last_seq()
        self.client.post("/iam/enforcement", {"enabled": True})
        try:
            result = self.run(playbook, *args, credentials=credentials)
        finally:
            self.client.post("/iam/enforcement", {"enabled": False})
        return result, self.client.requests(since)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with Stack(tmp_path_factory.mktemp("least-privilege")) as stack:
        provision = stack.run("provision")
        assert provision.returncode == 0, provision.stdout[-4000:]
        stack.production.write_data()
        stack.client.settle()
        yield stack


def denied(log):
    return sorted({(e["service"], e["action"]) for e in log if e["status"] == 403})


def not_in_policy_files(log, name):
    known = set(json.loads(iam_policy.CALLS_FILE.read_text())[name])
    return sorted(set(iam_policy.logged_calls(log)) - known)


def test_the_committed_policies_are_generated_from_the_committed_calls():
    calls = json.loads(iam_policy.CALLS_FILE.read_text())
    for name, text in iam_policy.render(calls).items():
        assert (iam_policy.DOCS / name).read_text() == text, (
            f"docs/iam/{name} is stale: run python -m tests.tools.iam_policy --offline"
        )


def test_calls_map_to_the_names_iam_authorizes():
    document = iam_policy.policy_document(
        [
            "s3:HeadBucket",
            "s3:PutBucketReplication",
            "elbv2:DescribeLoadBalancers",
            "cloudwatch:GetMetricStatistics",
            "sts:GetCallerIdentity",
        ]
    )
    allowed, pass_role = document["Statement"]
    assert allowed["Action"] == [
        "cloudwatch:GetMetricStatistics",
        "elasticloadbalancing:DescribeLoadBalancers",
        "s3:ListBucket",
        "s3:PutReplicationConfiguration",
    ]
    assert pass_role["Action"] == "iam:PassRole"
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": ["s3.amazonaws.com"]}}


def test_readiness_passes_with_exactly_its_policy(stack):
    credentials = stack.operator("readiness-operator", committed("readiness"))
    result, log = stack.run_as(credentials, "readiness")
    assert denied(log) == [], REGENERATE
    assert not_in_policy_files(log, "readiness") == [], REGENERATE
    assert result.returncode == 0, result.stdout[-6000:]
    assert "megaticket is ready" in result.stdout and "portforge is ready" in result.stdout


def test_failover_without_one_permission_fails_and_names_it(stack):
    policy = committed("failover-ungraceful")
    statement = policy["Statement"][0]
    assert REMOVED in statement["Action"]
    statement["Action"] = [action for action in statement["Action"] if action != REMOVED]
    credentials = stack.operator("failover-operator-short", policy)
    stack.client.region_down(SEOUL)
    result, log = stack.run_as(credentials, "failover", *UNGRACEFUL)
    assert result.returncode != 0
    assert denied(log) == [("rds", "PromoteReadReplica")]
    output = result.stdout + result.stderr
    assert REMOVED in output, output[-6000:]
    assert "AccessDenied" in output or "not authorized" in output


def test_ungraceful_failover_passes_with_exactly_its_policy(stack):
    credentials = stack.operator("failover-operator", committed("failover-ungraceful"))
    stack.client.region_down(SEOUL)
    result, log = stack.run_as(credentials, "failover", *UNGRACEFUL)
    assert denied(log) == [], REGENERATE
    assert not_in_policy_files(log, "failover-ungraceful") == [], REGENERATE
    assert result.returncode == 0, result.stdout[-6000:]
    assert [e for e in log if e["region"] == SEOUL] == []
    replica = boto3.client("rds", region_name=TOKYO).describe_db_instances(
        DBInstanceIdentifier="portforge-dr-rds-replica"
    )["DBInstances"][0]
    assert "ReadReplicaSourceDBInstanceIdentifier" not in replica
