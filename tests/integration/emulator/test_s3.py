"""S3 cross-region replication in the emulator: each test fails on plain moto and passes with our extension."""

import time

import boto3
import botocore.exceptions
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
ROLE = "arn:aws:iam::123456789012:role/s3-replication"
DR_KEY = "arn:aws:kms:ap-northeast-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def _s3(region):
    return boto3.client("s3", region_name=region)


def _bucket(name, region, versioned=True):
    client = _s3(region)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if versioned:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return client


def _rule(destination, rule_id="dr", priority=1, filter_=None, delete_markers="Enabled", **extra):
    rule = {
        "ID": rule_id,
        "Priority": priority,
        "Status": "Enabled",
        "Filter": filter_ if filter_ is not None else {"Prefix": ""},
        "DeleteMarkerReplication": {"Status": delete_markers},
        "Destination": {"Bucket": f"arn:aws:s3:::{destination}"},
    }
    for key, value in extra.items():
        if key in ("StorageClass", "EncryptionConfiguration", "ReplicationTime", "Metrics"):
            rule["Destination"][key] = value
        else:
            rule[key] = value
    return rule


def _replicate(source, destination, *rules, source_region=SEOUL):
    _s3(source_region).put_bucket_replication(
        Bucket=source, ReplicationConfiguration={"Role": ROLE, "Rules": list(rules) or [_rule(destination)]}
    )


@pytest.fixture
def pair(gap_emulator):
    """Versioned portforge-team (Seoul) -> portforge-team-dr (Tokyo) with a rule for every object."""
    seoul = _bucket("portforge-team", SEOUL)
    tokyo = _bucket("portforge-team-dr", TOKYO)
    _replicate("portforge-team", "portforge-team-dr")
    return seoul, tokyo


def _head(client, bucket, key, **kwargs):
    try:
        return client.head_object(Bucket=bucket, Key=key, **kwargs)
    except botocore.exceptions.ClientError as exc:
        if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
            return None
        raise


def _eventually(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_put_object_is_replicated_with_key_version_metadata_and_tags(pair, gap_emulator):
    seoul, tokyo = pair
    put = seoul.put_object(
        Bucket="portforge-team",
        Key="docs/a.txt",
        Body=b"hello",
        Metadata={"owner": "team"},
        ContentType="text/plain",
        Tagging="project=portforge",
    )
    assert seoul.head_object(Bucket="portforge-team", Key="docs/a.txt").get("ReplicationStatus") == "PENDING"
    gap_emulator.settle()
    assert seoul.head_object(Bucket="portforge-team", Key="docs/a.txt")["ReplicationStatus"] == "COMPLETED"
    replica = tokyo.get_object(Bucket="portforge-team-dr", Key="docs/a.txt")
    assert replica["Body"].read() == b"hello"
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["VersionId"] == put["VersionId"]
    assert replica["ETag"] == put["ETag"]
    assert replica["Metadata"] == {"owner": "team"}
    assert replica["ContentType"] == "text/plain"
    assert tokyo.get_object_tagging(Bucket="portforge-team-dr", Key="docs/a.txt")["TagSet"] == [
        {"Key": "project", "Value": "portforge"}
    ]


def test_copy_and_multipart_uploads_are_replicated(pair, gap_emulator):
    seoul, tokyo = pair
    seoul.put_object(Bucket="portforge-team", Key="original", Body=b"x")
    seoul.copy_object(Bucket="portforge-team", Key="copied", CopySource={"Bucket": "portforge-team", "Key": "original"})
    upload = seoul.create_multipart_upload(Bucket="portforge-team", Key="big")
    part = seoul.upload_part(
        Bucket="portforge-team", Key="big", UploadId=upload["UploadId"], PartNumber=1, Body=b"y" * 1024
    )
    done = seoul.complete_multipart_upload(
        Bucket="portforge-team",
        Key="big",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    gap_emulator.settle()
    assert _head(tokyo, "portforge-team-dr", "copied")["ReplicationStatus"] == "REPLICA"
    big = _head(tokyo, "portforge-team-dr", "big")
    assert big["ETag"] == done["ETag"] and big["ETag"].endswith('-1"')


def test_only_objects_matching_the_rule_filter_are_replicated(gap_emulator):
    seoul = _bucket("portforge-log", SEOUL)
    tokyo = _bucket("portforge-log-dr", TOKYO)
    _replicate(
        "portforge-log",
        "portforge-log-dr",
        _rule(
            "portforge-log-dr",
            "audit",
            2,
            {"And": {"Prefix": "audit/", "Tags": [{"Key": "keep", "Value": "yes"}]}},
            delete_markers="Disabled",
        ),
        _rule("portforge-log-dr", "reports", 1, {"Prefix": "reports/"}),
    )
    seoul.put_object(Bucket="portforge-log", Key="audit/kept", Body=b"1", Tagging="keep=yes")
    seoul.put_object(Bucket="portforge-log", Key="audit/untagged", Body=b"2")
    seoul.put_object(Bucket="portforge-log", Key="reports/r1", Body=b"3")
    seoul.put_object(Bucket="portforge-log", Key="tmp/other", Body=b"4")
    gap_emulator.settle()
    assert _head(tokyo, "portforge-log-dr", "audit/kept") is not None
    assert _head(tokyo, "portforge-log-dr", "reports/r1") is not None
    assert _head(tokyo, "portforge-log-dr", "audit/untagged") is None
    assert _head(tokyo, "portforge-log-dr", "tmp/other") is None
    assert "ReplicationStatus" not in seoul.head_object(Bucket="portforge-log", Key="tmp/other")


def test_delete_markers_follow_only_when_the_rule_says_so(gap_emulator):
    seoul = _bucket("portforge-front", SEOUL)
    tokyo = _bucket("portforge-front-dr", TOKYO)
    _replicate(
        "portforge-front",
        "portforge-front-dr",
        _rule("portforge-front-dr", "markers", 2, {"Prefix": "gone/"}),
        _rule("portforge-front-dr", "kept", 1, {"Prefix": "kept/"}, delete_markers="Disabled"),
    )
    for key in ("gone/a", "kept/a", "gone/b"):
        seoul.put_object(Bucket="portforge-front", Key=key, Body=b"v1")
    gap_emulator.settle()
    marker = seoul.delete_object(Bucket="portforge-front", Key="gone/a")
    seoul.delete_object(Bucket="portforge-front", Key="kept/a")
    version = seoul.head_object(Bucket="portforge-front", Key="gone/b")["VersionId"]
    seoul.delete_object(Bucket="portforge-front", Key="gone/b", VersionId=version)  # never replicated
    gap_emulator.settle()
    assert _head(tokyo, "portforge-front-dr", "gone/a") is None
    markers = tokyo.list_object_versions(Bucket="portforge-front-dr", Prefix="gone/a")["DeleteMarkers"]
    assert [m["VersionId"] for m in markers] == [marker["VersionId"]]
    assert _head(tokyo, "portforge-front-dr", "kept/a") is not None
    assert _head(tokyo, "portforge-front-dr", "gone/b") is not None


def test_two_way_rules_do_not_loop_and_new_dr_writes_come_back(gap_emulator):
    seoul = _bucket("portforge-team", SEOUL)
    tokyo = _bucket("portforge-team-dr", TOKYO)
    _replicate("portforge-team", "portforge-team-dr")
    _replicate("portforge-team-dr", "portforge-team", source_region=TOKYO)
    seoul.put_object(Bucket="portforge-team", Key="from-seoul", Body=b"s")
    gap_emulator.settle()
    tokyo.put_object(Bucket="portforge-team-dr", Key="from-tokyo", Body=b"t")
    gap_emulator.settle()
    assert _head(seoul, "portforge-team", "from-tokyo")["ReplicationStatus"] == "REPLICA"
    assert _head(tokyo, "portforge-team-dr", "from-seoul")["ReplicationStatus"] == "REPLICA"
    versions = seoul.list_object_versions(Bucket="portforge-team", Prefix="from-seoul")["Versions"]
    assert len(versions) == 1  # the replica in Tokyo was not copied back
    assert _head(seoul, "portforge-team", "from-seoul")["ReplicationStatus"] == "COMPLETED"


VALIDATION_CASES = [
    ("missing-destination", "Destination bucket must exist."),
    ("unversioned-destination", "Destination bucket must have versioning enabled."),
    ("tags-with-delete-markers", "Delete marker replication is not supported if any Tag filter is specified"),
    ("kms-without-key", "ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present."),
    ("time-control-without-metrics", "must contain both ReplicationTime and Metrics or neither"),
    ("no-delete-marker-setting", "DeleteMarkerReplication must be specified for this version"),
]


def _invalid_rule(case):
    rule = _rule("portforge-team-dr")
    if case == "missing-destination":
        rule = _rule("portforge-team-nowhere")
    elif case == "unversioned-destination":
        rule = _rule("portforge-plain-dr")
    elif case == "tags-with-delete-markers":
        rule["Filter"] = {"Tag": {"Key": "k", "Value": "v"}}
    elif case == "kms-without-key":
        rule["SourceSelectionCriteria"] = {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    elif case == "time-control-without-metrics":
        rule["Destination"]["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": 15}}
    elif case == "no-delete-marker-setting":
        del rule["DeleteMarkerReplication"]
    return rule


def test_put_bucket_replication_is_validated_as_s3_does(gap_emulator):
    seoul = _bucket("portforge-team", SEOUL)
    _bucket("portforge-team-dr", TOKYO)
    _bucket("portforge-plain-dr", TOKYO, versioned=False)
    for case, message in VALIDATION_CASES:
        with pytest.raises(botocore.exceptions.ClientError) as info:
            seoul.put_bucket_replication(
                Bucket="portforge-team", ReplicationConfiguration={"Role": ROLE, "Rules": [_invalid_rule(case)]}
            )
        assert info.value.response["Error"]["Code"] == "InvalidRequest", case
        assert message in info.value.response["Error"]["Message"], case
    with pytest.raises(botocore.exceptions.ClientError, match="ReplicationConfigurationNotFoundError"):
        seoul.get_bucket_replication(Bucket="portforge-team")


def test_get_bucket_replication_returns_the_rules_as_stored(gap_emulator):
    seoul = _bucket("portforge-team", SEOUL)
    _bucket("portforge-team-dr", TOKYO)
    rule = _rule(
        "portforge-team-dr",
        "dr",
        5,
        {"Prefix": "data/"},
        StorageClass="STANDARD_IA",
        ReplicationTime={"Status": "Enabled", "Time": {"Minutes": 15}},
        Metrics={"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
        EncryptionConfiguration={"ReplicaKmsKeyID": DR_KEY},
        SourceSelectionCriteria={"SseKmsEncryptedObjects": {"Status": "Enabled"}},
    )
    seoul.put_bucket_replication(Bucket="portforge-team", ReplicationConfiguration={"Role": ROLE, "Rules": [rule]})
    stored = seoul.get_bucket_replication(Bucket="portforge-team")["ReplicationConfiguration"]
    assert stored == {"Role": ROLE, "Rules": [rule]}


def test_storage_class_and_replica_kms_key_are_honoured(gap_emulator):
    seoul = _bucket("portforge-team", SEOUL)
    tokyo = _bucket("portforge-team-dr", TOKYO)
    _replicate(
        "portforge-team",
        "portforge-team-dr",
        _rule(
            "portforge-team-dr",
            StorageClass="STANDARD_IA",
            EncryptionConfiguration={"ReplicaKmsKeyID": DR_KEY},
            SourceSelectionCriteria={"SseKmsEncryptedObjects": {"Status": "Enabled"}},
        ),
    )
    seoul.put_object(
        Bucket="portforge-team",
        Key="secret",
        Body=b"k",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId="arn:aws:kms:ap-northeast-2:123456789012:key/seoul",
    )
    seoul.put_object(Bucket="portforge-team", Key="plain", Body=b"p")
    gap_emulator.settle()
    secret = _head(tokyo, "portforge-team-dr", "secret")
    assert (secret["StorageClass"], secret["ServerSideEncryption"], secret["SSEKMSKeyId"]) == (
        "STANDARD_IA",
        "aws:kms",
        DR_KEY,
    )
    assert _head(tokyo, "portforge-team-dr", "plain")["StorageClass"] == "STANDARD_IA"


def test_kms_objects_are_not_replicated_without_the_kms_selection(pair, gap_emulator):
    seoul, tokyo = pair
    seoul.put_object(Bucket="portforge-team", Key="secret", Body=b"k", ServerSideEncryption="aws:kms")
    seoul.put_object(Bucket="portforge-team", Key="plain", Body=b"p")
    gap_emulator.settle()
    assert _head(tokyo, "portforge-team-dr", "plain") is not None
    assert _head(tokyo, "portforge-team-dr", "secret") is None


def test_nothing_replicates_into_a_region_that_is_down_until_it_is_back(pair, gap_emulator):
    seoul, tokyo = pair
    gap_emulator.region_down(TOKYO)
    seoul.put_object(Bucket="portforge-team", Key="during-outage", Body=b"o")
    gap_emulator.settle()
    assert seoul.head_object(Bucket="portforge-team", Key="during-outage")["ReplicationStatus"] == "PENDING"
    gap_emulator.region_up(TOKYO)
    assert _eventually(
        lambda: seoul.head_object(Bucket="portforge-team", Key="during-outage").get("ReplicationStatus") == "COMPLETED"
    )
    assert _head(tokyo, "portforge-team-dr", "during-outage")["ReplicationStatus"] == "REPLICA"


def test_writes_stay_pending_while_the_source_region_is_down(pair, gap_emulator):
    seoul, tokyo = pair
    gap_emulator.configure(latency={"replication": 0.5})
    seoul.put_object(Bucket="portforge-team", Key="last-write", Body=b"l")
    gap_emulator.region_down(SEOUL)
    gap_emulator.settle()
    assert _head(tokyo, "portforge-team-dr", "last-write") is None
    gap_emulator.region_up(SEOUL)
    assert _eventually(lambda: _head(tokyo, "portforge-team-dr", "last-write"))


def test_replication_metrics_are_published_in_the_source_region(gap_emulator):
    seoul = _bucket("portforge-team", SEOUL)
    _bucket("portforge-team-dr", TOKYO)
    _replicate(
        "portforge-team",
        "portforge-team-dr",
        _rule(
            "portforge-team-dr",
            ReplicationTime={"Status": "Enabled", "Time": {"Minutes": 15}},
            Metrics={"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
        ),
    )
    gap_emulator.region_down(TOKYO)
    for index in range(3):
        seoul.put_object(Bucket="portforge-team", Key=f"k{index}", Body=b"1234")
    cloudwatch = boto3.client("cloudwatch", region_name=SEOUL)
    dimensions = [
        {"Name": "SourceBucket", "Value": "portforge-team"},
        {"Name": "DestinationBucket", "Value": "portforge-team-dr"},
        {"Name": "RuleId", "Value": "dr"},
    ]

    def latest(name):
        now = time.time()
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/S3",
            MetricName=name,
            Dimensions=dimensions,
            StartTime=now - 600,
            EndTime=now + 60,
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        return max((p["Maximum"] for p in points), default=None)

    assert latest("OperationsPendingReplication") == 3
    assert latest("BytesPendingReplication") == 12
    gap_emulator.region_up(TOKYO)
    assert _eventually(lambda: latest("ReplicationLatency") is not None)
