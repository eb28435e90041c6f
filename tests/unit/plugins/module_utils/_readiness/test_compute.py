"""Readiness of dr_compute (plugins/module_utils/_readiness/compute.py): every check's pass, fail and not checked."""

import datetime

import pytest
from botocore.exceptions import ClientError

from ansible_collections.pilotlight.dr.plugins.module_utils._ami import copies
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness import compute
from ansible_collections.pilotlight.dr.plugins.module_utils._readiness.context import ReadinessContext

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-0000-0000-0000-000000000000"
TIERS = [
    {"name": "web", "ami_group": "Role=web", "launch_template_name": "mt-DR-Web-LT", "asg_name": "mt-DR-Web-ASG"},
    {"name": "app", "ami_group": "Role=app", "launch_template_name": "mt-DR-App-LT", "asg_name": "mt-DR-App-ASG"},
]


def denied(operation):
    return ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "not allowed"}}, operation)


class FakeClient:
    """Answers each operation (paginated or not) from ``answers``: a value, a function of the request, or an error."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def _answer(self, operation, params):
        self.calls.append((operation, params))
        answer = self.answers[operation]
        if isinstance(answer, Exception):
            raise answer
        return answer(params) if callable(answer) else answer

    def get_paginator(self, operation):
        client = self

        class Page:
            def __init__(self, params):
                self.params = params

            def build_full_result(self):
                return client._answer(operation, self.params)

        return type("Paginator", (), {"paginate": lambda _self, **params: Page(params)})()

    def __getattr__(self, operation):
        return lambda aws_retry=False, **params: self._answer(operation, params)


def image(image_id, name, created, state="available", encrypted=False, key=None, **tags):
    ebs = {"SnapshotId": f"snap-{image_id[4:]}", "Encrypted": encrypted}
    if key:
        ebs["KmsKeyId"] = key
    return {
        "ImageId": image_id,
        "Name": name,
        "CreationDate": created,
        "State": state,
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": ebs}],
    }


def golden(image_id, role, created, state="available"):
    return image(image_id, f"mt-{role}-golden-{image_id[-1]}", created, state, Golden="true", Role=role)


def dr_copy(image_id, source_id, role, created, state="available", **kwargs):
    tags = {
        copies.SOURCE_IMAGE_TAG: source_id,
        copies.SOURCE_REGION_TAG: SEOUL,
        copies.COPY_GROUP_TAG: f"Role={role}",
        "Golden": "true",
        "Role": role,
    }
    return image(image_id, f"mt-{role}-golden-{source_id[-1]}", created, state, **kwargs, **tags)


def matches(image_value, filters):
    tags = copies.tags_of(image_value)
    for item in filters:
        name, values = item["Name"], item["Values"]
        value = (
            tags.get(name[4:])
            if name.startswith("tag:")
            else {"image-id": image_value["ImageId"], "name": image_value["Name"]}.get(name)
        )
        if value not in values:
            return False
    return True


def images_answer(images):
    return lambda params: {"Images": [i for i in images if matches(i, params.get("Filters", []))]}


def group(name, min_size=0, desired=0, max_size=3, record="min=2,desired=2,max=3"):
    tags = [{"Key": "pilotlight:active-capacity", "Value": record}] if record else []
    return {
        "AutoScalingGroupName": name,
        "MinSize": min_size,
        "DesiredCapacity": desired,
        "MaxSize": max_size,
        "Tags": tags,
        "Instances": [],
    }


class World:
    """The pilot light as provisioned: golden AMIs in Seoul, their copies, templates and groups in Tokyo."""

    def __init__(self):
        self.goldens = [
            golden("ami-web1", "web", "2026-11-01T00:00:00.000Z"),
            golden("ami-web2", "web", "2026-12-01T00:00:00.000Z"),
            golden("ami-app1", "app", "2026-11-15T00:00:00.000Z"),
        ]
        self.copies = [
            dr_copy("ami-cweb2", "ami-web2", "web", "2026-12-02T00:00:00.000Z"),
            dr_copy("ami-capp1", "ami-app1", "app", "2026-11-16T00:00:00.000Z"),
        ]
        self.templates = {"mt-DR-Web-LT": "ami-cweb2", "mt-DR-App-LT": "ami-capp1"}
        self.groups = [group("mt-DR-Web-ASG"), group("mt-DR-App-ASG")]
        self.key = {"KeyMetadata": {"Arn": KEY_ARN, "KeyState": "Enabled"}}
        self.overrides = {}
        self.clients = {}

    def template_answers(self):
        listed = [{"LaunchTemplateName": n, "LaunchTemplateId": f"lt-{n}"} for n in self.templates]
        return {
            "describe_launch_templates": lambda params: {
                "LaunchTemplates": [t for t in listed if t["LaunchTemplateName"] in params["Filters"][0]["Values"]]
            },
            "describe_launch_template_versions": lambda params: {
                "LaunchTemplateVersions": [
                    {"LaunchTemplateData": {"ImageId": self.templates[params["LaunchTemplateId"][3:]]}}
                ]
            },
        }

    def client(self, service, region):
        if region == SEOUL and service != "ec2":
            raise AssertionError(f"{service} in the primary region")
        if (service, region) not in self.clients:
            if service == "ec2" and region == SEOUL:
                answers = {"describe_images": images_answer(self.goldens)}
            elif service == "ec2":
                answers = dict(
                    self.template_answers(),
                    describe_images=images_answer(self.copies),
                    describe_snapshots={"Snapshots": []},
                )
            elif service == "autoscaling":
                answers = {
                    "describe_auto_scaling_groups": lambda params: {
                        "AutoScalingGroups": [
                            g for g in self.groups if g["AutoScalingGroupName"] in params["AutoScalingGroupNames"]
                        ]
                    }
                }
            else:
                answers = {"describe_key": self.key}
            answers.update(self.overrides.get((service, region), {}))
            self.clients[(service, region)] = FakeClient(answers)
        return self.clients[(service, region)]

    def check(self, primary_reachable=True, **options):
        opts = dict(
            ami_filters={"tag:Golden": "true"}, ami_role_tag="Role", ami_encrypted=False, ami_kms_key_id="", tiers=TIERS
        )
        opts.update(options)
        spec = {
            "name": "compute",
            "region": TOKYO,
            "primary_region": SEOUL,
            "primary_reachable": primary_reachable,
            "options": opts,
        }
        now = datetime.datetime(2026, 12, 5, tzinfo=datetime.timezone.utc)
        results = compute.check(ReadinessContext(self.client, spec, now=lambda: now))
        return {r["check"]: r for r in results}


@pytest.fixture
def world():
    return World()


def statuses(results):
    return {name: r["status"] for name, r in results.items()}


# -- the primary answers -----------------------------------------------------------------------------------
def test_a_provisioned_pilot_light_passes_every_check(world):
    results = world.check()
    assert list(results) == ["amis_copied", "launch_templates", "groups_standby"]
    assert statuses(results) == {"amis_copied": "pass", "launch_templates": "pass", "groups_standby": "pass"}
    assert results["amis_copied"]["side"] == "primary" and results["launch_templates"]["side"] == "dr"
    assert "Role=app -> ami-capp1" in results["amis_copied"]["reason"]
    assert "Role=web -> ami-cweb2" in results["amis_copied"]["reason"]
    assert results["groups_standby"]["reason"] == (
        "in standby with capacity recorded: mt-DR-Web-ASG desired 2, mt-DR-App-ASG desired 2"
    )
    assert results["launch_templates"]["evidence"] == {"templates": world.templates}


def test_a_newer_golden_ami_not_copied_fails_amis_and_templates(world):
    world.goldens.append(golden("ami-web3", "web", "2026-12-04T00:00:00.000Z"))
    results = world.check()
    assert statuses(results)["amis_copied"] == "fail"
    assert "newest golden AMI not copied yet: ami-web3 (Role=web)" in results["amis_copied"]["reason"]
    assert "dr_compute main" in results["amis_copied"]["fix"]
    assert results["launch_templates"]["status"] == "fail"
    assert "mt-DR-Web-LT uses ami-cweb2, not the DR copy (not copied yet)" in results["launch_templates"]["reason"]
    assert results["groups_standby"]["status"] == "pass"


def test_a_copy_still_pending_is_not_copied_yet(world):
    world.copies[0]["State"] = "pending"
    results = world.check()
    assert results["amis_copied"]["status"] == "fail" and "ami-web2 (Role=web)" in results["amis_copied"]["reason"]
    assert results["launch_templates"]["status"] == "pass"  # the template already names the copy


def test_a_failed_copy_says_to_deregister_it(world):
    world.copies[0]["State"] = "failed"
    result = world.check()["amis_copied"]
    assert result["status"] == "fail" and "copy ami-cweb2 of ami-web2 (Role=web) is failed" in result["reason"]


def test_a_tier_without_golden_ami_fails(world):
    world.goldens = [g for g in world.goldens if copies.tags_of(g)["Role"] != "app"]
    result = world.check()["amis_copied"]
    assert result["status"] == "fail" and result["reason"] == f"no golden AMI in {SEOUL} for Role=app"
    assert "tag:Golden" in result["fix"]


def test_a_failed_read_of_the_golden_amis_is_not_checked(world):
    world.overrides[("ec2", SEOUL)] = {"describe_images": denied("DescribeImages")}
    results = world.check()
    assert statuses(results) == {
        "amis_copied": "not_checked",
        "launch_templates": "not_checked",
        "groups_standby": "pass",
    }
    assert results["amis_copied"]["side"] == "primary"
    assert "could not read the golden AMIs in ap-northeast-2" in results["amis_copied"]["reason"]
    assert "UnauthorizedOperation" in results["amis_copied"]["reason"]


def test_a_failed_read_of_the_dr_copies_is_not_checked(world):
    world.overrides[("ec2", TOKYO)] = {"describe_images": denied("DescribeImages")}
    results = world.check()
    assert statuses(results)["amis_copied"] == "not_checked"
    assert statuses(results)["launch_templates"] == "not_checked"
    assert ("ec2", SEOUL) not in world.clients  # nothing to compare: the primary is not read


@pytest.mark.parametrize(
    "copy_kwargs, key, expected",
    [
        ({}, {"KeyMetadata": {"Arn": KEY_ARN, "KeyState": "Enabled"}}, "is not encrypted"),
        (
            {"encrypted": True, "key": KEY_ARN},
            {"KeyMetadata": {"Arn": KEY_ARN, "KeyState": "Disabled"}},
            "is Disabled, not Enabled",
        ),
        (
            {"encrypted": True, "key": "arn:aws:kms:ap-northeast-1:123456789012:key/other"},
            {"KeyMetadata": {"Arn": KEY_ARN, "KeyState": "Enabled"}},
            "is encrypted with other",
        ),
    ],
)
def test_copies_without_the_encryption_asked_for_fail(world, copy_kwargs, key, expected):
    world.copies = [
        dr_copy("ami-cweb2", "ami-web2", "web", "2026-12-02T00:00:00.000Z", **copy_kwargs),
        dr_copy("ami-capp1", "ami-app1", "app", "2026-11-16T00:00:00.000Z", encrypted=True, key=KEY_ARN),
    ]
    world.key = key
    result = world.check(ami_encrypted=True, ami_kms_key_id="alias/mt-dr")["amis_copied"]
    assert result["status"] == "fail" and expected in result["reason"], result


def test_encrypted_copies_with_the_key_pass(world):
    world.copies = [
        dr_copy("ami-cweb2", "ami-web2", "web", "2026-12-02T00:00:00.000Z", encrypted=True, key=KEY_ARN),
        dr_copy("ami-capp1", "ami-app1", "app", "2026-11-16T00:00:00.000Z", encrypted=True),
    ]
    world.overrides[("ec2", TOKYO)] = {
        "describe_snapshots": {"Snapshots": [{"SnapshotId": "snap-capp1", "KmsKeyId": KEY_ARN}]}
    }
    assert world.check(ami_encrypted=True, ami_kms_key_id="alias/mt-dr")["amis_copied"]["status"] == "pass"


def test_an_unreadable_kms_key_is_not_checked(world):
    world.key = denied("DescribeKey")
    result = world.check(ami_encrypted=True, ami_kms_key_id="alias/mt-dr")["amis_copied"]
    assert result["status"] == "not_checked" and "could not read the KMS key" in result["reason"]


# -- launch templates --------------------------------------------------------------------------------------
def test_a_missing_or_stale_template_fails(world):
    del world.templates["mt-DR-App-LT"]
    world.templates["mt-DR-Web-LT"] = "ami-cweb1"
    result = world.check()["launch_templates"]
    assert result["status"] == "fail"
    assert result["reason"] == ("mt-DR-Web-LT uses ami-cweb1, not the DR copy ami-cweb2; mt-DR-App-LT not found")


def test_a_failed_read_of_the_templates_is_not_checked(world):
    world.overrides[("ec2", TOKYO)] = {"describe_launch_template_versions": denied("DescribeLaunchTemplateVersions")}
    result = world.check()["launch_templates"]
    assert result["status"] == "not_checked" and "could not read the launch templates" in result["reason"]


# -- groups --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "groups, expected",
    [
        ([group("mt-DR-Web-ASG", 2, 2), group("mt-DR-App-ASG")], "not in standby (min 0, desired 0): mt-DR-Web-ASG"),
        ([group("mt-DR-Web-ASG"), group("mt-DR-App-ASG", record=None)], "no active capacity recorded on mt-DR-App-ASG"),
        ([group("mt-DR-Web-ASG")], "Auto Scaling group(s) mt-DR-App-ASG not found in ap-northeast-1"),
        ([group("mt-DR-Web-ASG", record="two"), group("mt-DR-App-ASG")], "tag pilotlight:active-capacity of group"),
    ],
)
def test_groups_not_in_standby_fail(world, groups, expected):
    world.groups = groups
    result = world.check()["groups_standby"]
    assert result["status"] == "fail" and expected in result["reason"] and result["fix"], result


def test_a_failed_read_of_the_groups_is_not_checked(world):
    world.overrides[("autoscaling", TOKYO)] = {"describe_auto_scaling_groups": denied("DescribeAutoScalingGroups")}
    result = world.check()["groups_standby"]
    assert result["status"] == "not_checked" and "UnauthorizedOperation" in result["reason"]


# -- the primary is not called -------------------------------------------------------------------------------
def test_primary_down_reads_the_dr_region_only(world):
    results = world.check(primary_reachable=False)
    assert [key for key in world.clients if key[1] == SEOUL] == []
    assert list(results) == ["amis_copied", "dr_amis", "launch_templates", "groups_standby"]
    assert statuses(results) == {
        "amis_copied": "not_checked",
        "dr_amis": "pass",
        "launch_templates": "pass",
        "groups_standby": "pass",
    }
    assert results["amis_copied"]["side"] == "primary" and "primary_reachable=false" in results["amis_copied"]["reason"]
    assert results["dr_amis"]["reason"] == (
        "available DR copies of the golden AMIs: Role=web -> ami-cweb2, Role=app -> ami-capp1"
    )
    assert "mt-DR-Web-LT -> ami-cweb2" in results["launch_templates"]["reason"]
    # the tag filters of the golden AMIs and the source region keep other copies out
    filters = world.clients[("ec2", TOKYO)].calls[0][1]["Filters"]
    assert {f["Name"] for f in filters} == {"tag:Golden", f"tag:{copies.SOURCE_REGION_TAG}"}


def test_primary_down_an_older_available_copy_still_serves(world):
    world.copies.insert(0, dr_copy("ami-cweb1", "ami-web1", "web", "2026-11-02T00:00:00.000Z"))
    world.copies[1]["State"] = "pending"
    world.templates["mt-DR-Web-LT"] = "ami-cweb1"
    results = world.check(primary_reachable=False)
    assert statuses(results)["dr_amis"] == "pass" and statuses(results)["launch_templates"] == "pass"


def test_primary_down_a_tier_without_copy_fails_dr_amis_and_templates(world):
    world.copies = world.copies[:1]
    results = world.check(primary_reachable=False)
    assert results["dr_amis"]["status"] == "fail"
    assert f"no DR copy of a Role=app golden AMI of {SEOUL} in {TOKYO}" in results["dr_amis"]["reason"]
    assert results["launch_templates"]["status"] == "fail"
    assert "mt-DR-App-LT uses ami-capp1, which is no available DR copy" in results["launch_templates"]["reason"]


def test_primary_down_copies_none_available_fails(world):
    world.copies[1]["State"] = "pending"
    result = world.check(primary_reachable=False)["dr_amis"]
    assert result["status"] == "fail" and "(ami-capp1 is pending)" in result["reason"]


def test_primary_down_a_failed_read_is_not_checked(world):
    world.overrides[("ec2", TOKYO)] = {"describe_images": denied("DescribeImages")}
    results = world.check(primary_reachable=False)
    assert statuses(results) == {
        "amis_copied": "not_checked",
        "dr_amis": "not_checked",
        "launch_templates": "not_checked",
        "groups_standby": "pass",
    }
    assert results["dr_amis"]["side"] == "dr"
