"""secretsmanager_replica against the emulator: replicate, promote (DR only), re-replicate on failback."""

import json

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
SECRETS = ["portforge/ai-service/rds", "portforge/slack-bot/tokens", "portforge/aws/bedrock-credentials"]
VALUES = {name: f'{{"value": "seoul-{i}-do-not-print"}}' for i, name in enumerate(SECRETS)}


def sm(region):
    return boto3.client("secretsmanager", region_name=region)


@pytest.fixture
def primaries(emulator):
    for name in SECRETS:
        sm(SEOUL).create_secret(Name=name, SecretString=VALUES[name])


@pytest.fixture
def dr_key(primaries):
    """The DR KMS key (only where a test needs it: moto makes an RSA key pair for every key, slowly)."""
    kms = boto3.client("kms", region_name=TOKYO)
    key = kms.create_key(Description="dr secrets")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/portforge-dr-secrets", TargetKeyId=key)
    return key


DR_KEY = {"kms_key_id": "alias/portforge-dr-secrets"}


def present(**extra):
    args = dict(region=TOKYO, source_region=SEOUL, secrets=list(SECRETS))
    args.update(extra)
    return args


def promoted(**extra):
    args = dict(region=TOKYO, state="promoted", secrets=list(SECRETS))
    args.update(extra)
    return args


def assert_no_values(result):
    text = json.dumps(result)
    assert "do-not-print" not in text and "written-in-dr" not in text


def actions(emulator, since, action):
    return [c for c in emulator.calls(since) if c["action"] == action]


@pytest.fixture
def replicated(primaries, run_module):
    result = run_module("secretsmanager_replica", present())
    assert result.changed and not result.failed, result
    return primaries


def test_check_mode_then_apply_then_rerun(emulator, dr_key, run_module):
    since = emulator.last_seq()
    check = run_module("secretsmanager_replica", present(**DR_KEY), check=True, diff=True)
    assert check.changed and not check.failed, check
    assert emulator.mutating_calls(since=since) == []
    assert [s["action"] for s in check["secrets"]] == ["replicate"] * 3
    assert {s["status"] for s in check["secrets"]} == {"InSync"}
    assert check["diff"]["before"][SECRETS[0]]["status"] is None
    assert check["diff"]["after"][SECRETS[0]]["status"] == "InSync"

    result = run_module("secretsmanager_replica", present(**DR_KEY), diff=True)
    assert result.changed and not result.failed, result
    assert [(s["name"], s["status"], s["kms_key_id"]) for s in result["secrets"]] == [
        (name, "InSync", "alias/portforge-dr-secrets") for name in SECRETS
    ]
    for name in SECRETS:
        replica = sm(TOKYO).describe_secret(SecretId=name)
        assert replica["PrimaryRegion"] == SEOUL and replica["KmsKeyId"] == "alias/portforge-dr-secrets"
        assert sm(TOKYO).get_secret_value(SecretId=name)["SecretString"] == VALUES[name]
    assert result["secrets"][0]["arn"].split(":")[3] == TOKYO
    assert_no_values(result)

    since = emulator.last_seq()
    again = run_module("secretsmanager_replica", present(**DR_KEY), diff=True)
    assert not again.changed and not again.failed, again
    assert emulator.mutating_calls(since=since) == []
    assert again["diff"]["before"] == again["diff"]["after"]


def test_bad_input_fails_before_any_change(emulator, primaries, run_module):
    sm(TOKYO).create_secret(Name="portforge/tokyo-only", SecretString="x")
    sm(SEOUL).create_secret(Name="portforge/tokyo-only", SecretString="y")
    cases = [
        (present(secrets=SECRETS + ["nope"]), "secret nope not found in ap-northeast-2"),
        (present(source_region=TOKYO), "are both ap-northeast-1"),
        (present(source_region=None), "needs source_region"),
        (present(copy_back_value=True), "copy_back_value needs overwrite=true"),
        (present(secrets=[SECRETS[0], SECRETS[0]]), "more than once"),
        (present(secrets=[]), "at least one secret"),
        (present(kms_key_id="alias/missing"), "KMS key alias/missing not found in ap-northeast-1"),
        (present(secrets=["portforge/tokyo-only"]), "already exists in ap-northeast-1 as a standalone secret"),
        (
            present(secrets=[f"arn:aws:secretsmanager:{TOKYO}:123456789012:secret:x-AbCdEf"]),
            "is an ARN in ap-northeast-1 but source_region is ap-northeast-2",
        ),
        (promoted(secrets=["nope"]), "secret nope not found in ap-northeast-1: nothing to promote"),
        (present(max_concurrency=0), "max_concurrency must be 1 or more"),
    ]
    since = emulator.last_seq()
    for args, message in cases:
        result = run_module("secretsmanager_replica", args)
        assert result.failed, (args, result)
        assert message in result["msg"], (args, result["msg"])
    assert emulator.mutating_calls(since=since) == []


def test_throttling_is_survived(emulator, primaries, run_module):
    emulator.add_fault("secretsmanager", count=3)
    result = run_module("secretsmanager_replica", present())
    assert result.changed and not result.failed, result
    assert emulator.faults()[0]["remaining"] == 0


def test_wait_false_then_wait_true_replicates_once(emulator, primaries, run_module):
    emulator.configure(latency={"secret_replication": 2})
    since = emulator.last_seq()
    started = run_module("secretsmanager_replica", present(wait=False))
    assert started.changed and {s["status"] for s in started["secrets"]} == {"InProgress"}
    finished = run_module("secretsmanager_replica", present(wait=True))
    assert not finished.changed and {s["status"] for s in finished["secrets"]} == {"InSync"}, finished
    assert len(actions(emulator, since, "ReplicateSecretToRegions")) == 3


def test_promotion_while_seoul_is_down_calls_tokyo_only_and_reruns_change_nothing(emulator, replicated, run_module):
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    check = run_module("secretsmanager_replica", promoted(), check=True, diff=True)
    assert check.changed and [s["action"] for s in check["secrets"]] == ["promote"] * 3
    assert emulator.mutating_calls(since=since) == []
    result = run_module("secretsmanager_replica", promoted(source_region=SEOUL), diff=True)
    assert result.changed and not result.failed, result
    assert {s["status"] for s in result["secrets"]} == {"Standalone"}
    assert result["diff"]["before"][SECRETS[0]]["primary_region"] == SEOUL
    assert result["diff"]["after"][SECRETS[0]]["primary_region"] == TOKYO
    assert {c["region"] for c in emulator.calls(since)} == {TOKYO}
    for name in SECRETS:
        assert sm(TOKYO).describe_secret(SecretId=name).get("PrimaryRegion", TOKYO) == TOKYO
        assert sm(TOKYO).get_secret_value(SecretId=name)["SecretString"] == VALUES[name]
    assert_no_values(result)

    rerun = emulator.last_seq()
    again = run_module("secretsmanager_replica", promoted())
    assert not again.changed and [s["action"] for s in again["secrets"]] == ["already_standalone"] * 3
    assert emulator.mutating_calls(since=rerun) == []
    assert len(actions(emulator, since, "StopReplicationToReplica")) == 3


def test_failback_copies_the_dr_value_back_and_re_replicates(emulator, replicated, run_module):
    assert run_module("secretsmanager_replica", promoted()).changed
    sm(TOKYO).put_secret_value(SecretId=SECRETS[0], SecretString="written-in-dr")
    refused = run_module("secretsmanager_replica", present())
    assert refused.failed and "set overwrite=true" in refused["msg"]
    back = run_module("secretsmanager_replica", present(overwrite=True, copy_back_value=True), diff=True)
    assert back.changed and not back.failed, back
    assert [s["action"] for s in back["secrets"]] == ["overwrite"] * 3
    assert [s["value_copied_back"] for s in back["secrets"]] == [True, False, False]
    assert sm(SEOUL).get_secret_value(SecretId=SECRETS[0])["SecretString"] == "written-in-dr"
    for name in SECRETS:
        assert sm(TOKYO).describe_secret(SecretId=name)["PrimaryRegion"] == SEOUL
    assert sm(TOKYO).get_secret_value(SecretId=SECRETS[0])["SecretString"] == "written-in-dr"
    assert back["diff"]["before"][SECRETS[0]]["status"] == "Standalone"
    assert_no_values(back)
    assert not run_module("secretsmanager_replica", present(overwrite=True, copy_back_value=True)).changed


def test_a_failed_replication_is_retried(emulator, primaries, run_module):
    sm(TOKYO).create_secret(Name=SECRETS[1], SecretString="in the way")
    sm(SEOUL).replicate_secret_to_regions(SecretId=SECRETS[1], AddReplicaRegions=[{"Region": TOKYO}])
    emulator.settle()
    result = run_module("secretsmanager_replica", present(overwrite=True))
    assert result.changed and not result.failed, result
    assert [s["action"] for s in result["secrets"]] == ["replicate", "retry", "replicate"]
    assert {s["status"] for s in result["secrets"]} == {"InSync"}
    assert sm(TOKYO).get_secret_value(SecretId=SECRETS[1])["SecretString"] == VALUES[SECRETS[1]]


def test_examples_run(emulator, dr_key, run_examples):
    result = run_examples("secretsmanager_replica")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "do-not-print" not in result.stdout
    for name in SECRETS:
        assert sm(TOKYO).describe_secret(SecretId=name)["PrimaryRegion"] == SEOUL
