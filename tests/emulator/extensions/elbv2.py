"""ELBv2 load balancers report their region's Route 53 hosted zone id, as AWS does.

A Route 53 alias record that points at a load balancer needs the load balancer's
``CanonicalHostedZoneId``: one fixed zone per region and load balancer type (Application Load
Balancers in ap-northeast-1 are in Z14GRHDCWA56QT, Network Load Balancers in Z31USIVHYNEOWT; see
"Elastic Load Balancing endpoints and quotas" in the AWS General Reference). moto reports
``Z2P70J7EXAMPLE`` for every load balancer in every region, so an alias built from it would point
nowhere on AWS and failover records of two regions could not be told apart.
"""

from moto.elbv2 import models as elbv2_models

from ..core import patch

DESCRIPTION = "ELBv2: CanonicalHostedZoneId is the region's ALB or NLB hosted zone (Route 53 alias target)"

# Region -> hosted zone id, per load balancer type (AWS General Reference, ELB endpoints).
APPLICATION_ZONES = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-northeast-2": "ZWKZPGTI48KDX",
    "ap-northeast-3": "Z5LXEXXYW11ES",
    "ap-south-1": "ZP97RAFLXTNZK",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ap-east-1": "Z3DQVH9N71FHZ0",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "sa-east-1": "Z2P70J7HTTTPLU",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "eu-north-1": "Z23TAZ6LKFMNIO",
}
NETWORK_ZONES = {
    "us-east-1": "Z26RNL4JYFTOTI",
    "us-east-2": "ZLMOA37VPKANP",
    "us-west-1": "Z24FKFUX50B4VW",
    "us-west-2": "Z18D5FSROUN65G",
    "ap-northeast-1": "Z31USIVHYNEOWT",
    "ap-northeast-2": "ZIBE1TIR4HY56",
    "ap-northeast-3": "Z1GWIQ4HH19I5X",
    "ap-south-1": "ZVDDRBQ08TROA",
    "ap-southeast-1": "ZKVM4W9LS7TM",
    "ap-southeast-2": "ZCT6FZBF4DROD",
    "ap-east-1": "Z12Y7K3UBGUAD1",
    "ca-central-1": "Z2EPGBW3API2WT",
    "sa-east-1": "ZTK26PT1VY4CU",
    "eu-central-1": "Z3F0SRJ5LGBH90",
    "eu-west-1": "Z2IFOLAFXWLO4F",
    "eu-west-2": "ZD4D7Y8KGAS4G",
    "eu-west-3": "Z1CMS0P5QUZ6D5",
    "eu-north-1": "Z1UDT6IFJ4EJM",
}
ZONES = {"application": APPLICATION_ZONES, "network": NETWORK_ZONES}


def zone_for(load_balancer_type, region):
    """The hosted zone id AWS gives a load balancer of this type in this region, or None."""
    return ZONES.get(load_balancer_type or "application", {}).get(region)


def _make_init(original_init):
    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        region = self.arn.split(":")[3]
        self.canonical_hosted_zone_id = zone_for(self.type, region) or self.canonical_hosted_zone_id

    return __init__


def install():
    patch(elbv2_models.FakeLoadBalancer, "__init__", _make_init(elbv2_models.FakeLoadBalancer.__init__))
