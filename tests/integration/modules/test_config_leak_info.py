"""config_leak_info against the emulator: planted Seoul endpoints in Tokyo are found by key, never shown."""

import base64
import json

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
SEOUL_DB = "portforge-test-rds.c9abcdef.ap-northeast-2.rds.amazonaws.com"
PASSWORD = "Sup3r-s3cret-pw"
SEOUL_API = "https://internal-megaticket-nlb-1234.elb.ap-northeast-2.amazonaws.com:3001"
CLEAN_USER_DATA = "#!/bin/bash\nexport AWS_REGION='ap-northeast-1'\nexport PORT='3001'\n"
LEAKY_USER_DATA = CLEAN_USER_DATA + f"export INTERNAL_API_URL='{SEOUL_API}'\n"


def user_data(text):
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def tokyo(emulator):
    """Tokyo as a clean pilot light: launch templates, SSM parameters and a secret that point at Tokyo."""
    ec2 = boto3.client("ec2", region_name=TOKYO)
    for name in ("MegaTicket-DR-Web-LT", "MegaTicket-DR-App-LT"):
        ec2.create_launch_template(
            LaunchTemplateName=name,
            LaunchTemplateData={"ImageId": "ami-12345678", "UserData": user_data(CLEAN_USER_DATA)},
            TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "App", "Value": "megaticket"}]}],
        )
    ssm = boto3.client("ssm", region_name=TOKYO)
    ssm.put_parameter(Name="/megaticket/dr/recovery_started_at", Value="2026-12-06T00:00:00Z", Type="String")
    ssm.put_parameter(Name="/megaticket/api/key", Value="tokyo-only-key", Type="SecureString")
    secrets = boto3.client("secretsmanager", region_name=TOKYO)
    secrets.create_secret(
        Name="portforge/ai-service/rds",
        SecretString=json.dumps(
            {"host": "portforge-dr-rds-replica.c9abcdef.ap-northeast-1.rds.amazonaws.com", "password": PASSWORD}
        ),
    )
    # Seoul holds the primary's values: never read.
    boto3.client("secretsmanager", region_name=SEOUL).create_secret(
        Name="portforge/ai-service/rds", SecretString=json.dumps({"host": SEOUL_DB, "password": PASSWORD})
    )
    return dict(ec2=ec2, ssm=ssm, secrets=secrets)


def plant(tokyo):
    """A Seoul endpoint in the secret's JSON and in a newer (latest, not default) version of the web user data."""
    tokyo["secrets"].put_secret_value(
        SecretId="portforge/ai-service/rds", SecretString=json.dumps({"host": SEOUL_DB, "password": PASSWORD})
    )
    tokyo["ec2"].create_launch_template_version(
        LaunchTemplateName="MegaTicket-DR-Web-LT",
        SourceVersion="1",
        LaunchTemplateData={"UserData": user_data(LEAKY_USER_DATA)},
    )


ARGS = dict(
    region=TOKYO,
    primary_region=SEOUL,
    launch_template_filters={"tag:App": "megaticket"},
    ssm_paths=["/megaticket"],
    secrets=["portforge/ai-service/rds"],
    app_config={"AWS_REGION": TOKYO, "COGNITO_REGION": TOKYO, "COGNITO_USER_POOL_ID": "ap-northeast-1_AbCdEf"},
)


def statuses(result):
    return {source["source"]: source["status"] for source in result["sources"]}


def test_planted_seoul_endpoints_are_found_with_their_keys_and_never_shown(emulator, tokyo, run_module):
    plant(tokyo)
    since = emulator.last_seq()
    result = run_module("config_leak_info", ARGS, diff=True)
    assert not result.failed and not result.changed, result
    assert result["findings"] == [
        "launch template MegaTicket-DR-Web-LT v2 user data line 4: INTERNAL_API_URL (host name in ap-northeast-2)",
        "secret portforge/ai-service/rds: host (host name in ap-northeast-2)",
    ]
    assert statuses(result) == {
        "launch template MegaTicket-DR-App-LT": "clean",
        "launch template MegaTicket-DR-Web-LT": "leak",
        "SSM path /megaticket": "clean",
        "secret portforge/ai-service/rds": "leak",
        "app config": "clean",
    }
    assert result["leaked"] and not result["clean"] and "diff" not in result
    output = json.dumps(result)
    for value in (SEOUL_DB, PASSWORD, SEOUL_API, "tokyo-only-key", "c9abcdef"):
        assert value not in output
    calls = emulator.requests(since)
    assert calls and {call["region"] for call in calls} == {TOKYO}
    assert emulator.mutating_calls(since=since) == []


def test_a_clean_dr_configuration_passes_in_check_mode(emulator, tokyo, run_module):
    since = emulator.last_seq()
    result = run_module("config_leak_info", ARGS, check=True)
    assert not result.failed and not result.changed, result
    assert result["clean"] and not result["leaked"] and result["findings"] == [] and result["not_checked"] == []
    assert result["counts"] == {"clean": 5, "leak": 0, "switched": 0, "missing": 0, "not_checked": 0}
    assert {s["source"]: s["scanned"] for s in result["sources"]}["SSM path /megaticket"] == 2
    assert emulator.mutating_calls(since=since) == []


def test_switched_at_failover_is_a_warning_before_and_a_leak_after(emulator, tokyo, run_module):
    plant(tokyo)
    args = dict(
        ARGS,
        launch_template_filters={},
        secrets=["portforge/ai-service/rds"],
        switched_at_failover=["portforge/ai-service/rds"],
    )
    before = run_module("config_leak_info", args)
    assert (
        before["clean"]
        and before["findings"] == []
        and before["switched"] == ["secret portforge/ai-service/rds: host (host name in ap-northeast-2)"]
    )
    after = run_module("config_leak_info", dict(args, after_failover=True))
    assert after["leaked"] and after["findings"] == before["switched"] and after["switched"] == []


def test_a_failed_read_is_not_checked_never_clean(emulator, tokyo, run_module):
    plant(tokyo)
    # Only GetSecretValue answers 500 (after botocore's and AWSRetry's retries): the other sources are still read.
    emulator.add_fault("secretsmanager", error="500", actions=["GetSecretValue"], region=TOKYO)
    result = run_module("config_leak_info", dict(ARGS, launch_template_filters={}))
    assert not result.failed, result
    assert statuses(result) == {
        "SSM path /megaticket": "clean",
        "secret portforge/ai-service/rds": "not_checked",
        "app config": "clean",
    }
    assert not result["clean"] and not result["leaked"]
    assert result["not_checked"] == [
        "not checked: could not read secret portforge/ai-service/rds: cannot read the value of secret "
        "portforge/ai-service/rds in ap-northeast-1 (InternalFailure)"
    ]


def test_an_unreachable_dr_region_is_not_checked_never_clean(emulator, tokyo, run_module):
    emulator.region_down(TOKYO)
    result = run_module("config_leak_info", ARGS)
    assert not result.failed, result
    assert statuses(result) == {
        "launch templates matching tag:App=megaticket": "not_checked",
        "SSM path /megaticket": "not_checked",
        "secret portforge/ai-service/rds": "not_checked",
        "app config": "clean",
    }
    assert not result["clean"] and result["counts"]["not_checked"] == 3


def test_a_missing_source_and_bad_input(emulator, tokyo, run_module):
    result = run_module(
        "config_leak_info",
        dict(region=TOKYO, primary_region=SEOUL, secrets=["portforge/gone"], launch_templates=["FileFlow-LT"]),
    )
    assert result["missing"] == ["launch template FileFlow-LT", "secret portforge/gone"] and not result["clean"]
    since = emulator.last_seq()
    bad = run_module("config_leak_info", dict(region=TOKYO, primary_region=TOKYO, ssm_paths=["megaticket"]))
    assert bad.failed and "primary_region and region are both ap-northeast-1" in bad["msg"]
    assert "ssm_paths must start with '/'" in bad["msg"]
    assert emulator.requests(since) == []


def test_the_readiness_component_reports_the_leak_with_its_key(emulator, tokyo, run_module):
    plant(tokyo)
    spec = dict(
        name="config",
        region=TOKYO,
        primary_region=SEOUL,
        primary_reachable=False,
        options=dict(secrets=["portforge/ai-service/rds"], launch_templates=["MegaTicket-DR-App-LT"]),
    )
    result = run_module("readiness_info", dict(components=[spec]))
    checks = {c["check"]: c for c in result["checks"]}
    assert checks["config secret portforge/ai-service/rds"]["status"] == "fail"
    assert "portforge/ai-service/rds: host" in checks["config secret portforge/ai-service/rds"]["fix"]
    assert checks["config launch template MegaTicket-DR-App-LT"]["status"] == "pass"
    assert SEOUL_DB not in json.dumps(result) and PASSWORD not in json.dumps(result)


def test_examples_run(emulator, tokyo, run_examples):
    tokyo["ec2"].create_launch_template(
        LaunchTemplateName="MegaTicket-DR-Web-LT-2",
        LaunchTemplateData={"UserData": user_data(LEAKY_USER_DATA)},
        TagSpecifications=[
            {"ResourceType": "launch-template", "Tags": [{"Key": "Name", "Value": "MegaTicket-DR-Web-LT"}]}
        ],
    )
    result = run_examples("config_leak_info", region=TOKYO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "launch template MegaTicket-DR-Web-LT-2 v1 user data line 4: INTERNAL_API_URL" in result.stdout
    assert "clean=False, not checked: none" in result.stdout


def test_task_definitions_and_a_single_parameter_path(emulator, tokyo, run_module):
    tokyo["ssm"].put_parameter(Name="/shared/rds/dr/endpoint", Value=SEOUL_DB, Type="String")
    boto3.client("ecs", region_name=TOKYO).register_task_definition(
        family="fileflow",
        containerDefinitions=[
            {
                "name": "api",
                "image": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/fileflow:1.4",
                "memory": 512,
                "environment": [{"name": "DB_HOST", "value": SEOUL_DB}, {"name": "PORT", "value": "8080"}],
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-region": TOKYO}},
            }
        ],
    )
    result = run_module(
        "config_leak_info",
        dict(region=TOKYO, primary_region=SEOUL, ssm_paths=["/shared/rds/dr/endpoint"], task_definitions=["fileflow"]),
    )
    assert not result.failed, result
    assert result["findings"] == [
        "SSM parameter /shared/rds/dr/endpoint (host name in ap-northeast-2)",
        "task definition fileflow:1 container api: environment DB_HOST (host name in ap-northeast-2)",
    ]
    assert SEOUL_DB not in json.dumps(result)
