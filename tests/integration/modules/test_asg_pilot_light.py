"""asg_pilot_light against the emulator: standby, fencing, activation (also with Seoul down), waits, errors."""

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
DR_WEB, DR_APP = "MegaTicket-DR-Web-ASG", "MegaTicket-DR-App-ASG"
WEB, APP = "MegaTicket-Web-ASG", "MegaTicket-App-ASG"


def make_groups(region, names, desired, max_size=3):
    """A VPC, one subnet, a launch template and a target group per group, and the groups."""
    ec2 = boto3.client("ec2", region_name=region)
    elbv2 = boto3.client("elbv2", region_name=region)
    autoscaling = boto3.client("autoscaling", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.10.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    image = ec2.register_image(Name=f"golden-{region}")["ImageId"]
    arns = {}
    for number, name in enumerate(names):
        ec2.create_launch_template(
            LaunchTemplateName=f"{name}-LT", LaunchTemplateData={"ImageId": image, "InstanceType": "t3.small"}
        )
        arns[name] = elbv2.create_target_group(
            Name=f"tg-{region[-1]}-{number}", Protocol="HTTP", Port=3000 + number, VpcId=vpc
        )["TargetGroups"][0]["TargetGroupArn"]
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": f"{name}-LT"},
            MinSize=desired,
            MaxSize=max_size,
            DesiredCapacity=desired,
            VPCZoneIdentifier=subnet,
            TargetGroupARNs=[arns[name]],
        )
    return arns


@pytest.fixture
def topology(emulator):
    return {
        "dr": make_groups(TOKYO, [DR_WEB, DR_APP], desired=0),
        "primary": make_groups(SEOUL, [WEB, APP], desired=2),
    }


def group(name, region=TOKYO):
    return boto3.client("autoscaling", region_name=region).describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ][0]


def sizes(name, region=TOKYO):
    g = group(name, region)
    return {"min": g["MinSize"], "desired": g["DesiredCapacity"], "max": g["MaxSize"]}


def recorded(name, region=TOKYO):
    return {t["Key"]: t["Value"] for t in group(name, region)["Tags"]}.get("pilotlight:active-capacity")


def arm(run_module, desired=2, **extra):
    args = dict(
        region=TOKYO,
        state="standby",
        groups=[{"name": DR_WEB, "desired_capacity": desired}, {"name": DR_APP, "desired_capacity": desired}],
    )
    args.update(extra)
    return run_module("asg_pilot_light", args)


def activate(run_module, check=False, diff=False, **extra):
    args = dict(region=TOKYO, state="active", groups=[{"name": DR_WEB}, {"name": DR_APP}])
    args.update(extra)
    return run_module("asg_pilot_light", args, check=check, diff=diff)


def test_standby_check_mode_predicts_and_changes_nothing(emulator, topology, run_module):
    since = emulator.last_seq()
    args = dict(region=TOKYO, state="standby", groups=[{"name": DR_WEB, "desired_capacity": 2}])
    result = run_module("asg_pilot_light", args, check=True, diff=True)
    assert result.changed and not result.failed
    web = result["groups"][0]
    assert web["after"] == {"min": 0, "desired": 0, "max": 3}
    assert web["recorded_capacity"] == {"min": 2, "desired": 2, "max": 3}
    assert result["diff"]["after"][DR_WEB]["recorded"] == "min=2,desired=2,max=3"
    assert result["diff"]["before"][DR_WEB]["recorded"] is None
    assert emulator.mutating_calls(since=since) == []
    assert recorded(DR_WEB) is None


def test_standby_records_capacity_and_rerun_changes_nothing(emulator, topology, run_module):
    result = arm(run_module)
    assert result.changed and [g["capacity_source"] for g in result["groups"]] == ["explicit", "explicit"]
    assert recorded(DR_WEB) == recorded(DR_APP) == "min=2,desired=2,max=3"
    assert sizes(DR_WEB) == {"min": 0, "desired": 0, "max": 3}
    since = emulator.last_seq()
    again = arm(run_module)
    assert not again.changed and not again.failed
    assert emulator.mutating_calls(since=since) == []
    # Without a capacity in the task, the record is kept.
    kept = run_module("asg_pilot_light", dict(region=TOKYO, state="standby", groups=[{"name": DR_WEB}]))
    assert not kept.changed and kept["groups"][0]["capacity_source"] == "recorded"


def test_fencing_the_primary_records_what_it_ran_and_empties_it(emulator, topology, run_module):
    result = run_module(
        "asg_pilot_light", dict(region=SEOUL, state="standby", groups=[{"name": WEB}, {"name": APP}]), diff=True
    )
    assert result.changed
    assert [g["capacity_source"] for g in result["groups"]] == ["current", "current"]
    for name in (WEB, APP):
        assert recorded(name, SEOUL) == "min=2,desired=2,max=3"
        assert sizes(name, SEOUL) == {"min": 0, "desired": 0, "max": 3}
        assert group(name, SEOUL)["Instances"] == []
    assert result["diff"]["before"][WEB]["desired"] == 2 and result["diff"]["after"][WEB]["desired"] == 0
    # Failback: the primary comes back to what it ran.
    back = run_module("asg_pilot_light", dict(region=SEOUL, state="active", groups=[{"name": WEB}, {"name": APP}]))
    assert back.changed and sizes(WEB, SEOUL) == {"min": 2, "desired": 2, "max": 3}
    assert all(len(g["instances"]) == 2 for g in back["groups"])


def test_ungraceful_activation_with_seoul_down_calls_only_tokyo(emulator, topology, run_module):
    arm(run_module)
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = activate(run_module)
    assert result.changed and not result.failed, result.get("msg")
    for g in result["groups"]:
        assert g["capacity_source"] == "recorded" and g["after"] == {"min": 2, "desired": 2, "max": 3}
        assert len(g["instances"]) == 2
        assert all(i["lifecycle_state"] == "InService" for i in g["instances"])
        assert all(set(i["target_health"].values()) == {"healthy"} for i in g["instances"])
        assert g["timings"]["healthy"] is not None
    calls = emulator.requests(since)
    assert calls and {c["region"] for c in calls} == {TOKYO}
    again_since = emulator.last_seq()
    again = activate(run_module)
    assert not again.changed
    assert emulator.mutating_calls(since=again_since) == []


def test_groups_boot_concurrently_and_the_wait_covers_target_health(emulator, topology, run_module):
    arm(run_module)
    emulator.configure(latency={"instance_boot": 1.0})
    since = emulator.last_seq()
    result = activate(run_module)
    assert result.changed
    for g in result["groups"]:
        assert g["timings"]["healthy"] is not None and len(g["instances"]) == 2
        assert all(i["lifecycle_state"] == "InService" for i in g["instances"])
        assert all(set(i["target_health"].values()) == {"healthy"} for i in g["instances"])
    # Both groups are resized before the wait reads either (wall-time figures: bench_concurrent_waits.py).
    actions = [c["action"] for c in emulator.calls(since=since, region=TOKYO, service="autoscaling")]
    resizes = [n for n, action in enumerate(actions) if action == "UpdateAutoScalingGroup"]
    assert len(resizes) == 2 and "DescribeAutoScalingGroups" not in actions[resizes[0] : resizes[1]]
    assert "DescribeAutoScalingGroups" in actions[resizes[1] :]


def test_wait_false_starts_and_wait_true_waits_without_changing_again(emulator, topology, run_module):
    arm(run_module)
    emulator.configure(latency={"instance_boot": 60})
    started = activate(run_module, wait=False)
    assert started.changed
    states = {i["lifecycle_state"] for g in started["groups"] for i in g["instances"]}
    health = {s for g in started["groups"] for i in g["instances"] for s in i["target_health"].values()}
    assert states == {"Pending"} and health == {"initial"}
    emulator.settle()
    since = emulator.last_seq()
    finished = activate(run_module)
    assert not finished.changed
    assert {i["lifecycle_state"] for g in finished["groups"] for i in g["instances"]} == {"InService"}
    assert emulator.mutating_calls(since=since) == []


def test_wait_times_out_naming_the_groups(emulator, topology, run_module):
    arm(run_module)
    emulator.configure(latency={"instance_boot": 60})
    result = activate(run_module, wait_timeout=1)
    assert result.failed and "timed out" in result["msg"] and DR_WEB in result["msg"]
    assert f"not ready: {DR_APP}, {DR_WEB}" in result["msg"]  # one wait for both groups


def test_active_never_scales_in(emulator, topology, run_module):
    arm(run_module)
    boto3.client("autoscaling", region_name=TOKYO).update_auto_scaling_group(
        AutoScalingGroupName=DR_WEB, MinSize=3, MaxSize=3, DesiredCapacity=3
    )
    result = activate(run_module, check=True)
    web = result["groups"][0]
    assert web["after"] == {"min": 3, "desired": 3, "max": 3} and not web["changed"]


def test_active_as_a_percentage_of_the_primary(emulator, topology, run_module):
    boto3.client("autoscaling", region_name=SEOUL).update_auto_scaling_group(
        AutoScalingGroupName=WEB, MinSize=4, MaxSize=6, DesiredCapacity=4
    )
    args = dict(
        reference_region=SEOUL,
        capacity_percent=50,
        groups=[{"name": DR_WEB, "reference_group": WEB}, {"name": DR_APP, "reference_group": APP}],
    )
    predicted = activate(run_module, check=True, **args)
    assert [g["after"]["desired"] for g in predicted["groups"]] == [2, 1]
    assert predicted["groups"][0]["capacity_source"] == "reference (current)"
    # Graceful failover: Seoul is fenced first; its recorded capacity is the reference then.
    run_module("asg_pilot_light", dict(region=SEOUL, state="standby", groups=[{"name": WEB}, {"name": APP}]))
    result = activate(run_module, **args)
    assert result.changed and [g["after"]["desired"] for g in result["groups"]] == [2, 1]
    assert result["groups"][0]["capacity_source"] == "reference (recorded)"


BAD_INPUTS = [
    (dict(groups=[{"name": "no-such-group"}]), "no-such-group not found in ap-northeast-1"),
    (dict(groups=[{"name": DR_WEB}]), f"group {DR_WEB} has no recorded capacity"),
    (dict(groups=[{"name": DR_WEB, "desired_capacity": 2, "min_size": 3}]), "min <= desired <= max"),
    (dict(groups=[{"name": DR_WEB, "min_size": 1}]), "need desired_capacity too"),
    (dict(groups=[{"name": DR_WEB, "desired_capacity": -1}]), "must be 0 or more"),
    (dict(groups=[{"name": DR_WEB}, {"name": DR_WEB}]), "more than once"),
    (dict(capacity_percent=0, groups=[{"name": DR_WEB, "desired_capacity": 1}]), "capacity_percent must be"),
    (dict(groups=[{"name": DR_WEB, "reference_group": WEB}]), "needs reference_region"),
    (dict(reference_region=TOKYO, groups=[{"name": DR_WEB, "reference_group": WEB}]), "both ap-northeast-1"),
    (
        dict(reference_region=SEOUL, groups=[{"name": DR_WEB, "reference_group": "nope"}]),
        "reference group(s) nope not found in ap-northeast-2",
    ),
]


def test_bad_input_fails_before_any_change(emulator, topology, run_module):
    # One topology for all cases (nothing may change): missing group, no record, min above desired, min without
    # desired, negative size, duplicate, bad percent, no reference region, same region, missing reference.
    since = emulator.last_seq()
    for args, message in BAD_INPUTS:
        result = activate(run_module, **args)
        assert result.failed and message in result["msg"], (args, result.get("msg"))
    assert emulator.mutating_calls(since=since) == []


def test_unreadable_recorded_capacity_is_named(emulator, topology, run_module):
    boto3.client("autoscaling", region_name=TOKYO).create_or_update_tags(
        Tags=[
            {
                "ResourceId": DR_WEB,
                "ResourceType": "auto-scaling-group",
                "Key": "pilotlight:active-capacity",
                "Value": "two please",
                "PropagateAtLaunch": False,
            }
        ]
    )
    since = emulator.last_seq()
    result = activate(run_module, groups=[{"name": DR_WEB}])
    assert result.failed and "pilotlight:active-capacity" in result["msg"] and DR_WEB in result["msg"]
    assert emulator.mutating_calls(since=since) == []


def test_reference_region_down_is_a_clear_error(emulator, topology, run_module):
    emulator.region_down(SEOUL)
    result = activate(run_module, reference_region=SEOUL, groups=[{"name": DR_WEB, "reference_group": WEB}])
    assert result.failed and "leave reference_group out" in result["msg"]


def test_throttling_is_survived(emulator, topology, run_module):
    arm(run_module)
    emulator.add_fault("autoscaling", count=3)
    result = activate(run_module)
    assert result.changed and not result.failed, result.get("msg")
    assert sum(f["injected"] for f in emulator.faults()) == 3


def test_examples_run(emulator, run_examples):
    make_groups(TOKYO, [DR_WEB, DR_APP], desired=0)
    make_groups(SEOUL, [WEB, APP], desired=2)
    result = run_examples("asg_pilot_light", region=TOKYO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed=0" in result.stdout
    assert sizes(DR_WEB)["desired"] == 2 and sizes(WEB, SEOUL)["desired"] == 0
