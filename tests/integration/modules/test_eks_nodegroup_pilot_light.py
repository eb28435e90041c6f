"""eks_nodegroup_pilot_light against the emulator: standby, fencing, activation (also with Seoul down), waits."""

import boto3

from tests.conftest import invoke_module
from tests.demo.portforge_eks import nodegroup
from tests.demo.portforge_eks import scaling

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
DR_CLUSTER, PRIMARY_CLUSTER = "portforge-dr", "portforge-prod"
DR_NODES, PRIMARY_NODES = "portforge-dr-nodes", "portforge-prod-nodes"
TAG = "pilotlight:active-size"
ROLE = "arn:aws:iam::123456789012:role/eks-nodes"


def make_nodegroup(region, cluster, name, desired, maximum=6):
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.10.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    eks = boto3.client("eks", region_name=region)
    eks.create_cluster(name=cluster, roleArn=ROLE, resourcesVpcConfig={"subnetIds": [subnet]})
    eks.create_nodegroup(
        clusterName=cluster,
        nodegroupName=name,
        nodeRole=ROLE,
        subnets=[subnet],
        scalingConfig={"minSize": min(desired, 1), "maxSize": maximum, "desiredSize": desired},
    )


def call(region, cluster, state, nodegroups, check=False, diff=False, **extra):
    args = dict(region=region, cluster=cluster, state=state, nodegroups=nodegroups, wait_timeout=60, **extra)
    return invoke_module("pilotlight.dr.eks_nodegroup_pilot_light", args, check=check, diff=diff)


def test_standby_records_then_active_restores_and_waits_for_ready_nodes(emulator):
    make_nodegroup(TOKYO, DR_CLUSTER, DR_NODES, desired=0)
    since = emulator.last_seq()
    dry = call(TOKYO, DR_CLUSTER, "standby", [{"name": DR_NODES, "desired_size": 3}], check=True, diff=True)
    assert dry.changed and dry["nodegroups"][0]["recorded_size"] == {"min": 3, "desired": 3, "max": 6}
    assert emulator.mutating_calls(since=since) == []

    armed = call(TOKYO, DR_CLUSTER, "standby", [{"name": DR_NODES, "desired_size": 3}])
    assert armed.changed, armed.get("msg")
    assert nodegroup(TOKYO, DR_CLUSTER, DR_NODES)["tags"][TAG] == "3/3/6"
    assert not call(TOKYO, DR_CLUSTER, "standby", [{"name": DR_NODES, "desired_size": 3}]).changed

    emulator.configure(latency={"node_ready": 1})
    woken = call(TOKYO, DR_CLUSTER, "active", [{"name": DR_NODES}])
    assert woken.changed, woken.get("msg")
    item = woken["nodegroups"][0]
    assert item["size_source"] == "recorded" and item["scaling"] == {"min": 3, "desired": 3, "max": 6}
    assert item["ready_nodes"] == 3 and item["timings"]["ready"] is not None
    assert scaling(TOKYO, DR_CLUSTER, DR_NODES) == (3, 3, 6)
    assert not call(TOKYO, DR_CLUSTER, "active", [{"name": DR_NODES}]).changed


def test_fence_records_the_primary_size_and_reference_sizing(emulator):
    make_nodegroup(SEOUL, PRIMARY_CLUSTER, PRIMARY_NODES, desired=4)
    make_nodegroup(TOKYO, DR_CLUSTER, DR_NODES, desired=0)
    fenced = call(SEOUL, PRIMARY_CLUSTER, "standby", [{"name": PRIMARY_NODES}])
    assert fenced["nodegroups"][0]["size_source"] == "current" and fenced["nodegroups"][0]["nodes"] == 0
    assert scaling(SEOUL, PRIMARY_CLUSTER, PRIMARY_NODES) == (0, 0, 6)
    assert nodegroup(SEOUL, PRIMARY_CLUSTER, PRIMARY_NODES)["tags"][TAG] == "1/4/6"

    half = call(
        TOKYO,
        DR_CLUSTER,
        "active",
        [{"name": DR_NODES, "reference_nodegroup": PRIMARY_NODES}],
        reference_region=SEOUL,
        reference_cluster=PRIMARY_CLUSTER,
        capacity_percent=50,
    )
    assert half["nodegroups"][0]["size_source"] == "reference (recorded)"
    assert scaling(TOKYO, DR_CLUSTER, DR_NODES)[1] == 2

    back = call(SEOUL, PRIMARY_CLUSTER, "active", [{"name": PRIMARY_NODES}])
    assert back["nodegroups"][0]["ready_nodes"] == 4 and scaling(SEOUL, PRIMARY_CLUSTER, PRIMARY_NODES) == (1, 4, 6)


def test_active_with_seoul_down_calls_only_tokyo(emulator):
    make_nodegroup(TOKYO, DR_CLUSTER, DR_NODES, desired=0)
    call(TOKYO, DR_CLUSTER, "standby", [{"name": DR_NODES, "desired_size": 2}])
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    woken = call(TOKYO, DR_CLUSTER, "active", [{"name": DR_NODES}])
    assert woken.changed and woken["nodegroups"][0]["ready_nodes"] == 2
    assert not [c for c in emulator.requests(since) if c["region"] == SEOUL]


def test_missing_record_and_missing_nodegroup_fail_with_the_fix(emulator):
    make_nodegroup(TOKYO, DR_CLUSTER, DR_NODES, desired=0)
    no_record = call(TOKYO, DR_CLUSTER, "active", [{"name": DR_NODES}])
    assert no_record.failed and "has no recorded size" in no_record["msg"] and "desired_size" in no_record["msg"]
    missing = call(TOKYO, DR_CLUSTER, "active", [{"name": "nope"}])
    assert missing.failed and "nope not found in cluster portforge-dr" in missing["msg"]
