# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which Price List product prices each kind of pilot-light resource.

A query is a service code, TERM_MATCH filters (always with the priced region's ``regionCode``), the end of the
product's ``usagetype`` (which starts with a region prefix such as ``APN1-``, so it cannot be a TERM_MATCH)
and the unit of the on-demand price dimension. The attribute names are those of the Price List API
(``aws pricing get-attribute-values`` lists them).
"""

# The Price List API answers in three regions only; the nearest one is used.
PRICING_REGIONS = ("us-east-1", "eu-central-1", "ap-south-1")

HOURS_PER_MONTH = 730

S3_VOLUME_TYPES = {
    "STANDARD": ("Standard", "TimedStorage-ByteHrs"),
    "STANDARD_IA": ("Standard - Infrequent Access", "TimedStorage-SIA-ByteHrs"),
    "ONEZONE_IA": ("One Zone - Infrequent Access", "TimedStorage-ZIA-ByteHrs"),
    "GLACIER_IR": ("Glacier Instant Retrieval", "TimedStorage-GIR-ByteHrs"),
}


def pricing_region(region):
    """The Price List endpoint nearest to ``region``."""
    if region.startswith(("ap-", "me-", "af-", "il-")):
        return "ap-south-1"
    if region.startswith("eu-"):
        return "eu-central-1"
    return "us-east-1"


class Query:
    __slots__ = ("service_code", "filters", "usagetype_suffix", "unit")

    def __init__(self, service_code, filters, usagetype_suffix, unit):
        self.service_code = service_code
        self.filters = dict(filters)
        self.usagetype_suffix = usagetype_suffix
        self.unit = unit

    def key(self):
        return (self.service_code, tuple(sorted(self.filters.items())), self.usagetype_suffix, self.unit)

    def describe(self):
        wanted = ", ".join(f"{k}={v}" for k, v in sorted(self.filters.items()))
        return f"{self.service_code} [{wanted}] usagetype *{self.usagetype_suffix or ''} per {self.unit}"


def nat_gateway(region):
    return Query("AmazonEC2", {"regionCode": region, "productFamily": "NAT Gateway"}, "NatGateway-Hours", "Hrs")


def load_balancer(region):
    return Query(
        "AWSELB", {"regionCode": region, "productFamily": "Load Balancer-Application"}, "LoadBalancerUsage", "Hrs"
    )


def instance(region, instance_type, operating_system="Linux"):
    return Query(
        "AmazonEC2",
        {
            "regionCode": region,
            "productFamily": "Compute Instance",
            "instanceType": instance_type,
            "operatingSystem": operating_system,
            "tenancy": "Shared",
            "preInstalledSw": "NA",
            "capacitystatus": "Used",
            "licenseModel": "No License required",
        },
        f"BoxUsage:{instance_type}",
        "Hrs",
    )


def database(region, instance_class, engine="MySQL"):
    return Query(
        "AmazonRDS",
        {
            "regionCode": region,
            "productFamily": "Database Instance",
            "instanceType": instance_class,
            "databaseEngine": engine,
            "deploymentOption": "Single-AZ",
        },
        None,
        "Hrs",
    )


def database_storage(region):
    return Query(
        "AmazonRDS",
        {
            "regionCode": region,
            "productFamily": "Database Storage",
            "volumeType": "General Purpose",
            "deploymentOption": "Single-AZ",
        },
        "RDS:GP2-Storage",
        "GB-Mo",
    )


def dynamodb_replicated_writes(region):
    return Query(
        "AmazonDynamoDB",
        {"regionCode": region, "productFamily": "Amazon DynamoDB PayPerRequest Throughput"},
        "ReplWriteRequestUnits",
        "ReplicatedWriteRequestUnits",
    )


def dynamodb_storage(region):
    return Query(
        "AmazonDynamoDB", {"regionCode": region, "productFamily": "Database Storage"}, "TimedStorage-ByteHrs", "GB-Mo"
    )


def s3_storage(region, storage_class):
    volume_type, suffix = S3_VOLUME_TYPES[storage_class]
    return Query(
        "AmazonS3", {"regionCode": region, "productFamily": "Storage", "volumeType": volume_type}, suffix, "GB-Mo"
    )


def secret(region):
    return Query(
        "AWSSecretsManager", {"regionCode": region, "productFamily": "Secret"}, "AWSSecretsManager-Secrets", "Secrets"
    )


def cache(region, node_type, engine="Redis"):
    return Query(
        "AmazonElastiCache",
        {
            "regionCode": region,
            "productFamily": "Cache Instance",
            "instanceType": node_type,
            "cacheEngine": engine,
        },
        None,
        "Hrs",
    )
