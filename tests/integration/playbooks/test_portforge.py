"""PortForge (seeds 001/002) through the runbook on the local inventory: the parts its runbook did by hand.

One emulator and one Seoul production for the module: provision, readiness, then an ungraceful failover
with Seoul down and a failback. Asserted through the API and the emulator's request log: the chat tables
are global tables with a Tokyo replica, all seven repositories are replicated, api.portforge.org answers
Seoul's ALB then Tokyo's, CloudFront may read the DR bucket (origin access control + bucket policy), and
the EKS pilot light: Tokyo's node group stays at the standby floor with the primary's size recorded, wakes
to that size with ready nodes on failover (with the ConfigMap of seed 002 section 5.7 rendered for the DR
pool, client, region and promoted database) and returns to standby on failback.
"""

import json
import time

import boto3
import pytest
import yaml

from tests.demo import portforge_eks
from tests.demo.portforge_eks import nodegroup
from tests.demo.portforge_eks import ready_nodes
from tests.demo.portforge_eks import scaling
from tests.demo.production import PORTFORGE_API
from tests.demo.production import PORTFORGE_CHAT_TABLES
from tests.demo.production import PORTFORGE_REPOSITORIES
from tests.demo.production import PortForgeProduction
from tests.integration.playbooks.stack import EmulatedStack

pytestmark = pytest.mark.xdist_group("portforge-runbooks")

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
INVENTORY = ["-i", "inventories/local", "-l", "portforge"]
OAC = "portforge-front-dr-oac"
DR_NODES = (TOKYO, portforge_eks.DR_CLUSTER, portforge_eks.DR_NODEGROUP)
PRIMARY_NODES = (SEOUL, portforge_eks.PRIMARY_CLUSTER, portforge_eks.PRIMARY_NODEGROUP)
SEED_SIZE = (2, 3, 6)  # min/desired/max of the primary node group (tests/demo/portforge_eks.py)
STANDBY = (1, 1, 6)  # dr_eks_standby_size 1 in inventories/local


class PortForgeStack(EmulatedStack):
    tail = 8000

    def __init__(self, tmp_path):
        super().__init__(tmp_path, INVENTORY)
        self.production = PortForgeProduction()
        self.ids = self.production.build()

    def answer(self):
        """What Route 53's name servers answer for the API host (its data plane, no Route 53 API call)."""
        return self.client.get(f"/route53/answer?name={PORTFORGE_API}&type=A")["record_data"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = PortForgeStack(tmp_path_factory.mktemp("portforge"))
    stack.must("provision")
    yield stack
    stack.close()


def _alb_dns(region, name):
    balancer = boto3.client("elbv2", region_name=region).describe_load_balancers(Names=[name])["LoadBalancers"][0]
    return balancer["DNSName"].lower().rstrip(".") + "."


def _in_tokyo(table, key, timeout=30):
    """The item as Tokyo's replica has it (replication is asynchronous: poll, no timing asserted)."""
    dynamodb = boto3.client("dynamodb", region_name=TOKYO)
    deadline = time.monotonic() + timeout
    while True:
        item = dynamodb.get_item(TableName=table, Key=key).get("Item")
        if item or time.monotonic() > deadline:
            return item
        time.sleep(0.2)


def _distribution():
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    summary = next(
        d for d in cloudfront.list_distributions()["DistributionList"]["Items"] if d["Comment"] == "portforge-front"
    )
    return cloudfront.get_distribution(Id=summary["Id"])["Distribution"]


def test_provision_makes_the_chat_tables_global_with_a_tokyo_replica(stack):
    seoul = boto3.client("dynamodb", region_name=SEOUL)
    for table, keys in PORTFORGE_CHAT_TABLES.items():
        described = seoul.describe_table(TableName=table)["Table"]
        assert [r["RegionName"] for r in described.get("Replicas", [])] == [TOKYO], described
        assert described["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        replica = boto3.client("dynamodb", region_name=TOKYO).describe_table(TableName=table)["Table"]
        assert [k["AttributeName"] for k in replica["KeySchema"]] == [name for name, _kind in keys]
    written = stack.production.put_messages("team_chats_ddb", range(3), tag="after-provision")
    assert _in_tokyo("team_chats_ddb", written[-1]) is not None


def test_provision_replicates_all_seven_repositories(stack):
    rules = boto3.client("ecr", region_name=SEOUL).describe_registry()["replicationConfiguration"]["rules"]
    assert any(TOKYO in [d["region"] for d in rule["destinations"]] for rule in rules), rules
    tokyo = boto3.client("ecr", region_name=TOKYO)
    assert len(PORTFORGE_REPOSITORIES) == 7
    for repository in PORTFORGE_REPOSITORIES:
        tags = {
            t for image in tokyo.describe_images(repositoryName=repository)["imageDetails"] for t in image["imageTags"]
        }
        assert {"latest", "v1"} <= tags, (repository, tags)


def test_provision_points_the_api_host_at_seoul_with_tokyo_as_failover(stack):
    assert stack.answer() == [_alb_dns(SEOUL, "PortForge-ALB")]
    zone = boto3.client("route53").list_hosted_zones_by_name(DNSName="portforge.org")["HostedZones"][0]["Id"]
    records = boto3.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    failover = {r["Failover"]: r["AliasTarget"]["DNSName"].lower() for r in records if r["Name"] == PORTFORGE_API + "."}
    assert failover == {
        "PRIMARY": _alb_dns(SEOUL, "PortForge-ALB"),
        "SECONDARY": _alb_dns(TOKYO, "PortForge-DR-ALB"),
    }


def test_provision_lets_cloudfront_read_the_dr_bucket_through_its_origin_access_control(stack):
    distribution = _distribution()
    controls = boto3.client("cloudfront", region_name="us-east-1").list_origin_access_controls()
    [control] = [c for c in controls["OriginAccessControlList"]["Items"] if c["Name"] == OAC]
    origins = {o["Id"]: o for o in distribution["DistributionConfig"]["Origins"]["Items"]}
    assert origins["portforge-front-tokyo"]["OriginAccessControlId"] == control["Id"]
    policy = json.loads(boto3.client("s3", region_name=TOKYO).get_bucket_policy(Bucket="portforge-front-dr")["Policy"])
    [grant] = [s for s in policy["Statement"] if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}]
    assert grant["Condition"] == {"StringEquals": {"AWS:SourceArn": distribution["ARN"]}}
    assert grant["Resource"] == "arn:aws:s3:::portforge-front-dr/*" and grant["Effect"] == "Allow"


def test_provision_keeps_the_dr_node_group_in_standby_with_the_primary_size_recorded(stack):
    assert scaling(*PRIMARY_NODES) == SEED_SIZE
    assert scaling(*DR_NODES) == STANDBY
    assert nodegroup(*DR_NODES)["tags"]["pilotlight:active-size"] == "/".join(map(str, SEED_SIZE))


def test_readiness_checks_the_new_parts(stack):
    stack.production.live_traffic()  # recent writes: DynamoDB and S3 publish the replication metrics
    result = stack.must("readiness")
    assert "portforge is ready" in result.stdout, result.stdout[-6000:]
    for needle in ("dr_origin_access", "team_chats_ddb", "chat_rooms_ddb", PORTFORGE_API):
        assert needle in result.stdout, needle
    for check in ("cluster", "nodegroups_standby", "primary_nodegroups", "app_config"):
        assert f"PASS eks / {check}" in result.stdout, check


def test_ungraceful_failover_serves_from_tokyo_and_never_calls_seoul(stack):
    before = stack.production.put_messages("chat_rooms_ddb", range(5), tag="before-outage")
    assert _in_tokyo("chat_rooms_ddb", before[-1]) is not None
    since = stack.client.last_seq()
    stack.client.region_down(SEOUL)
    stack.must("failover", "-e", "dr_mode=ungraceful")
    calls = stack.client.requests(since)
    assert [e for e in calls if e["region"] == SEOUL] == []
    assert [c for c in calls if c.get("action") == "UpdateNodegroupConfig" and c["region"] == TOKYO]
    assert stack.answer() == [_alb_dns(TOKYO, "PortForge-DR-ALB")]
    tokyo = boto3.client("dynamodb", region_name=TOKYO)
    for key in before:
        assert tokyo.get_item(TableName="chat_rooms_ddb", Key=key).get("Item"), key
    # the chat tables still take writes in Tokyo, and the DR origin is the group's primary, still signed
    tokyo.put_item(TableName="team_chats_ddb", Item={"team_id": {"S": "dr"}, "created_at": {"S": "1"}})
    distribution = _distribution()
    group = distribution["DistributionConfig"]["OriginGroups"]["Items"][0]
    assert group["Members"]["Items"][0]["OriginId"] == "portforge-front-tokyo"
    origins = {o["Id"]: o for o in distribution["DistributionConfig"]["Origins"]["Items"]}
    assert origins["portforge-front-tokyo"]["OriginAccessControlId"]


def test_ungraceful_failover_wakes_the_dr_node_group_and_renders_the_dr_configmap(stack):
    assert scaling(*DR_NODES) == SEED_SIZE
    assert nodegroup(*DR_NODES)["status"] == "ACTIVE" and ready_nodes(*DR_NODES) == SEED_SIZE[1]
    manifest = yaml.safe_load(
        (stack.tmp_path / "reports" / f"eks-configmap-{portforge_eks.DR_CLUSTER}.yml").read_text()
    )
    assert manifest["kind"] == "ConfigMap"
    assert (manifest["metadata"]["name"], manifest["metadata"]["namespace"]) == ("auth-config", "auth")
    cognito = boto3.client("cognito-idp", region_name=TOKYO)
    [pool] = [
        p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == "portforge-dr-user-pool"
    ]
    clients = [c["ClientId"] for c in cognito.list_user_pool_clients(UserPoolId=pool)["UserPoolClients"]]
    database = boto3.client("rds", region_name=TOKYO).describe_db_instances(
        DBInstanceIdentifier="portforge-dr-rds-replica"
    )["DBInstances"][0]
    assert manifest["data"] == {
        "COGNITO_REGION": TOKYO,
        "COGNITO_USER_POOL_ID": pool,
        "COGNITO_APP_CLIENT_ID": manifest["data"]["COGNITO_APP_CLIENT_ID"],
        "AWS_REGION": TOKYO,
        "DB_HOST": database["Endpoint"]["Address"],
    }
    assert manifest["data"]["COGNITO_APP_CLIENT_ID"] in clients
    assert not database.get("ReadReplicaSourceDBInstanceIdentifier")  # the promoted database


def test_failback_answers_seoul_again_and_returns_the_dr_node_group_to_standby(stack):
    stack.client.region_up(SEOUL)
    stack.must("failback")
    assert stack.answer() == [_alb_dns(SEOUL, "PortForge-ALB")]
    assert scaling(*DR_NODES) == STANDBY
    assert scaling(*PRIMARY_NODES) == SEED_SIZE and ready_nodes(*PRIMARY_NODES) == SEED_SIZE[1]
