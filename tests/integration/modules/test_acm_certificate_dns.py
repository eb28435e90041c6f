"""pilotlight.dr.acm_certificate_dns against the emulator (ACM DNS validation through Route 53)."""

import time

import boto3
import pytest

TOKYO, SEOUL = "ap-northeast-1", "ap-northeast-2"
ZONE = "portforge.org"
BASE = {
    "region": TOKYO,
    "domain_name": "*.portforge.org",
    "subject_alternative_names": ["portforge.org"],
    "hosted_zone": ZONE,
}


def _zone(name=ZONE, private=False):
    kwargs = {}
    if private:
        vpc = boto3.client("ec2", region_name=TOKYO).create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        kwargs = {"VPC": {"VPCRegion": TOKYO, "VPCId": vpc}, "HostedZoneConfig": {"PrivateZone": True}}
    return (
        boto3.client("route53", region_name=TOKYO)
        .create_hosted_zone(Name=name, CallerReference=f"{name}-{time.time()}", **kwargs)["HostedZone"]["Id"]
        .split("/")[-1]
    )


def _cnames(zone_id):
    sets = boto3.client("route53", region_name=TOKYO).list_resource_record_sets(HostedZoneId=zone_id)
    return {s["Name"]: s["ResourceRecords"][0]["Value"] for s in sets["ResourceRecordSets"] if s["Type"] == "CNAME"}


def _acm():
    return boto3.client("acm", region_name=TOKYO)


def _certificates():
    listed = _acm().list_certificates(Includes={"keyTypes": ["RSA_2048", "EC_prime256v1"]})
    return listed["CertificateSummaryList"]


def _actions(emulator, since, action):
    return list(emulator.calls(since=since, action=action))


@pytest.fixture
def zone(emulator):
    return _zone()


def test_check_mode_predicts_and_changes_nothing(emulator, run_module, zone):
    since = emulator.last_seq()
    result = run_module("acm_certificate_dns", BASE, check=True, diff=True)
    assert result.changed and not result.failed
    certificate = result["certificate"]
    assert certificate["certificate_arn"] is None and certificate["status"] == "PENDING_VALIDATION"
    assert certificate["subject_alternative_names"] == ["*.portforge.org", "portforge.org"]
    assert result["diff"]["before"]["certificate"] is None
    assert emulator.mutating_calls(since=since) == []
    assert _certificates() == []


def test_apply_issues_then_reruns_without_change(emulator, run_module, zone):
    result = run_module("acm_certificate_dns", dict(BASE, tags={"Application": "portforge"}), diff=True)
    assert result.changed and result["requested"], result
    certificate = result["certificate"]
    assert certificate["status"] == "ISSUED"
    assert certificate["tags"] == {"Application": "portforge"}
    assert certificate["certificate_arn"].startswith(f"arn:aws:acm:{TOKYO}:")
    # *.portforge.org and portforge.org share one validation record.
    assert len(result["validation_records"]) == 1
    record = result["validation_records"][0]
    assert record["domains"] == ["*.portforge.org", "portforge.org"] and record["changed"]
    assert _cnames(zone) == {record["name"]: record["value"]}
    assert result["diff"]["after"]["certificate"]["status"] == "ISSUED"

    since = emulator.last_seq()
    again = run_module("acm_certificate_dns", dict(BASE, tags={"Application": "portforge"}))
    assert not again.changed and not again["requested"]
    assert again["certificate"]["certificate_arn"] == certificate["certificate_arn"]
    assert emulator.mutating_calls(since=since) == []
    assert len(_certificates()) == 1


def test_wait_false_then_wait_true_requests_once(emulator, run_module, zone):
    emulator.configure(latency={"acm_validation": 30})
    since = emulator.last_seq()
    started = run_module("acm_certificate_dns", dict(BASE, wait=False))
    assert started.changed and started["certificate"]["status"] == "PENDING_VALIDATION"
    assert len(_cnames(zone)) == 1  # the records are there even without waiting
    emulator.configure(latency={"acm_validation": 0.3})
    emulator.settle()
    waited = run_module("acm_certificate_dns", dict(BASE, wait=True, wait_timeout=60))
    assert not waited.changed and waited["certificate"]["status"] == "ISSUED"
    assert len(_actions(emulator, since, "RequestCertificate")) == 1
    assert len(_actions(emulator, since, "ChangeResourceRecordSets")) == 1


def test_wait_timeout_names_the_certificate(emulator, run_module, zone):
    emulator.configure(latency={"acm_validation": 60})
    result = run_module("acm_certificate_dns", dict(BASE, wait_timeout=2))
    assert result.failed
    assert "timed out after 2s waiting for ACM certificate arn:aws:acm:" in result["msg"]


def test_existing_untagged_certificate_is_reused_and_tags_purged(emulator, run_module, zone):
    arn = _acm().request_certificate(
        DomainName="*.portforge.org",
        SubjectAlternativeNames=["portforge.org"],
        ValidationMethod="DNS",
        Tags=[{"Key": "Owner", "Value": "console"}],
    )["CertificateArn"]
    emulator.settle()
    since = emulator.last_seq()
    result = run_module("acm_certificate_dns", dict(BASE, tags={"Application": "portforge"}), diff=True)
    assert result.changed and not result["requested"]
    assert result["certificate"]["certificate_arn"] == arn
    assert result["certificate"]["tags"] == {"Application": "portforge"}
    assert result["diff"]["before"]["certificate"]["tags"] == {"Owner": "console"}
    assert _actions(emulator, since, "RequestCertificate") == []
    kept = run_module("acm_certificate_dns", dict(BASE, tags={"Team": "dr"}, purge_tags=False))
    assert kept.changed and kept["certificate"]["tags"] == {"Application": "portforge", "Team": "dr"}


def test_second_certificate_shares_the_existing_record(emulator, run_module, zone):
    run_module("acm_certificate_dns", BASE)
    since = emulator.last_seq()
    apex = run_module("acm_certificate_dns", {"region": TOKYO, "domain_name": "portforge.org", "hosted_zone": ZONE})
    assert apex.changed and apex["requested"] and apex["certificate"]["status"] == "ISSUED"
    assert [r["changed"] for r in apex["validation_records"]] == [False]
    assert _actions(emulator, since, "ChangeResourceRecordSets") == []
    assert len(_certificates()) == 2


def test_hosted_zone_by_id_and_other_key_algorithm(emulator, run_module, zone):
    result = run_module(
        "acm_certificate_dns",
        {"region": TOKYO, "domain_name": "api.portforge.org", "hosted_zone_id": zone, "key_algorithm": "EC_prime256v1"},
    )
    assert result.changed and result["certificate"]["key_algorithm"] == "EC_prime256v1"
    again = run_module(
        "acm_certificate_dns",
        {
            "region": TOKYO,
            "domain_name": "api.portforge.org",
            "hosted_zone_id": f"/hostedzone/{zone}",
            "key_algorithm": "EC_prime256v1",
        },
    )
    assert not again.changed  # found although ListCertificates hides EC keys by default


@pytest.mark.parametrize(
    "args, message",
    [
        ({"hosted_zone": "example.com"}, "no Route 53 hosted zone named example.com"),
        ({"hosted_zone": None, "hosted_zone_id": "Z0000000000000000000"}, "hosted zone Z0000000000000000000 not found"),
        ({"subject_alternative_names": ["portforge.org", "www.filefleet.io"]}, "www.filefleet.io not in hosted zone"),
        ({"domain_name": "bad_name!.portforge.org"}, "not a valid certificate name: bad_name!.portforge.org"),
        ({"hosted_zone": None}, "needs hosted_zone (or hosted_zone_id)"),
        ({"certificate_arn": "arn:aws:acm:ap-northeast-1:123456789012:certificate/x"}, "certificate_arn only selects"),
        ({"validation_record_ttl": 0}, "validation_record_ttl must be 1 or more"),
    ],
    ids=["unknown-zone", "unknown-zone-id", "name-outside-zone", "bad-name", "no-zone", "arn-with-present", "ttl"],
)
def test_bad_input_fails_before_any_change(emulator, run_module, zone, args, message):
    since = emulator.last_seq()
    args = {k: v for k, v in dict(BASE, **args).items() if v is not None}
    result = run_module("acm_certificate_dns", args)
    assert result.failed and message in result["msg"], result
    assert emulator.mutating_calls(since=since) == []


def test_private_zone_is_refused(emulator, run_module):
    _zone(private=True)
    since = emulator.last_seq()
    result = run_module("acm_certificate_dns", BASE)
    assert result.failed and "is private: ACM validates over public DNS" in result["msg"]
    assert emulator.mutating_calls(since=since) == []


def test_throttling_is_survived(emulator, run_module, zone):
    emulator.add_fault("acm", count=3)
    emulator.add_fault("route53", count=3)
    result = run_module("acm_certificate_dns", BASE)
    assert result.changed and result["certificate"]["status"] == "ISSUED", result
    assert sum(f["injected"] for f in emulator.faults()) == 6


def test_runs_with_the_primary_region_down(emulator, run_module, zone):
    emulator.region_down(SEOUL)
    since = emulator.last_seq()
    result = run_module("acm_certificate_dns", BASE)
    assert result.changed and result["certificate"]["status"] == "ISSUED"
    assert emulator.calls(since=since, region=SEOUL) == []


def _alb_with_listener(certificate_arn, extra_certificate=None):
    ec2 = boto3.client("ec2", region_name=TOKYO)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=f"{TOKYO}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ac")
    ]
    elbv2 = boto3.client("elbv2", region_name=TOKYO)
    lb = elbv2.create_load_balancer(Name="portforge-dr-alb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    action = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}
    listener = elbv2.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTPS",
        Port=443,
        DefaultActions=[action],
        Certificates=[{"CertificateArn": certificate_arn}],
    )["Listeners"][0]["ListenerArn"]
    if extra_certificate:
        elbv2.add_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": extra_certificate}])
    return lb, listener


def test_absent_refuses_in_use_then_force_detaches_sni(emulator, run_module, zone):
    default = run_module(
        "acm_certificate_dns", {"region": TOKYO, "domain_name": "www.portforge.org", "hosted_zone": ZONE}
    )["certificate"]["certificate_arn"]
    sni = run_module("acm_certificate_dns", BASE)["certificate"]["certificate_arn"]
    lb, listener = _alb_with_listener(default, extra_certificate=sni)
    absent = dict(BASE, state="absent")
    since = emulator.last_seq()
    refused = run_module("acm_certificate_dns", absent)
    assert refused.failed and f"certificate in use, not deleted: {sni} by {lb}" in refused["msg"]
    assert emulator.mutating_calls(since=since) == []

    checked = run_module("acm_certificate_dns", dict(absent, force=True), check=True)
    assert checked.changed and checked["deleted"] == [sni] and checked["detached"] == [listener]
    assert emulator.mutating_calls(since=since) == []

    forced = run_module("acm_certificate_dns", dict(absent, force=True), diff=True)
    assert forced.changed and forced["deleted"] == [sni] and forced["detached"] == [listener]
    assert forced["diff"]["after"] == {"certificates": []}
    remaining = boto3.client("elbv2", region_name=TOKYO).describe_listener_certificates(ListenerArn=listener)
    assert [c["CertificateArn"] for c in remaining["Certificates"]] == [default]
    assert not run_module("acm_certificate_dns", absent).changed

    since = emulator.last_seq()
    blocked = run_module(
        "acm_certificate_dns", {"region": TOKYO, "certificate_arn": default, "state": "absent", "force": True}
    )
    assert blocked.failed and "default certificate: give the listener another default certificate" in blocked["msg"]
    assert emulator.mutating_calls(since=since) == []


def test_examples_run(emulator, run_examples, zone):
    result = run_examples("acm_certificate_dns", region=TOKYO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed=0" in result.stdout
