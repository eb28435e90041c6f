"""Choosing AMIs to copy and copies to retire (pure logic of plugins/module_utils/ami.py)."""

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils import ami

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
    assert [i["ImageId"] for _, i in chosen] == ["ami-app1", "ami-web1", "ami-web2"]


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
    assert {k: v["ImageId"] for k, v in ami.index_copies(copies, SEOUL).items()} == {"ami-web1": "ami-c1"}


COPIES = [
    copy("ami-c1", "ami-web1", "2025-12-02T00:00:00.000Z"),
    copy("ami-c2", "ami-web2", "2025-12-21T00:00:00.000Z"),
    copy("ami-c3", "ami-web3", "2025-12-25T00:00:00.000Z"),
    copy("ami-a1", "ami-app1", "2025-12-11T00:00:00.000Z", group="Role=app"),
]
SOURCES = ["ami-web1", "ami-web2", "ami-web3", "ami-app1"]  # what the run's image_ids/filters matched


@pytest.mark.parametrize("keep, protected, new, expected", [
    (None, [], {}, []),
    (3, [], {}, []),
    (2, [], {}, ["ami-c1"]),
    (1, [], {}, ["ami-c1", "ami-c2"]),
    (2, [], {"Role=web": 1}, ["ami-c1", "ami-c2"]),
    (1, ["ami-c1"], {}, ["ami-c2", "ami-c3"]),
    (2, ["ami-c1"], {}, ["ami-c2"]),
])
def test_retention_per_group(keep, protected, new, expected):
    retire = ami.plan_retention(COPIES, keep, ["Role=web"], SEOUL, SOURCES, protected, new)
    assert [i["ImageId"] for i in retire] == expected


def test_retention_never_retires_copies_of_images_the_run_did_not_match():
    # Another application's web copies share the group name Role=web but not the source images.
    other_app = [copy("ami-o1", "ami-other-web1", "2025-11-01T00:00:00.000Z"),
                 copy("ami-o2", "ami-other-web2", "2025-11-02T00:00:00.000Z")]
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
