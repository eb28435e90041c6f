"""What secretsmanager_replica decides for each secret, from what it reads in both regions."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._secretsmanager import replicas as sr

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
ARN = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:portforge/ai-service/rds-AbCdEf"


def primary(status=None, **extra):
    described = {"ARN": ARN, "Name": "portforge/ai-service/rds"}
    if status:
        described["ReplicationStatus"] = [{"Region": TOKYO, "Status": status, "KmsKeyId": "alias/dr"}]
    described.update(extra)
    return described


REPLICA = {"ARN": ARN.replace(SEOUL, TOKYO), "Name": "portforge/ai-service/rds", "PrimaryRegion": SEOUL}
STANDALONE = {"ARN": ARN.replace(SEOUL, TOKYO), "Name": "portforge/ai-service/rds"}
FOREIGN = dict(REPLICA, PrimaryRegion="us-east-1")


def test_arns_and_regions():
    assert sr.parse_arn(ARN)["region"] == SEOUL
    assert sr.parse_arn(ARN)["resource"] == "secret:portforge/ai-service/rds-AbCdEf"
    assert sr.parse_arn("portforge/ai-service/rds") is None
    assert sr.in_region(ARN, TOKYO) == ARN.replace(SEOUL, TOKYO)
    assert sr.in_region("portforge/ai-service/rds", TOKYO) == "portforge/ai-service/rds"
    assert sr.primary_region_of(REPLICA, TOKYO) == SEOUL and sr.primary_region_of(STANDALONE, TOKYO) == TOKYO
    assert sr.is_replica(REPLICA, TOKYO) and not sr.is_replica(STANDALONE, TOKYO) and not sr.is_replica(None, TOKYO)
    assert not sr.is_replica(dict(STANDALONE, PrimaryRegion=TOKYO), TOKYO)


def test_status_for_and_key_matches():
    assert sr.status_for(primary("InSync"), TOKYO)["Status"] == "InSync"
    assert sr.status_for(primary("InSync"), "us-east-1") is None and sr.status_for(None, TOKYO) is None
    assert sr.key_matches("alias/dr", "alias/dr") and sr.key_matches(None, None)
    assert sr.key_matches(None, "alias/aws/secretsmanager")
    assert sr.key_matches("arn:aws:kms:ap-northeast-1:123456789012:key/abc", "abc")
    assert not sr.key_matches("alias/dr", "alias/other")


@pytest.mark.parametrize(
    "described, dr, overwrite, action",
    [
        (primary(), None, False, sr.REPLICATE),
        (primary("InSync"), REPLICA, False, sr.NOTHING),
        (primary("InProgress"), REPLICA, False, sr.NOTHING),
        (primary("Failed"), None, False, sr.RETRY),
        (primary("Failed"), STANDALONE, True, sr.RETRY),
        (primary(), STANDALONE, True, sr.OVERWRITE),
        (primary(), FOREIGN, True, sr.OVERWRITE),
    ],
)
def test_plan_present(described, dr, overwrite, action):
    assert sr.plan_present("portforge/ai-service/rds", described, dr, SEOUL, TOKYO, overwrite) == (action, None)


@pytest.mark.parametrize(
    "described, dr, words",
    [
        (None, None, "not found in ap-northeast-2"),
        (primary(DeletedDate=1), None, "scheduled for deletion"),
        (primary(PrimaryRegion="us-east-1"), None, "is a replica of a secret in us-east-1"),
        (primary(), STANDALONE, "as a standalone secret"),
        (primary("Failed"), STANDALONE, "set overwrite=true"),
        (primary(), FOREIGN, "as a replica of a secret in us-east-1"),
    ],
)
def test_plan_present_problems(described, dr, words):
    action, problem = sr.plan_present("portforge/ai-service/rds", described, dr, SEOUL, TOKYO, False)
    assert action is None and words in problem


def test_plan_promoted():
    assert sr.plan_promoted("s", REPLICA, TOKYO) == (sr.PROMOTE, None)
    assert sr.plan_promoted("s", REPLICA, TOKYO, SEOUL) == (sr.PROMOTE, None)
    assert sr.plan_promoted("s", STANDALONE, TOKYO, SEOUL) == (sr.ALREADY_STANDALONE, None)
    action, problem = sr.plan_promoted("s", FOREIGN, TOKYO, SEOUL)
    assert action is None and "replica of a secret in us-east-1, not in ap-northeast-2" in problem
    action, problem = sr.plan_promoted("s", None, TOKYO)
    assert action is None and "nothing to promote" in problem


class FakeClient:
    def __init__(self, answer):
        self.answer = answer

    def get_secret_value(self, SecretId, aws_retry):
        return self.answer


def test_current_value_keeps_the_kind_of_value():
    assert sr.current_value(FakeClient({"SecretString": "s"}), "x") == {"SecretString": "s"}
    assert sr.current_value(FakeClient({"SecretBinary": b"b"}), "x") == {"SecretBinary": b"b"}
    with pytest.raises(sr.DRError, match="no current value"):
        sr.current_value(FakeClient({}), "x")
