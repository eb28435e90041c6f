"""The Price List API in the emulator: what extensions/pricing.py adds to moto (each test fails on plain moto)."""

import json

import boto3
import botocore.exceptions
import pytest

TOKYO = "ap-northeast-1"


def _pricing(region="us-east-1"):
    return boto3.client("pricing", region_name=region)


def _products(service, **filters):
    pages = (
        _pricing()
        .get_paginator("get_products")
        .paginate(
            ServiceCode=service,
            FormatVersion="aws_v1",
            Filters=[{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in filters.items()],
        )
    )
    return [json.loads(item) for page in pages for item in page["PriceList"]]


def _usd(product):
    (term,) = product["terms"]["OnDemand"].values()
    return [d["pricePerUnit"]["USD"] for d in term["priceDimensions"].values()]


def test_get_products_filters_by_attributes_and_returns_aws_v1_entries(gap_emulator):
    products = _products(
        "AmazonEC2",
        regionCode=TOKYO,
        instanceType="t2.small",
        operatingSystem="Linux",
        tenancy="Shared",
        preInstalledSw="NA",
        capacitystatus="Used",
    )
    assert len(products) == 1
    product = products[0]
    assert product["product"]["attributes"]["usagetype"] == "APN1-BoxUsage:t2.small"
    assert product["product"]["productFamily"] == "Compute Instance"
    assert _usd(product) == ["0.0304"]
    # too few filters: several products with different prices (the near-misses are there on purpose)
    loose = _products("AmazonEC2", regionCode=TOKYO, instanceType="t2.small")
    assert len({tuple(_usd(p)) for p in loose}) == 3


def test_nat_gateway_hours_and_bytes_share_a_family_and_s3_is_tiered(gap_emulator):
    nat = _products("AmazonEC2", regionCode=TOKYO, productFamily="NAT Gateway")
    assert sorted(p["product"]["attributes"]["usagetype"] for p in nat) == [
        "APN1-NatGateway-Bytes",
        "APN1-NatGateway-Hours",
    ]
    (standard,) = _products("AmazonS3", regionCode=TOKYO, productFamily="Storage", volumeType="Standard")
    (term,) = standard["terms"]["OnDemand"].values()
    ranges = sorted((d["beginRange"], d["endRange"]) for d in term["priceDimensions"].values())
    assert ("0", "51200") in ranges and ("512000", "Inf") in ranges


def test_paging_and_unknown_skus(gap_emulator):
    first = _pricing().get_products(ServiceCode="AmazonEC2", FormatVersion="aws_v1", MaxResults=2)
    assert len(first["PriceList"]) == 2 and first["NextToken"]
    assert _products("AmazonEC2", regionCode=TOKYO, instanceType="x9.huge") == []
    with pytest.raises(botocore.exceptions.ClientError) as error:
        _pricing().get_products(FormatVersion="aws_v1", ServiceCode="")
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"
