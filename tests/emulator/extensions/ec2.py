"""EC2 CopyImage as AWS does it: tags, encryption, source fields and a pending period.

moto's CopyImage reads only the source image, region, name and description: the copy has no tags,
is never encrypted, does not say where it came from and is ``available`` at once. Here:

* ``CopyImageTags=true`` copies the source image's user tags (not ``aws:`` ones) to the copy;
  ``TagSpecifications`` (``image`` and/or ``snapshot``; any other type fails, as in AWS) tag the
  copy and its snapshots, overriding a copied tag of the same key;
* ``Encrypted``/``KmsKeyId``: the copy's snapshots are encrypted with the key (resolved to its ARN
  in the destination region; the AWS managed ``alias/aws/ebs`` key when none is given); a copy of
  an encrypted image is always encrypted; ``KmsKeyId`` without ``Encrypted`` is refused. A key that
  does not exist in the destination makes the copy end ``failed``, as AWS checks keys
  asynchronously;
* DescribeImages shows ``SourceImageId`` and ``SourceImageRegion`` on the copy;
* the copy (and its snapshots) stay ``pending`` for ``STATE.delay("ami_copy")`` seconds, then
  become ``available`` (``completed``); 0, the default, keeps moto's instant copy;
* ``ClientToken`` makes a repeated request return the first copy instead of a second one.

The source image is read from the source region's backend, so a missing image answers
``InvalidAMIID.NotFound`` as AWS does (moto already does this; it is kept and tested).

Launch templates: moto copies the ``TagSpecifications`` of ``CreateLaunchTemplate`` (the tags of
the launch template itself) into the first version's ``LaunchTemplateData``, where AWS keeps only
the data's own tag specifications; ``amazon.aws.ec2_launch_template`` with ``tags`` then sees a
difference on every run and adds a version each time. Here the version keeps only its own.
"""

import copy
import threading

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.exceptions import InvalidParameterCombination
from moto.ec2.models.amis import Ami
from moto.ec2.responses.amis import AmisResponse
from moto.ec2.responses.launch_templates import LaunchTemplates

from ..core import SCHEDULER
from ..core import STATE
from ..core import on_reset
from ..core import patch

DESCRIPTION = (
    "EC2 CopyImage: CopyImageTags/TagSpecifications, Encrypted/KmsKeyId, SourceImageId/SourceImageRegion, "
    "pending period (latency ami_copy), ClientToken idempotency; CreateLaunchTemplate keeps the template's own "
    "tags out of the version data"
)

_TOKENS = {}  # (account, region, client token) -> image id
_TOKENS_LOCK = threading.Lock()


class _InvalidTagSpecResource(EC2ClientError):
    def __init__(self, resource_type):
        super().__init__(
            "InvalidParameterValue",
            f"'{resource_type}' is not a valid taggable resource type for this operation.",
        )


def _key_arn(account_id, region, key_id):
    """The ARN of ``key_id`` (id, ARN, alias or alias ARN) in ``region``, or None when it does not exist."""
    from moto.kms.models import kms_backends

    kms = kms_backends[account_id][region]
    try:
        resolved = kms.any_id_to_key_id(key_id or "alias/aws/ebs")
        return kms.describe_key(resolved).arn
    except Exception:  # moto raises KeyError/NotFoundException/TypeError for unknown ids
        return None


def _user_tags(backend, resource_id):
    return {
        tag["key"]: tag["value"]
        for tag in backend.describe_tags(filters={"resource-id": [resource_id]})
        if not tag["key"].startswith("aws:")
    }


def _tag_specs(specs):
    """{"image": {...}, "snapshot": {...}} from a TagSpecifications parameter."""
    out = {"image": {}, "snapshot": {}}
    for spec in specs or []:
        resource_type = spec.get("ResourceType")
        if resource_type not in out:
            raise _InvalidTagSpecResource(resource_type)
        for tag in spec.get("Tags") or []:
            out[resource_type][tag["Key"]] = tag.get("Value", "")
    return out


def _finish_copy(ami, failed_reason=None):
    if ami.state != "pending":
        return
    if failed_reason:
        ami.state = "failed"
        ami.state_reason = {"Code": "Client.InvalidKMSKey.NotFound", "Message": failed_reason}
        ami.ebs_snapshot.status = "error"
        return
    ami.state = "available"
    ami.ebs_snapshot.status = "completed"


def copy_image(self):
    source_image_id = self._get_param("SourceImageId")
    source_region = self._get_param("SourceRegion")
    name = self._get_param("Name")
    description = self._get_param("Description")
    copy_tags = self._get_bool_param("CopyImageTags", False)
    encrypted = self._get_bool_param("Encrypted", False)
    kms_key_id = self._get_param("KmsKeyId")
    client_token = self._get_param("ClientToken")
    tags = _tag_specs(self._get_param("TagSpecifications", []))

    self.error_on_dryrun()

    if kms_key_id and not encrypted:
        raise InvalidParameterCombination("The parameter KmsKeyId requires the parameter Encrypted to be set.")
    backend = self.ec2_backend
    token_key = (backend.account_id, backend.region_name, client_token)
    if client_token:
        with _TOKENS_LOCK:
            if token_key in _TOKENS:
                return ActionResult({"ImageId": _TOKENS[token_key]})

    from moto.ec2.models import ec2_backends

    source_backend = ec2_backends[backend.account_id][source_region]
    # Raises InvalidAMIID.NotFound when the image is not in the source region, as AWS does.
    source = source_backend.describe_images(ami_ids=[source_image_id])[0]
    image = backend.copy_image(source_image_id, source_region, name, description)
    image.source_image_id = source.id
    image.source_image_region = source_region

    image_tags = _user_tags(source_backend, source.id) if copy_tags else {}
    image_tags.update(tags["image"])
    if image_tags:
        image.add_tags(image_tags)
    if tags["snapshot"]:
        image.ebs_snapshot.add_tags(tags["snapshot"])

    failed_reason = None
    source_encrypted = bool(getattr(source.ebs_snapshot, "encrypted", False))
    if encrypted or source_encrypted:
        arn = _key_arn(backend.account_id, backend.region_name, kms_key_id)
        if arn is None:
            arn = kms_key_id
            failed_reason = (
                f"The KMS key {kms_key_id} does not exist in {backend.region_name} or is not usable: "
                "the snapshots of the copy could not be encrypted"
            )
        image.ebs_snapshot.encrypted = True
        image.ebs_snapshot.kms_key_id = arn

    if client_token:
        with _TOKENS_LOCK:
            _TOKENS[token_key] = image.id

    delay = STATE.delay("ami_copy")
    image.state = "pending"
    image.ebs_snapshot.status = "pending"
    if delay > 0:
        SCHEDULER.call_later(delay, _finish_copy, image, failed_reason, name=f"ami_copy {image.id}")
    else:
        _finish_copy(image, failed_reason)
    return ActionResult({"ImageId": image.id})


def _block_device_mappings(self):
    snapshot = self.ebs_snapshot
    ebs = {
        "SnapshotId": snapshot.id,
        "VolumeSize": 15,
        "DeleteOnTermination": False,
        "VolumeType": "standard",
    }
    if getattr(snapshot, "encrypted", False):
        ebs["Encrypted"] = True
        if getattr(snapshot, "kms_key_id", None):
            ebs["KmsKeyId"] = snapshot.kms_key_id
    return [{"DeviceName": self.root_device_name, "Ebs": ebs}]


def _wrap_create_launch_template(original):
    def create_launch_template(self):
        # Copied now: moto extends the very same list with the template's own tags.
        own_specs = copy.deepcopy((self._get_param("LaunchTemplateData", {}) or {}).get("TagSpecifications"))
        result = original(self)
        template = self.ec2_backend.get_launch_template_by_name(self._get_param("LaunchTemplateName"))
        version = template.versions[0]
        if own_specs:
            version.data["TagSpecifications"] = own_specs
        else:
            version.data.pop("TagSpecifications", None)
        tags = {}
        for spec in own_specs or []:
            if spec.get("ResourceType") == "instance":
                tags.update({tag["Key"]: tag.get("Value", "") for tag in spec.get("Tags") or []})
        version.instance_tags = tags
        return result

    return create_launch_template


@on_reset
def _forget_tokens():
    with _TOKENS_LOCK:
        _TOKENS.clear()


def install():
    STATE.register_latency(
        "ami_copy", 0.0, "seconds an EC2 CopyImage copy stays pending before it is available (AWS: minutes)"
    )
    patch(AmisResponse, "copy_image", copy_image)
    patch(Ami, "block_device_mappings", property(_block_device_mappings))
    patch(
        LaunchTemplates, "create_launch_template", _wrap_create_launch_template(LaunchTemplates.create_launch_template)
    )
    # Attributes the serializer reads for DescribeImages; None on images that are not copies.
    Ami.source_image_id = None
    Ami.source_image_region = None
    Ami.state_reason = None
