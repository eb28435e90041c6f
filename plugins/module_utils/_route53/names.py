# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""DNS names as Route 53 compares them, the regions they carry, and the tags that tie health checks to a record."""

import re

TAG_RECORD = "pilotlight.dr:failover-record"
TAG_ROLE = "pilotlight.dr:failover-role"
ROLES = ("primary", "secondary")
SWITCH = "switch"
# The inverted alarm check of the SECONDARY record (traffic_switch=cloudwatch_alarm only).
SWITCH_DR = "switch_dr"
MODES = ("auto", "secondary", "primary")


# Canonical hosted zone ids of Application and Classic Load Balancers (name-id.REGION.elb.amazonaws.com),
# from the AWS General Reference "Elastic Load Balancing endpoints and quotas".
ELB_HOSTED_ZONE_IDS = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "eu-north-1": "Z23TAZ7KI7KDR1",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-northeast-2": "ZWKZPGTI48KDX",
    "ap-northeast-3": "Z5LXEXXYW11ES",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ap-south-1": "ZP97RAFLXTNZK",
    "sa-east-1": "Z2P70J7HTTTPLU",
}
_ELB_NAME_RE = re.compile(r"\.([a-z]{2}(?:-gov)?-[a-z]+-\d+)\.elb\.amazonaws\.com$")
_REGION_RE = re.compile(r"(?:^|[.-])((?:us-gov|us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d+)(?=$|[.-])")


def host(name):
    """A DNS name as compared here: lower case, no trailing dot, no ``dualstack.`` prefix."""
    name = (name or "").strip().lower().replace("\\052", "*").rstrip(".")
    return name[len("dualstack.") :] if name.startswith("dualstack.") else name


def fqdn(name):
    """A DNS name as Route 53 returns it: lower case with a trailing dot."""
    return (name or "").strip().lower().replace("\\052", "*").rstrip(".") + "."


def region_of(name):
    """The AWS region a DNS name carries (ALB, EC2, S3 website names), or None."""
    match = _REGION_RE.search(host(name))
    return match.group(1) if match else None


def elb_hosted_zone_id(dns_name):
    match = _ELB_NAME_RE.search(host(dns_name))
    return ELB_HOSTED_ZONE_IDS.get(match.group(1)) if match else None


def short_zone_id(zone_id):
    return (zone_id or "").split("/")[-1]


def in_zone(name, zone_name):
    name, zone_name = fqdn(name), fqdn(zone_name)
    return name == zone_name or name.endswith("." + zone_name)


def record_key(zone_id, name, record_type):
    """The tag value that ties health checks to one record (name and type) of one zone."""
    return f"{short_zone_id(zone_id)}/{fqdn(name)}/{record_type}"
