"""EKS managed node groups in the emulator: an Auto Scaling group of nodes that become ready, outages.

Each test runs on plain moto (where it must fail) and on the emulator (where it must pass).
"""

import boto3
import pytest

from tests.emulator.client import EmulatorError

TOKYO = "ap-northeast-1"
CLUSTER, NODEGROUP = "portforge-dr", "portforge-dr-nodes"


def _latency(client, **latency):
    try:
        client.configure(latency=latency)
    except EmulatorError:
        assert client.kind == "plain-moto"


def _nodegroup(desired=0):
    ec2 = boto3.client("ec2", region_name=TOKYO)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.10.0/24", AvailabilityZone=f"{TOKYO}a")["Subnet"]["SubnetId"]
    eks = boto3.client("eks", region_name=TOKYO)
    role = "arn:aws:iam::123456789012:role/eks"
    eks.create_cluster(name=CLUSTER, roleArn=role, resourcesVpcConfig={"subnetIds": [subnet]})
    nodegroup = eks.create_nodegroup(
        clusterName=CLUSTER,
        nodegroupName=NODEGROUP,
        nodeRole=role,
        subnets=[subnet],
        instanceTypes=["m5.large"],
        scalingConfig={"minSize": 0, "maxSize": 4, "desiredSize": desired},
    )["nodegroup"]
    return nodegroup["resources"]["autoScalingGroups"][0]["name"]


def _nodes(group):
    groups = boto3.client("autoscaling", region_name=TOKYO).describe_auto_scaling_groups(AutoScalingGroupNames=[group])
    return sorted(i["LifecycleState"] for i in groups["AutoScalingGroups"][0]["Instances"])


def _scale(desired, minimum=0):
    boto3.client("eks", region_name=TOKYO).update_nodegroup_config(
        clusterName=CLUSTER,
        nodegroupName=NODEGROUP,
        scalingConfig={"minSize": minimum, "maxSize": 4, "desiredSize": desired},
    )


def test_nodegroup_has_its_auto_scaling_group_of_nodes(gap_emulator):
    group = _nodegroup(desired=2)
    assert _nodes(group) == ["InService", "InService"]


def test_scaling_nodes_are_pending_then_ready_and_scale_in(gap_emulator):
    _latency(gap_emulator, node_ready=30)
    group = _nodegroup()
    assert _nodes(group) == []
    _scale(3)
    assert _nodes(group) == ["Pending"] * 3
    gap_emulator.settle()
    assert _nodes(group) == ["InService"] * 3
    _scale(1)
    assert _nodes(group) == ["InService"]


def test_region_outage_terminates_nodes_then_they_come_back(gap_emulator):
    _latency(gap_emulator, node_ready=30)
    group = _nodegroup(desired=2)
    gap_emulator.settle()
    gap_emulator.region_down(TOKYO)
    gap_emulator.region_up(TOKYO)
    assert _nodes(group) == ["Pending", "Pending"]
    gap_emulator.settle()
    assert _nodes(group) == ["InService", "InService"]


def test_deleting_nodegroup_deletes_its_group(gap_emulator):
    group = _nodegroup(desired=1)
    assert _nodes(group) == ["InService"]
    boto3.client("eks", region_name=TOKYO).delete_nodegroup(clusterName=CLUSTER, nodegroupName=NODEGROUP)
    with pytest.raises(IndexError):
        _nodes(group)


def test_nodegroup_tags(gap_emulator):
    _nodegroup()
    eks = boto3.client("eks", region_name=TOKYO)
    arn = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName=NODEGROUP)["nodegroup"]["nodegroupArn"]
    eks.tag_resource(resourceArn=arn, tags={"pilotlight:active-size": "3/3/6", "team": "portforge"})
    eks.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert eks.list_tags_for_resource(resourceArn=arn)["tags"] == {"pilotlight:active-size": "3/3/6"}
    assert eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName=NODEGROUP)["nodegroup"]["tags"] == {
        "pilotlight:active-size": "3/3/6"
    }
