"""EC2 CopyImage in the emulator: each behaviour fails on plain moto and passes on the emulator."""

import boto3
import botocore.exceptions
import pytest

from tests.emulator.client import EmulatorError

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"


def _golden(name="megaticket-web-golden-1", **tags):
    ec2 = boto3.client("ec2", region_name=SEOUL)
    image_id = ec2.register_image(Name=name, Description="golden web")["ImageId"]
    tags = tags or {"Role": "web", "Project": "MegaTicket"}
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    return image_id


def _copy(source_id, **kwargs):
    return boto3.client("ec2", region_name=TOKYO).copy_image(
        SourceImageId=source_id, SourceRegion=SEOUL, Name=kwargs.pop("Name", "megaticket-web-golden-1"), **kwargs
    )["ImageId"]


def _image(image_id):
    return boto3.client("ec2", region_name=TOKYO).describe_images(ImageIds=[image_id])["Images"][0]


def _tags(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags") or []}


def _latency(client, **latency):
    """Set a latency; plain moto has no such knob (the test then fails on the behaviour itself)."""
    try:
        client.configure(latency=latency)
    except EmulatorError:
        assert client.kind == "plain-moto"


def test_copy_image_tags_copies_the_source_tags(gap_emulator):
    copy = _image(_copy(_golden(), CopyImageTags=True))
    assert _tags(copy) == {"Role": "web", "Project": "MegaTicket"}


def test_copy_without_copy_image_tags_has_only_the_requested_tags(gap_emulator):
    copy_id = _copy(
        _golden(),
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": "DR", "Value": "true"}]},
            {"ResourceType": "snapshot", "Tags": [{"Key": "Snap", "Value": "yes"}]},
        ],
    )
    copy = _image(copy_id)
    assert _tags(copy) == {"DR": "true"}
    snapshot_id = copy["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    snapshot = boto3.client("ec2", region_name=TOKYO).describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
    assert _tags(snapshot) == {"Snap": "yes"}


def test_tag_specifications_override_copied_tags(gap_emulator):
    copy = _image(
        _copy(
            _golden(),
            CopyImageTags=True,
            TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "Role", "Value": "web-dr"}]}],
        )
    )
    assert _tags(copy) == {"Role": "web-dr", "Project": "MegaTicket"}


def test_tag_specifications_for_other_resource_types_fail(gap_emulator):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        _copy(_golden(), TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "a", "Value": "b"}]}])
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_encrypted_copy_with_a_dr_key(gap_emulator):
    kms = boto3.client("kms", region_name=TOKYO)
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/megaticket-dr", TargetKeyId=key["KeyId"])
    copy = _image(_copy(_golden(), Encrypted=True, KmsKeyId="alias/megaticket-dr"))
    ebs = copy["BlockDeviceMappings"][0]["Ebs"]
    assert ebs.get("Encrypted") is True and ebs.get("KmsKeyId") == key["Arn"]
    snapshot = boto3.client("ec2", region_name=TOKYO).describe_snapshots(SnapshotIds=[ebs["SnapshotId"]])["Snapshots"]
    assert snapshot[0]["Encrypted"] and snapshot[0]["KmsKeyId"] == key["Arn"]


def test_encrypted_copy_without_key_uses_the_aws_managed_ebs_key(gap_emulator):
    ebs = _image(_copy(_golden(), Encrypted=True))["BlockDeviceMappings"][0]["Ebs"]
    assert ebs.get("Encrypted") is True and ebs.get("KmsKeyId", "").startswith(f"arn:aws:kms:{TOKYO}:")


def test_kms_key_without_encrypted_is_refused(gap_emulator):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        _copy(_golden(), KmsKeyId="alias/aws/ebs")
    assert caught.value.response["Error"]["Code"] == "InvalidParameterCombination"


def test_copy_with_an_unknown_key_ends_failed(gap_emulator):
    copy_id = _copy(_golden(), Encrypted=True, KmsKeyId="alias/not-in-tokyo")
    gap_emulator.settle()
    copy = _image(copy_id)
    assert copy["State"] == "failed" and "alias/not-in-tokyo" in copy["StateReason"]["Message"]


def test_describe_images_shows_the_source_of_a_copy(gap_emulator):
    source_id = _golden()
    copy = _image(_copy(source_id))
    assert copy.get("SourceImageId") == source_id and copy.get("SourceImageRegion") == SEOUL


def test_copy_is_pending_for_the_configured_time_then_available(gap_emulator):
    _latency(gap_emulator, ami_copy=30)
    copy_id = _copy(_golden())
    assert _image(copy_id)["State"] == "pending"
    gap_emulator.settle()
    assert _image(copy_id)["State"] == "available"


def test_copy_pending_period_elapses_by_itself(gap_emulator):
    _latency(gap_emulator, ami_copy=0.3)
    copy_id = _copy(_golden())
    assert _image(copy_id)["State"] == "pending"
    waiter = boto3.client("ec2", region_name=TOKYO).get_waiter("image_available")
    waiter.wait(ImageIds=[copy_id], WaiterConfig={"Delay": 1, "MaxAttempts": 10})


def test_client_token_returns_the_first_copy(gap_emulator):
    source_id = _golden()
    first = _copy(source_id, ClientToken="copy-web-1")
    assert _copy(source_id, ClientToken="copy-web-1") == first


def test_missing_source_image_is_not_found_in_the_source_region(emulator):
    # moto already reads the source region's backend; kept by the extension and pinned here.
    tokyo_only = boto3.client("ec2", region_name=TOKYO).register_image(Name="only-in-tokyo")["ImageId"]
    for image_id in ("ami-0123456789abcdef0", tokyo_only):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            _copy(image_id)
        assert caught.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_launch_template_tags_stay_out_of_the_version_data(gap_emulator):
    ec2 = boto3.client("ec2", region_name=TOKYO)
    instance_tags = {"ResourceType": "instance", "Tags": [{"Key": "Role", "Value": "Web"}]}
    ec2.create_launch_template(
        LaunchTemplateName="megaticket-dr-web-lt",
        LaunchTemplateData={"ImageId": "ami-0123456789abcdef0", "TagSpecifications": [instance_tags]},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "DR", "Value": "true"}]}],
    )
    versions = ec2.describe_launch_template_versions(LaunchTemplateName="megaticket-dr-web-lt")[
        "LaunchTemplateVersions"
    ]
    version = versions[0]
    assert version["LaunchTemplateData"]["TagSpecifications"] == [instance_tags]
    template = ec2.describe_launch_templates(LaunchTemplateNames=["megaticket-dr-web-lt"])["LaunchTemplates"][0]
    assert template["Tags"] == [{"Key": "DR", "Value": "true"}]
