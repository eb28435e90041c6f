"""rds_replica state=promoted: the promoted instance's resilience (Multi-AZ, backups) and the endpoint it
publishes where the application reads it (SSM parameters, the host field of JSON secrets)."""

import json

import boto3
import pytest

from tests.integration.modules.test_rds_replica import REPLICA
from tests.integration.modules.test_rds_replica import SEOUL
from tests.integration.modules.test_rds_replica import SOURCE
from tests.integration.modules.test_rds_replica import TOKYO
from tests.integration.modules.test_rds_replica import describe
from tests.integration.modules.test_rds_replica import make_source
from tests.integration.modules.test_rds_replica import present

PARAMETER = "/shared/rds/dr/endpoint"
SECRET = "portforge/ai-service/rds"
STALE = {"engine": "postgres", "host": "portforge-test-rds.seoul.example", "port": "5432", "password": "s3cr3t-value"}
PUBLISH = {
    "ssm_parameters": [{"name": PARAMETER, "format": "address_port"}],
    "secrets": [{"name": SECRET, "port_key": "port"}],
}


def ssm(region=TOKYO):
    return boto3.client("ssm", region_name=region)


def secrets(region=TOKYO):
    return boto3.client("secretsmanager", region_name=region)


def secret_value(name=SECRET, region=TOKYO):
    return json.loads(secrets(region).get_secret_value(SecretId=name)["SecretString"])


def promoted(**extra):
    args = dict(
        region=TOKYO,
        db_instance_identifier=REPLICA,
        state="promoted",
        backup_retention_period=7,
        multi_az=True,
        multi_az_wait=False,
        publish_endpoint=PUBLISH,
    )
    args.update(extra)
    return args


@pytest.fixture
def replica_and_targets(emulator, run_module):
    make_source(encrypted=False)
    assert not run_module("rds_replica", present()).failed
    ssm().put_parameter(Name=PARAMETER, Value="portforge-test-rds.seoul.example:5432", Type="String")
    secrets().create_secret(Name=SECRET, SecretString=json.dumps(STALE))
    return describe(TOKYO, REPLICA)


def test_promotion_publishes_the_endpoint_and_turns_multi_az_on(emulator, replica_and_targets, run_module):
    assert replica_and_targets["MultiAZ"] is False
    since = emulator.last_seq()
    check = run_module("rds_replica", promoted(), check=True, diff=True)
    assert check.changed and not check.failed, check
    assert emulator.mutating_calls(since=since) == []
    assert check["db_instance"]["multi_az"] is True and check["db_instance"]["backup_retention_period"] == 7
    assert [t["changed"] for t in check["endpoint_publication"]["targets"]] == [True, True]
    assert check["diff"]["after"]["endpoint_published_to"] == [f"secret:{SECRET}", f"ssm:{PARAMETER}"]

    result = run_module("rds_replica", promoted(), diff=True)
    assert result.changed and not result.failed, result
    instance = describe(TOKYO, REPLICA)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in instance
    assert instance["MultiAZ"] is True and instance["BackupRetentionPeriod"] == 7
    address, port = instance["Endpoint"]["Address"], instance["Endpoint"]["Port"]
    assert ssm().get_parameter(Name=PARAMETER)["Parameter"]["Value"] == f"{address}:{port}"
    # host and port set (the port keeps its string type), every other field kept
    assert secret_value() == dict(STALE, host=address, port=str(port))
    assert result["endpoint_publication"]["address"] == address
    # names only: no value of the secret anywhere in the result
    assert "s3cr3t-value" not in json.dumps(result) and "seoul.example" not in json.dumps(result)
    assert result["diff"]["before"]["endpoint_published_to"] == []
    assert result["diff"]["after"]["endpoint_published_to"] == [f"secret:{SECRET}", f"ssm:{PARAMETER}"]
    writes = {c["action"] for c in emulator.mutating_calls(since=since)}
    assert {"PromoteReadReplica", "ModifyDBInstance", "PutParameter", "PutSecretValue"} <= writes

    rerun = emulator.last_seq()
    again = run_module("rds_replica", promoted(), diff=True)
    assert not again.changed and not again.failed, again
    assert emulator.mutating_calls(since=rerun) == []
    assert [t["changed"] for t in again["endpoint_publication"]["targets"]] == [False, False]
    assert again["diff"]["after"]["endpoint_published_to"] == []


def test_a_target_that_cannot_be_written_stops_the_promotion_before_it_starts(emulator, run_module):
    make_source(encrypted=False)
    assert not run_module("rds_replica", present()).failed
    secrets(SEOUL).create_secret(Name=SECRET, SecretString=json.dumps(STALE), AddReplicaRegions=[{"Region": TOKYO}])
    secrets(TOKYO).create_secret(Name="not-json", SecretString="plain text")
    since = emulator.last_seq()
    spec = {
        "ssm_parameters": [{"name": "/missing"}],
        "secrets": [{"name": SECRET}, {"name": "not-json"}, {"name": "absent"}],
    }
    result = run_module("rds_replica", promoted(publish_endpoint=spec))
    assert result.failed
    for words in (
        "SSM parameter /missing not found in ap-northeast-1",
        f"secret {SECRET} in ap-northeast-1 is a replica of the secret in ap-northeast-2",
        "secret not-json in ap-northeast-1 does not hold a JSON object",
        "secret absent not found in ap-northeast-1",
    ):
        assert words in result["msg"], result["msg"]
    assert "plain text" not in json.dumps(result)
    assert emulator.mutating_calls(since=since) == []
    assert "ReadReplicaSourceDBInstanceIdentifier" in describe(TOKYO, REPLICA)


def test_failback_points_the_primary_secret_back_at_the_primary(emulator, replica_and_targets, run_module):
    assert not run_module("rds_replica", promoted(publish_endpoint=None)).failed
    tokyo_address = describe(TOKYO, REPLICA)["Endpoint"]["Address"]
    # after a failover, the primary's secret holds what DR wrote (dr_secrets copies the DR values back)
    secrets(SEOUL).create_secret(Name=SECRET, SecretString=json.dumps(dict(STALE, host=tokyo_address)))
    args = dict(
        region=SEOUL,
        db_instance_identifier=SOURCE,
        state="failed_back",
        source_db_instance_identifier=REPLICA,
        source_region=TOKYO,
        drain_timeout=60,
        publish_endpoint={"secrets": [{"name": SECRET}]},
    )
    result = run_module("rds_replica", args)
    assert result.changed and not result.failed, result
    primary = describe(SEOUL, SOURCE)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in primary
    assert secret_value(region=SEOUL) == dict(STALE, host=primary["Endpoint"]["Address"])
    assert result["endpoint_publication"]["region"] == SEOUL
    since = emulator.last_seq()
    again = run_module("rds_replica", args)
    assert not again.changed and not again.failed, again
    assert emulator.mutating_calls(since=since) == []
