"""PortForge on EKS (seeds 001/002) through the runbook on the local inventory: the pilot light's node groups.

Asserted through the EKS and Auto Scaling APIs: provision keeps Tokyo's node group at the standby floor with the
primary's size recorded; an ungraceful failover with Seoul down wakes it to that size with ready nodes and renders
the ConfigMap of seed 002 section 5.7 with the DR pool, client, region and promoted database; failback puts it
back in standby.
"""

import boto3
import pytest
import yaml

from tests.demo import portforge_eks
from tests.integration.playbooks.test_portforge import PortForgeStack

pytestmark = pytest.mark.xdist_group("portforge-runbooks")

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
DR = (TOKYO, portforge_eks.DR_CLUSTER, portforge_eks.DR_NODEGROUP)
PRIMARY = (SEOUL, portforge_eks.PRIMARY_CLUSTER, portforge_eks.PRIMARY_NODEGROUP)
SEED_SIZE = (2, 3, 6)  # min/desired/max of the primary node group (tests/demo/portforge_eks.py)
STANDBY = (1, 1, 6)  # dr_eks_standby_size 1 in inventories/local


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = PortForgeStack(tmp_path_factory.mktemp("portforge-eks"))
    stack.must("provision")
    yield stack
    stack.close()


def _nodegroup(region, cluster, name):
    return boto3.client("eks", region_name=region).describe_nodegroup(clusterName=cluster, nodegroupName=name)[
        "nodegroup"
    ]


def _scaling(region, cluster, name):
    config = _nodegroup(region, cluster, name)["scalingConfig"]
    return config["minSize"], config["desiredSize"], config["maxSize"]


def _ready_nodes(region, cluster, name):
    """Nodes of the node group's Auto Scaling group (as EKS names it) that are InService and Healthy."""
    groups = [g["name"] for g in _nodegroup(region, cluster, name)["resources"]["autoScalingGroups"]]
    found = boto3.client("autoscaling", region_name=region).describe_auto_scaling_groups(AutoScalingGroupNames=groups)[
        "AutoScalingGroups"
    ]
    return sum(
        1
        for group in found
        for node in group["Instances"]
        if node["LifecycleState"] == "InService" and node["HealthStatus"] == "Healthy"
    )


def test_provision_keeps_the_dr_node_group_in_standby_with_the_primary_size_recorded(stack):
    assert _scaling(*PRIMARY) == SEED_SIZE
    assert _scaling(*DR) == STANDBY
    assert _nodegroup(*DR)["tags"]["pilotlight:active-size"] == "/".join(map(str, SEED_SIZE))
    stack.production.live_traffic()  # recent writes: DynamoDB and S3 publish the replication metrics
    result = stack.must("readiness")
    assert "portforge is ready" in result.stdout, result.stdout[-6000:]
    for check in ("cluster", "nodegroups_standby", "primary_nodegroups", "app_config"):
        assert f"PASS eks / {check}" in result.stdout, check


def test_ungraceful_failover_wakes_the_dr_node_group_and_renders_the_dr_configmap(stack):
    since = stack.client.last_seq()
    stack.client.region_down(SEOUL)
    stack.must("failover", "-e", "dr_mode=ungraceful")
    calls = stack.client.requests(since)
    assert [c for c in calls if c["region"] == SEOUL] == []
    assert [c for c in calls if c.get("action") == "UpdateNodegroupConfig" and c["region"] == TOKYO]
    assert _scaling(*DR) == SEED_SIZE
    assert _nodegroup(*DR)["status"] == "ACTIVE" and _ready_nodes(*DR) == SEED_SIZE[1]

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


def test_failback_returns_the_dr_node_group_to_standby(stack):
    stack.client.region_up(SEOUL)
    stack.must("failback")
    assert _scaling(*DR) == STANDBY
    assert _scaling(*PRIMARY) == SEED_SIZE and _ready_nodes(*PRIMARY) == SEED_SIZE[1]
