"""ECS services in the emulator: tasks up to the desired count, target registration, outages.

Each test runs on plain moto (where it must fail) and on the emulator (where it must pass).
"""

import time

import boto3
import botocore.config
import botocore.exceptions
import pytest

from tests.conftest import invoke_module
from tests.emulator.client import EmulatorError

TOKYO = "ap-northeast-1"
CLUSTER, SERVICE = "fileflow-dr-cluster", "fileflow-dr-service"


def _latency(client, **latency):
    """Set a latency; plain moto has no such knob (the test then fails on the behaviour itself)."""
    try:
        client.configure(latency=latency)
    except EmulatorError:
        assert client.kind == "plain-moto"


def _service(desired=0):
    """A Fargate service behind an IP target group; returns the target group ARN."""
    ec2 = boto3.client("ec2", region_name=TOKYO)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.10.0/24", AvailabilityZone=f"{TOKYO}a")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="fileflow-dr-app", Description="app", VpcId=vpc)["GroupId"]
    target_group = boto3.client("elbv2", region_name=TOKYO).create_target_group(
        Name="fileflow-dr-tg", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    ecs = boto3.client("ecs", region_name=TOKYO)
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.register_task_definition(
        family="fileflow-dr",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="512",
        memory="1024",
        containerDefinitions=[{"name": "app", "image": "fileflow:1", "portMappings": [{"containerPort": 8080}]}],
    )
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition="fileflow-dr",
        desiredCount=desired,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        loadBalancers=[{"targetGroupArn": target_group, "containerName": "app", "containerPort": 8080}],
    )
    return target_group


def _counts():
    service = boto3.client("ecs", region_name=TOKYO).describe_services(cluster=CLUSTER, services=[SERVICE])
    service = service["services"][0]
    return service["desiredCount"], service["runningCount"], service["pendingCount"]


def _tasks(desired_status=None):
    ecs = boto3.client("ecs", region_name=TOKYO)
    args = {"desiredStatus": desired_status} if desired_status else {}
    arns = ecs.list_tasks(cluster=CLUSTER, serviceName=SERVICE, **args)["taskArns"]
    if not arns:
        return {}
    return {t["taskArn"]: t["lastStatus"] for t in ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"]}


def _health(target_group):
    descriptions = boto3.client("elbv2", region_name=TOKYO).describe_target_health(TargetGroupArn=target_group)
    return sorted(d["TargetHealth"]["State"] for d in descriptions["TargetHealthDescriptions"])


def test_created_service_runs_its_desired_tasks(gap_emulator):
    target_group = _service(desired=2)
    assert _counts() == (2, 2, 0)
    assert sorted(_tasks().values()) == ["RUNNING", "RUNNING"]
    assert _health(target_group) == ["healthy", "healthy"]


def test_tasks_start_pending_then_running_and_healthy(gap_emulator):
    _latency(gap_emulator, task_start=30)
    target_group = _service()
    boto3.client("ecs", region_name=TOKYO).update_service(cluster=CLUSTER, service=SERVICE, desiredCount=3)
    assert _counts() == (3, 0, 3)
    assert sorted(_tasks().values()) == ["PENDING"] * 3
    assert _health(target_group) == ["initial"] * 3
    # The same desired count again starts nothing more.
    boto3.client("ecs", region_name=TOKYO).update_service(cluster=CLUSTER, service=SERVICE, desiredCount=3)
    assert len(_tasks()) == 3
    gap_emulator.settle()
    assert _counts() == (3, 3, 0)
    assert _health(target_group) == ["healthy"] * 3


def test_task_start_ends_by_itself(gap_emulator):
    _latency(gap_emulator, task_start=0.3)
    _service()
    boto3.client("ecs", region_name=TOKYO).update_service(cluster=CLUSTER, service=SERVICE, desiredCount=1)
    assert _counts() == (1, 0, 1)
    deadline = time.monotonic() + 5
    while _counts() != (1, 1, 0) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _counts() == (1, 1, 0)


def test_scale_down_stops_tasks_and_deregisters_them(gap_emulator):
    target_group = _service(desired=3)
    assert _health(target_group) == ["healthy"] * 3
    boto3.client("ecs", region_name=TOKYO).update_service(cluster=CLUSTER, service=SERVICE, desiredCount=1)
    assert _counts() == (1, 1, 0)
    assert _health(target_group) == ["healthy"]
    assert sorted(_tasks("STOPPED").values()) == ["STOPPED", "STOPPED"]
    boto3.client("ecs", region_name=TOKYO).update_service(cluster=CLUSTER, service=SERVICE, desiredCount=0)
    assert _counts() == (0, 0, 0) and _tasks() == {} and _health(target_group) == []


def test_region_outage_stops_tasks_and_refuses_calls_then_restarts_them(gap_emulator):
    _latency(gap_emulator, task_start=30)
    target_group = _service(desired=2)
    gap_emulator.settle()
    before = set(_tasks())
    assert len(before) == 2
    gap_emulator.region_down(TOKYO)
    with pytest.raises((botocore.exceptions.ConnectionClosedError, botocore.exceptions.EndpointConnectionError)):
        boto3.client(
            "ecs", region_name=TOKYO, config=botocore.config.Config(retries={"max_attempts": 1})
        ).describe_services(cluster=CLUSTER, services=[SERVICE])
    gap_emulator.region_up(TOKYO)
    stopped = _tasks("STOPPED")
    assert set(stopped) == before
    # The service starts new tasks when the region is back; they start again, as after any outage.
    assert _counts() == (2, 0, 2)
    assert _health(target_group) == ["initial", "initial"]
    gap_emulator.settle()
    assert _counts() == (2, 2, 0)


def test_describe_clusters_lists_empty_capacity_providers(gap_emulator):
    ecs = boto3.client("ecs", region_name=TOKYO)
    ecs.create_cluster(clusterName=CLUSTER)
    cluster = ecs.describe_clusters(clusters=[CLUSTER])["clusters"][0]
    assert cluster["capacityProviders"] == [] and cluster["defaultCapacityProviderStrategy"] == []


def test_community_aws_ecs_cluster_rerun_succeeds(gap_emulator):
    args = dict(name=CLUSTER, state="present", region=TOKYO)
    assert invoke_module("community.aws.ecs_cluster", args).changed
    result = invoke_module("community.aws.ecs_cluster", args)
    assert not result.failed and not result.changed, result.get("msg")


def test_an_awsvpc_service_refuses_an_instance_target_group(gap_emulator):
    # Fargate tasks register by IP: ECS refuses an instance target group (the dr_loadbalancer default, for EC2).
    target_group = _service()
    ec2 = boto3.client("ec2", region_name=TOKYO)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.1.0.0/16"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    elbv2 = boto3.client("elbv2", region_name=TOKYO)
    instance_group = elbv2.create_target_group(
        Name="fileflow-dr-instances", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    ecs = boto3.client("ecs", region_name=TOKYO)
    with pytest.raises(botocore.exceptions.ClientError) as created:
        ecs.create_service(
            cluster=CLUSTER,
            serviceName="fileflow-instance-service",
            taskDefinition="fileflow-dr",
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}},
            loadBalancers=[{"targetGroupArn": instance_group, "containerName": "app", "containerPort": 8080}],
        )
    assert created.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "target type instance" in created.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as updated:
        ecs.update_service(
            cluster=CLUSTER,
            service=SERVICE,
            loadBalancers=[{"targetGroupArn": instance_group, "containerName": "app", "containerPort": 8080}],
        )
    assert updated.value.response["Error"]["Code"] == "InvalidParameterException"
    assert _health(target_group) == []  # the service keeps its IP target group, still at 0 tasks
