# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""GetProducts, and the on-demand price of the one product a query names.

``price_tiers`` never guesses: no product, several products with different prices, no on-demand dimension in
the wanted unit or a price that is not a number all give ``None`` with the reason.
"""

import json
from decimal import Decimal
from decimal import InvalidOperation

from ansible_collections.pilotlight.dr.plugins.module_utils._core.errors import DRErrorHandler
from ansible_collections.pilotlight.dr.plugins.module_utils._core.retries import RETRY_DECORATOR


@RETRY_DECORATOR
def _pages(client, **params):
    return client.get_paginator("get_products").paginate(**params).build_full_result()


@DRErrorHandler.call(
    "read prices from the AWS Price List API ({1.service_code})",
    fix="allow pricing:GetProducts; the API answers in us-east-1, eu-central-1 and ap-south-1",
)
def get_products(client, query):
    """The products (parsed JSON) of ``query``'s service that match its filters and usagetype suffix."""
    filters = [{"Type": "TERM_MATCH", "Field": field, "Value": value} for field, value in sorted(query.filters.items())]
    raw = _pages(client, ServiceCode=query.service_code, Filters=filters, FormatVersion="aws_v1").get("PriceList", [])
    products = [json.loads(item) if isinstance(item, str) else item for item in raw]
    if query.usagetype_suffix:
        products = [
            p
            for p in products
            if str(p.get("product", {}).get("attributes", {}).get("usagetype", "")).endswith(query.usagetype_suffix)
        ]
    return products


def _tiers(product, unit):
    tiers = []
    for term in (product.get("terms", {}).get("OnDemand") or {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            if dimension.get("unit") != unit:
                continue
            try:
                usd = Decimal(str(dimension["pricePerUnit"]["USD"]))
                begin = Decimal(str(dimension.get("beginRange", "0")))
                end = dimension.get("endRange", "Inf")
                end = None if end in (None, "Inf") else Decimal(str(end))
            except (KeyError, InvalidOperation, TypeError):
                return None
            tiers.append((begin, end, usd))
    return sorted(tiers) or None


def price_tiers(products, query):
    """``(tiers, sku, None)`` or ``(None, None, reason)``; tiers are ``(begin, end or None, usd)`` sorted."""
    if not products:
        return None, None, f"no product in the Price List for {query.describe()}"
    found = {}
    for product in products:
        tiers = _tiers(product, query.unit)
        if tiers:
            found.setdefault(tuple(tiers), product.get("product", {}).get("sku"))
    if not found:
        return None, None, f"no on-demand price per {query.unit} for {query.describe()}"
    if len(found) > 1:
        return None, None, f"{len(found)} products with different prices for {query.describe()}; not guessing"
    tiers, sku = next(iter(found.items()))
    return list(tiers), sku, None


def cost(tiers, quantity):
    """The cost of ``quantity`` units over the tiers (each tier prices the units inside its range)."""
    quantity = Decimal(str(quantity))
    total = Decimal(0)
    for begin, end, usd in tiers:
        if quantity <= begin:
            break
        upper = quantity if end is None else min(quantity, end)
        total += (upper - begin) * usd
    return total
