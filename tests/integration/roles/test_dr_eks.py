"""dr_eks end to end on the emulator: dry run, provision (creating the cluster and node group when asked), re-run,
ungraceful failover with Seoul down (ConfigMap rendered, not applied without a kubeconfig), failback, graceful fence.

The molecule scenario covers converge/idempotence/readiness and the graceful path; this test covers what needs the
emulator's control API: a region outage and the request log.
"""

import json

import boto3
import yaml

from tests.demo.portforge_eks import scaling

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
APP = "portforge"
ROLE = "arn:aws:iam::123456789012:role/eks"


def _network(region, cidr):
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
    return ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.10.0/24", AvailabilityZone=f"{region}a")["Subnet"][
        "SubnetId"
    ]


def _seoul():
    subnet = _network(SEOUL, "10.0")
    eks = boto3.client("eks", region_name=SEOUL)
    eks.create_cluster(name=f"{APP}-prod", roleArn=ROLE, resourcesVpcConfig={"subnetIds": [subnet]})
    eks.create_nodegroup(
        clusterName=f"{APP}-prod",
        nodegroupName=f"{APP}-prod-nodes",
        nodeRole=ROLE,
        subnets=[subnet],
        scalingConfig={"minSize": 2, "maxSize": 6, "desiredSize": 3},
    )


def _variables(tmp_path):
    return {
        "pilotlight_app_name": APP,
        "pilotlight_primary_region": SEOUL,
        "pilotlight_dr_region": TOKYO,
        "dr_eks_create_cluster": True,
        "dr_eks_cluster_role_arn": ROLE,
        "dr_eks_create_nodegroups": True,
        "dr_eks_node_role_arn": ROLE,
        "dr_eks_subnet_ids": [_network(TOKYO, "10.1")],
        "dr_eks_nodegroups": [
            {"name": f"{APP}-dr-nodes", "primary_name": f"{APP}-prod-nodes", "desired_size": 3, "max_size": 6}
        ],
        "dr_eks_configmap_name": "auth-config",
        "dr_eks_configmap_namespace": "auth",
        "dr_eks_configmap_data": {
            "COGNITO_REGION": TOKYO,
            "COGNITO_USER_POOL_ID": f"{TOKYO}_DRPOOL01",
            "COGNITO_APP_CLIENT_ID": "tokyo-app-client-id",
            "AWS_REGION": TOKYO,
            "DB_HOST": "portforge-dr-db.abc.ap-northeast-1.rds.amazonaws.com",
        },
        "dr_eks_report_dir": str(tmp_path / "reports"),
    }


def _playbook(tmp_path, name, entry_points, variables, show=None):
    tasks = [
        {
            "name": f"dr_eks {entry}",
            "ansible.builtin.include_role": {"name": "pilotlight.dr.dr_eks", "tasks_from": entry},
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
            "name": f"dr_eks {name}",
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


def test_provision_then_ungraceful_failover_without_seoul_then_failback(emulator, run_playbook, tmp_path):
    _seoul()
    variables = _variables(tmp_path)
    dr = (TOKYO, f"{APP}-dr", f"{APP}-dr-nodes")

    since = emulator.last_seq()
    dry = run_playbook(_playbook(tmp_path, "dry", [("main", {})], variables), "-i", "localhost,", check=True)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert emulator.mutating_calls(since=since) == []

    provision = run_playbook(_playbook(tmp_path, "provision", [("main", {})], variables), "-i", "localhost,")
    assert provision.returncode == 0, provision.stdout + provision.stderr
    assert scaling(*dr) == (0, 0, 6)
    since = emulator.last_seq()
    again = run_playbook(_playbook(tmp_path, "again", [("main", {})], variables), "-i", "localhost,")
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout + again.stderr
    assert emulator.mutating_calls(since=since) == []

    ready = run_playbook(
        _playbook(tmp_path, "readiness", [("readiness", {})], variables, show="dr_readiness_results"),
        "-i",
        "localhost,",
    )
    assert ready.returncode == 0, ready.stdout + ready.stderr
    statuses = {c["check"]: c["status"] for c in json.loads((tmp_path / "readiness.json").read_text())}
    assert statuses == {
        "cluster": "pass",
        "nodegroups_standby": "pass",
        "primary_nodegroups": "pass",
        "app_config": "pass",
    }

    # Ungraceful failover: Seoul is unreachable. Scale, then wait in a second step.
    emulator.configure(latency={"node_ready": 1})
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    failover = run_playbook(
        _playbook(
            tmp_path,
            "failover",
            [("failover", {"dr_eks_wait": False}), ("failover", {"dr_eks_wait": True})],
            {**variables, "pilotlight_primary_reachable": False},
            show="dr_eks_failover_result",
        ),
        "-i",
        "localhost,",
    )
    assert failover.returncode == 0, failover.stdout + failover.stderr
    calls = emulator.requests(since)
    assert calls and not [c for c in calls if c["region"] == SEOUL]
    assert scaling(*dr) == (3, 3, 6)
    result = json.loads((tmp_path / "failover.json").read_text())
    assert result["nodegroups"][0]["ready_nodes"] == 3 and result["configmap_applied"] is False
    manifest = yaml.safe_load((tmp_path / "reports" / f"eks-configmap-{APP}-dr.yml").read_text())
    assert manifest["kind"] == "ConfigMap" and manifest["metadata"] == {
        "name": "auth-config",
        "namespace": "auth",
        "labels": {"app.kubernetes.io/managed-by": "pilotlight.dr"},
    }
    assert manifest["data"]["COGNITO_USER_POOL_ID"] == f"{TOKYO}_DRPOOL01" and manifest["data"]["AWS_REGION"] == TOKYO
    assert "Apply the DR ConfigMap" in failover.stdout and "skipping" in failover.stdout
    # rendered once, on the waited pass (the runbook promotes the database and the pool between the two passes)
    assert failover.stdout.count("Render the DR ConfigMap") == 1, failover.stdout
    since = emulator.last_seq()
    rerun = run_playbook(
        _playbook(tmp_path, "rerun", [("failover", {})], {**variables, "pilotlight_primary_reachable": False}),
        "-i",
        "localhost,",
    )
    assert rerun.returncode == 0 and "changed=0" in rerun.stdout, rerun.stdout + rerun.stderr
    assert emulator.mutating_calls(since=since) == []

    emulator.region_up(SEOUL)
    failback = run_playbook(_playbook(tmp_path, "failback", [("failback", {})], variables), "-i", "localhost,")
    assert failback.returncode == 0, failback.stdout + failback.stderr
    assert scaling(*dr) == (0, 0, 6)
    assert scaling(SEOUL, f"{APP}-prod", f"{APP}-prod-nodes") == (2, 3, 6)


def test_graceful_fence_scales_the_primary_first_and_check_mode_changes_nothing(emulator, run_playbook, tmp_path):
    _seoul()
    variables = _variables(tmp_path)
    provision = run_playbook(_playbook(tmp_path, "provision", [("main", {})], variables), "-i", "localhost,")
    assert provision.returncode == 0, provision.stdout + provision.stderr

    since = emulator.last_seq()
    dry = run_playbook(
        _playbook(tmp_path, "dry", [("fence", {}), ("failover", {}), ("failback", {})], variables),
        "-i",
        "localhost,",
        check=True,
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert emulator.mutating_calls(since=since) == []

    since = emulator.last_seq()
    graceful = run_playbook(
        _playbook(
            tmp_path, "graceful", [("fence", {}), ("failover", {"dr_eks_capacity_from_primary": True})], variables
        ),
        "-i",
        "localhost,",
    )
    assert graceful.returncode == 0, graceful.stdout + graceful.stderr
    updates = [c for c in emulator.mutating_calls(since=since) if c.get("action") == "UpdateNodegroupConfig"]
    assert [c["region"] for c in updates] == [SEOUL, TOKYO]
    assert scaling(SEOUL, f"{APP}-prod", f"{APP}-prod-nodes") == (0, 0, 6)
    assert scaling(TOKYO, f"{APP}-dr", f"{APP}-dr-nodes")[1] == 3
