"""Native multi-Region replication: when a pool qualifies, the DR replica key, the replica calls; the last sync tags."""

import datetime

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import pools
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import records
from ansible_collections.pilotlight.dr.plugins.module_utils._cognito import replication
from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

MRK = "arn:aws:kms:ap-northeast-2:123456789012:key/mrk-0123456789abcdef0123456789abcdef"
ELIGIBLE = {
    "UserPoolTier": "PLUS",
    "KeyConfiguration": {"KeyType": "CUSTOMER_MANAGED_KEY", "KmsKeyArn": MRK},
    "IssuerConfiguration": {"Type": "UPDATED"},
}


@pytest.mark.parametrize(
    "pool, reason",
    [
        (ELIGIBLE, None),
        (dict(ELIGIBLE, UserPoolTier=None), None),  # AWS's default plan is ESSENTIALS
        (dict(ELIGIBLE, UserPoolTier="LITE"), "feature plan is LITE"),
        ({"UserPoolTier": "PLUS"}, "AWS owned key"),
        (
            dict(
                ELIGIBLE,
                KeyConfiguration={
                    "KeyType": "CUSTOMER_MANAGED_KEY",
                    "KmsKeyArn": "arn:aws:kms:ap-northeast-2:1:key/1234",
                },
            ),
            "single-Region key",
        ),
    ],
)
def test_eligibility_needs_the_plan_and_a_multi_region_key(pool, reason):
    reasons = replication.eligibility(pool)
    assert (reasons == []) if reason is None else any(reason in r for r in reasons)


def test_the_issuer_is_a_warning_not_a_reason():
    assert replication.issuer_warning(ELIGIBLE) is None
    assert "IssuerConfiguration Type UPDATED" in replication.issuer_warning(dict(ELIGIBLE, IssuerConfiguration=None))


def test_the_replica_key_is_the_same_key_in_the_dr_region():
    assert replication.key_in_region(MRK, "ap-northeast-1") == MRK.replace("ap-northeast-2", "ap-northeast-1")


class FakeKms:
    def __init__(self, error=None, state="Enabled"):
        self.error, self.state, self.asked = error, state, []

    def describe_key(self, KeyId, **kw):
        self.asked.append(KeyId)
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "no"}}, "DescribeKey")
        return {"KeyMetadata": {"Arn": KeyId, "KeyState": self.state}}


def test_the_dr_replica_key_must_exist_and_be_enabled_and_a_failed_read_raises():
    kms = FakeKms()
    assert replication.dr_key_problem(kms, ELIGIBLE, "ap-northeast-1") is None
    assert kms.asked == [MRK.replace("ap-northeast-2", "ap-northeast-1")]
    assert "not found in ap-northeast-1" in replication.dr_key_problem(
        FakeKms("NotFoundException"), ELIGIBLE, "ap-northeast-1"
    )
    assert "is Disabled" in replication.dr_key_problem(FakeKms(state="Disabled"), ELIGIBLE, "ap-northeast-1")
    with pytest.raises(DRError):
        replication.dr_key_problem(FakeKms("ThrottlingException"), ELIGIBLE, "ap-northeast-1")


class FakeIdp:
    meta = type("Meta", (), {"region_name": "ap-northeast-2"})()

    def __init__(self):
        self.requests = []

    def list_user_pool_replicas(self, **request):
        self.requests.append(request)
        if "NextToken" not in request:
            return {"UserPoolReplicas": [{"RegionName": "ap-northeast-2", "Role": "PRIMARY"}], "NextToken": "t"}
        return {"UserPoolReplicas": [{"RegionName": "ap-northeast-1", "Role": "SECONDARY", "Status": "ACTIVE"}]}

    def create_user_pool_replica(self, **request):
        raise ClientError({"Error": {"Code": "FeatureUnavailableInTierException", "Message": "LITE"}}, "Create")


def test_replicas_are_read_page_by_page_and_a_refused_creation_says_the_fix():
    client = FakeIdp()
    replicas = replication.list_replicas(client, "ap-northeast-2_src")
    assert replication.replica_view(replication.replica_in(replicas, "ap-northeast-1")) == {
        "region": "ap-northeast-1",
        "status": "ACTIVE",
        "role": "SECONDARY",
        "arn": None,
    }
    assert client.requests[1]["NextToken"] == "t"
    with pytest.raises(
        DRError, match="create a replica of user pool ap-northeast-2_src in ap-northeast-1.*replication_mode=sync"
    ):
        replication.create_replica(client, "ap-northeast-2_src", "ap-northeast-1", {})


def test_the_last_sync_is_read_from_tags_and_aged():
    pool = {"UserPoolTags": {records.LAST_SYNC_TAG: "2026-12-05T00:00:00Z", records.LAST_SYNC_USERS_TAG: "42"}}
    assert records.last_sync(pool) == ("2026-12-05T00:00:00Z", 42)
    assert records.last_sync({}) == (None, None) and records.last_sync(None) == (None, None)
    now = datetime.datetime(2026, 12, 6, tzinfo=datetime.timezone.utc)
    assert records.age_seconds("2026-12-05T00:00:00Z", now) == 86400
    assert records.age_seconds("yesterday", now) is None


def test_a_sync_is_recorded_as_tags():
    class Tagging:
        def tag_resource(self, **request):
            self.request = request

    client = Tagging()
    moment = datetime.datetime(2026, 12, 6, 1, 2, 3, tzinfo=datetime.timezone.utc)
    assert records.record_sync(client, {"Id": "p", "Arn": "arn:p"}, moment, 7) == "2026-12-06T01:02:03Z"
    assert client.request["Tags"] == {records.LAST_SYNC_TAG: "2026-12-06T01:02:03Z", records.LAST_SYNC_USERS_TAG: "7"}


def test_a_new_pool_never_gets_both_validity_settings():
    source = {
        "Policies": {"PasswordPolicy": {"MinimumLength": 8, "TemporaryPasswordValidityDays": 3}},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True, "UnusedAccountValidityDays": 7},
    }
    request = pools.create_pool_request(source, "dr", {})
    assert request["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert request["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"] == 3
    assert source["AdminCreateUserConfig"]["UnusedAccountValidityDays"] == 7  # the source is not changed
    legacy = {"AdminCreateUserConfig": {"UnusedAccountValidityDays": 7}}
    assert pools.create_pool_request(legacy, "dr", {})["AdminCreateUserConfig"] == {"UnusedAccountValidityDays": 7}
