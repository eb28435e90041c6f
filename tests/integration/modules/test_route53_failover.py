"""route53_failover against the emulator: health checks, failover records, the switch, DNS answers."""

import uuid

import boto3
import pytest

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
ZONE = "megaticket.click"
NAME = "www.megaticket.click"


def _alb(region, name, targets=1):
    ec2 = boto3.client("ec2", region_name=region)
    elbv2 = boto3.client("elbv2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{region}{az}")["Subnet"]
        for i, az in ((1, "a"), (2, "c"))
    ]
    subnets = [subnet["SubnetId"] for subnet in subnets]
    alb = elbv2.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]
    group = elbv2.create_target_group(Name=f"{name}-web", Protocol="HTTP", Port=3000, VpcId=vpc, TargetType="ip")[
        "TargetGroups"
    ][0]
    elbv2.create_listener(
        LoadBalancerArn=alb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
    )
    if targets:
        elbv2.register_targets(
            TargetGroupArn=group["TargetGroupArn"], Targets=[{"Id": f"10.20.1.{10 + i}"} for i in range(targets)]
        )
    return {"dns": alb["DNSName"], "group": group["TargetGroupArn"], "subnet": subnets[0]}


@pytest.fixture
def topology(emulator):
    """A public zone; the load balancers are names only (the emulator finds their region in the name).

    Tests about target health create real load balancers with ``_alb``: that needs EC2, which is slow to set up.
    """
    route53 = boto3.client("route53", region_name=TOKYO)
    zone = route53.create_hosted_zone(Name=ZONE, CallerReference=str(uuid.uuid4()))["HostedZone"]["Id"].split("/")[-1]
    return {
        "zone": zone,
        "route53": route53,
        "seoul": {"dns": "megaticket-alb-1.ap-northeast-2.elb.amazonaws.com"},
        "tokyo": {"dns": "megaticket-dr-alb-1.ap-northeast-1.elb.amazonaws.com"},
    }


def _args(topology, **extra):
    args = {
        "region": TOKYO,
        "zone": ZONE,
        "record_name": NAME,
        "primary": {"alias": {"dns_name": topology["seoul"]["dns"]}, "health_check": {"resource_path": "/health"}},
        "secondary": {"alias": {"dns_name": topology["tokyo"]["dns"]}, "health_check": {"resource_path": "/health"}},
    }
    args.update(extra)
    return args


def _answer(topology, name=NAME):
    data = topology["route53"].test_dns_answer(HostedZoneId=topology["zone"], RecordName=name, RecordType="A")
    return data["RecordData"]


def _records(topology):
    sets = topology["route53"].list_resource_record_sets(HostedZoneId=topology["zone"])["ResourceRecordSets"]
    return {r["Failover"]: r for r in sets if r.get("Failover")}


def _tagged_checks(topology):
    route53 = topology["route53"]
    ids = [c["Id"] for c in route53.list_health_checks()["HealthChecks"]]
    if not ids:
        return {}
    tags = route53.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=ids)["ResourceTagSets"]
    return {t["ResourceId"]: {x["Key"]: x["Value"] for x in t["Tags"]} for t in tags}


def test_check_mode_predicts_and_changes_nothing(emulator, run_module, topology):
    since = emulator.last_seq()
    result = run_module("route53_failover", _args(topology), check=True, diff=True)
    assert not result.failed, result
    assert result.changed
    assert emulator.mutating_calls(since=since) == []
    assert result["mode"] == "auto"
    assert result["active"] == "primary" and result["dns_answer"]["matched_by"] == "prediction"
    assert result["health_checks"]["primary"]["id"] is None
    assert result["health_checks"]["primary"]["target"] == topology["seoul"]["dns"].lower()
    assert [r["failover"] for r in result["records"]] == ["PRIMARY", "SECONDARY"]
    assert result["diff"]["before"]["records"] == [] and len(result["diff"]["after"]["records"]) == 2
    assert topology["route53"].list_health_checks()["HealthChecks"] == []


def test_apply_ties_checks_to_records_and_is_idempotent(emulator, run_module, topology):
    result = run_module("route53_failover", _args(topology, tags={"Project": "MegaTicket"}))
    assert not result.failed, result
    assert result.changed and result["mode"] == "auto"
    assert result["active"] == "primary" and result["dns_answer"]["matched_by"] == "alias name"
    assert result["dns_answer"]["region"] == SEOUL
    checks = result["health_checks"]
    assert checks["primary"]["healthy"] is None  # created in this run: no checker result yet
    records = _records(topology)
    assert records["PRIMARY"]["HealthCheckId"] == checks["switch"]["id"]
    assert records["SECONDARY"]["HealthCheckId"] == checks["secondary"]["id"]
    assert records["PRIMARY"]["AliasTarget"]["HostedZoneId"] == "ZWKZPGTI48KDX"  # Seoul ALB zone, no Seoul call
    assert records["SECONDARY"]["AliasTarget"]["EvaluateTargetHealth"] is True
    switch = topology["route53"].get_health_check(HealthCheckId=checks["switch"]["id"])["HealthCheck"]
    assert switch["HealthCheckConfig"]["ChildHealthChecks"] == [checks["primary"]["id"]]
    primary = topology["route53"].get_health_check(HealthCheckId=checks["primary"]["id"])["HealthCheck"]
    config = primary["HealthCheckConfig"]
    assert (
        config["Type"],
        config["Port"],
        config["ResourcePath"],
        config["RequestInterval"],
        config["FailureThreshold"],
    ) == ("HTTPS", 443, "/health", 30, 3)
    tags = _tagged_checks(topology)
    assert sorted(t["pilotlight.dr:failover-role"] for t in tags.values()) == ["primary", "secondary", "switch"]
    assert all(t["Project"] == "MegaTicket" for t in tags.values())

    since = emulator.last_seq()
    again = run_module("route53_failover", _args(topology, tags={"Project": "MegaTicket"}), diff=True)
    assert not again.failed and not again.changed, again
    assert emulator.mutating_calls(since=since) == []
    assert again["diff"]["before"] == again["diff"]["after"]
    assert again["health_checks"]["primary"]["healthy"] is True
    assert again["health_checks"]["secondary"]["observations"][0]["status"].startswith("Success")


def test_switch_to_secondary_and_back_is_one_update_each_way(emulator, run_module, topology):
    run_module("route53_failover", _args(topology))
    since = emulator.last_seq()
    predicted = run_module("route53_failover", _args(topology, active="secondary"), check=True)
    assert predicted.changed and predicted["mode"] == "secondary" and predicted["active"] == "secondary"
    assert predicted["dns_answer"]["matched_by"] == "prediction" and not predicted["switch_pending"]
    assert emulator.mutating_calls(since=since) == []
    assert _answer(topology) == [topology["seoul"]["dns"].lower() + "."]
    since = emulator.last_seq()
    result = run_module("route53_failover", _args(topology, active="secondary"), diff=True)
    assert not result.failed, result
    assert result.changed and result["mode"] == "secondary" and result["active"] == "secondary"
    assert result["dns_answer"]["region"] == TOKYO and not result["switch_pending"]
    assert _answer(topology) == [topology["tokyo"]["dns"].lower() + "."]
    assert [c["action"] for c in emulator.mutating_calls(since=since)] == ["UpdateHealthCheck"]
    assert (result["diff"]["before"]["mode"], result["diff"]["after"]["mode"]) == ("auto", "secondary")
    assert result["health_checks"]["switch"] == dict(
        result["health_checks"]["switch"], health_threshold=0, inverted=True, healthy=False
    )

    since = emulator.last_seq()
    same = run_module("route53_failover", _args(topology, active="secondary"))
    assert not same.changed and same["active"] == "secondary"
    assert emulator.mutating_calls(since=since) == []

    back = run_module("route53_failover", _args(topology, active="primary"))
    assert back.changed and back["mode"] == "auto" and back["active"] == "primary"
    assert _answer(topology) == [topology["seoul"]["dns"].lower() + "."]


def test_switch_while_seoul_is_down_never_calls_seoul(emulator, run_module, topology):
    run_module("route53_failover", _args(topology))
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = run_module("route53_failover", _args(topology, active="secondary"))
    assert not result.failed, result
    assert result["active"] == "secondary" and result["mode"] == "secondary"
    assert emulator.calls(since=since, region=SEOUL) == []
    assert {c["region"] for c in emulator.calls(since=since)} <= {"us-east-1", TOKYO}
    # Seoul comes back: traffic stays on DR until failback is asked for.
    emulator.region_up(SEOUL)
    assert _answer(topology) == [topology["tokyo"]["dns"].lower() + "."]


def test_auto_follows_health_when_seoul_goes_down(emulator, run_module, topology):
    run_module("route53_failover", _args(topology))
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = run_module("route53_failover", _args(topology))
    assert not result.failed and not result.changed, result
    assert result["active"] == "secondary" and result["mode"] == "auto"
    assert result["health_checks"]["primary"]["healthy"] is False
    assert result["health_checks"]["switch"]["healthy"] is False
    assert emulator.mutating_calls(since=since) == [] and emulator.calls(since=since, region=SEOUL) == []
    emulator.region_up(SEOUL)
    assert run_module("route53_failover", _args(topology))["active"] == "primary"


def test_failback_refused_while_primary_is_down_unless_forced(emulator, run_module, topology):
    run_module("route53_failover", _args(topology))
    emulator.region_down(SEOUL)
    run_module("route53_failover", _args(topology, active="secondary"))
    since = emulator.last_seq()
    refused = run_module("route53_failover", _args(topology, active="primary"))
    assert refused.failed
    assert "primary endpoint of www.megaticket.click. is not healthy (endpoint down" in refused["msg"]
    assert emulator.mutating_calls(since=since) == []
    forced = run_module("route53_failover", _args(topology, active="primary", force=True, wait=False))
    assert forced.changed and forced["mode"] == "primary"
    # The switch is pinned healthy, but the alias evaluates the Seoul load balancer itself, which is down.
    assert forced["active"] == "secondary" and forced["switch_pending"]
    emulator.region_up(SEOUL)
    assert _answer(topology) == [topology["seoul"]["dns"].lower() + "."]


def test_switch_refused_when_secondary_is_unhealthy(emulator, run_module, topology):
    run_module("route53_failover", _args(topology))
    emulator.post("/route53/endpoints", {"target": topology["tokyo"]["dns"], "healthy": False})
    since = emulator.last_seq()
    refused = run_module("route53_failover", _args(topology, active="secondary"))
    assert refused.failed
    assert "secondary endpoint of www.megaticket.click. is not healthy" in refused["msg"]
    assert "force: true" in refused["msg"]
    assert emulator.mutating_calls(since=since) == []
    forced = run_module("route53_failover", _args(topology, active="secondary", force=True, wait=False))
    assert forced.changed and forced["mode"] == "secondary"
    assert forced["active"] == "primary" and forced["switch_pending"]  # Route 53 keeps the primary


def test_switch_refused_when_dr_load_balancer_has_no_target(emulator, run_module, topology):
    empty = _alb(TOKYO, "megaticket-dr-empty", targets=0)
    args = _args(topology, secondary={"alias": {"dns_name": empty["dns"]}})
    run_module("route53_failover", args)
    since = emulator.last_seq()
    refused = run_module("route53_failover", dict(args, active="secondary"))
    assert refused.failed
    assert "target group megaticket-dr-empty-web of megaticket-dr-empty has no target" in refused["msg"]
    assert emulator.mutating_calls(since=since) == []
    assert {c["region"] for c in emulator.calls(since=since)} <= {"us-east-1", TOKYO}


def test_wait_false_then_wait_true_switches_once(emulator, run_module, topology):
    run_module("route53_failover", _args(topology))
    started = run_module("route53_failover", _args(topology, active="secondary", wait=False))
    assert started.changed
    since = emulator.last_seq()
    waited = run_module("route53_failover", _args(topology, active="secondary", wait=True, wait_timeout=30))
    assert not waited.changed and waited["active"] == "secondary" and not waited["switch_pending"]
    assert emulator.mutating_calls(since=since) == []


def test_throttling_is_survived(emulator, run_module, topology):
    emulator.add_fault("route53", count=3)
    result = run_module("route53_failover", _args(topology, active="secondary", force=True))
    assert not result.failed, result
    assert sum(f["injected"] for f in emulator.faults()) == 3
    assert _records(topology)["PRIMARY"]


def test_changed_health_check_type_replaces_the_check(emulator, run_module, topology):
    first = run_module("route53_failover", _args(topology))
    args = _args(topology)
    args["primary"]["health_check"] = {"type": "HTTP", "resource_path": "/health"}
    result = run_module("route53_failover", args)
    assert result.changed
    new_id = result["health_checks"]["primary"]["id"]
    assert new_id != first["health_checks"]["primary"]["id"]
    ids = {c["Id"] for c in topology["route53"].list_health_checks()["HealthChecks"]}
    assert first["health_checks"]["primary"]["id"] not in ids and new_id in ids
    switch = topology["route53"].get_health_check(HealthCheckId=result["health_checks"]["switch"]["id"])
    assert switch["HealthCheck"]["HealthCheckConfig"]["ChildHealthChecks"] == [new_id]
    assert not run_module("route53_failover", args).changed


def test_existing_failover_records_are_adopted(emulator, run_module, topology):
    route53 = topology["route53"]
    changes = [
        {
            "Action": "CREATE",
            "ResourceRecordSet": {
                "Name": NAME,
                "Type": "A",
                "SetIdentifier": identifier,
                "Failover": role,
                "AliasTarget": {
                    "HostedZoneId": "ZEXAMPLE",
                    "DNSName": topology[site]["dns"],
                    "EvaluateTargetHealth": True,
                },
            },
        }
        for identifier, role, site in (("primary", "PRIMARY", "seoul"), ("dr", "SECONDARY", "tokyo"))
    ]
    route53.change_resource_record_sets(HostedZoneId=topology["zone"], ChangeBatch={"Changes": changes})
    result = run_module("route53_failover", _args(topology))
    assert not result.failed, result
    records = _records(topology)
    assert records["SECONDARY"]["SetIdentifier"] == "secondary"
    assert records["PRIMARY"]["HealthCheckId"] == result["health_checks"]["switch"]["id"]
    assert (
        len(
            [
                r
                for r in route53.list_resource_record_sets(HostedZoneId=topology["zone"])["ResourceRecordSets"]
                if r["Type"] == "A"
            ]
        )
        == 2
    )


def test_simple_record_conflicts_unless_overwrite(emulator, run_module, topology):
    route53 = topology["route53"]
    route53.change_resource_record_sets(
        HostedZoneId=topology["zone"],
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": NAME,
                        "Type": "A",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "192.0.2.1"}],
                    },
                }
            ]
        },
    )
    since = emulator.last_seq()
    refused = run_module("route53_failover", _args(topology))
    assert (
        refused.failed
        and "already has records that are not failover records: A www.megaticket.click." in refused["msg"]
    )
    assert emulator.mutating_calls(since=since) == []
    result = run_module("route53_failover", _args(topology, overwrite=True))
    assert not result.failed, result
    assert set(_records(topology)) == {"PRIMARY", "SECONDARY"}


BAD_INPUTS = [
    ({"zone": "unknown.example"}, "no public hosted zone named unknown.example."),
    ({"zone": None, "zone_id": "Z0000000000NOSUCH"}, "hosted zone Z0000000000NOSUCH does not exist"),
    ({"record_name": "www.other.example"}, "record_name www.other.example. is not in zone megaticket.click."),
    ({"secondary": "same"}, "primary and secondary both point to"),
    ({"secondary": {"values": ["198.51.100.20"]}}, "secondary has no health check target"),
    (
        {"secondary": {"values": ["198.51.100.20"], "health_check": {"ip_address": "10.0.0.5"}}},
        "10.0.0.5 is not a public address",
    ),
    ({"secondary": {"alias": {"dns_name": "tokyo.example.net"}}}, "secondary.alias.hosted_zone_id is required"),
    ({"primary": {"values": ["not-an-ip"], "health_check": {"fqdn": "a.example.net"}}}, "is not an IP address"),
    (
        {
            "secondary": {
                "values": ["198.51.100.20"],
                "health_check": {"fqdn": "b.example.net", "type": "HTTPS_STR_MATCH"},
            }
        },
        "search_string is required",
    ),
    ({"secondary": None}, "secondary is required with state present"),
    ({"ttl": -1}, "ttl must be between 0 and"),
]


def test_bad_input_fails_before_any_change(emulator, run_module, topology):
    """Unknown zone, same endpoint twice, secondary without health, ...: a clear message, nothing changed."""
    since = emulator.last_seq()
    for change, message in BAD_INPUTS:
        args = _args(topology)
        for key, value in change.items():
            if value is None:
                args.pop(key)
            else:
                args[key] = args["primary"] if value == "same" else value
        result = run_module("route53_failover", args)
        assert result.failed, change
        assert message in result["msg"], (change, result["msg"])
    assert emulator.mutating_calls(since=since) == []


def test_absent_removes_records_and_checks(emulator, run_module, topology):
    run_module("route53_failover", _args(topology))
    since = emulator.last_seq()
    check = run_module(
        "route53_failover", {"region": TOKYO, "zone": ZONE, "record_name": NAME, "state": "absent"}, check=True
    )
    assert check.changed and emulator.mutating_calls(since=since) == []
    result = run_module("route53_failover", {"region": TOKYO, "zone": ZONE, "record_name": NAME, "state": "absent"})
    assert result.changed
    assert _records(topology) == {} and topology["route53"].list_health_checks()["HealthChecks"] == []
    again = run_module("route53_failover", {"region": TOKYO, "zone": ZONE, "record_name": NAME, "state": "absent"})
    assert not again.changed


def test_value_records_with_tcp_checks(emulator, run_module, topology):
    emulator.post("/route53/endpoints", {"target": "api-seoul.example.net", "region": SEOUL})
    seoul_check = {"type": "TCP", "fqdn": "api-seoul.example.net", "port": 443}
    args = _args(
        topology,
        record_name="api.megaticket.click",
        ttl=30,
        primary={"values": ["192.0.2.10"], "health_check": seoul_check},
        secondary={
            "values": ["198.51.100.20"],
            "region": TOKYO,
            "health_check": {"type": "TCP", "fqdn": "api-tokyo.example.net", "port": 443},
        },
    )
    assert run_module("route53_failover", args)["active"] == "primary"
    emulator.region_down(SEOUL)
    result = run_module("route53_failover", args)
    assert result["active"] == "secondary" and result["dns_answer"]["matched_by"] == "value"
    assert result["dns_answer"]["record_data"] == ["198.51.100.20"] and result["dns_answer"]["region"] == TOKYO


def test_examples_run(emulator, run_examples, topology):
    done = run_examples(
        "route53_failover",
        extra_vars={"seoul_alb_dns_name": topology["seoul"]["dns"], "tokyo_alb_dns_name": topology["tokyo"]["dns"]},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "www answers primary" in done.stdout


def test_switch_changed_by_hand_is_left_alone_until_active_is_given(emulator, run_module, topology):
    created = run_module("route53_failover", _args(topology))
    route53, switch_id = topology["route53"], created["health_checks"]["switch"]["id"]
    version = route53.get_health_check(HealthCheckId=switch_id)["HealthCheck"]["HealthCheckVersion"]
    route53.update_health_check(HealthCheckId=switch_id, HealthCheckVersion=version, Inverted=True)
    since = emulator.last_seq()
    kept = run_module("route53_failover", _args(topology))
    assert not kept.changed and kept["mode"] == "custom" and kept["active"] == "secondary"
    assert "no known mode" in str(kept.get("warnings")), kept.get("warnings")
    assert emulator.mutating_calls(since=since) == []
    taken = run_module("route53_failover", _args(topology, active="auto"))
    assert taken.changed and taken["mode"] == "auto" and taken["active"] == "primary"


def test_dns_readiness_reads_what_the_module_made_and_never_calls_the_primary(emulator, run_module, topology):
    """readiness_info's dns checks (module_utils/_readiness/dns.py) over the failover this module made."""
    args = _args(topology, tags={"Project": "MegaTicket"})
    run_module("route53_failover", args)
    options = {key: args[key] for key in ("zone", "record_name", "primary", "secondary", "tags")}
    spec = {"name": "dns", "region": TOKYO, "primary_region": SEOUL, "options": options}
    ready = run_module("readiness_info", {"region": TOKYO, "components": [spec]})
    assert [(c["check"], c["status"]) for c in ready["checks"]] == [
        ("failover records", "pass"),
        ("secondary healthy", "pass"),
        ("dns answers primary", "pass"),
    ], ready["checks"]
    run_module("route53_failover", dict(args, active="secondary"))
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    after = run_module("readiness_info", {"region": TOKYO, "components": [dict(spec, primary_reachable=False)]})
    by_check = {c["check"]: c for c in after["checks"]}
    assert by_check["failover records"]["status"] == "pass"
    assert by_check["dns answers primary"]["status"] == "fail"
    assert "switch secondary" in by_check["dns answers primary"]["reason"]
    assert by_check["dns answers primary"]["evidence"]["answer"]["endpoint"] == "secondary"
    assert emulator.calls(since=since, region=SEOUL) == []
