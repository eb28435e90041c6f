"""ecs_pilot_light against the emulator: standby, fencing, activation (also with Seoul down), waits, errors."""

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
DR_CLUSTER, PRIMARY_CLUSTER = "fileflow-dr-cluster", "fileflow-prod-cluster"
DR_SERVICE, PRIMARY_SERVICE = "fileflow-dr-service", "fileflow-prod-service"
TAG = "pilotlight:active-count"


def make_service(region, cluster, name, desired):
    """A VPC, subnet, security group, IP target group, cluster, Fargate task definition and the service."""
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.10.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=f"{name}-sg", Description="app", VpcId=vpc)["GroupId"]
    target_group = boto3.client("elbv2", region_name=region).create_target_group(
        Name=f"{name}-tg", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    ecs = boto3.client("ecs", region_name=region)
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family=name,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="512",
        memory="1024",
        containerDefinitions=[{"name": "app", "image": "fileflow:1", "portMappings": [{"containerPort": 8080}]}],
    )
    ecs.create_service(
        cluster=cluster,
        serviceName=name,
        taskDefinition=name,
        desiredCount=desired,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        loadBalancers=[{"targetGroupArn": target_group, "containerName": "app", "containerPort": 8080}],
    )
    return target_group


@pytest.fixture
def topology(emulator):
    return {
        "dr": make_service(TOKYO, DR_CLUSTER, DR_SERVICE, 0),
        "primary": make_service(SEOUL, PRIMARY_CLUSTER, PRIMARY_SERVICE, 4),
    }


def service(region=TOKYO, cluster=DR_CLUSTER, name=DR_SERVICE):
    return boto3.client("ecs", region_name=region).describe_services(
        cluster=cluster, services=[name], include=["TAGS"]
    )["services"][0]


def recorded(region=TOKYO, cluster=DR_CLUSTER, name=DR_SERVICE):
    return {t["key"]: t["value"] for t in service(region, cluster, name).get("tags") or []}.get(TAG)


def dr_args(state, **extra):
    args = dict(region=TOKYO, state=state, cluster=DR_CLUSTER, services=[{"name": DR_SERVICE}], wait_timeout=60)
    args.update(extra)
    return args


def test_standby_check_mode_predicts_and_changes_nothing(emulator, topology, run_module):
    since = emulator.last_seq()
    result = run_module(
        "ecs_pilot_light",
        dr_args("standby", services=[{"name": DR_SERVICE, "desired_count": 4}]),
        check=True,
        diff=True,
    )
    assert result.changed and not result.failed, result.get("msg")
    assert result["services"][0]["recorded_count"] == 4 and result["services"][0]["desired_count"] == 0
    assert result["diff"] == {
        "before": {DR_SERVICE: {"desired_count": 0, "recorded_count": None}},
        "after": {DR_SERVICE: {"desired_count": 0, "recorded_count": 4}},
    }
    assert emulator.mutating_calls(since=since) == []
    assert recorded() is None


def test_arm_then_activate_from_the_record_waits_until_running_and_healthy(emulator, topology, run_module):
    emulator.configure(latency={"task_start": 0.5})
    armed = run_module("ecs_pilot_light", dr_args("standby", services=[{"name": DR_SERVICE, "desired_count": 4}]))
    assert armed.changed and recorded() == "4" and service()["desiredCount"] == 0
    again = run_module("ecs_pilot_light", dr_args("standby"))
    assert not again.changed and recorded() == "4"

    # Check mode predicts the activation and changes nothing.
    since = emulator.last_seq()
    predicted = run_module("ecs_pilot_light", dr_args("active"), check=True, diff=True)
    assert predicted.changed and predicted["services"][0]["desired_count"] == 4
    assert predicted["diff"]["after"][DR_SERVICE]["desired_count"] == 4
    assert emulator.mutating_calls(since=since) == []

    result = run_module("ecs_pilot_light", dr_args("active"))
    assert result.changed and not result.failed, result.get("msg")
    view = result["services"][0]
    assert (view["desired_count"], view["running_count"], view["pending_count"]) == (4, 4, 0)
    assert view["target_groups"] == {topology["dr"]: 4} and view["count_source"] == "recorded"
    assert view["timings"]["healthy"] is not None
    rerun = run_module("ecs_pilot_light", dr_args("active"))
    assert not rerun.changed

    # Failback: back to 0, the record kept, the tasks gone.
    back = run_module("ecs_pilot_light", dr_args("standby"))
    assert back.changed and service()["runningCount"] == 0 and recorded() == "4"


def test_activation_with_seoul_down_calls_only_tokyo(emulator, topology, run_module):
    run_module("ecs_pilot_light", dr_args("standby", services=[{"name": DR_SERVICE, "desired_count": 2}]))
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = run_module("ecs_pilot_light", dr_args("active"))
    assert not result.failed, result.get("msg")
    assert result["services"][0]["running_count"] == 2
    assert emulator.calls(since=since, region=SEOUL) == []


def test_graceful_fence_records_what_the_primary_ran_and_dr_takes_a_percentage(emulator, topology, run_module):
    fence = run_module(
        "ecs_pilot_light",
        dict(
            region=SEOUL,
            state="standby",
            cluster=PRIMARY_CLUSTER,
            services=[{"name": PRIMARY_SERVICE}],
            wait_timeout=60,
        ),
    )
    assert fence.changed and fence["services"][0]["count_source"] == "current"
    primary = service(SEOUL, PRIMARY_CLUSTER, PRIMARY_SERVICE)
    assert primary["desiredCount"] == 0 and primary["runningCount"] == 0
    assert recorded(SEOUL, PRIMARY_CLUSTER, PRIMARY_SERVICE) == "4"
    result = run_module(
        "ecs_pilot_light",
        dr_args(
            "active",
            reference_region=SEOUL,
            reference_cluster=PRIMARY_CLUSTER,
            capacity_percent=50,
            services=[{"name": DR_SERVICE, "reference_service": PRIMARY_SERVICE}],
        ),
    )
    assert not result.failed, result.get("msg")
    assert result["services"][0]["desired_count"] == 2
    assert result["services"][0]["count_source"] == "reference (recorded)"


def test_an_explicit_count_never_scales_in(emulator, topology, run_module):
    run_module("ecs_pilot_light", dr_args("active", services=[{"name": DR_SERVICE, "desired_count": 3}]))
    result = run_module("ecs_pilot_light", dr_args("active", services=[{"name": DR_SERVICE, "desired_count": 1}]))
    assert not result.changed and service()["desiredCount"] == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(services=[{"name": "nope"}]), "nope not found (or not ACTIVE) in cluster fileflow-dr-cluster"),
        (dict(services=[{"name": DR_SERVICE}]), "has no recorded count"),
        (dict(services=[{"name": DR_SERVICE, "reference_service": PRIMARY_SERVICE}]), "needs reference_region"),
        (dict(capacity_percent=0), "capacity_percent must be between 1 and 1000"),
        (dict(services=[{"name": DR_SERVICE}, {"name": DR_SERVICE}]), "more than once"),
        (dict(reference_region=TOKYO), "are both ap-northeast-1"),
    ],
)
def test_bad_input_fails_naming_the_fix_and_changes_nothing(emulator, topology, run_module, args, message):
    since = emulator.last_seq()
    result = run_module("ecs_pilot_light", dr_args("active", **args))
    assert result.failed and message in result["msg"], result.get("msg")
    assert emulator.mutating_calls(since=since) == []


def test_a_reference_in_a_down_region_fails_saying_how_to_do_without_it(emulator, topology, run_module):
    emulator.region_down(SEOUL)
    result = run_module(
        "ecs_pilot_light",
        dr_args(
            "active",
            reference_region=SEOUL,
            reference_cluster=PRIMARY_CLUSTER,
            services=[{"name": DR_SERVICE, "reference_service": PRIMARY_SERVICE}],
        ),
    )
    assert result.failed and "leave reference_service out" in result["msg"]
