"""Secrets Manager replicas: each test fails on plain moto and passes on the emulator."""

import boto3
import botocore.exceptions
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
NAME = "portforge/ai-service/rds"


def sm(region):
    return boto3.client("secretsmanager", region_name=region)


def dr_key():
    return boto3.client("kms", region_name=TOKYO).create_key(Description="secrets dr")["KeyMetadata"]["Arn"]


def replicated(emulator, key=None, value='{"password": "seoul-1"}'):
    sm(SEOUL).create_secret(Name=NAME, SecretString=value)
    region = {"Region": TOKYO, **({"KmsKeyId": key} if key else {})}
    sm(SEOUL).replicate_secret_to_regions(SecretId=NAME, AddReplicaRegions=[region])
    emulator.settle()


def status(region=TOKYO):
    return [s for s in sm(SEOUL).describe_secret(SecretId=NAME).get("ReplicationStatus", []) if s["Region"] == region]


def test_replica_uses_the_kms_key_of_its_region_and_follows_the_primary(gap_emulator):
    key = dr_key()
    sm(SEOUL).create_secret(Name=NAME, SecretString="v1")
    started = sm(SEOUL).replicate_secret_to_regions(
        SecretId=NAME, AddReplicaRegions=[{"Region": TOKYO, "KmsKeyId": key}]
    )
    assert started["ReplicationStatus"][0]["Status"] == "InProgress"
    gap_emulator.settle()
    assert status() == [
        {"Region": TOKYO, "KmsKeyId": key, "Status": "InSync", "StatusMessage": "Replication succeeded"}
    ]
    replica = sm(TOKYO).describe_secret(SecretId=NAME)
    assert (replica["KmsKeyId"], replica["PrimaryRegion"]) == (key, SEOUL)
    sm(SEOUL).put_secret_value(SecretId=NAME, SecretString="v2")
    assert sm(TOKYO).get_secret_value(SecretId=NAME)["SecretString"] == "v2"


def test_unknown_kms_key_in_the_replica_region_fails_that_region(gap_emulator):
    sm(SEOUL).create_secret(Name=NAME, SecretString="v1")
    sm(SEOUL).replicate_secret_to_regions(
        SecretId=NAME, AddReplicaRegions=[{"Region": TOKYO, "KmsKeyId": "alias/no-such-key"}]
    )
    gap_emulator.settle()
    assert status()[0]["Status"] == "Failed"
    assert "disabled or not found" in status()[0]["StatusMessage"]
    assert sm(TOKYO).list_secrets()["SecretList"] == []


def test_stop_replication_promotes_the_replica_to_a_standalone_secret(gap_emulator):
    key = dr_key()
    replicated(gap_emulator, key)
    replica_arn = sm(TOKYO).describe_secret(SecretId=NAME)["ARN"]
    assert sm(TOKYO).stop_replication_to_replica(SecretId=NAME)["ARN"] == replica_arn
    standalone = sm(TOKYO).describe_secret(SecretId=NAME)
    assert standalone.get("PrimaryRegion", TOKYO) == TOKYO
    assert standalone["KmsKeyId"] == key
    assert status() == []
    assert sm(TOKYO).get_secret_value(SecretId=NAME)["SecretString"] == '{"password": "seoul-1"}'
    sm(SEOUL).put_secret_value(SecretId=NAME, SecretString="seoul-2")  # no longer reaches Tokyo
    sm(TOKYO).put_secret_value(SecretId=NAME, SecretString="tokyo-1")  # Tokyo is writable now
    assert sm(TOKYO).get_secret_value(SecretId=NAME)["SecretString"] == "tokyo-1"
    assert sm(SEOUL).get_secret_value(SecretId=NAME)["SecretString"] == "seoul-2"


def test_stop_replication_works_while_the_primary_region_is_down(gap_emulator):
    replicated(gap_emulator)
    gap_emulator.region_down(SEOUL)
    since = gap_emulator.last_seq()
    sm(TOKYO).stop_replication_to_replica(SecretId=NAME)
    assert sm(TOKYO).describe_secret(SecretId=NAME).get("PrimaryRegion", TOKYO) == TOKYO
    assert sm(TOKYO).get_secret_value(SecretId=NAME)["SecretString"] == '{"password": "seoul-1"}'
    assert gap_emulator.calls(since, region=SEOUL) == []


def test_stop_replication_on_a_secret_that_is_not_a_replica_is_refused(gap_emulator):
    sm(SEOUL).create_secret(Name=NAME, SecretString="v1")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sm(SEOUL).stop_replication_to_replica(SecretId=NAME)
    assert caught.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "not a replica" in caught.value.response["Error"]["Message"]


def test_same_name_secret_in_the_target_region_needs_force_overwrite(gap_emulator):
    sm(TOKYO).create_secret(Name=NAME, SecretString="tokyo-standalone")
    sm(SEOUL).create_secret(Name=NAME, SecretString="seoul")
    sm(SEOUL).replicate_secret_to_regions(SecretId=NAME, AddReplicaRegions=[{"Region": TOKYO}])
    gap_emulator.settle()
    assert status()[0]["Status"] == "Failed"
    assert status()[0]["StatusMessage"] == "Secret with this name already exists in this region"
    assert sm(TOKYO).get_secret_value(SecretId=NAME)["SecretString"] == "tokyo-standalone"
    sm(SEOUL).replicate_secret_to_regions(
        SecretId=NAME, AddReplicaRegions=[{"Region": TOKYO}], ForceOverwriteReplicaSecret=True
    )
    gap_emulator.settle()
    assert [s["Status"] for s in status()] == ["InSync"]
    assert sm(TOKYO).get_secret_value(SecretId=NAME)["SecretString"] == "seoul"
    assert sm(TOKYO).describe_secret(SecretId=NAME)["PrimaryRegion"] == SEOUL


def test_replicating_to_a_region_that_already_has_the_replica_is_refused(gap_emulator):
    replicated(gap_emulator)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sm(SEOUL).replicate_secret_to_regions(SecretId=NAME, AddReplicaRegions=[{"Region": TOKYO}])
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    assert len(status()) == 1


def test_failback_re_replicates_over_the_promoted_secret(gap_emulator):
    replicated(gap_emulator, dr_key())
    sm(TOKYO).stop_replication_to_replica(SecretId=NAME)
    sm(TOKYO).put_secret_value(SecretId=NAME, SecretString="written-in-dr")
    sm(SEOUL).put_secret_value(SecretId=NAME, SecretString="written-in-dr")  # copy back, then re-arm
    sm(SEOUL).replicate_secret_to_regions(
        SecretId=NAME, AddReplicaRegions=[{"Region": TOKYO}], ForceOverwriteReplicaSecret=True
    )
    gap_emulator.settle()
    assert sm(TOKYO).describe_secret(SecretId=NAME)["PrimaryRegion"] == SEOUL
    assert sm(TOKYO).get_secret_value(SecretId=NAME)["SecretString"] == "written-in-dr"
