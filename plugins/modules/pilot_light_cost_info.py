#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: pilotlight.dr contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: pilot_light_cost_info
version_added: 0.2.0
short_description: Estimate the monthly cost of a pilot light, idle and active, from the AWS Price List API
description:
  - Prices what the inventory deployed in the DR region (the module's O(region)) with the on-demand prices of the
    AWS Price List API (C(pricing:GetProducts)) - NAT gateways, Application Load Balancers (hours), EC2 instances
    idle and active, RDS replicas and their storage, DynamoDB replicated writes and replica storage, S3 replica
    storage, Secrets Manager replicas, ElastiCache nodes.
  - Idle is the pilot light as it waits; active adds the capacity a failover starts. A month is O(hours_per_month).
  - A price that cannot be read (no product, several products with different prices, no on-demand price in the
    expected unit) is reported as C(unknown) with the reason and left out of the totals, which then say "at
    least"; it is never guessed. A failed call (denied, throttled past the retries) fails the task.
  - Reads only. The Price List API answers in three regions; O(pricing_region) picks one (default the nearest).
  - No amazon.aws or community.aws module reads the Price List API.
author:
  - pilotlight.dr contributors (@pilotlight)
options:
  application:
    description: Name of the application, for RV(summary).
    type: str
    default: pilot light
    version_added: 0.2.0
  pricing_region:
    description:
      - Region of the Price List API endpoint. Default the nearest to O(region) (C(ap-south-1) for Asia Pacific,
        C(eu-central-1) for Europe, C(us-east-1) otherwise).
    type: str
    choices: [us-east-1, eu-central-1, ap-south-1]
    version_added: 0.2.0
  hours_per_month:
    description: Hours in a month for hourly prices.
    type: int
    default: 730
    version_added: 0.2.0
  nat_gateways:
    description: NAT gateways in the DR region (billed idle and active).
    type: int
    default: 0
    version_added: 0.2.0
  load_balancers:
    description: Application Load Balancers in the DR region (hours only; LCUs of an idle ALB are near zero).
    type: int
    default: 0
    version_added: 0.2.0
  instances:
    description: EC2 capacity, per instance type.
    type: list
    elements: dict
    default: []
    version_added: 0.2.0
    suboptions:
      instance_type:
        description: Instance type, for example C(t2.small).
        type: str
        required: true
        version_added: 0.2.0
      idle_count:
        description: Instances running while the pilot light is idle (0 for a pilot light).
        type: int
        default: 0
        version_added: 0.2.0
      active_count:
        description: Instances running after a failover.
        type: int
        default: 0
        version_added: 0.2.0
      operating_system:
        description: The Price List C(operatingSystem).
        type: str
        default: Linux
        version_added: 0.2.0
  databases:
    description: RDS read replicas in the DR region (running idle and active).
    type: list
    elements: dict
    default: []
    version_added: 0.2.0
    suboptions:
      instance_class:
        description: DB instance class, for example C(db.t3.medium).
        type: str
        required: true
        version_added: 0.2.0
      engine:
        description: The Price List C(databaseEngine), for example C(MySQL) or C(PostgreSQL).
        type: str
        default: MySQL
        version_added: 0.2.0
      storage_gb:
        description: Allocated storage (gp2) of each replica.
        type: int
        default: 0
        version_added: 0.2.0
      count:
        description: Number of replicas of this class.
        type: int
        default: 1
        version_added: 0.2.0
  dynamodb_replicated_writes:
    description: Replicated write request units per month into the DR replicas (on-demand tables).
    type: int
    default: 0
    version_added: 0.2.0
  dynamodb_storage_gb:
    description: Storage of the DR replicas of the tables.
    type: float
    default: 0
    version_added: 0.2.0
  s3_replicas:
    description: Replica storage in DR buckets.
    type: list
    elements: dict
    default: []
    version_added: 0.2.0
    suboptions:
      size_gb:
        description: Stored size.
        type: float
        required: true
        version_added: 0.2.0
      storage_class:
        description: Storage class of the replicas.
        type: str
        choices: [STANDARD, STANDARD_IA, ONEZONE_IA, GLACIER_IR]
        default: STANDARD
        version_added: 0.2.0
  secrets:
    description: Secrets Manager secrets replicated to the DR region (each replica is billed as a secret).
    type: int
    default: 0
    version_added: 0.2.0
  caches:
    description: ElastiCache nodes.
    type: list
    elements: dict
    default: []
    version_added: 0.2.0
    suboptions:
      node_type:
        description: Node type, for example C(cache.t3.micro).
        type: str
        required: true
        version_added: 0.2.0
      engine:
        description: The Price List C(cacheEngine).
        type: str
        default: Redis
        version_added: 0.2.0
      idle_count:
        description: Nodes while idle.
        type: int
        default: 0
        version_added: 0.2.0
      active_count:
        description: Nodes after a failover.
        type: int
        default: 0
        version_added: 0.2.0
attributes:
  check_mode:
    support: full
    description: Reads only; the same result in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is no diff.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: What does the MegaTicket pilot light in Tokyo cost? (seed 000 section 7)
  pilotlight.dr.pilot_light_cost_info:
    region: ap-northeast-1
    application: MegaTicket
    nat_gateways: 1
    load_balancers: 1
    instances:
      - instance_type: t2.small
        idle_count: 0
        active_count: 4
    dynamodb_replicated_writes: 5000000
    dynamodb_storage_gb: 1
  register: cost

- name: Say it
  ansible.builtin.debug:
    msg: "{{ cost.summary }}"
"""

RETURN = r"""
lines:
  description: One cost line per priced resource.
  returned: always
  type: list
  elements: dict
  contains:
    item:
      description: What is priced.
      type: str
      sample: NAT gateway x1
    status:
      description: C(priced) or C(unknown).
      type: str
      sample: priced
    reason:
      description: Why the price is unknown (null when priced).
      type: str
      sample: null
    sku:
      description: Price List SKU of the product.
      type: str
      sample: 8ZPR3PDD3M5NAT7K
    unit:
      description: Unit of the price.
      type: str
      sample: Hrs
    unit_price:
      description: USD per unit (first tier), null when unknown.
      type: float
      sample: 0.062
    idle_quantity:
      description: Units per month while idle.
      type: float
      sample: 730
    active_quantity:
      description: Units per month while active.
      type: float
      sample: 730
    idle_monthly:
      description: USD per month while idle, null when unknown.
      type: float
      sample: 45.26
    active_monthly:
      description: USD per month while active, null when unknown.
      type: float
      sample: 45.26
totals:
  description: Sums of the priced lines.
  returned: always
  type: dict
  contains:
    idle_monthly:
      description: USD per month while idle.
      type: float
      sample: 67.3
    active_monthly:
      description: USD per month while active.
      type: float
      sample: 156.1
    complete:
      description: False when a price is unknown (the totals are then a lower bound).
      type: bool
      sample: true
    unknown:
      description: Items whose price is unknown.
      type: list
      elements: str
      sample: []
summary:
  description: One line for readiness and the report.
  returned: always
  type: str
  sample: "MegaTicket pilot light in ap-northeast-1: idle about $67/month, active about $156/month"
pricing_region:
  description: Region of the Price List endpoint used.
  returned: always
  type: str
  sample: ap-south-1
"""

from ansible_collections.pilotlight.dr.plugins.module_utils._core.modules import PilotLightModule
from ansible_collections.pilotlight.dr.plugins.module_utils._pricing import catalog
from ansible_collections.pilotlight.dr.plugins.module_utils._pricing import estimate
from ansible_collections.pilotlight.dr.plugins.module_utils._pricing.products import get_products
from ansible_collections.pilotlight.dr.plugins.module_utils._pricing.products import price_tiers

RESOURCE_OPTIONS = (
    "nat_gateways",
    "load_balancers",
    "instances",
    "databases",
    "dynamodb_replicated_writes",
    "dynamodb_storage_gb",
    "s3_replicas",
    "secrets",
    "caches",
)


def negative_counts(params):
    """Names of the options (and list items) that hold a negative count or size: nothing costs less than 0."""
    found = [name for name in RESOURCE_OPTIONS if isinstance(params[name], (int, float)) and params[name] < 0]
    for name in ("instances", "databases", "s3_replicas", "caches"):
        for index, item in enumerate(params[name] or []):
            found += [
                f"{name}[{index}].{key}"
                for key, value in item.items()
                if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0
            ]
    return found


def run(module, params):
    negative = negative_counts(params)
    if negative:
        module.fail_json(msg=f"{', '.join(negative)}: a count or size cannot be negative; give 0 or more")
    region = module.region
    endpoint = params["pricing_region"] or catalog.pricing_region(region)
    client = module.client("pricing", region=endpoint)
    cost_lines = estimate.lines(region, {k: params[k] for k in RESOURCE_OPTIONS}, params["hours_per_month"])
    prices = {}
    for line in cost_lines:
        query = line["query"]
        if query.key() not in prices:
            prices[query.key()] = price_tiers(get_products(client, query), query)
    priced = estimate.price(cost_lines, prices)
    total = estimate.totals(priced)
    return dict(
        changed=False,
        lines=priced,
        totals=total,
        pricing_region=endpoint,
        summary=estimate.summary(params["application"], region, total),
    )


def main():
    instance = dict(
        instance_type=dict(type="str", required=True),
        idle_count=dict(type="int", default=0),
        active_count=dict(type="int", default=0),
        operating_system=dict(type="str", default="Linux"),
    )
    database = dict(
        instance_class=dict(type="str", required=True),
        engine=dict(type="str", default="MySQL"),
        storage_gb=dict(type="int", default=0),
        count=dict(type="int", default=1),
    )
    replica = dict(
        size_gb=dict(type="float", required=True),
        storage_class=dict(type="str", choices=list(catalog.S3_VOLUME_TYPES), default="STANDARD"),
    )
    node = dict(
        node_type=dict(type="str", required=True),
        engine=dict(type="str", default="Redis"),
        idle_count=dict(type="int", default=0),
        active_count=dict(type="int", default=0),
    )
    argument_spec = dict(
        application=dict(type="str", default="pilot light"),
        pricing_region=dict(type="str", choices=list(catalog.PRICING_REGIONS)),
        hours_per_month=dict(type="int", default=catalog.HOURS_PER_MONTH),
        nat_gateways=dict(type="int", default=0),
        load_balancers=dict(type="int", default=0),
        instances=dict(type="list", elements="dict", default=[], options=instance),
        databases=dict(type="list", elements="dict", default=[], options=database),
        dynamodb_replicated_writes=dict(type="int", default=0),
        dynamodb_storage_gb=dict(type="float", default=0),
        s3_replicas=dict(type="list", elements="dict", default=[], options=replica),
        secrets=dict(type="int", default=0, no_log=False),  # how many secrets, not their values
        caches=dict(type="list", elements="dict", default=[], options=node),
    )
    module = PilotLightModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run_and_exit(run)


if __name__ == "__main__":
    main()
