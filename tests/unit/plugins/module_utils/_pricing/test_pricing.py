"""Pricing a pilot light from Price List products: the queries, reading a price, the cost lines and totals."""

import json
from decimal import Decimal

import pytest

from ansible_collections.pilotlight.dr.plugins.module_utils._pricing import catalog
from ansible_collections.pilotlight.dr.plugins.module_utils._pricing import estimate
from ansible_collections.pilotlight.dr.plugins.module_utils._pricing.products import cost
from ansible_collections.pilotlight.dr.plugins.module_utils._pricing.products import get_products
from ansible_collections.pilotlight.dr.plugins.module_utils._pricing.products import price_tiers

TOKYO = "ap-northeast-1"


def product(usd, unit="Hrs", usagetype="APN1-NatGateway-Hours", sku="SKU1", tiers=None):
    dims = {}
    for i, (begin, end, price) in enumerate(tiers or [("0", "Inf", usd)]):
        dims[f"{sku}.T.{i}"] = {"unit": unit, "beginRange": begin, "endRange": end, "pricePerUnit": {"USD": price}}
    return {
        "product": {"sku": sku, "attributes": {"usagetype": usagetype}},
        "terms": {"OnDemand": {f"{sku}.T": {"priceDimensions": dims}}},
    }


def test_pricing_endpoint_is_the_nearest_of_the_three():
    assert catalog.pricing_region("ap-northeast-1") == "ap-south-1"
    assert catalog.pricing_region("eu-west-1") == "eu-central-1"
    assert catalog.pricing_region("us-west-2") == "us-east-1"
    assert catalog.pricing_region("sa-east-1") == "us-east-1"


def test_one_product_gives_its_price_and_anything_else_is_unknown_with_the_reason():
    query = catalog.nat_gateway(TOKYO)
    tiers, sku, reason = price_tiers([product("0.062")], query)
    assert (float(tiers[0][2]), sku, reason) == (0.062, "SKU1", None)
    assert price_tiers([], query)[2].startswith("no product in the Price List for AmazonEC2")
    _dummy, _dummy, reason = price_tiers([product("0.062"), product("0.07", sku="SKU2")], query)
    assert "2 products with different prices" in reason and "not guessing" in reason
    assert "no on-demand price per Hrs" in price_tiers([product("0.062", unit="GB")], query)[2]
    assert price_tiers([product("not-a-number")], query)[0] is None
    # the same price twice (two SKUs) is not ambiguous
    assert price_tiers([product("0.062"), product("0.062", sku="SKU2")], query)[0] is not None


def test_tiered_cost():
    tiers, _dummy, _dummy = price_tiers(
        [product(None, unit="GB-Mo", tiers=[("0", "25", "0"), ("25", "Inf", "0.285")])], catalog.dynamodb_storage(TOKYO)
    )
    assert cost(tiers, 10) == 0
    assert float(cost(tiers, 35)) == pytest.approx(2.85)


class FakePricing:
    def __init__(self, pages):
        self.pages, self.calls = pages, []

    def get_paginator(self, name):
        assert name == "get_products"
        fake = self

        class Paginator:
            def paginate(self, **params):
                fake.calls.append(params)

                class Result:
                    def build_full_result(self):
                        return {"PriceList": [json.dumps(p) for page in fake.pages for p in page]}

                return Result()

        return Paginator()


def test_get_products_sends_term_match_filters_and_keeps_the_wanted_usagetype():
    client = FakePricing([[product("0.062")], [product("0.062", unit="GB", usagetype="APN1-NatGateway-Bytes")]])
    products = get_products(client, catalog.nat_gateway(TOKYO))
    assert [p["product"]["attributes"]["usagetype"] for p in products] == ["APN1-NatGateway-Hours"]
    (call,) = client.calls
    assert call["ServiceCode"] == "AmazonEC2" and call["FormatVersion"] == "aws_v1"
    assert {"Type": "TERM_MATCH", "Field": "regionCode", "Value": TOKYO} in call["Filters"]


def test_megaticket_lines_idle_and_active_and_an_unknown_price_is_never_guessed():
    resources = {
        "nat_gateways": 1,
        "load_balancers": 1,
        "instances": [{"instance_type": "t2.small", "idle_count": 0, "active_count": 4}],
        "dynamodb_replicated_writes": 5_000_000,
        "secrets": 2,
    }
    lines = estimate.lines(TOKYO, resources, hours=730)
    assert [line["item"] for line in lines] == [
        "NAT gateway x1",
        "Application Load Balancer x1 (hours, no LCU)",
        "EC2 t2.small x0 idle / x4 active",
        "DynamoDB replicated writes 5,000,000/month",
        "Secrets Manager replica x2",
    ]
    assert (lines[2]["idle_quantity"], lines[2]["active_quantity"]) == (0, 4 * 730)
    prices = {}
    for line, usd in zip(lines, ["0.062", "0.0243", "0.0304", "0.0000007125", None], strict=True):
        tiers = [(0, None, Decimal(usd))] if usd else None
        prices[line["query"].key()] = (tiers, "SKU" if usd else None, None if usd else "no product")
    priced = estimate.price(lines, prices)
    assert priced[0]["idle_monthly"] == 45.26
    assert (priced[2]["idle_monthly"], priced[2]["active_monthly"]) == (0, 88.77)
    assert priced[4] == {**priced[4], "status": "unknown", "idle_monthly": None, "reason": "no product"}
    total = estimate.totals(priced)
    assert total == {
        "idle_monthly": 66.56,
        "active_monthly": 155.33,
        "complete": False,
        "unknown": ["Secrets Manager replica x2"],
    }
    text = estimate.summary("MegaTicket", TOKYO, total)
    assert text.startswith("MegaTicket pilot light in ap-northeast-1: idle at least $67/month, active at least $155")
    assert "price unknown: Secrets Manager replica x2" in text


def test_nothing_deployed_costs_nothing():
    assert estimate.lines(TOKYO, {}) == []
    assert estimate.totals([]) == {"idle_monthly": 0.0, "active_monthly": 0.0, "complete": True, "unknown": []}
