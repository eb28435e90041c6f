"""ami_cross_copy against the emulator: selection, idempotency, encryption, retention, waits, errors."""

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"


def golden(name, role, region=SEOUL, **tags):
    ec2 = boto3.client("ec2", region_name=region)
    image_id = ec2.register_image(Name=name, Description=f"golden {role}")["ImageId"]
    all_tags = {"Role": role, "Golden": "true", "Project": "MegaTicket"}
    all_tags.update(tags)
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": k, "Value": v} for k, v in all_tags.items()])
    return image_id


@pytest.fixture
def goldens(emulator):
    return {
        "web1": golden("megaticket-web-golden-1", "web"),
        "web2": golden("megaticket-web-golden-2", "web"),
        "app1": golden("megaticket-app-golden-1", "app"),
    }


def newest_per_role(**extra):
    args = dict(
        source_region=SEOUL,
        region=TOKYO,
        filters={"name": "megaticket-*-golden-*", "tag:Golden": "true"},
        select="newest",
        group_by_tag="Role",
    )
    args.update(extra)
    return args


def tokyo_images(image_ids):
    return boto3.client("ec2", region_name=TOKYO).describe_images(ImageIds=list(image_ids))["Images"]


def test_check_mode_predicts_the_copies_and_changes_nothing(emulator, goldens, run_module):
    since = emulator.last_seq()
    result = run_module("ami_cross_copy", newest_per_role(), check=True, diff=True)
    assert result.changed and not result.failed
    assert emulator.mutating_calls(since=since) == []
    by_source = {i["source_image_id"]: i for i in result["images"]}
    assert set(by_source) == {goldens["web2"], goldens["app1"]}
    assert all(i["image_id"] is None and i["state"] == "pending" for i in result["images"])
    assert by_source[goldens["web2"]]["tags"]["Role"] == "web"
    assert result["diff"]["before"]["copies"] == {goldens["web2"]: None, goldens["app1"]: None}
    assert result["diff"]["after"]["copies"][goldens["web2"]] == "(new copy)"


def test_copies_newest_per_role_then_rerun_changes_nothing(emulator, goldens, run_module):
    result = run_module("ami_cross_copy", newest_per_role(tags={"DR": "true"}), diff=True)
    assert result.changed, result
    assert set(result["image_map"]) == {goldens["web2"], goldens["app1"]}
    assert result["newest_by_group"] == {
        "Role=web": result["image_map"][goldens["web2"]],
        "Role=app": result["image_map"][goldens["app1"]],
    }
    images = {i["ImageId"]: i for i in tokyo_images(result["image_map"].values())}
    web = images[result["image_map"][goldens["web2"]]]
    tags = {t["Key"]: t["Value"] for t in web["Tags"]}
    assert web["State"] == "available" and web["Name"] == "megaticket-web-golden-2"
    assert tags["Role"] == "web" and tags["Project"] == "MegaTicket" and tags["DR"] == "true"
    assert tags["pilotlight:source-image-id"] == goldens["web2"] and tags["pilotlight:source-region"] == SEOUL
    assert web["SourceImageId"] == goldens["web2"] and web["SourceImageRegion"] == SEOUL
    assert result["diff"]["after"]["copies"] == result["image_map"]

    since = emulator.last_seq()
    again = run_module("ami_cross_copy", newest_per_role(tags={"DR": "true"}))
    assert not again.changed and not again.failed
    assert again["image_map"] == result["image_map"]
    assert emulator.mutating_calls(since=since) == []


def test_all_copies_are_requested_before_any_wait(emulator, goldens, run_module):
    # A copy takes an hour and the task gives the wait 1 s: a module that waited on each copy before
    # requesting the next would request one. Wall-time figures: tests/benchmarks/bench_ami_cross_copy.py
    emulator.configure(latency={"ami_copy": 3600})
    since = emulator.last_seq()
    result = run_module(
        "ami_cross_copy",
        dict(
            source_region=SEOUL,
            region=TOKYO,
            image_ids=[goldens["web1"], goldens["web2"], goldens["app1"]],
            wait_timeout=1,
        ),
    )
    assert result.failed and "timed out" in result["msg"], result
    actions = [c["action"] for c in emulator.calls(since=since, region=TOKYO, service="ec2")]
    copies = [n for n, action in enumerate(actions) if action == "CopyImage"]
    assert len(copies) == 3 and "DescribeImages" not in actions[copies[0] : copies[-1]]
    pending = result["msg"].split("still pending: ")[1].split(")")[0].split(", ")
    assert len(pending) == 3 and {i["State"] for i in tokyo_images(pending)} == {"pending"}  # polled together


def test_wait_false_starts_copies_and_wait_true_finishes_without_copying_again(emulator, goldens, run_module):
    emulator.configure(latency={"ami_copy": 60})
    started = run_module("ami_cross_copy", newest_per_role(wait=False))
    assert started.changed and {i["state"] for i in started["images"]} == {"pending"}
    emulator.settle()
    since = emulator.last_seq()
    finished = run_module("ami_cross_copy", newest_per_role())
    assert not finished.changed
    assert finished["image_map"] == started["image_map"]
    assert {i["state"] for i in finished["images"]} == {"available"}
    assert emulator.mutating_calls(since=since) == []


def test_encrypted_copy_uses_the_dr_key(emulator, goldens, run_module):
    kms = boto3.client("kms", region_name=TOKYO)
    key = kms.create_key(Description="megaticket dr")["KeyMetadata"]
    kms.create_alias(AliasName="alias/megaticket-dr", TargetKeyId=key["KeyId"])
    result = run_module(
        "ami_cross_copy",
        dict(
            source_region=SEOUL,
            region=TOKYO,
            image_ids=[goldens["web2"]],
            encrypted=True,
            kms_key_id="alias/megaticket-dr",
        ),
    )
    assert result.changed, result
    copy = result["images"][0]
    assert copy["encrypted"] and copy["kms_key_id"] == key["Arn"]
    snapshot_id = tokyo_images([copy["image_id"]])[0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    snapshot = boto3.client("ec2", region_name=TOKYO).describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
    assert snapshot["Encrypted"] and snapshot["KmsKeyId"] == key["Arn"]


def test_retention_keeps_the_newest_copies_and_deletes_old_snapshots(emulator, run_module):
    ec2 = boto3.client("ec2", region_name=TOKYO)
    made = []
    for version in (1, 2, 3):
        golden(f"megaticket-web-golden-{version}", "web")
        result = run_module("ami_cross_copy", newest_per_role(keep_copies=2))
        assert result.changed, result
        made.append(result["newest_by_group"]["Role=web"])
    assert [r["image_id"] for r in result["retired"]] == [made[0]]
    snapshots = result["retired"][0]["snapshot_ids"]
    remaining = {i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]}
    assert made[0] not in remaining and {made[1], made[2]} <= remaining
    assert snapshots and not ec2.describe_snapshots(Filters=[{"Name": "snapshot-id", "Values": snapshots}])["Snapshots"]

    since = emulator.last_seq()
    again = run_module("ami_cross_copy", newest_per_role(keep_copies=2))
    assert not again.changed and again["retired"] == []
    assert emulator.mutating_calls(since=since) == []


def test_retention_leaves_another_applications_copies_of_the_same_group(emulator, run_module):
    # Two applications in one account, both with Role=web golden images: each keeps one copy.
    portforge = dict(filters={"name": "portforge-*-golden-*", "tag:Golden": "true"})
    golden("portforge-web-golden-1", "web", Project="PortForge")
    kept = run_module("ami_cross_copy", newest_per_role(keep_copies=1, **portforge))["newest_by_group"]["Role=web"]
    for version in (1, 2):
        golden(f"megaticket-web-golden-{version}", "web")
        result = run_module("ami_cross_copy", newest_per_role(keep_copies=1))
    assert len(result["retired"]) == 1 and result["retired"][0]["image_id"] != kept
    assert tokyo_images([kept])[0]["State"] == "available"


def test_retention_in_check_mode_names_the_copies_it_would_retire(emulator, run_module):
    golden("megaticket-web-golden-1", "web")
    first = run_module("ami_cross_copy", newest_per_role())
    golden("megaticket-web-golden-2", "web")
    run_module("ami_cross_copy", newest_per_role())
    since = emulator.last_seq()
    predicted = run_module("ami_cross_copy", newest_per_role(keep_copies=1), check=True)
    assert predicted.changed
    assert [r["image_id"] for r in predicted["retired"]] == [first["newest_by_group"]["Role=web"]]
    assert emulator.mutating_calls(since=since) == []


BAD_INPUTS = [
    (dict(source_region=TOKYO), "both ap-northeast-1"),
    (dict(image_ids=["ami-0123456789abcdef0"], filters=None), "ami-0123456789abcdef0 not found in ap-northeast-2"),
    (dict(filters={"name": "nothing-like-this-*"}), "no image in ap-northeast-2"),
    (dict(keep_copies=0), "keep_copies must be 1 or more"),
    (dict(kms_key_id="alias/missing"), "kms_key_id is set but encrypted is false"),
    (dict(encrypted=True, kms_key_id="alias/missing"), "KMS key alias/missing not found in ap-northeast-1"),
]


def test_bad_input_fails_before_any_change(emulator, goldens, run_module):
    # Same region twice, missing id, no match, bad retention, key without encryption, missing key.
    since = emulator.last_seq()
    for args, message in BAD_INPUTS:
        result = run_module("ami_cross_copy", newest_per_role(**args))
        assert result.failed and message in result["msg"], (args, result.get("msg"))
    assert emulator.mutating_calls(since=since) == []


def test_name_clash_with_an_image_that_is_not_a_copy_fails_clearly(emulator, goldens, run_module):
    boto3.client("ec2", region_name=TOKYO).register_image(Name="megaticket-web-golden-2")
    since = emulator.last_seq()
    result = run_module("ami_cross_copy", newest_per_role())
    assert result.failed and "megaticket-web-golden-2" in result["msg"] and "name_suffix" in result["msg"]
    assert emulator.mutating_calls(since=since) == []


def test_throttling_is_survived(emulator, goldens, run_module):
    emulator.add_fault("ec2", count=3)
    result = run_module("ami_cross_copy", newest_per_role())
    assert result.changed and not result.failed, result.get("msg")
    assert sum(f["injected"] for f in emulator.faults()) == 3
    assert len(result["image_map"]) == 2


def test_examples_run(emulator, run_examples):
    golden("megaticket-web-golden-1", "web")
    golden("megaticket-web-golden-2", "web")
    golden("megaticket-app-golden-1", "app")
    kms = boto3.client("kms", region_name=TOKYO)
    kms.create_alias(AliasName="alias/megaticket-dr", TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])
    result = run_examples("ami_cross_copy", region=TOKYO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed=0" in result.stdout


def dr_key(alias="alias/megaticket-dr"):
    kms = boto3.client("kms", region_name=TOKYO)
    key = kms.create_key(Description=f"megaticket dr {alias}")["KeyMetadata"]
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return key


def encrypted_web(**extra):
    # The module's EXAMPLES: the newest web image again, in its own group, encrypted, with its own name.
    args = dict(
        source_region=SEOUL,
        region=TOKYO,
        filters={"name": "megaticket-web-golden-2"},
        copy_group="encrypted-web",
        name_suffix="-encrypted",
        encrypted=True,
        kms_key_id="alias/megaticket-dr",
    )
    args.update(extra)
    return args


def test_another_copy_group_gets_its_own_encrypted_copy_of_the_same_source(emulator, goldens, run_module):
    key = dr_key()
    plain = run_module("ami_cross_copy", newest_per_role())
    assert plain.changed, plain
    plain_id = plain["image_map"][goldens["web2"]]

    result = run_module("ami_cross_copy", encrypted_web())
    assert result.changed and not result.failed, result.get("msg")
    copy_id = result["image_map"][goldens["web2"]]
    assert copy_id != plain_id
    assert result["newest_by_group"] == {"encrypted-web": copy_id}
    copy = result["images"][0]
    assert copy["copied"] and copy["encrypted"] and copy["kms_key_id"] == key["Arn"]
    assert copy["name"] == "megaticket-web-golden-2-encrypted" and copy["group"] == "encrypted-web"
    images = {i["ImageId"]: i for i in tokyo_images([plain_id, copy_id])}
    assert {t["Key"]: t["Value"] for t in images[copy_id]["Tags"]}["pilotlight:copy-group"] == "encrypted-web"
    assert not images[plain_id]["BlockDeviceMappings"][0]["Ebs"].get("Encrypted")

    # Re-runs of both tasks find their own copy and change nothing.
    since = emulator.last_seq()
    again = run_module("ami_cross_copy", encrypted_web())
    assert not again.changed and again["image_map"] == {goldens["web2"]: copy_id}
    plain_again = run_module("ami_cross_copy", newest_per_role())
    assert not plain_again.changed and plain_again["image_map"][goldens["web2"]] == plain_id
    assert emulator.mutating_calls(since=since) == []


def test_a_copy_of_the_group_with_other_encryption_is_refused_before_any_change(emulator, goldens, run_module):
    dr_key()
    other = dr_key("alias/other-dr")
    unencrypted = run_module("ami_cross_copy", encrypted_web(encrypted=False, kms_key_id=None))
    assert unencrypted.changed, unencrypted
    unencrypted_id = unencrypted["image_map"][goldens["web2"]]
    since = emulator.last_seq()
    result = run_module("ami_cross_copy", encrypted_web())
    assert result.failed
    for part in (
        f"copy {unencrypted_id}",
        goldens["web2"],
        "copy group encrypted-web",
        "is not encrypted",
        f"deregister {unencrypted_id}",
        "copy_group",
        "name_suffix",
    ):
        assert part in result["msg"], (part, result["msg"])
    assert emulator.mutating_calls(since=since) == []

    # Encrypted, but with another key than the one asked for.
    made = run_module(
        "ami_cross_copy", encrypted_web(copy_group="other-key", name_suffix="-other", kms_key_id="alias/other-dr")
    )
    assert made.changed and made["images"][0]["kms_key_id"] == other["Arn"], made
    since = emulator.last_seq()
    result = run_module("ami_cross_copy", encrypted_web(copy_group="other-key", name_suffix="-other"))
    assert result.failed and f"is encrypted with {other['KeyId']}" in result["msg"], result["msg"]
    assert emulator.mutating_calls(since=since) == []


def test_another_groups_copy_with_the_same_name_asks_for_a_name_suffix(emulator, goldens, run_module):
    dr_key()
    plain = run_module("ami_cross_copy", newest_per_role())
    since = emulator.last_seq()
    result = run_module("ami_cross_copy", encrypted_web(name_suffix=""))
    assert result.failed
    assert f"({plain['image_map'][goldens['web2']]})" in result["msg"]
    assert "copy group Role=web" in result["msg"] and "name_suffix" in result["msg"]
    assert "not a copy" not in result["msg"]
    assert emulator.mutating_calls(since=since) == []
