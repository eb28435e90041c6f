"""dr_compute end to end on the emulator: dry run, provision, ungraceful failover with Seoul down, failback.

The molecule scenario covers converge/idempotence/readiness and the graceful path; this test covers
what needs the emulator's control API: a region outage and the request log.
"""

import json

import boto3
import yaml

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
APP = "megaticket"


def _seoul():
    ec2 = boto3.client("ec2", region_name=SEOUL)
    images = {}
    for role in ("web", "app"):
        image_id = ec2.register_image(Name=f"{APP}-{role}-golden-1")["ImageId"]
        ec2.create_tags(Resources=[image_id], Tags=[{"Key": "Golden", "Value": "true"}, {"Key": "Role", "Value": role}])
        images[role] = image_id
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.10.0/24", AvailabilityZone=f"{SEOUL}a")["Subnet"]["SubnetId"]
    autoscaling = boto3.client("autoscaling", region_name=SEOUL)
    for role in ("Web", "App"):
        ec2.create_launch_template(
            LaunchTemplateName=f"{APP}-{role}-LT",
            LaunchTemplateData={"ImageId": images[role.lower()], "InstanceType": "t3.medium"},
        )
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=f"{APP}-{role}-ASG",
            LaunchTemplate={"LaunchTemplateName": f"{APP}-{role}-LT"},
            MinSize=2,
            MaxSize=3,
            DesiredCapacity=2,
            VPCZoneIdentifier=subnet,
        )


def _tokyo():
    ec2 = boto3.client("ec2", region_name=TOKYO)
    elbv2 = boto3.client("elbv2", region_name=TOKYO)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{TOKYO}{az}")["Subnet"]["SubnetId"]
        for cidr, az in (("10.1.10.0/24", "a"), ("10.1.11.0/24", "c"))
    ]
    groups = {
        role: ec2.create_security_group(GroupName=f"{APP}-DR-{role}-SG", Description=role, VpcId=vpc)["GroupId"]
        for role in ("web", "app")
    }
    target_groups = {
        role: elbv2.create_target_group(Name=f"{APP}-DR-{role}-TG", Protocol="HTTP", Port=port, VpcId=vpc)[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for role, port in (("web", 3000), ("app", 3001))
    }
    return {
        "pilotlight_app_name": APP,
        # The role on its own (no runbook): the regions come from the inventory's run-wide variables.
        "pilotlight_primary_region": SEOUL,
        "pilotlight_dr_region": TOKYO,
        "dr_compute_subnet_ids": subnets,
        "dr_compute_web_security_group_ids": [groups["web"]],
        "dr_compute_app_security_group_ids": [groups["app"]],
        "dr_compute_web_target_group_arns": [target_groups["web"]],
        "dr_compute_app_target_group_arns": [target_groups["app"]],
    }


def _playbook(tmp_path, name, entry_points, variables, show=None):
    tasks = [
        {
            "name": f"dr_compute {entry}",
            "ansible.builtin.include_role": {"name": "pilotlight.dr.dr_compute", "tasks_from": entry},
            "vars": extra,
        }
        for entry, extra in entry_points
    ]
    if show:
        tasks.append(
            {
                "name": "show",
                "ansible.builtin.copy": {
                    "content": "{{ " + show + " | to_json }}",
                    "dest": str(tmp_path / f"{name}.json"),
                    "mode": "0600",
                },
            }
        )
    plays = [
        {
            "name": f"dr_compute {' + '.join(e for e, _dummy in entry_points)}",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": variables,
            "tasks": tasks,
        }
    ]
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump(plays, sort_keys=False))
    return str(path)


def _readiness(run_playbook, tmp_path, variables):
    result = run_playbook(
        _playbook(tmp_path, "readiness", [("readiness", {})], variables, show="dr_readiness_results"),
        "-i",
        "localhost,",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {check["check"]: check for check in json.loads((tmp_path / "readiness.json").read_text())}


def _desired(region, names):
    groups = boto3.client("autoscaling", region_name=region).describe_auto_scaling_groups(AutoScalingGroupNames=names)[
        "AutoScalingGroups"
    ]
    return {
        g["AutoScalingGroupName"]: (g["DesiredCapacity"], sorted({i["LifecycleState"] for i in g["Instances"]}))
        for g in groups
    }


def test_provision_then_ungraceful_failover_without_seoul_then_failback(emulator, run_playbook, tmp_path):
    _seoul()
    variables = _tokyo()
    dr_groups = [f"{APP}-DR-Web-ASG", f"{APP}-DR-App-ASG"]

    since = emulator.last_seq()
    dry = run_playbook(_playbook(tmp_path, "dry", [("main", {})], variables), "-i", "localhost,", check=True)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert emulator.mutating_calls(since=since) == []

    provision = run_playbook(_playbook(tmp_path, "provision", [("main", {})], variables), "-i", "localhost,")
    assert provision.returncode == 0, provision.stdout + provision.stderr
    assert _desired(TOKYO, dr_groups) == {name: (0, []) for name in dr_groups}
    ready = _readiness(run_playbook, tmp_path, variables)
    assert all(check["passed"] for check in ready.values()), ready
    assert set(ready) == {"amis_copied", "launch_templates", "groups_standby"}

    # A newer golden AMI in Seoul: readiness names it, without failing or changing anything.
    ec2 = boto3.client("ec2", region_name=SEOUL)
    newer = ec2.register_image(Name=f"{APP}-web-golden-2")["ImageId"]
    ec2.create_tags(Resources=[newer], Tags=[{"Key": "Golden", "Value": "true"}, {"Key": "Role", "Value": "web"}])
    since = emulator.last_seq()
    stale = _readiness(run_playbook, tmp_path, variables)
    assert emulator.mutating_calls(since=since) == []
    assert not stale["amis_copied"]["passed"] and newer in stale["amis_copied"]["reason"]
    assert not stale["launch_templates"]["passed"] and f"{APP}-DR-Web-LT" in stale["launch_templates"]["reason"]
    assert stale["groups_standby"]["passed"]
    ec2.deregister_image(ImageId=newer)

    # Ungraceful failover: Seoul is unreachable. Start the scaling, then wait in a second step.
    emulator.configure(latency={"instance_boot": 1})
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    failover = run_playbook(
        _playbook(
            tmp_path,
            "failover",
            [("failover", {"dr_compute_wait": False}), ("failover", {"dr_compute_wait": True})],
            variables,
        ),
        "-i",
        "localhost,",
    )
    assert failover.returncode == 0, failover.stdout + failover.stderr
    assert "changed=1" in failover.stdout  # the second (waiting) run changes nothing
    calls = emulator.requests(since)
    assert calls and not [c for c in calls if c["region"] == SEOUL]
    assert _desired(TOKYO, dr_groups) == {name: (2, ["InService"]) for name in dr_groups}

    emulator.region_up(SEOUL)
    failback = run_playbook(_playbook(tmp_path, "failback", [("failback", {})], variables), "-i", "localhost,")
    assert failback.returncode == 0, failback.stdout + failback.stderr
    assert _desired(TOKYO, dr_groups) == {name: (0, []) for name in dr_groups}
    primary = [f"{APP}-Web-ASG", f"{APP}-App-ASG"]
    assert _desired(SEOUL, primary) == {name: (2, ["InService"]) for name in primary}
