"""The AWS Price List API (``pricing`` GetProducts), which moto does not have, for the SKUs a pilot light uses.

``GetProducts`` answers from a small built-in catalog in the shape AWS returns (``FormatVersion`` aws_v1, each
``PriceList`` entry a JSON text with ``product`` {sku, productFamily, attributes} and ``terms.OnDemand`` price
dimensions), with TERM_MATCH filters on any attribute (and ``productFamily``), ``MaxResults``/``NextToken``
paging and ``DescribeServices``. Prices are the public on-demand list prices (USD) of three regions:
ap-northeast-1 (Tokyo), ap-northeast-2 (Seoul) and us-east-1; a region or SKU outside the catalog has no
product, as a product AWS does not sell. The catalog holds near-misses on purpose (Windows and reserved
capacity next to Linux instances, NAT data processing next to NAT hours) so that a query that filters too
little finds several prices.
"""

import hashlib
import json

from ..core import patch
from ..core import require

DESCRIPTION = "Price List API: GetProducts and DescribeServices for the pilot-light SKUs of three regions"

TARGET_PREFIX = "AWSPriceListService."

REGIONS = {
    "ap-northeast-1": ("APN1", "Asia Pacific (Tokyo)"),
    "ap-northeast-2": ("APN2", "Asia Pacific (Seoul)"),
    "us-east-1": ("USE1", "US East (N. Virginia)"),
}

# price per region code, in USD
PRICES = {
    "nat_hours": {"APN1": "0.062", "APN2": "0.059", "USE1": "0.045"},
    "nat_bytes": {"APN1": "0.062", "APN2": "0.059", "USE1": "0.045"},
    "alb_hours": {"APN1": "0.0243", "APN2": "0.0225", "USE1": "0.0225"},
    "alb_lcu": {"APN1": "0.008", "APN2": "0.008", "USE1": "0.008"},
    "ec2": {
        "t2.micro": {"APN1": "0.0152", "APN2": "0.0144", "USE1": "0.0116"},
        "t2.small": {"APN1": "0.0304", "APN2": "0.0288", "USE1": "0.023"},
        "t3.small": {"APN1": "0.0272", "APN2": "0.026", "USE1": "0.0208"},
        "t3.medium": {"APN1": "0.0544", "APN2": "0.052", "USE1": "0.0416"},
        "t3.large": {"APN1": "0.1088", "APN2": "0.104", "USE1": "0.0832"},
    },
    "ec2_windows_extra": "0.009",
    "rds_mysql": {
        "db.t3.micro": {"APN1": "0.026", "APN2": "0.025", "USE1": "0.017"},
        "db.t3.small": {"APN1": "0.052", "APN2": "0.05", "USE1": "0.034"},
        "db.t3.medium": {"APN1": "0.104", "APN2": "0.1", "USE1": "0.068"},
    },
    "rds_gp2": {"APN1": "0.138", "APN2": "0.131", "USE1": "0.115"},
    "ddb_repl_write_unit": {"APN1": "0.0000007125", "APN2": "0.0000007125", "USE1": "0.000000625"},
    "ddb_storage": {"APN1": "0.285", "APN2": "0.285", "USE1": "0.25"},
    "s3": {
        "Standard": ({"APN1": "0.025", "APN2": "0.025", "USE1": "0.023"}, "TimedStorage-ByteHrs"),
        "Standard - Infrequent Access": (
            {"APN1": "0.0138", "APN2": "0.0136", "USE1": "0.0125"},
            "TimedStorage-SIA-ByteHrs",
        ),
        "One Zone - Infrequent Access": (
            {"APN1": "0.011", "APN2": "0.0108", "USE1": "0.01"},
            "TimedStorage-ZIA-ByteHrs",
        ),
        "Glacier Instant Retrieval": ({"APN1": "0.005", "APN2": "0.005", "USE1": "0.004"}, "TimedStorage-GIR-ByteHrs"),
    },
    "secret": {"APN1": "0.40", "APN2": "0.40", "USE1": "0.40"},
    "cache_redis": {
        "cache.t3.micro": {"APN1": "0.026", "APN2": "0.025", "USE1": "0.017"},
        "cache.t3.small": {"APN1": "0.052", "APN2": "0.05", "USE1": "0.034"},
    },
}

SERVICES = {
    "AmazonEC2": "Amazon Elastic Compute Cloud",
    "AWSELB": "Elastic Load Balancing",
    "AmazonRDS": "Amazon Relational Database Service",
    "AmazonDynamoDB": "Amazon DynamoDB",
    "AmazonS3": "Amazon Simple Storage Service",
    "AWSSecretsManager": "AWS Secrets Manager",
    "AmazonElastiCache": "Amazon ElastiCache",
}


def _sku(*parts):
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:16].upper()


def _product(service, family, region, usagetype, unit, tiers, **attributes):
    """One Price List entry; ``tiers`` is [(begin, end or "Inf", usd)]."""
    prefix, location = REGIONS[region]
    sku = _sku(service, region, usagetype, *[f"{k}={v}" for k, v in sorted(attributes.items())])
    attrs = {
        "servicecode": service,
        "servicename": SERVICES[service],
        "regionCode": region,
        "location": location,
        "locationType": "AWS Region",
        "usagetype": f"{prefix}-{usagetype}",
        **attributes,
    }
    dimensions = {}
    for index, (begin, end, usd) in enumerate(tiers):
        rate = f"{sku}.JRTCKXETXF.6YS6EN2CT{index}"
        dimensions[rate] = {
            "rateCode": rate,
            "description": f"{usd} USD per {unit} ({usagetype})",
            "unit": unit,
            "beginRange": str(begin),
            "endRange": str(end),
            "pricePerUnit": {"USD": usd},
            "appliesTo": [],
        }
    term = f"{sku}.JRTCKXETXF"
    return {
        "product": {"productFamily": family, "attributes": attrs, "sku": sku},
        "serviceCode": service,
        "terms": {
            "OnDemand": {
                term: {
                    "offerTermCode": "JRTCKXETXF",
                    "sku": sku,
                    "effectiveDate": "2026-11-01T00:00:00Z",
                    "priceDimensions": dimensions,
                    "termAttributes": {},
                }
            }
        },
        "version": "20261101000000",
        "publicationDate": "2026-11-01T00:00:00Z",
    }


def _flat(usd):
    return [(0, "Inf", usd)]


def catalog():
    products = []
    for region, (prefix, _dummy) in REGIONS.items():

        def price(table, key=prefix):
            return table[key]

        products += [
            _product(
                "AmazonEC2",
                "NAT Gateway",
                region,
                "NatGateway-Hours",
                "Hrs",
                _flat(price(PRICES["nat_hours"])),
                group="NGW:NatGateway",
                operation="NatGateway",
            ),
            _product(
                "AmazonEC2",
                "NAT Gateway",
                region,
                "NatGateway-Bytes",
                "GB",
                _flat(price(PRICES["nat_bytes"])),
                group="NGW:NatGateway",
                operation="NatGateway",
            ),
            _product(
                "AWSELB",
                "Load Balancer-Application",
                region,
                "LoadBalancerUsage",
                "Hrs",
                _flat(price(PRICES["alb_hours"])),
                operation="LoadBalancing:Application",
            ),
            _product(
                "AWSELB",
                "Load Balancer-Application",
                region,
                "LCUUsage",
                "LCU-Hrs",
                _flat(price(PRICES["alb_lcu"])),
                operation="LoadBalancing:Application",
            ),
            _product(
                "AmazonDynamoDB",
                "Amazon DynamoDB PayPerRequest Throughput",
                region,
                "ReplWriteRequestUnits",
                "ReplicatedWriteRequestUnits",
                _flat(price(PRICES["ddb_repl_write_unit"])),
                group="DDB-WriteUnitsReplicated",
            ),
            _product(
                "AmazonDynamoDB",
                "Database Storage",
                region,
                "TimedStorage-ByteHrs",
                "GB-Mo",
                [(0, 25, "0.0000000000"), (25, "Inf", price(PRICES["ddb_storage"]))],
            ),
            _product(
                "AmazonRDS",
                "Database Storage",
                region,
                "RDS:GP2-Storage",
                "GB-Mo",
                _flat(price(PRICES["rds_gp2"])),
                volumeType="General Purpose",
                deploymentOption="Single-AZ",
                databaseEngine="Any",
            ),
            _product(
                "AWSSecretsManager",
                "Secret",
                region,
                "AWSSecretsManager-Secrets",
                "Secrets",
                _flat(price(PRICES["secret"])),
            ),
        ]
        for instance_type, by_region in PRICES["ec2"].items():
            linux = by_region[prefix]
            common = dict(
                instanceType=instance_type, tenancy="Shared", preInstalledSw="NA", licenseModel="No License required"
            )
            products.append(
                _product(
                    "AmazonEC2",
                    "Compute Instance",
                    region,
                    f"BoxUsage:{instance_type}",
                    "Hrs",
                    _flat(linux),
                    operatingSystem="Linux",
                    capacitystatus="Used",
                    **common,
                )
            )
            products.append(
                _product(
                    "AmazonEC2",
                    "Compute Instance",
                    region,
                    f"BoxUsage:{instance_type}",
                    "Hrs",
                    _flat("0.0000000000"),
                    operatingSystem="Linux",
                    capacitystatus="UnusedCapacityReservation",
                    **common,
                )
            )
            windows = f"{float(linux) + float(PRICES['ec2_windows_extra']):.4f}"
            products.append(
                _product(
                    "AmazonEC2",
                    "Compute Instance",
                    region,
                    f"BoxUsage:{instance_type}",
                    "Hrs",
                    _flat(windows),
                    operatingSystem="Windows",
                    capacitystatus="Used",
                    **common,
                )
            )
        for instance_class, by_region in PRICES["rds_mysql"].items():
            for deployment, factor in (("Single-AZ", 1), ("Multi-AZ", 2)):
                usd = f"{float(by_region[prefix]) * factor:.4f}"
                products.append(
                    _product(
                        "AmazonRDS",
                        "Database Instance",
                        region,
                        f"{'Multi-AZ' if factor == 2 else 'InstanceUsage'}:{instance_class}",
                        "Hrs",
                        _flat(usd),
                        instanceType=instance_class,
                        databaseEngine="MySQL",
                        deploymentOption=deployment,
                    )
                )
        for volume_type, (by_region, usagetype) in PRICES["s3"].items():
            usd = by_region[prefix]
            tiers = [(0, 51200, usd)]
            if volume_type == "Standard":
                lower = f"{float(usd) - 0.001:.4f}"
                tiers += [(51200, 512000, lower), (512000, "Inf", f"{float(usd) - 0.002:.4f}")]
            else:
                tiers = _flat(usd)
            products.append(_product("AmazonS3", "Storage", region, usagetype, "GB-Mo", tiers, volumeType=volume_type))
        for node_type, by_region in PRICES["cache_redis"].items():
            products.append(
                _product(
                    "AmazonElastiCache",
                    "Cache Instance",
                    region,
                    f"NodeUsage:{node_type}",
                    "Hrs",
                    _flat(by_region[prefix]),
                    instanceType=node_type,
                    cacheEngine="Redis",
                )
            )
    return products


_CATALOG = []


def _products():
    if not _CATALOG:
        _CATALOG.extend(catalog())
    return _CATALOG


def _matches(product, filters):
    attributes = dict(product["product"]["attributes"], productFamily=product["product"]["productFamily"])
    for item in filters:
        if item.get("Type", "TERM_MATCH") != "TERM_MATCH":
            return False
        if str(attributes.get(item["Field"], "")).lower() != str(item["Value"]).lower():
            return False
    return True


class _Error(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def get_products(body):
    service = body.get("ServiceCode")
    if not service:
        raise _Error("InvalidParameterException", "ServiceCode is required")
    if body.get("FormatVersion", "aws_v1") != "aws_v1":
        raise _Error("InvalidParameterException", "FormatVersion must be aws_v1")
    found = [p for p in _products() if p["serviceCode"] == service and _matches(p, body.get("Filters") or [])]
    size = int(body.get("MaxResults") or 100)
    if not 1 <= size <= 100:
        raise _Error("InvalidParameterException", "MaxResults must be between 1 and 100")
    try:
        start = int(body.get("NextToken") or 0)
    except ValueError:
        raise _Error("InvalidNextTokenException", "The NextToken is invalid") from None
    page = found[start : start + size]
    out = {"FormatVersion": "aws_v1", "PriceList": [json.dumps(p) for p in page]}
    if start + size < len(found):
        out["NextToken"] = str(start + size)
    return out


def describe_services(body):
    codes = [body["ServiceCode"]] if body.get("ServiceCode") else sorted(SERVICES)
    return {
        "FormatVersion": "aws_v1",
        "Services": [{"ServiceCode": c, "AttributeNames": []} for c in codes if c in SERVICES],
    }


ACTIONS = {"GetProducts": get_products, "DescribeServices": describe_services}


def pricing_app(environ, start_response):
    """A WSGI app for the JSON protocol of the Price List API."""
    action = environ.get("HTTP_X_AMZ_TARGET", "")[len(TARGET_PREFIX) :]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
        handler = ACTIONS.get(action)
        if handler is None:
            raise _Error("UnknownOperationException", f"the emulator's Price List API has no {action}")
        status, payload = 200, handler(body)
    except _Error as exc:
        status, payload = exc.status, {"__type": exc.code, "message": exc.message}
    except ValueError as exc:
        status, payload = 400, {"__type": "SerializationException", "message": str(exc)}
    data = json.dumps(payload).encode()
    start_response(
        f"{status} {'OK' if status == 200 else 'Bad Request'}",
        [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _dispatching(original):
    def get_application(self, environ):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith(TARGET_PREFIX):
            return pricing_app
        return original(self, environ)

    return get_application


def install():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    require(DomainDispatcherApplication, "get_application")
    patch(DomainDispatcherApplication, "get_application", _dispatching(DomainDispatcherApplication.get_application))
