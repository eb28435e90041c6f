"""pilot_light_cost_info on the emulator's Price List API: the MegaTicket estimate of seed 000, unknown prices."""

import pytest

TOKYO, SEOUL = "ap-northeast-1", "ap-northeast-2"

# Seed 000 section 7: one NAT gateway, the ALB, four t2.small when active (web x2, app x2), DynamoDB global
# tables replicating a few million writes a month.
MEGATICKET = dict(
    region=TOKYO,
    application="MegaTicket",
    nat_gateways=1,
    load_balancers=1,
    instances=[{"instance_type": "t2.small", "idle_count": 0, "active_count": 4}],
    dynamodb_replicated_writes=5_000_000,
    dynamodb_storage_gb=1,
)


def test_megaticket_lands_near_the_seed_table(emulator, run_module):
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = run_module("pilot_light_cost_info", MEGATICKET)
    assert not result.failed and not result.changed, result
    totals = result["totals"]
    # seed 000: ~$60 idle, ~$130 active, with us-east-1-like prices; Tokyo's are 10-35% higher (README)
    assert totals["complete"] and totals["unknown"] == []
    assert 55 <= totals["idle_monthly"] <= 75, totals
    assert 120 <= totals["active_monthly"] <= 165, totals
    lines = {line["item"]: line for line in result["lines"]}
    assert lines["NAT gateway x1"]["idle_monthly"] == pytest.approx(0.062 * 730, abs=0.01)
    assert lines["EC2 t2.small x0 idle / x4 active"]["idle_monthly"] == 0
    assert lines["EC2 t2.small x0 idle / x4 active"]["active_monthly"] == pytest.approx(0.0304 * 730 * 4, abs=0.01)
    assert lines["DynamoDB replica storage 1.0 GB"]["idle_monthly"] == 0  # inside the free 25 GB tier
    assert result["summary"] == (
        "MegaTicket pilot light in ap-northeast-1: idle about $67/month, active about $155/month"
    )
    assert result["pricing_region"] == "ap-south-1"
    assert {(call["service"], call["region"]) for call in emulator.requests(since)} == {("pricing", "ap-south-1")}
    assert emulator.mutating_calls(since=since) == []


def test_the_inventorys_t3_medium_costs_more(emulator, run_module):
    args = dict(MEGATICKET, instances=[{"instance_type": "t3.medium", "idle_count": 0, "active_count": 4}])
    result = run_module("pilot_light_cost_info", args, check=True)
    assert result["totals"]["active_monthly"] == pytest.approx(66.56 + 0.0544 * 730 * 4 + 0.0, abs=0.5)


def test_a_price_that_cannot_be_read_is_unknown_never_guessed(emulator, run_module):
    args = dict(
        MEGATICKET,
        instances=[{"instance_type": "x9.huge", "active_count": 2}],
        caches=[{"node_type": "cache.t3.micro", "engine": "Memcached", "active_count": 1}],
    )
    result = run_module("pilot_light_cost_info", args)
    assert not result.failed, result
    unknown = [line for line in result["lines"] if line["status"] == "unknown"]
    assert [line["item"] for line in unknown] == [
        "EC2 x9.huge x0 idle / x2 active",
        "ElastiCache cache.t3.micro x0 idle / x1 active",
    ]
    assert all(line["active_monthly"] is None and "no product" in line["reason"] for line in unknown)
    assert not result["totals"]["complete"]
    assert "idle at least $67/month" in result["summary"] and "price unknown: EC2 x9.huge" in result["summary"]


def test_an_unreachable_price_list_fails_the_task_naming_the_fix(emulator, run_module):
    emulator.region_down("ap-south-1")
    result = run_module("pilot_light_cost_info", MEGATICKET)
    assert result.failed and "cannot read prices from the AWS Price List API (AmazonEC2)" in result["msg"], result
    assert "pricing:GetProducts" in result["msg"]


def test_examples_run(emulator, run_examples):
    result = run_examples("pilot_light_cost_info", region=TOKYO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MegaTicket pilot light in ap-northeast-1: idle about $" in result.stdout
