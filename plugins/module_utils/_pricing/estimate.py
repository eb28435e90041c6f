# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The monthly cost of a pilot light, idle and active, line by line.

``lines(region, resources, hours)`` turns what the inventory deployed into (item, query, idle quantity, active
quantity); ``price(lines, prices)`` adds the cost of each from the Price List; ``totals`` sums the priced lines.
A line whose price is unknown stays unknown: the totals then say "at least" and name it.
"""

from decimal import ROUND_HALF_UP
from decimal import Decimal

from ansible_collections.pilotlight.dr.plugins.module_utils._pricing import catalog
from ansible_collections.pilotlight.dr.plugins.module_utils._pricing.products import cost


def _line(item, query, idle, active):
    return {"item": item, "query": query, "idle_quantity": idle, "active_quantity": active}


def lines(region, resources, hours=catalog.HOURS_PER_MONTH):
    """Cost lines of the resources (the module's options; counts, sizes and monthly volumes)."""
    out = []
    if resources.get("nat_gateways"):
        count = resources["nat_gateways"]
        out.append(_line(f"NAT gateway x{count}", catalog.nat_gateway(region), count * hours, count * hours))
    if resources.get("load_balancers"):
        count = resources["load_balancers"]
        out.append(
            _line(
                f"Application Load Balancer x{count} (hours, no LCU)",
                catalog.load_balancer(region),
                count * hours,
                count * hours,
            )
        )
    for spec in resources.get("instances") or []:
        idle, active = spec.get("idle_count") or 0, spec.get("active_count") or 0
        out.append(
            _line(
                f"EC2 {spec['instance_type']} x{idle} idle / x{active} active",
                catalog.instance(region, spec["instance_type"], spec.get("operating_system") or "Linux"),
                idle * hours,
                active * hours,
            )
        )
    for spec in resources.get("databases") or []:
        count = spec.get("count") or 1
        out.append(
            _line(
                f"RDS {spec['instance_class']} {spec.get('engine') or 'MySQL'} replica x{count}",
                catalog.database(region, spec["instance_class"], spec.get("engine") or "MySQL"),
                count * hours,
                count * hours,
            )
        )
        if spec.get("storage_gb"):
            size = count * spec["storage_gb"]
            out.append(_line(f"RDS storage {size} GB (gp2)", catalog.database_storage(region), size, size))
    writes = resources.get("dynamodb_replicated_writes") or 0
    if writes:
        out.append(
            _line(
                f"DynamoDB replicated writes {writes:,}/month",
                catalog.dynamodb_replicated_writes(region),
                writes,
                writes,
            )
        )
    storage = resources.get("dynamodb_storage_gb") or 0
    if storage:
        out.append(_line(f"DynamoDB replica storage {storage} GB", catalog.dynamodb_storage(region), storage, storage))
    for spec in resources.get("s3_replicas") or []:
        storage_class = spec.get("storage_class") or "STANDARD"
        out.append(
            _line(
                f"S3 replica {spec['size_gb']} GB {storage_class}",
                catalog.s3_storage(region, storage_class),
                spec["size_gb"],
                spec["size_gb"],
            )
        )
    if resources.get("secrets"):
        count = resources["secrets"]
        out.append(_line(f"Secrets Manager replica x{count}", catalog.secret(region), count, count))
    for spec in resources.get("caches") or []:
        idle, active = spec.get("idle_count") or 0, spec.get("active_count") or 0
        out.append(
            _line(
                f"ElastiCache {spec['node_type']} x{idle} idle / x{active} active",
                catalog.cache(region, spec["node_type"], spec.get("engine") or "Redis"),
                idle * hours,
                active * hours,
            )
        )
    return out


def _money(value):
    return float(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def price(cost_lines, prices):
    """``prices``: {query key: (tiers, sku, reason)} -> the result lines (JSON-able)."""
    priced = []
    for line in cost_lines:
        tiers, sku, reason = prices[line["query"].key()]
        entry = {
            "item": line["item"],
            "unit": line["query"].unit,
            "idle_quantity": line["idle_quantity"],
            "active_quantity": line["active_quantity"],
            "sku": sku,
        }
        if tiers is None:
            entry.update(status="unknown", reason=reason, unit_price=None, idle_monthly=None, active_monthly=None)
        else:
            entry.update(
                status="priced",
                reason=None,
                unit_price=float(tiers[0][2]),
                idle_monthly=_money(cost(tiers, line["idle_quantity"])),
                active_monthly=_money(cost(tiers, line["active_quantity"])),
            )
        priced.append(entry)
    return priced


def totals(priced):
    unknown = [line["item"] for line in priced if line["status"] == "unknown"]
    idle = sum(Decimal(str(line["idle_monthly"])) for line in priced if line["status"] == "priced")
    active = sum(Decimal(str(line["active_monthly"])) for line in priced if line["status"] == "priced")
    return {"idle_monthly": _money(idle), "active_monthly": _money(active), "complete": not unknown, "unknown": unknown}


def summary(application, region, total):
    """One line for readiness and the report."""
    about = "about" if total["complete"] else "at least"
    text = (
        f"{application} pilot light in {region}: idle {about} ${total['idle_monthly']:.0f}/month, "
        f"active {about} ${total['active_monthly']:.0f}/month"
    )
    if total["unknown"]:
        text += f" (price unknown: {', '.join(total['unknown'])})"
    return text
