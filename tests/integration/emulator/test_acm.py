"""ACM DNS validation in the emulator: what extensions/acm.py adds to moto (each test fails on plain moto)."""

import time

import boto3
import botocore.exceptions
import pytest

TOKYO = "ap-northeast-1"
NAMES = ["*.portforge.org", "portforge.org", "api.portforge.org"]


def _acm():
    return boto3.client("acm", region_name=TOKYO)


def _zone(name="portforge.org", private=False):
    kwargs = {}
    if private:
        vpc = boto3.client("ec2", region_name=TOKYO).create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        kwargs = {"VPC": {"VPCRegion": TOKYO, "VPCId": vpc}, "HostedZoneConfig": {"PrivateZone": True}}
    return boto3.client("route53", region_name=TOKYO).create_hosted_zone(
        Name=name, CallerReference=f"{name}-{private}-{time.time()}", **kwargs
    )["HostedZone"]["Id"]


def _request(names=None, **kwargs):
    names = NAMES if names is None else names
    if names[1:]:
        kwargs["SubjectAlternativeNames"] = names[1:]
    return _acm().request_certificate(DomainName=names[0], ValidationMethod="DNS", **kwargs)["CertificateArn"]


def _describe(arn):
    return _acm().describe_certificate(CertificateArn=arn)["Certificate"]


def _records(arn):
    options = _describe(arn)["DomainValidationOptions"]
    return {o["ResourceRecord"]["Name"]: o["ResourceRecord"]["Value"] for o in options}


def _upsert(zone, records):
    boto3.client("route53", region_name=TOKYO).change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": name,
                        "Type": "CNAME",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": value}],
                    },
                }
                for name, value in records.items()
            ]
        },
    )


def test_validation_records_per_domain_shared_by_wildcard_and_apex(gap_emulator):
    arn = _request()
    gap_emulator.settle()
    cert = _describe(arn)
    assert [o["DomainName"] for o in cert["DomainValidationOptions"]] == NAMES
    assert cert["SubjectAlternativeNames"] == NAMES
    records = [o["ResourceRecord"] for o in cert["DomainValidationOptions"]]
    assert records[0] == records[1]  # *.portforge.org and portforge.org: one record, as on AWS
    assert records[0]["Name"] != records[2]["Name"] and records[0]["Value"] != records[2]["Value"]
    assert records[2]["Name"].endswith(".api.portforge.org.")
    # A second certificate for the same name reuses the record (fixed per account and domain).
    again = _request(["api.portforge.org"])
    gap_emulator.settle()
    assert _records(again) == {records[2]["Name"]: records[2]["Value"]}


def test_resource_record_appears_only_once_known(gap_emulator):
    gap_emulator.configure(latency={"acm_dns_record": 30})
    arn = _request()
    options = _describe(arn)["DomainValidationOptions"]
    assert [o["ValidationStatus"] for o in options] == ["PENDING_VALIDATION"] * 3
    assert all("ResourceRecord" not in o for o in options)
    gap_emulator.settle()
    assert all("ResourceRecord" in o for o in _describe(arn)["DomainValidationOptions"])


def test_issued_only_after_every_validation_cname_exists(gap_emulator):
    zone = _zone()
    arn = _request()
    gap_emulator.settle()
    records = _records(arn)
    first, second = list(records.items())
    _upsert(zone, dict([first]))
    gap_emulator.settle()
    assert _describe(arn)["Status"] == "PENDING_VALIDATION"  # one name still unproven
    _upsert(zone, {second[0]: "_wrong.acm-validations.aws."})
    gap_emulator.settle()
    assert _describe(arn)["Status"] == "PENDING_VALIDATION"  # wrong value
    _upsert(zone, dict([second]))
    gap_emulator.settle()
    cert = _describe(arn)
    assert cert["Status"] == "ISSUED"
    assert {o["ValidationStatus"] for o in cert["DomainValidationOptions"]} == {"SUCCESS"}
    assert "IssuedAt" in cert and "NotAfter" in cert


def test_issuing_takes_the_acm_validation_latency(gap_emulator):
    gap_emulator.configure(latency={"acm_validation": 1.0, "acm_dns_record": 0})
    zone = _zone()
    arn = _request(["app.portforge.org"])
    time.sleep(0.2)
    _upsert(zone, _records(arn))
    assert _describe(arn)["Status"] == "PENDING_VALIDATION"
    deadline = time.monotonic() + 10
    while _describe(arn)["Status"] != "ISSUED" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _describe(arn)["Status"] == "ISSUED"


def test_records_in_a_private_zone_do_not_validate(gap_emulator):
    private, public = _zone(private=True), _zone()
    arn = _request(["www.portforge.org"])
    gap_emulator.settle()
    _upsert(private, _records(arn))
    gap_emulator.settle()
    assert _describe(arn)["Status"] == "PENDING_VALIDATION"
    _upsert(public, _records(arn))
    gap_emulator.settle()
    assert _describe(arn)["Status"] == "ISSUED"


def test_idempotency_token_returns_the_first_certificate_whatever_the_tags(gap_emulator):
    first = _request(IdempotencyToken="portforge1", Tags=[{"Key": "Name", "Value": "a"}])
    again = _request(IdempotencyToken="portforge1", Tags=[{"Key": "Name", "Value": "b"}])
    other = _request(IdempotencyToken="portforge2")
    assert first == again != other
    assert len(_acm().list_certificates()["CertificateSummaryList"]) == 2
    with pytest.raises(botocore.exceptions.ClientError) as info:
        _request(IdempotencyToken="has-dashes")
    assert info.value.response["Error"]["Code"] == "ValidationException"


def test_key_algorithm_and_default_list_filter(gap_emulator):
    ec = _request(["ec.portforge.org"], KeyAlgorithm="EC_prime256v1")
    rsa = _request(["rsa.portforge.org"])
    assert _describe(ec)["KeyAlgorithm"] == "EC_prime256v1"
    listed = [c["CertificateArn"] for c in _acm().list_certificates()["CertificateSummaryList"]]
    assert listed == [rsa]  # AWS lists only RSA_1024/RSA_2048 unless Includes.keyTypes says otherwise
    every = _acm().list_certificates(Includes={"keyTypes": ["EC_prime256v1", "RSA_2048"]})["CertificateSummaryList"]
    assert {c["CertificateArn"] for c in every} == {ec, rsa}
    summaries = {tuple(c["SubjectAlternativeNameSummaries"]) for c in every}
    assert summaries == {("ec.portforge.org",), ("rsa.portforge.org",)}


def test_in_use_by_load_balancer_and_delete_refused(gap_emulator):
    arn = _request(["app.portforge.org"])
    ec2 = boto3.client("ec2", region_name=TOKYO)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=f"{TOKYO}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ac")
    ]
    elbv2 = boto3.client("elbv2", region_name=TOKYO)
    lb = elbv2.create_load_balancer(Name="megaticket-dr-alb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    action = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}
    listener = elbv2.create_listener(
        LoadBalancerArn=lb, Protocol="HTTPS", Port=443, Certificates=[{"CertificateArn": arn}], DefaultActions=[action]
    )
    assert _describe(arn)["InUseBy"] == [lb]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        _acm().delete_certificate(CertificateArn=arn)
    assert info.value.response["Error"]["Code"] == "ResourceInUseException"
    elbv2.delete_listener(ListenerArn=listener["Listeners"][0]["ListenerArn"])
    assert _describe(arn)["InUseBy"] == []
    _acm().delete_certificate(CertificateArn=arn)
