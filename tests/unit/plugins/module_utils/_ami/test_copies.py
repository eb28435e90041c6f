"""Choosing AMIs to copy and copies to retire (_ami: the pure logic, the plan, retiring old copies)."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._ami import copies as ami
from ansible_collections.pilotlight.dr.plugins.module_utils._ami import ec2
from ansible_collections.pilotlight.dr.plugins.module_utils._ami.plan import plan

SEOUL = "ap-northeast-2"


def image(image_id, name, created, state="available", **tags):
    return {
        "ImageId": image_id,
        "Name": name,
        "CreationDate": created,
        "State": state,
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": f"snap-{image_id[4:]}"}}],
    }


def copy(image_id, source_id, created, group="Role=web", region=SEOUL, name=None, state="available"):
    tags = {ami.SOURCE_IMAGE_TAG: source_id, ami.SOURCE_REGION_TAG: region, ami.COPY_GROUP_TAG: group}
    return image(image_id, name or image_id, created, state=state, **tags)


WEB1 = image("ami-web1", "megaticket-web-golden-1", "2025-12-01T00:00:00.000Z", Role="web")
WEB2 = image("ami-web2", "megaticket-web-golden-2", "2025-12-20T00:00:00.000Z", Role="web")
APP1 = image("ami-app1", "megaticket-app-golden-1", "2025-12-10T00:00:00.000Z", Role="app")
UNTAGGED = image("ami-none", "megaticket-misc", "2025-12-30T00:00:00.000Z")


def test_newest_per_role():
    chosen = ami.select_images([WEB1, WEB2, APP1], select="newest", group_by_tag="Role")
    assert [(group, i["ImageId"]) for group, i in chosen] == [("Role=app", "ami-app1"), ("Role=web", "ami-web2")]


def test_newest_without_grouping_is_the_newest_of_all():
    chosen = ami.select_images([WEB1, WEB2, APP1], select="newest", copy_group="golden")
    assert [(group, i["ImageId"]) for group, i in chosen] == [("golden", "ami-web2")]


def test_all_keeps_every_image_oldest_first_and_counts_duplicates_once():
    chosen = ami.select_images([WEB2, WEB1, WEB2, APP1], group_by_tag="Role")
    assert [i["ImageId"] for _dummy, i in chosen] == ["ami-app1", "ami-web1", "ami-web2"]


def test_images_without_the_group_tag_form_their_own_group():
    chosen = ami.select_images([WEB1, UNTAGGED], select="newest", group_by_tag="Role")
    assert [(group, i["ImageId"]) for group, i in chosen] == [("Role=", "ami-none"), ("Role=web", "ami-web1")]


def test_same_creation_second_is_ordered_by_name():
    a = image("ami-zzz", "golden-1", "2025-12-01T00:00:00.000Z", Role="web")
    b = image("ami-aaa", "golden-2", "2025-12-01T00:00:00.000Z", Role="web")
    assert ami.select_images([b, a], select="newest", group_by_tag="Role")[0][1]["ImageId"] == "ami-aaa"


def test_index_copies_only_of_the_source_region():
    copies = [
        copy("ami-c1", "ami-web1", "2025-12-02T00:00:00.000Z"),
        copy("ami-c2", "ami-web2", "2025-12-21T00:00:00.000Z", region="us-east-1"),
        image("ami-other", "not-a-copy", "2025-12-21T00:00:00.000Z"),
    ]
    assert {k: v["ImageId"] for k, v in ami.index_copies(copies, SEOUL).items()} == {("ami-web1", "Role=web"): "ami-c1"}


def test_index_copies_keeps_one_copy_per_source_and_group():
    # The same source copied for Role=web (unencrypted) and for encrypted-web: each group finds its own.
    copies = [
        copy("ami-c1", "ami-web2", "2025-12-21T00:00:00.000Z", group="Role=web"),
        copy("ami-e1", "ami-web2", "2025-12-22T00:00:00.000Z", group="encrypted-web"),
    ]
    index = ami.index_copies(copies, SEOUL)
    assert index[("ami-web2", "Role=web")]["ImageId"] == "ami-c1"
    assert index[("ami-web2", "encrypted-web")]["ImageId"] == "ami-e1"
    assert ("ami-web2", "default") not in index


COPIES = [
    copy("ami-c1", "ami-web1", "2025-12-02T00:00:00.000Z"),
    copy("ami-c2", "ami-web2", "2025-12-21T00:00:00.000Z"),
    copy("ami-c3", "ami-web3", "2025-12-25T00:00:00.000Z"),
    copy("ami-a1", "ami-app1", "2025-12-11T00:00:00.000Z", group="Role=app"),
]
SOURCES = ["ami-web1", "ami-web2", "ami-web3", "ami-app1"]  # what the run's image_ids/filters matched


@pytest.mark.parametrize(
    "keep, protected, new, expected",
    [
        (None, [], {}, []),
        (3, [], {}, []),
        (2, [], {}, ["ami-c1"]),
        (1, [], {}, ["ami-c1", "ami-c2"]),
        (2, [], {"Role=web": 1}, ["ami-c1", "ami-c2"]),
        (1, ["ami-c1"], {}, ["ami-c2", "ami-c3"]),
        (2, ["ami-c1"], {}, ["ami-c2"]),
    ],
)
def test_retention_per_group(keep, protected, new, expected):
    retire = ami.plan_retention(COPIES, keep, ["Role=web"], SEOUL, SOURCES, protected, new)
    assert [i["ImageId"] for i in retire] == expected


def test_retention_never_retires_copies_of_images_the_run_did_not_match():
    # Another application's web copies share the group name Role=web but not the source images.
    other_app = [
        copy("ami-o1", "ami-other-web1", "2025-11-01T00:00:00.000Z"),
        copy("ami-o2", "ami-other-web2", "2025-11-02T00:00:00.000Z"),
    ]
    retire = ami.plan_retention(COPIES + other_app, 1, ["Role=web"], SEOUL, SOURCES)
    assert [i["ImageId"] for i in retire] == ["ami-c1", "ami-c2"]
    other_sources = ["ami-other-web1", "ami-other-web2"]
    assert ami.plan_retention(COPIES + other_app, 1, ["Role=web"], SEOUL, other_sources) == [other_app[0]]


def test_retention_ignores_other_groups_regions_and_foreign_images():
    foreign = image("ami-foreign", "x", "2020-01-01T00:00:00.000Z", Role="web")
    other_region = copy("ami-us", "ami-web0", "2020-01-01T00:00:00.000Z", region="us-east-1")
    retire = ami.plan_retention(COPIES + [foreign, other_region], 1, ["Role=app"], SEOUL, SOURCES + ["ami-web0", "x"])
    assert retire == []


def test_tag_specifications_and_tag_drift():
    specs = ami.tag_specifications("ami-web2", SEOUL, "Role=web", {"DR": True})
    assert [s["ResourceType"] for s in specs] == ["image", "snapshot"]
    assert {"Key": "DR", "Value": "True"} in specs[0]["Tags"]
    assert {"Key": ami.SOURCE_IMAGE_TAG, "Value": "ami-web2"} in specs[0]["Tags"]
    assert ami.missing_tags({"DR": "true", "x": "1"}, {"DR": "true"}) == {}
    assert ami.missing_tags({"DR": "false"}, {"DR": "true", "Env": "dr"}) == {"DR": "true", "Env": "dr"}


def test_encryption_and_snapshots_of_an_image():
    plain = image("ami-1", "a", "2025-01-01")
    assert ami.encryption_of(plain) == (False, None)
    assert ami.snapshot_ids(plain) == ["snap-1"]
    plain["BlockDeviceMappings"][0]["Ebs"].update(Encrypted=True, KmsKeyId="arn:key")
    assert ami.encryption_of(plain) == (True, "arn:key")


def test_copy_name_and_description():
    assert ami.copy_name(WEB1, "-dr") == "megaticket-web-golden-1-dr"
    assert ami.copy_description({"ImageId": "ami-1"}, SEOUL) == "DR copy of ami-1 from ap-northeast-2"


KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/9999abcd-12ab-34cd-56ef-1234567890ab"


def encrypted_copy(key=KEY_ARN, encrypted=True):
    image = copy("ami-e1", "ami-web2", "2025-12-22T00:00:00.000Z", group="encrypted-web")
    image["BlockDeviceMappings"][0]["Ebs"].update(Encrypted=encrypted)
    if key:
        image["BlockDeviceMappings"][0]["Ebs"]["KmsKeyId"] = key
    return image


@pytest.mark.parametrize(
    "image, encrypted, kms_arn, snapshot_keys, expected",
    [
        (encrypted_copy(encrypted=False, key=None), False, None, None, None),
        (encrypted_copy(), False, None, None, None),  # an encrypted copy where none is asked for is fine
        (encrypted_copy(encrypted=False, key=None), True, None, None, "is not encrypted"),
        (encrypted_copy(encrypted=False, key=None), True, KEY_ARN, None, "is not encrypted"),
        (encrypted_copy(), True, None, None, None),
        (encrypted_copy(), True, KEY_ARN, None, None),
        (encrypted_copy(key="1234abcd-12ab-34cd-56ef-1234567890ab"), True, KEY_ARN, None, None),
        (encrypted_copy(key=OTHER_ARN), True, KEY_ARN, None, "is encrypted with 9999abcd"),
        # DescribeImages without the key: the snapshots' keys decide.
        (encrypted_copy(key=None), True, KEY_ARN, {"snap-e1": OTHER_ARN}, "is encrypted with 9999abcd"),
        (encrypted_copy(key=None), True, KEY_ARN, {"snap-e1": KEY_ARN}, None),
        (encrypted_copy(key=None), True, KEY_ARN, {}, None),
        (dict(encrypted_copy(encrypted=False, key=None), BlockDeviceMappings=[]), True, KEY_ARN, None, None),
    ],
)
def test_encryption_mismatch(image, encrypted, kms_arn, snapshot_keys, expected):
    problem = ami.encryption_mismatch(image, encrypted, kms_arn, snapshot_keys)
    if expected is None:
        assert problem is None
    else:
        assert problem and problem.startswith(expected)


def test_key_id_of():
    assert ami.key_id_of(KEY_ARN) == "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert ami.key_id_of("1234abcd") == "1234abcd"
    assert ami.key_id_of(None) is None


# -- the module's planning and retirement, with a stub EC2 client -------------------------------------------
class StubEC2:
    """Enough of an EC2 client for plan(): DescribeImages/DescribeSnapshots over fixed lists."""

    def __init__(self, images=(), snapshots=()):
        self.images, self.snapshots, self.calls = list(images), list(snapshots), []

    @staticmethod
    def _matches(image, filters):
        for f in filters:
            name, values = f["Name"], f["Values"]
            if name.startswith("tag:"):
                value = ami.tags_of(image).get(name[4:])
            else:
                value = {
                    "name": image.get("Name"),
                    "image-id": image.get("ImageId"),
                    "snapshot-id": image.get("SnapshotId"),
                }[name]
            if value not in values:
                return False
        return True

    def get_paginator(self, operation):
        stub = self

        class Result:
            def __init__(self, params):
                self.params = params

            def build_full_result(self):
                stub.calls.append((operation, self.params))
                if operation == "describe_images":
                    return {"Images": [i for i in stub.images if stub._matches(i, self.params.get("Filters", []))]}
                return {"Snapshots": [s for s in stub.snapshots if stub._matches(s, self.params.get("Filters", []))]}

        class Paginator:
            def paginate(self, **params):
                return Result(params)

        return Paginator()


def module_params(**extra):
    values = dict(name_suffix="", keep_copies=None, encrypted=False, kms_key_id=None)
    values.update(extra)
    return values


def web_copy(
    image_id="ami-c1",
    group="Role=web",
    name="megaticket-web-golden-2",
    created="2025-12-21T00:00:00.000Z",
    source="ami-web2",
    encrypted=False,
    key=None,
):
    image = copy(image_id, source, created, group=group, name=name)
    image["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] = encrypted
    if key:
        image["BlockDeviceMappings"][0]["Ebs"]["KmsKeyId"] = key
    return image


def test_plan_does_not_reuse_another_groups_copy():

    dest = StubEC2([web_copy()])
    params = module_params(encrypted=True, kms_key_id="alias/megaticket-dr", name_suffix="-encrypted")
    entries, retire = plan(dest, params, [WEB2], [("encrypted-web", WEB2)], SEOUL, "ap-northeast-1", KEY_ARN)
    assert [(e["group"], e["copy"]) for e in entries] == [("encrypted-web", None)]
    assert retire == []
    # The first group still finds its own copy.
    entries, _dummy = plan(dest, module_params(), [WEB2], [("Role=web", WEB2)], SEOUL, "ap-northeast-1")
    assert entries[0]["copy"]["ImageId"] == "ami-c1"


@pytest.mark.parametrize(
    "existing, kms_arn, problem",
    [
        (
            web_copy("ami-e1", group="encrypted-web", name="megaticket-web-golden-2-encrypted"),
            KEY_ARN,
            "is not encrypted",
        ),
        (web_copy("ami-e1", group="encrypted-web", name="megaticket-web-golden-2-encrypted"), None, "is not encrypted"),
        (
            web_copy(
                "ami-e1", group="encrypted-web", name="megaticket-web-golden-2-encrypted", encrypted=True, key=OTHER_ARN
            ),
            KEY_ARN,
            "is encrypted with 9999abcd",
        ),
    ],
)
def test_plan_refuses_a_copy_of_the_group_with_other_encryption(existing, kms_arn, problem):
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

    params = module_params(
        encrypted=True, kms_key_id="alias/megaticket-dr" if kms_arn else None, name_suffix="-encrypted"
    )
    with pytest.raises(DRError) as error:
        plan(StubEC2([existing]), params, [WEB2], [("encrypted-web", WEB2)], SEOUL, "ap-northeast-1", kms_arn)
    message = error.value.message
    for part in (
        "copy ami-e1",
        "of ami-web2",
        "copy group encrypted-web",
        problem,
        "deregister ami-e1",
        "copy_group",
        "name_suffix",
    ):
        assert part in message, (part, message)


def test_plan_reads_the_snapshot_key_when_the_image_does_not_name_it():
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

    existing = web_copy("ami-e1", group="encrypted-web", name="megaticket-web-golden-2-encrypted", encrypted=True)
    params = module_params(encrypted=True, kms_key_id="alias/megaticket-dr", name_suffix="-encrypted")
    dest = StubEC2([existing], snapshots=[{"SnapshotId": "snap-e1", "KmsKeyId": KEY_ARN}])
    entries, _dummy = plan(dest, params, [WEB2], [("encrypted-web", WEB2)], SEOUL, "ap-northeast-1", KEY_ARN)
    assert entries[0]["copy"]["ImageId"] == "ami-e1"
    assert [c[0] for c in dest.calls].count("describe_snapshots") == 1
    dest = StubEC2([existing], snapshots=[{"SnapshotId": "snap-e1", "KmsKeyId": OTHER_ARN}])
    with pytest.raises(DRError, match="is encrypted with 9999abcd"):
        plan(dest, params, [WEB2], [("encrypted-web", WEB2)], SEOUL, "ap-northeast-1", KEY_ARN)


def test_name_clash_with_another_groups_copy_says_so():
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError

    dest = StubEC2([web_copy()])
    with pytest.raises(DRError) as error:
        plan(dest, module_params(encrypted=True), [WEB2], [("encrypted-web", WEB2)], SEOUL, "ap-northeast-1")
    message = error.value.message
    assert "megaticket-web-golden-2 (ami-c1)" in message and "copy of ami-web2 for copy group Role=web" in message
    assert "copy group encrypted-web" in message and "name_suffix" in message and "not a copy" not in message
    # An image that is no copy at all keeps the old message.
    dest = StubEC2([image("ami-x", "megaticket-web-golden-2", "2025-12-21T00:00:00.000Z")])
    with pytest.raises(DRError, match="is not a copy of ami-web2: rename or deregister it, or set name_suffix"):
        plan(dest, module_params(), [WEB2], [("Role=web", WEB2)], SEOUL, "ap-northeast-1")


def test_plan_retention_stays_per_group():

    copies = [
        web_copy("ami-c1", source="ami-web1", name="megaticket-web-golden-1", created="2025-12-02T00:00:00.000Z"),
        web_copy("ami-c2", created="2025-12-21T00:00:00.000Z"),
        web_copy(
            "ami-e1",
            group="encrypted-web",
            source="ami-web1",
            name="megaticket-web-golden-1-encrypted",
            created="2025-12-03T00:00:00.000Z",
            encrypted=True,
            key=KEY_ARN,
        ),
    ]
    params = module_params(encrypted=True, kms_key_id="alias/megaticket-dr", name_suffix="-encrypted", keep_copies=1)
    entries, retire = plan(
        StubEC2(copies), params, [WEB1, WEB2], [("encrypted-web", WEB2)], SEOUL, "ap-northeast-1", KEY_ARN
    )
    assert entries[0]["copy"] is None
    assert [i["ImageId"] for i in retire] == ["ami-e1"]  # never the Role=web copies
    entries, retire = plan(
        StubEC2(copies), module_params(keep_copies=1), [WEB1, WEB2], [("Role=web", WEB2)], SEOUL, "ap-northeast-1"
    )
    assert entries[0]["copy"]["ImageId"] == "ami-c2" and [i["ImageId"] for i in retire] == ["ami-c1"]


class RetiringEC2:
    """DeregisterImage works; DeleteSnapshot answers ``codes`` in turn, then works."""

    def __init__(self, *codes):
        self.codes, self.calls = list(codes), []

    def deregister_image(self, ImageId):
        self.calls.append(("deregister_image", ImageId))

    def delete_snapshot(self, SnapshotId):
        self.calls.append(("delete_snapshot", SnapshotId))
        if self.codes:
            from botocore.exceptions import ClientError

            code = self.codes.pop(0)
            raise ClientError({"Error": {"Code": code, "Message": f"{SnapshotId}: {code}"}}, "DeleteSnapshot")


def retrying(stub, decorator):
    from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

    return RetryingBotoClientWrapper(stub, decorator)


def test_retire_copy_retries_snapshots_still_in_use(monkeypatch):
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR

    monkeypatch.setattr("time.sleep", lambda seconds: None)
    stub = RetiringEC2("InvalidSnapshot.InUse", "InvalidSnapshot.InUse")
    old = web_copy("ami-c1")
    result = ec2.retire_copy(retrying(stub, RETRY_DECORATOR), old, retrying(stub, ec2.SNAPSHOT_RETRY))
    assert result == "ami-c1"
    assert stub.calls == [("deregister_image", "ami-c1")] + [("delete_snapshot", "snap-c1")] * 3


def test_retire_copy_tolerates_gone_snapshots_and_names_orphans(monkeypatch):
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRError
    from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR

    monkeypatch.setattr("time.sleep", lambda seconds: None)
    stub = RetiringEC2("InvalidSnapshot.NotFound")
    assert (
        ec2.retire_copy(retrying(stub, RETRY_DECORATOR), web_copy("ami-c1"), retrying(stub, ec2.SNAPSHOT_RETRY))
        == "ami-c1"
    )
    stub = RetiringEC2("UnauthorizedOperation")
    with pytest.raises(DRError, match="snap-c1 of old copy ami-c1 failed.*delete-snapshot --snapshot-id snap-c1"):
        ec2.retire_copy(retrying(stub, RETRY_DECORATOR), web_copy("ami-c1"), retrying(stub, ec2.SNAPSHOT_RETRY))
    assert [c[0] for c in stub.calls].count("delete_snapshot") == 1
