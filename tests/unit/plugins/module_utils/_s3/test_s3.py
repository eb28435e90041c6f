"""The pure logic of the _s3 package (s3_replication): rule building and merging, role policy, backfill selection."""

import datetime
import json

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._s3 import backfill
from ansible_collections.pilotlight.dr.plugins.module_utils._s3 import metrics
from ansible_collections.pilotlight.dr.plugins.module_utils._s3 import role
from ansible_collections.pilotlight.dr.plugins.module_utils._s3 import rules

from tests.unit.plugins.module_utils.fakes import FakeClock

T0 = datetime.datetime(2026, 5, 1, 3, 0, tzinfo=datetime.timezone.utc)
LATER = T0 + datetime.timedelta(minutes=5)


def params(**extra):
    base = dict(
        rule_id="pilotlight-dr",
        prefix="",
        tags={},
        storage_class=None,
        delete_marker_replication=True,
        replication_time_control=False,
        metrics=False,
    )
    base.update(extra)
    return base


@pytest.mark.parametrize(
    "prefix, tags, expected",
    [
        ("", {}, {"Prefix": ""}),
        ("logs/", {}, {"Prefix": "logs/"}),
        ("", {"keep": "yes"}, {"Tag": {"Key": "keep", "Value": "yes"}}),
        ("logs/", {"keep": "yes"}, {"And": {"Prefix": "logs/", "Tags": [{"Key": "keep", "Value": "yes"}]}}),
        ("", {"b": "2", "a": 1}, {"And": {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}}),
    ],
)
def test_build_filter(prefix, tags, expected):
    assert rules.build_filter(prefix, tags) == expected


def test_build_rule_with_rtc_storage_class_and_kms():
    rule = rules.build_rule(
        params(storage_class="STANDARD_IA", replication_time_control=True),
        "arn:aws:s3:::dr",
        "arn:aws:kms:ap-northeast-1:1:key/k",
        3,
    )
    assert rule == {
        "ID": "pilotlight-dr",
        "Priority": 3,
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "Destination": {
            "Bucket": "arn:aws:s3:::dr",
            "StorageClass": "STANDARD_IA",
            "EncryptionConfiguration": {"ReplicaKmsKeyID": "arn:aws:kms:ap-northeast-1:1:key/k"},
            "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
            "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
        },
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
    }


def test_metrics_without_rtc_have_no_event_threshold():
    rule = rules.build_rule(params(metrics=True, delete_marker_replication=False), "arn:aws:s3:::dr", None, 1)
    assert rule["Destination"] == {"Bucket": "arn:aws:s3:::dr", "Metrics": {"Status": "Enabled"}}
    assert rule["DeleteMarkerReplication"] == {"Status": "Disabled"}
    assert "SourceSelectionCriteria" not in rule


@pytest.mark.parametrize(
    "existing, wanted, expected",
    [
        ([], None, 1),
        ([{"ID": "other", "Priority": 1}, {"ID": "x", "Priority": 2}], None, 3),
        ([{"ID": "pilotlight-dr", "Priority": 7}, {"ID": "other", "Priority": 1}], None, 7),
        ([{"ID": "other", "Priority": 2}], None, 1),
        ([{"ID": "other", "Priority": 1}], 5, 5),
    ],
)
def test_choose_priority(existing, wanted, expected):
    assert rules.choose_priority(existing, "pilotlight-dr", wanted) == expected


def test_priority_clash_and_legacy_rules():
    existing = [{"ID": "other", "Priority": 4, "Filter": {}}, {"ID": "v1", "Prefix": "x"}]
    assert rules.priority_clash(existing, "pilotlight-dr", 4) == "other"
    assert rules.priority_clash(existing, "other", 4) is None
    assert rules.legacy_rules(existing) == ["v1"]


def test_merge_replaces_our_rule_and_keeps_others_sorted_by_priority():
    existing = {
        "Role": "arn:old",
        "Rules": [{"ID": "pilotlight-dr", "Priority": 2, "Status": "Disabled"}, {"ID": "other", "Priority": 1}],
    }
    ours = {"ID": "pilotlight-dr", "Priority": 2, "Status": "Enabled"}
    merged = rules.merge_rule(existing, "arn:new", ours)
    assert merged == {"Role": "arn:new", "Rules": [{"ID": "other", "Priority": 1}, ours]}
    assert existing["Rules"][0]["Status"] == "Disabled"  # input untouched
    assert rules.merge_rule(None, "arn:new", ours) == {"Role": "arn:new", "Rules": [ours]}


def test_remove_rule():
    existing = {"Role": "r", "Rules": [{"ID": "pilotlight-dr"}, {"ID": "other"}]}
    assert rules.remove_rule(existing, "pilotlight-dr") == {"Role": "r", "Rules": [{"ID": "other"}]}
    assert rules.remove_rule({"Role": "r", "Rules": [{"ID": "pilotlight-dr"}]}, "pilotlight-dr") is None
    assert rules.remove_rule(None, "pilotlight-dr") is None
    assert rules.find_rule(existing, "other") == {"ID": "other"}
    assert rules.find_rule(existing, "nope") is None


def test_same_configuration_ignores_rule_and_tag_order():
    a = {
        "Role": "r",
        "Rules": [
            {"ID": "b"},
            {"ID": "a", "Filter": {"And": {"Tags": [{"Key": "y", "Value": "1"}, {"Key": "x", "Value": "2"}]}}},
        ],
    }
    b = {
        "Role": "r",
        "Rules": [
            {"ID": "a", "Filter": {"And": {"Tags": [{"Key": "x", "Value": "2"}, {"Key": "y", "Value": "1"}]}}},
            {"ID": "b"},
        ],
    }
    assert rules.same_configuration(a, b)
    assert not rules.same_configuration(a, dict(b, Role="other"))
    assert rules.same_configuration(None, None) and not rules.same_configuration(None, a)


def test_filter_prefix_and_tags_read_every_filter_shape():
    assert rules.filter_prefix({"Prefix": "v1/"}) == "v1/"
    assert rules.filter_prefix({"Filter": {"And": {"Prefix": "a/", "Tags": []}}}) == "a/"
    assert rules.filter_prefix({"Filter": {"Tag": {"Key": "k", "Value": "v"}}}) == ""
    assert rules.filter_tags({"Filter": {"Tag": {"Key": "k", "Value": "v"}}}) == {"k": "v"}
    assert rules.filter_tags({"Filter": {"Prefix": "x"}}) == {}


def test_policy_is_least_privilege_and_scoped_to_the_two_buckets():
    policy = role.replication_policy("team", "ap-northeast-2", "team-dr", "ap-northeast-1")
    resources = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
    assert resources == {
        "ReadReplicationConfiguration": ["arn:aws:s3:::team"],
        "ReadSourceObjectVersions": ["arn:aws:s3:::team/*"],
        "WriteReplicas": ["arn:aws:s3:::team-dr/*"],
    }
    assert all("*" not in a for s in policy["Statement"] for a in s["Action"])


def test_policy_with_kms_limits_keys_to_s3_of_each_region():
    policy = role.replication_policy(
        "team",
        "ap-northeast-2",
        "team-dr",
        "ap-northeast-1",
        ["arn:aws:kms:ap-northeast-2:1:key/src"],
        "arn:aws:kms:ap-northeast-1:1:key/dr",
    )
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    decrypt, encrypt = by_sid["DecryptSourceObjects"], by_sid["EncryptReplicas"]
    assert decrypt["Action"] == ["kms:Decrypt"] and decrypt["Resource"] == ["arn:aws:kms:ap-northeast-2:1:key/src"]
    assert decrypt["Condition"]["StringLike"] == {
        "kms:ViaService": "s3.ap-northeast-2.amazonaws.com",
        "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::team", "arn:aws:s3:::team/*"],
    }
    assert encrypt["Condition"]["StringLike"] == {
        "kms:ViaService": "s3.ap-northeast-1.amazonaws.com",
        "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::team-dr", "arn:aws:s3:::team-dr/*"],
    }


def test_policy_kms_condition_allows_the_bucket_arn_of_s3_bucket_keys():
    policy = role.replication_policy("team", "ap-northeast-2", "team-dr", "ap-northeast-1", ["k"], "dr")
    contexts = [
        s["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]
        for s in policy["Statement"]
        if "Condition" in s
    ]
    assert ["arn:aws:s3:::team"] == [c for c in contexts[0] if not c.endswith("/*")]
    assert ["arn:aws:s3:::team-dr"] == [c for c in contexts[1] if not c.endswith("/*")]


def test_policy_kms_via_service_in_the_china_partition():
    policy = role.replication_policy("team", "cn-north-1", "team-dr", "cn-northwest-1", ["k"], "dr")
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert (
        by_sid["DecryptSourceObjects"]["Condition"]["StringLike"]["kms:ViaService"] == "s3.cn-north-1.amazonaws.com.cn"
    )
    assert (
        by_sid["EncryptReplicas"]["Condition"]["StringLike"]["kms:ViaService"] == "s3.cn-northwest-1.amazonaws.com.cn"
    )
    assert (
        by_sid["EncryptReplicas"]["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"][0]
        == "arn:aws-cn:s3:::team-dr"
    )
    assert rules.s3_service_name("us-gov-west-1") == "s3.us-gov-west-1.amazonaws.com"


def test_policy_size_counts_json_without_whitespace():
    assert role.policy_size({"Version": "2012-10-17", "Statement": []}) == len(
        '{"Version":"2012-10-17","Statement":[]}'
    )
    assert role.policy_size('{ "Version" : "2012-10-17",\n  "Statement": [] }') == 39
    policy = role.replication_policy("team", "ap-northeast-2", "team-dr", "ap-northeast-1")
    assert role.inline_policies_size([], policy) == role.policy_size(policy)
    assert role.inline_policies_size([policy, json.dumps(policy, indent=4)], policy) == 3 * role.policy_size(policy)


def test_many_buckets_on_one_role_exceed_the_inline_policy_limit():
    policies = [
        role.replication_policy(
            f"bucket-{n:02}",
            "ap-northeast-2",
            f"bucket-{n:02}-dr",
            "ap-northeast-1",
            ["arn:aws:kms:ap-northeast-2:123456789012:key/*"],
            "arn:aws:kms:ap-northeast-1:123456789012:key/dr",
        )
        for n in range(20)
    ]
    sizes = [role.inline_policies_size(policies[:n], policies[n]) for n in range(20)]
    assert sizes[0] < role.ROLE_INLINE_POLICIES_LIMIT < sizes[-1]


def test_partitions_and_arns():
    assert rules.bucket_arn("b", "cn-north-1") == "arn:aws-cn:s3:::b"
    assert rules.bucket_arn("b", "us-gov-west-1") == "arn:aws-us-gov:s3:::b"
    assert rules.bucket_of_arn("arn:aws:s3:::team-dr") == "team-dr"
    assert role.default_role_name("x" * 80) == ("s3-replication-" + "x" * 80)[:64]


def test_trusts_s3():
    assert role.trusts_s3(role.TRUST_POLICY)
    assert role.trusts_s3(
        '{"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", '
        '"s3.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]}'
    )
    assert not role.trusts_s3(
        {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    )


def obj(key, etag="e1", size=10, modified=T0):
    return {"Key": key, "ETag": f'"{etag}"', "Size": size, "LastModified": modified}


@pytest.mark.parametrize(
    "source, destination, present",
    [
        (obj("a"), None, False),
        (obj("a"), obj("a"), True),
        (obj("a", etag="abc-3"), obj("a", etag="def", modified=LATER), True),  # multipart vs single part copy
        (obj("a", etag="kms1"), obj("a", etag="kms2", modified=T0), True),  # same size, same age
        (obj("a", etag="new", modified=LATER), obj("a", etag="old"), False),  # source changed since
        (obj("a", etag="x", size=11), obj("a", etag="y", modified=LATER), False),  # different size
    ],
)
def test_is_present(source, destination, present):
    assert backfill.is_present(source, destination) is present


def test_backfill_candidates_split_missing_and_outdated_in_key_order():
    source = [obj("c"), obj("a"), obj("b", etag="new", modified=LATER), obj("d")]
    destination = [obj("b", etag="old"), obj("d"), obj("only-in-dr")]
    missing, outdated = backfill.backfill_candidates(source, destination)
    assert [i["Key"] for i in missing] == ["a", "c"]
    assert [i["Key"] for i in outdated] == ["b"]


def test_tags_match():
    assert backfill.tags_match({"keep": "yes"}, {"keep": "yes", "other": "1"})
    assert not backfill.tags_match({"keep": "yes"}, {"keep": "no"})
    assert backfill.tags_match({}, {})


def test_copy_parts_cover_every_byte_once():
    assert backfill.copy_parts(10, part_size=4) == ["bytes=0-3", "bytes=4-7", "bytes=8-9"]
    assert backfill.copy_parts(8, part_size=4) == ["bytes=0-3", "bytes=4-7"]
    assert len(backfill.copy_parts(6 * 1024**3)) == 12


@pytest.mark.parametrize(
    "size, part_size",
    [
        (6 * 1024**3, 512 * 1024**2),
        (10000 * 512 * 1024**2, 512 * 1024**2),
        (10000 * 512 * 1024**2 + 1, 512 * 1024**2 + 1),
        (5 * 1024**4, 549755814),  # the largest S3 object: ceil(5 TiB / 10,000)
        (10**15, 5 * 1024**3),  # never over the 5 GiB part limit
    ],
)
def test_copy_part_size_stays_within_10000_parts(size, part_size):
    assert backfill.copy_part_size(size) == part_size


def test_copy_parts_of_the_largest_object_fit_in_10000_parts():
    size = 5 * 1024**4
    parts = backfill.copy_parts(size)
    assert len(parts) <= 10000
    assert parts[0] == f"bytes=0-{backfill.copy_part_size(size) - 1}" and parts[-1].endswith(f"-{size - 1}")


@pytest.mark.parametrize(
    "lookback, period",
    [
        (1, 60),
        (60, 60),
        (1439, 60),
        (1440, 120),
        (2879, 120),
        (2880, 180),
        (10080, 480),
        (30 * 24 * 60, 2100),
        (90 * 24 * 60, 7200),
    ],
)
def test_metric_period_keeps_get_metric_statistics_within_1440_datapoints(lookback, period):
    assert metrics.metric_period(lookback) == period
    assert (lookback + 1) * 60 / metrics.metric_period(lookback) <= 1440


def test_archived_objects_are_recognised_by_storage_class():
    assert backfill.is_archived(dict(obj("a"), StorageClass="GLACIER"))
    assert backfill.is_archived(dict(obj("a"), StorageClass="DEEP_ARCHIVE"))
    assert not backfill.is_archived(dict(obj("a"), StorageClass="GLACIER_IR"))
    assert not backfill.is_archived(dict(obj("a"), StorageClass="STANDARD"))
    assert not backfill.is_archived(obj("a"))


def client_error(code, message, operation="PutBucketReplication"):
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


VERSIONING_SOURCE = "Versioning must be 'Enabled' on the bucket to apply a replication configuration"
VERSIONING_DESTINATION = "Destination bucket must have versioning enabled."


@pytest.mark.parametrize(
    "error, expected",
    [
        (client_error("InvalidRequest", VERSIONING_SOURCE), True),
        (client_error("InvalidRequest", VERSIONING_DESTINATION), True),
        (
            client_error("InvalidRequest", "Priority must be specified for this version of Cross Region Replication"),
            False,
        ),
        (client_error("AccessDenied", "versioning"), False),
        (ValueError("versioning"), False),
    ],
)
def test_versioning_not_propagated(error, expected):
    assert rules.versioning_not_propagated(error) is expected


def flaky(errors, result="done"):
    errors = list(errors)
    calls = []

    def call():
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return result

    return call, calls


def test_put_replication_is_retried_while_versioning_propagates():
    clock = FakeClock()
    call, calls = flaky(
        [client_error("InvalidRequest", VERSIONING_SOURCE), client_error("InvalidRequest", VERSIONING_DESTINATION)]
    )
    assert rules.retry_while_versioning_propagates(call, sleep=clock.sleep, clock=clock, jitter=lambda: 1.0) == "done"
    assert len(calls) == 3 and clock.sleeps == [1.0, 2.0]


def test_the_versioning_retry_is_jittered_and_bounded_by_the_timeout():
    clock = FakeClock()
    call, calls = flaky([client_error("InvalidRequest", VERSIONING_DESTINATION)] * 1000)
    with pytest.raises(ClientError, match="versioning"):
        rules.retry_while_versioning_propagates(call, timeout=120, sleep=clock.sleep, clock=clock, jitter=lambda: 0.0)
    assert clock.now == pytest.approx(120)
    assert clock.sleeps[:3] == [0.5, 1.0, 2.0] and max(clock.sleeps) <= 7.5
    assert 10 < len(calls) < 1000


def test_other_errors_are_not_retried():
    clock = FakeClock()
    call, calls = flaky([client_error("InvalidRequest", "Priority must be specified")])
    with pytest.raises(ClientError, match="Priority"):
        rules.retry_while_versioning_propagates(call, sleep=clock.sleep, clock=clock)
    assert len(calls) == 1 and clock.sleeps == []
    call, calls = flaky([client_error("InvalidRequest", VERSIONING_SOURCE)])
    with pytest.raises(ClientError):
        rules.retry_while_versioning_propagates(call, timeout=0, sleep=clock.sleep, clock=clock)
    assert len(calls) == 1


def test_copy_arguments():
    assert backfill.copy_arguments(None, None) == {}
    assert backfill.copy_arguments("STANDARD_IA", "arn:k") == {
        "StorageClass": "STANDARD_IA",
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": "arn:k",
    }
