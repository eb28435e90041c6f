"""s3_replication and s3_replication_info against the emulator (which really replicates objects)."""

import json

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
ACCOUNT = "123456789012"


def s3(region):
    return boto3.client("s3", region_name=region)


def bucket(name, region, versioned=False, objects=()):
    client = s3(region)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if versioned:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for key in objects:
        client.put_object(Bucket=name, Key=key, Body=f"body of {key}".encode())
    return client


def keys(region, name):
    return sorted(o["Key"] for o in s3(region).list_objects_v2(Bucket=name).get("Contents", []))


def args(**extra):
    base = dict(bucket="portforge-team", source_region=SEOUL, destination_bucket="portforge-team-dr", region=TOKYO)
    base.update(extra)
    return base


@pytest.fixture
def buckets(emulator):
    """Seoul portforge-team with two objects (no versioning yet), empty Tokyo portforge-team-dr."""
    bucket("portforge-team", SEOUL, objects=["docs/old-1.txt", "docs/old-2.txt"])
    bucket("portforge-team-dr", TOKYO)


def rule_of(name="portforge-team", region=SEOUL):
    return s3(region).get_bucket_replication(Bucket=name)["ReplicationConfiguration"]


def test_check_mode_predicts_everything_and_changes_nothing(emulator, buckets, run_module):
    since = emulator.last_seq()
    result = run_module(
        "s3_replication",
        args(storage_class="STANDARD_IA", replication_time_control=True, backfill=True),
        check=True,
        diff=True,
    )
    assert result.changed and not result.failed, result
    assert emulator.mutating_calls(since=since) == []
    assert result["versioning"] == {"source": "Enabled", "destination": "Enabled"}
    assert result["role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/s3-replication-portforge-team"
    assert result["rule"]["destination"]["storage_class"] == "STANDARD_IA"
    assert result["rule"]["destination"]["replication_time"] == {"status": "Enabled", "time": {"minutes": 15}}
    assert result["backfill"]["copied"] == 2 and result["backfill"]["keys"] == ["docs/old-1.txt", "docs/old-2.txt"]
    assert result["diff"]["before"]["versioning"] == {"source": "Disabled", "destination": "Disabled"}
    assert result["diff"]["before"]["replication_configuration"] is None
    assert result["diff"]["after"]["replication_configuration"]["Rules"][0]["ID"] == "pilotlight-dr"


def test_apply_replicates_new_writes_backfills_old_ones_and_reruns_clean(emulator, buckets, run_module):
    result = run_module(
        "s3_replication", args(storage_class="STANDARD_IA", replication_time_control=True, backfill=True), diff=True
    )
    assert result.changed and not result.failed, result
    assert result["backfill"]["copied"] == 2 and result["backfill"]["missing"] == 2
    for name, region in (("portforge-team", SEOUL), ("portforge-team-dr", TOKYO)):
        assert s3(region).get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    stored = rule_of()
    assert stored["Role"] == result["role_arn"]
    assert stored["Rules"] == [
        {
            "ID": "pilotlight-dr",
            "Priority": 1,
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "Destination": {
                "Bucket": "arn:aws:s3:::portforge-team-dr",
                "StorageClass": "STANDARD_IA",
                "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
            },
            "DeleteMarkerReplication": {"Status": "Enabled"},
        }
    ]
    iam = boto3.client("iam", region_name=TOKYO)
    role = iam.get_role(RoleName="s3-replication-portforge-team")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}
    policy = iam.get_role_policy(
        RoleName="s3-replication-portforge-team", PolicyName="s3-replication-portforge-team-to-portforge-team-dr"
    )["PolicyDocument"]
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert actions == {
        "s3:GetReplicationConfiguration",
        "s3:ListBucket",
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionTagging",
        "s3:ReplicateObject",
        "s3:ReplicateDelete",
        "s3:ReplicateTags",
    }
    assert keys(TOKYO, "portforge-team-dr") == ["docs/old-1.txt", "docs/old-2.txt"]
    head = s3(TOKYO).head_object(Bucket="portforge-team-dr", Key="docs/old-1.txt")
    assert head["StorageClass"] == "STANDARD_IA"

    s3(SEOUL).put_object(Bucket="portforge-team", Key="docs/new.txt", Body=b"new")
    emulator.settle()
    assert s3(TOKYO).head_object(Bucket="portforge-team-dr", Key="docs/new.txt")["ReplicationStatus"] == "REPLICA"

    since = emulator.last_seq()
    again = run_module(
        "s3_replication", args(storage_class="STANDARD_IA", replication_time_control=True, backfill=True)
    )
    assert not again.changed, again
    assert again["backfill"]["copied"] == 0
    assert emulator.mutating_calls(since=since) == []


def test_backfill_follows_the_rule_prefix_and_tags(emulator, run_module):
    seoul = bucket("portforge-log", SEOUL, versioned=True)
    bucket("portforge-log-dr", TOKYO, versioned=True)
    seoul.put_object(Bucket="portforge-log", Key="audit/kept", Body=b"1", Tagging="keep=yes")
    seoul.put_object(Bucket="portforge-log", Key="audit/untagged", Body=b"2")
    seoul.put_object(Bucket="portforge-log", Key="tmp/ignored", Body=b"3", Tagging="keep=yes")
    result = run_module(
        "s3_replication",
        dict(
            bucket="portforge-log",
            source_region=SEOUL,
            destination_bucket="portforge-log-dr",
            region=TOKYO,
            prefix="audit/",
            tags={"keep": "yes"},
            delete_marker_replication=False,
            backfill=True,
        ),
    )
    assert not result.failed, result
    assert result["rule"]["filter"] == {"and": {"prefix": "audit/", "tags": [{"key": "keep", "value": "yes"}]}}
    assert (
        result["backfill"]["source_objects"],
        result["backfill"]["skipped_by_tags"],
        result["backfill"]["copied"],
    ) == (2, 1, 1)
    assert keys(TOKYO, "portforge-log-dr") == ["audit/kept"]
    tags = s3(TOKYO).get_object_tagging(Bucket="portforge-log-dr", Key="audit/kept")["TagSet"]
    assert tags == [{"Key": "keep", "Value": "yes"}]


def test_backfill_skips_archived_objects_and_reports_them(emulator, buckets, run_module):
    seoul = s3(SEOUL)
    seoul.put_object(Bucket="portforge-team", Key="docs/cold.txt", Body=b"cold", StorageClass="GLACIER")
    seoul.put_object(Bucket="portforge-team", Key="docs/frozen.txt", Body=b"frozen", StorageClass="DEEP_ARCHIVE")
    seoul.put_object(Bucket="portforge-team", Key="docs/instant.txt", Body=b"ir", StorageClass="GLACIER_IR")
    predicted = run_module("s3_replication", args(backfill=True), check=True)
    assert not predicted.failed, predicted
    assert (
        predicted["backfill"]["missing"],
        predicted["backfill"]["skipped_archived"],
        predicted["backfill"]["copied"],
    ) == (5, 2, 3)
    result = run_module("s3_replication", args(backfill=True))
    assert result.changed and not result.failed, result
    assert (result["backfill"]["skipped_archived"], result["backfill"]["copied"]) == (2, 3)
    assert result["backfill"]["keys"] == ["docs/instant.txt", "docs/old-1.txt", "docs/old-2.txt"]
    assert result["backfill"]["bytes_copied"] == 2 + 2 * len(b"body of docs/old-1.txt")
    assert keys(TOKYO, "portforge-team-dr") == ["docs/instant.txt", "docs/old-1.txt", "docs/old-2.txt"]


def test_a_shared_role_whose_inline_policies_would_overflow_is_refused(emulator, buckets, run_module):
    iam = boto3.client("iam", region_name=TOKYO)
    iam.create_role(
        RoleName="shared-replication",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    others = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:ReplicateObject"],
                "Resource": [f"arn:aws:s3:::portforge-bucket-{n:04}-dr/*" for n in range(235)],
            }
        ],
    }
    assert 9700 < len(json.dumps(others, separators=(",", ":"))) < 10240
    iam.put_role_policy(
        RoleName="shared-replication", PolicyName="s3-replication-others", PolicyDocument=json.dumps(others, indent=2)
    )  # whitespace does not count
    since = emulator.last_seq()
    refused = run_module("s3_replication", args(role_name="shared-replication"))
    assert refused.failed, refused
    assert "inline policies of IAM role shared-replication would total" in refused["msg"]
    assert "use one role per bucket" in refused["msg"]
    assert emulator.mutating_calls(since=since) == []

    iam.put_role_policy(
        RoleName="shared-replication",
        PolicyName="s3-replication-others",
        PolicyDocument=json.dumps(
            dict(others, Statement=[dict(others["Statement"][0], Resource=others["Statement"][0]["Resource"][:10])])
        ),
    )
    accepted = run_module("s3_replication", args(role_name="shared-replication"))
    assert accepted.changed and not accepted.failed, accepted
    assert sorted(iam.list_role_policies(RoleName="shared-replication")["PolicyNames"]) == [
        "s3-replication-others",
        "s3-replication-portforge-team-to-portforge-team-dr",
    ]


def test_replica_kms_key_and_source_key_shape_rule_and_policy(emulator, buckets, run_module):
    tokyo_kms = boto3.client("kms", region_name=TOKYO)
    dr_key = tokyo_kms.create_key(Description="DR S3")["KeyMetadata"]["Arn"]
    tokyo_kms.create_alias(AliasName="alias/portforge-dr-s3", TargetKeyId=dr_key)
    seoul_key = boto3.client("kms", region_name=SEOUL).create_key(Description="S3")["KeyMetadata"]["Arn"]
    result = run_module(
        "s3_replication", args(replica_kms_key_id="alias/portforge-dr-s3", source_kms_key_ids=[seoul_key])
    )
    assert not result.failed, result
    rule = rule_of()["Rules"][0]
    assert rule["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    assert rule["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": dr_key}
    policy = boto3.client("iam", region_name=TOKYO).get_role_policy(
        RoleName="s3-replication-portforge-team", PolicyName="s3-replication-portforge-team-to-portforge-team-dr"
    )["PolicyDocument"]
    kms = {
        s["Sid"]: s
        for s in policy["Statement"]
        if s["Sid"].endswith(("SourceObjects", "Replicas")) and s["Action"][0].startswith("kms:")
    }
    assert kms["DecryptSourceObjects"]["Resource"] == [seoul_key]
    assert kms["DecryptSourceObjects"]["Condition"]["StringLike"]["kms:ViaService"] == "s3.ap-northeast-2.amazonaws.com"
    assert kms["EncryptReplicas"]["Resource"] == [dr_key]
    assert kms["EncryptReplicas"]["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == [
        "arn:aws:s3:::portforge-team-dr",
        "arn:aws:s3:::portforge-team-dr/*",
    ]
    s3(SEOUL).put_object(
        Bucket="portforge-team", Key="secret", Body=b"s", ServerSideEncryption="aws:kms", SSEKMSKeyId=seoul_key
    )
    emulator.settle()
    assert s3(TOKYO).head_object(Bucket="portforge-team-dr", Key="secret")["SSEKMSKeyId"] == dr_key


def test_other_rules_are_kept_and_absent_removes_only_ours(emulator, buckets, run_module):
    bucket("portforge-archive", TOKYO, versioned=True)
    first = run_module("s3_replication", args())
    assert not first.failed, first
    other = {
        "ID": "archive",
        "Priority": 2,
        "Status": "Enabled",
        "Filter": {"Prefix": "archive/"},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": "arn:aws:s3:::portforge-archive"},
    }
    s3(SEOUL).put_bucket_replication(
        Bucket="portforge-team",
        ReplicationConfiguration={"Role": first["role_arn"], "Rules": rule_of()["Rules"] + [other]},
    )
    updated = run_module("s3_replication", args(storage_class="ONEZONE_IA"))
    assert updated.changed
    assert {r["ID"]: r["Destination"].get("StorageClass") for r in rule_of()["Rules"]} == {
        "pilotlight-dr": "ONEZONE_IA",
        "archive": None,
    }

    removed = run_module("s3_replication", args(state="absent"), diff=True)
    assert removed.changed and removed["diff"]["after"]["replication_configuration"]["Rules"] == [other]
    assert rule_of()["Rules"] == [other]
    policies = boto3.client("iam", region_name=TOKYO).list_role_policies(RoleName="s3-replication-portforge-team")
    assert policies["PolicyNames"] == []
    since = emulator.last_seq()
    assert not run_module("s3_replication", args(state="absent")).changed
    assert emulator.mutating_calls(since=since) == []


def test_absent_deletes_the_configuration_when_our_rule_was_the_last(emulator, buckets, run_module):
    assert not run_module("s3_replication", args()).failed
    assert run_module("s3_replication", args(state="absent")).changed
    with pytest.raises(s3(SEOUL).exceptions.ClientError, match="ReplicationConfigurationNotFoundError"):
        rule_of()


def test_a_foreign_role_on_other_rules_needs_role_arn(emulator, buckets, run_module):
    s3(SEOUL).put_bucket_versioning(Bucket="portforge-team", VersioningConfiguration={"Status": "Enabled"})
    bucket("portforge-archive", TOKYO, versioned=True)
    iam = boto3.client("iam", region_name=TOKYO)
    foreign = iam.create_role(
        RoleName="legacy-replication",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    s3(SEOUL).put_bucket_replication(
        Bucket="portforge-team",
        ReplicationConfiguration={
            "Role": foreign,
            "Rules": [
                {
                    "ID": "archive",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {"Prefix": "archive/"},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::portforge-archive"},
                }
            ],
        },
    )
    since = emulator.last_seq()
    refused = run_module("s3_replication", args())
    assert refused.failed and "pass role_arn: " + foreign in refused["msg"]
    assert emulator.mutating_calls(since=since) == []
    accepted = run_module("s3_replication", args(role_arn=foreign))
    assert accepted.changed and not accepted.failed, accepted
    assert [r["Priority"] for r in rule_of()["Rules"]] == [1, 2]


BAD_INPUT = [
    (dict(bucket="portforge-nowhere"), "source bucket portforge-nowhere not found: create it in ap-northeast-2"),
    (dict(destination_bucket="portforge-nowhere-dr"), "destination bucket portforge-nowhere-dr not found"),
    (dict(enable_versioning=False), "versioning is not enabled on portforge-team (Disabled), portforge-team-dr"),
    (dict(region=SEOUL), "source_region and region are both ap-northeast-2"),
    (dict(tags={"keep": "yes"}), "cannot replicate delete markers with a tag filter"),
    (dict(replica_kms_key_id="alias/nowhere"), "replica KMS key alias/nowhere not found in ap-northeast-1"),
    (dict(role_arn="arn:aws:iam::123456789012:role/nowhere"), "role_arn arn:aws:iam::123456789012:role/nowhere"),
    (dict(role_arn="not-an-arn"), "is not an IAM role ARN"),
    (dict(destination_bucket="portforge-team"), "bucket and destination_bucket are both portforge-team"),
    (dict(destination_bucket=None), "destination_bucket is required with state: present"),
    (dict(source_kms_key_ids=["alias/x"]), "source_kms_key_ids is only used with replica_kms_key_id"),
    (dict(destination_bucket="portforge-misplaced"), "portforge-misplaced is in ap-northeast-2, not ap-northeast-1"),
    (dict(max_concurrency=0), "max_concurrency must be 1 or more"),
]


def test_bad_input_fails_before_any_change(emulator, buckets, run_module):
    bucket("portforge-misplaced", SEOUL)
    since = emulator.last_seq()
    for extra, message in BAD_INPUT:
        result = run_module("s3_replication", args(**extra))
        assert result.failed and message in result["msg"], (extra, result)
    assert emulator.mutating_calls(since=since) == []


def test_throttling_is_survived(emulator, buckets, run_module):
    emulator.add_fault("s3", count=3)
    emulator.add_fault("iam", count=2)
    result = run_module("s3_replication", args(backfill=True))
    assert not result.failed and result.changed, result
    assert sum(f["injected"] for f in emulator.faults()) == 5
    assert keys(TOKYO, "portforge-team-dr") == ["docs/old-1.txt", "docs/old-2.txt"]


def test_failback_sets_the_rule_back_and_returns_dr_writes_without_loops(emulator, buckets, run_module):
    assert not run_module("s3_replication", args(backfill=True)).failed
    s3(TOKYO).put_object(Bucket="portforge-team-dr", Key="docs/written-in-dr.txt", Body=b"dr")
    s3(TOKYO).put_object(Bucket="portforge-team-dr", Key="docs/old-1.txt", Body=b"changed in dr")
    back = run_module(
        "s3_replication",
        dict(
            bucket="portforge-team-dr",
            source_region=TOKYO,
            destination_bucket="portforge-team",
            region=SEOUL,
            rule_id="pilotlight-failback",
            backfill=True,
        ),
    )
    assert back.changed and not back.failed, back
    assert (back["backfill"]["missing"], back["backfill"]["outdated"]) == (1, 1)
    assert back["role_arn"].endswith(":role/s3-replication-portforge-team-dr")
    emulator.settle()
    body = s3(SEOUL).get_object(Bucket="portforge-team", Key="docs/old-1.txt")["Body"].read()
    assert body == b"changed in dr"
    assert "docs/written-in-dr.txt" in keys(SEOUL, "portforge-team")
    s3(TOKYO).put_object(Bucket="portforge-team-dr", Key="docs/after-failback-rule.txt", Body=b"x")
    emulator.settle()
    assert (
        s3(SEOUL).head_object(Bucket="portforge-team", Key="docs/after-failback-rule.txt")["ReplicationStatus"]
        == "REPLICA"
    )
    versions = s3(TOKYO).list_object_versions(Bucket="portforge-team-dr", Prefix="docs/after-failback-rule.txt")
    assert len(versions["Versions"]) == 1  # no ping-pong between the two rules


def test_info_reports_pending_objects_and_works_from_dr_only(emulator, buckets, run_module):
    assert not run_module("s3_replication", args(replication_time_control=True, backfill=True)).failed
    emulator.region_down(TOKYO)
    for index in range(3):
        s3(SEOUL).put_object(Bucket="portforge-team", Key=f"docs/pending-{index}", Body=b"1234")
    info = run_module("s3_replication_info", dict(bucket="portforge-team", source_region=SEOUL, region=TOKYO))
    assert not info.failed, info
    assert info["rules"][0]["id"] == "pilotlight-dr" and info["rules"][0]["metrics_enabled"]
    assert (info["pending_operations"], info["pending_bytes"]) == (3, 12)
    emulator.region_up(TOKYO)

    emulator.settle()  # the replication retries Tokyo now rather than after a wall-clock wait
    # The pending count is a metric: poll it (bounded) rather than expect it on the first read on a loaded machine.
    for _attempt in range(60):
        drained = run_module("s3_replication_info", dict(bucket="portforge-team", source_region=SEOUL, region=TOKYO))
        if drained["pending_operations"] == 0:
            break
        emulator.settle()
    assert drained["pending_operations"] == 0, "the pending objects never drained after Tokyo came back"

    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    dr_only = run_module(
        "s3_replication_info",
        dict(
            bucket="portforge-team",
            source_region=SEOUL,
            destination_bucket="portforge-team-dr",
            region=TOKYO,
            primary_reachable=False,
            summarize_destination=True,
        ),
    )
    assert not dr_only.failed, dr_only
    assert dr_only["pending_operations"] is None and dr_only["rules"] == []
    assert dr_only["destination"]["object_count"] >= 2
    assert [c for c in emulator.calls(since=since) if c["region"] == SEOUL] == []


def test_examples_run(emulator, run_examples):
    bucket("portforge-team", SEOUL, objects=["a.txt"])
    bucket("portforge-team-dr", TOKYO)
    bucket("portforge-log", SEOUL, objects=["audit/1.log"])
    bucket("portforge-log-dr", TOKYO)
    kms = boto3.client("kms", region_name=TOKYO)
    kms.create_alias(AliasName="alias/portforge-dr-s3", TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])
    result = run_examples("s3_replication", region=TOKYO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 of 1 older objects copied to DR" in result.stdout
    with pytest.raises(s3(TOKYO).exceptions.ClientError, match="ReplicationConfigurationNotFoundError"):
        rule_of("portforge-team-dr", TOKYO)
    info = run_examples("s3_replication_info", region=TOKYO)
    assert info.returncode == 0, info.stdout + info.stderr
