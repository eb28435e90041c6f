"""Auto Scaling in the emulator: metrics collection calls and instance boot time with target health."""

import time

import boto3

from tests.conftest import invoke_module
from tests.emulator.client import EmulatorError

TOKYO = "ap-northeast-1"


def _latency(client, **latency):
    """Set a latency; plain moto has no such knob (the test then fails on the behaviour itself)."""
    try:
        client.configure(latency=latency)
    except EmulatorError:
        assert client.kind == "plain-moto"


def _group(name="megaticket-dr-web", desired=0, with_target_group=True):
    ec2 = boto3.client("ec2", region_name=TOKYO)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.10.0/24", AvailabilityZone=f"{TOKYO}a")["Subnet"]["SubnetId"]
    image = ec2.register_image(Name=f"{name}-ami")["ImageId"]
    ec2.create_launch_template(
        LaunchTemplateName=f"{name}-lt", LaunchTemplateData={"ImageId": image, "InstanceType": "t3.small"}
    )
    target_groups = []
    if with_target_group:
        target_groups = [
            boto3.client("elbv2", region_name=TOKYO).create_target_group(
                Name=f"{name}-tg", Protocol="HTTP", Port=3000, VpcId=vpc
            )["TargetGroups"][0]["TargetGroupArn"]
        ]
    boto3.client("autoscaling", region_name=TOKYO).create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": f"{name}-lt"},
        MinSize=0,
        MaxSize=3,
        DesiredCapacity=desired,
        VPCZoneIdentifier=subnet,
        TargetGroupARNs=target_groups,
    )
    return target_groups[0] if target_groups else None


def _instances(name="megaticket-dr-web"):
    group = boto3.client("autoscaling", region_name=TOKYO).describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ][0]
    return {i["InstanceId"]: i["LifecycleState"] for i in group["Instances"]}


def _health(target_group):
    descriptions = boto3.client("elbv2", region_name=TOKYO).describe_target_health(TargetGroupArn=target_group)[
        "TargetHealthDescriptions"
    ]
    return {d["Target"]["Id"]: d["TargetHealth"]["State"] for d in descriptions}


def test_disable_metrics_collection_is_accepted(gap_emulator):
    _group(with_target_group=False)
    autoscaling = boto3.client("autoscaling", region_name=TOKYO)
    autoscaling.enable_metrics_collection(
        AutoScalingGroupName="megaticket-dr-web",
        Granularity="1Minute",
        Metrics=["GroupInServiceInstances", "GroupDesiredCapacity"],
    )
    autoscaling.disable_metrics_collection(AutoScalingGroupName="megaticket-dr-web", Metrics=["GroupDesiredCapacity"])
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["megaticket-dr-web"])["AutoScalingGroups"]
    assert [m["Metric"] for m in group[0]["EnabledMetrics"]] == ["GroupInServiceInstances"]
    autoscaling.disable_metrics_collection(AutoScalingGroupName="megaticket-dr-web")
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["megaticket-dr-web"])["AutoScalingGroups"]
    assert group[0].get("EnabledMetrics", []) == []


def test_enable_metrics_collection_without_metrics_enables_all(gap_emulator):
    _group(with_target_group=False)
    autoscaling = boto3.client("autoscaling", region_name=TOKYO)
    autoscaling.enable_metrics_collection(AutoScalingGroupName="megaticket-dr-web", Granularity="1Minute")
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["megaticket-dr-web"])["AutoScalingGroups"]
    metrics = {m["Metric"] for m in group[0].get("EnabledMetrics", [])}
    assert {"GroupInServiceInstances", "GroupDesiredCapacity", "GroupTotalInstances"} <= metrics


def test_amazon_aws_autoscaling_group_rerun_succeeds(gap_emulator):
    _group(with_target_group=False)
    args = dict(
        name="megaticket-dr-web",
        region=TOKYO,
        launch_template={"launch_template_name": "megaticket-dr-web-lt"},
        min_size=0,
        max_size=3,
        desired_capacity=0,
        wait_for_instances=False,
    )
    result = invoke_module("amazon.aws.autoscaling_group", args)
    assert not result.failed, result.get("msg")


def test_instances_boot_pending_then_in_service(gap_emulator):
    _latency(gap_emulator, instance_boot=30)
    _group(with_target_group=False)
    autoscaling = boto3.client("autoscaling", region_name=TOKYO)
    autoscaling.set_desired_capacity(AutoScalingGroupName="megaticket-dr-web", DesiredCapacity=2)
    states = _instances()
    assert len(states) == 2 and set(states.values()) == {"Pending"}
    # Pending instances count toward capacity: setting the same capacity again launches nothing more.
    autoscaling.set_desired_capacity(AutoScalingGroupName="megaticket-dr-web", DesiredCapacity=2)
    assert set(_instances()) == set(states)
    gap_emulator.settle()
    assert _instances() == {instance: "InService" for instance in states}


def test_target_health_is_initial_while_booting_then_healthy(gap_emulator):
    _latency(gap_emulator, instance_boot=30)
    target_group = _group()
    boto3.client("autoscaling", region_name=TOKYO).set_desired_capacity(
        AutoScalingGroupName="megaticket-dr-web", DesiredCapacity=2
    )
    health = _health(target_group)
    assert set(health) == set(_instances()) and set(health.values()) == {"initial"}
    gap_emulator.settle()
    assert set(_health(target_group).values()) == {"healthy"}


def test_boot_ends_by_itself(gap_emulator):
    _latency(gap_emulator, instance_boot=0.3)
    _group(with_target_group=False)
    boto3.client("autoscaling", region_name=TOKYO).set_desired_capacity(
        AutoScalingGroupName="megaticket-dr-web", DesiredCapacity=1
    )
    assert set(_instances().values()) == {"Pending"}
    waiter = boto3.client("ec2", region_name=TOKYO).get_waiter("instance_running")
    waiter.wait(InstanceIds=list(_instances()), WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    deadline = time.monotonic() + 5
    while set(_instances().values()) != {"InService"} and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(_instances().values()) == {"InService"}


def test_scale_in_while_booting_leaves_no_instance_behind(emulator):
    emulator.configure(latency={"instance_boot": 30})
    _group(with_target_group=False)
    autoscaling = boto3.client("autoscaling", region_name=TOKYO)
    autoscaling.set_desired_capacity(AutoScalingGroupName="megaticket-dr-web", DesiredCapacity=2)
    autoscaling.set_desired_capacity(AutoScalingGroupName="megaticket-dr-web", DesiredCapacity=0)
    assert _instances() == {}
    emulator.settle()
    assert _instances() == {}
