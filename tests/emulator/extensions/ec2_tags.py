"""EC2 DescribeTags reports NAT gateways with AWS's resource type ``natgateway``.

moto derives a tag's ResourceType from the id prefix and calls NAT gateways ``nat-gateway``; AWS
(and amazon.aws.ec2_vpc_nat_gateway, which filters on ``resource-type=natgateway``) say
``natgateway``. Without this the module re-tags the gateway on every run and is never idempotent.
"""

from moto.ec2 import utils as ec2_utils

from ..core import ExtensionError

DESCRIPTION = "EC2 tags: NAT gateways have AWS's resource type 'natgateway' (idempotent ec2_vpc_nat_gateway)"

# moto's name -> AWS's name, for resource types where they differ.
AWS_RESOURCE_TYPES = {"nat": "natgateway"}


def install():
    mapping = getattr(ec2_utils, "EC2_PREFIX_TO_RESOURCE", None)
    if not isinstance(mapping, dict):
        raise ExtensionError("moto changed: moto.ec2.utils.EC2_PREFIX_TO_RESOURCE is gone")
    for prefix, aws_name in AWS_RESOURCE_TYPES.items():
        if prefix not in mapping:
            raise ExtensionError(f"moto changed: no EC2 resource prefix {prefix!r}")
        # The dict is shared with moto.ec2.models.tags, so an in-place update reaches DescribeTags.
        mapping[prefix] = aws_name
