"""dr_ecs end to end on the emulator: dry run, provision, re-run, a changed primary task definition,
ungraceful failover with Seoul down, failback.

The molecule scenario covers converge/idempotence/readiness and the graceful path (fence first); this test
covers what needs the emulator's control API: a region outage and the request log.
"""

import json

import boto3
import yaml

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
APP = "fileflow"
IMAGE = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fileflow:1.4.2"


def _network(region, cidr):
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.10.0/24", AvailabilityZone=f"{region}a")["Subnet"][
        "SubnetId"
    ]
    group = ec2.create_security_group(GroupName=f"{APP}-app", Description="app", VpcId=vpc)["GroupId"]
    target_group = boto3.client("elbv2", region_name=region).create_target_group(
        Name=f"{APP}-{region[-1]}-tg", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    return subnet, group, target_group


def _register_primary(feature="off"):
    return boto3.client("ecs", region_name=SEOUL).register_task_definition(
        family=f"{APP}-prod",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="512",
        memory="1024",
        containerDefinitions=[
            {
                "name": "app",
                "image": IMAGE,
                "portMappings": [{"containerPort": 8080}],
                "environment": [
                    {"name": "AWS_REGION", "value": SEOUL},
                    {"name": "DB_HOST", "value": "db.seoul"},
                    {"name": "FEATURE", "value": feature},
                ],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]


def _seoul():
    subnet, group, target_group = _network(SEOUL, "10.0")
    ecs = boto3.client("ecs", region_name=SEOUL)
    ecs.create_cluster(clusterName=f"{APP}-prod-cluster")
    _register_primary()
    ecs.create_service(
        cluster=f"{APP}-prod-cluster",
        serviceName=f"{APP}-prod-service",
        taskDefinition=f"{APP}-prod",
        desiredCount=4,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        loadBalancers=[{"targetGroupArn": target_group, "containerName": "app", "containerPort": 8080}],
    )


def _tokyo():
    subnet, group, target_group = _network(TOKYO, "10.1")
    boto3.client("ecr", region_name=TOKYO).create_repository(repositoryName="fileflow")
    return {
        "pilotlight_app_name": APP,
        # The role on its own (no runbook): the regions come from the inventory's run-wide variables.
        "pilotlight_primary_region": SEOUL,
        "pilotlight_dr_region": TOKYO,
        "dr_ecs_subnet_ids": [subnet],
        "dr_ecs_security_group_ids": [group],
        "dr_ecs_services": [
            {
                "name": f"{APP}-dr-service",
                "primary_name": f"{APP}-prod-service",
                "task_definition": f"{APP}-dr",
                "primary_task_definition": f"{APP}-prod",
                "desired_count": 4,
                "target_group_arn": target_group,
                "container_name": "app",
                "container_port": 8080,
                "environment": {"DB_HOST": "db.tokyo"},
            }
        ],
    }


def _playbook(tmp_path, name, entry_points, variables, show=None):
    tasks = [
        {
            "name": f"dr_ecs {entry}",
            "ansible.builtin.include_role": {"name": "pilotlight.dr.dr_ecs", "tasks_from": entry},
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
            "name": f"dr_ecs {' + '.join(e for e, _dummy in entry_points)}",
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


def _service(region, cluster, name):
    service = boto3.client("ecs", region_name=region).describe_services(cluster=cluster, services=[name])["services"]
    return (service[0]["desiredCount"], service[0]["runningCount"], service[0]["taskDefinition"].rsplit("/", 1)[-1])


def test_provision_then_ungraceful_failover_without_seoul_then_failback(emulator, run_playbook, tmp_path):
    _seoul()
    variables = _tokyo()
    dr = (TOKYO, f"{APP}-dr-cluster", f"{APP}-dr-service")

    since = emulator.last_seq()
    dry = run_playbook(_playbook(tmp_path, "dry", [("main", {})], variables), "-i", "localhost,", check=True)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert emulator.mutating_calls(since=since) == []

    provision = run_playbook(_playbook(tmp_path, "provision", [("main", {})], variables), "-i", "localhost,")
    assert provision.returncode == 0, provision.stdout + provision.stderr
    assert _service(*dr) == (0, 0, f"{APP}-dr:1")
    since = emulator.last_seq()
    again = run_playbook(_playbook(tmp_path, "again", [("main", {})], variables), "-i", "localhost,")
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout + again.stderr
    assert emulator.mutating_calls(since=since) == []

    # The image is not in Tokyo's ECR yet: readiness says so and changes nothing; everything else passes.
    ready = _readiness(run_playbook, tmp_path, variables)
    assert ready["images_in_dr"]["status"] == "fail" and "fileflow:1.4.2" in ready["images_in_dr"]["reason"], ready
    assert [name for name, check in ready.items() if check["status"] != "pass"] == ["images_in_dr"]

    # A new primary revision: readiness names the stale DR revision; main registers a new one and points the
    # service at it.
    _register_primary(feature="on")
    stale = _readiness(run_playbook, tmp_path, variables)
    assert stale["task_definitions_current"]["status"] == "fail"
    assert f"{APP}-dr differs from {APP}-prod:2" in stale["task_definitions_current"]["reason"]
    update = run_playbook(_playbook(tmp_path, "update", [("main", {})], variables), "-i", "localhost,")
    assert update.returncode == 0, update.stdout + update.stderr
    assert _service(*dr) == (0, 0, f"{APP}-dr:2")

    # Ungraceful failover: Seoul is unreachable. Start the tasks, then wait in a second step.
    emulator.configure(latency={"task_start": 1})
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    failover = run_playbook(
        _playbook(
            tmp_path,
            "failover",
            [("failover", {"dr_ecs_wait": False}), ("failover", {"dr_ecs_wait": True})],
            {**variables, "pilotlight_primary_reachable": False},
        ),
        "-i",
        "localhost,",
    )
    assert failover.returncode == 0, failover.stdout + failover.stderr
    assert "changed=1" in failover.stdout  # the second (waiting) run changes nothing
    calls = emulator.requests(since)
    assert calls and not [c for c in calls if c["region"] == SEOUL]
    assert _service(*dr) == (4, 4, f"{APP}-dr:2")

    emulator.region_up(SEOUL)
    failback = run_playbook(_playbook(tmp_path, "failback", [("failback", {})], variables), "-i", "localhost,")
    assert failback.returncode == 0, failback.stdout + failback.stderr
    assert _service(*dr)[:2] == (0, 0)
    assert _service(SEOUL, f"{APP}-prod-cluster", f"{APP}-prod-service")[:2] == (4, 4)
