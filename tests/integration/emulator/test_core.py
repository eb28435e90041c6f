"""The emulator's own contract: control API, request log, faults, outages, process hygiene."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import boto3
import botocore.exceptions
import pytest

from tests.emulator.client import EmulatorError
from tests.emulator.launcher import REPO_ROOT

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"


def _make_table(region, name="orders"):
    boto3.client("dynamodb", region_name=region).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_health_reports_moto_and_extensions(emulator):
    health = emulator.health()
    assert health["status"] == "ok"
    assert health["moto_version"].startswith("5.2.")
    assert isinstance(health["extensions"], list)


def test_reset_forgets_resources_and_conditions(emulator):
    _make_table(SEOUL)
    emulator.region_down(TOKYO)
    emulator.add_fault("ec2", rate=0.5)
    emulator.reset()
    assert boto3.client("dynamodb", region_name=SEOUL).list_tables()["TableNames"] == []
    assert emulator.health()["down_regions"] == []
    assert emulator.faults() == []
    assert emulator.requests()[-1]["action"] == "ListTables"


@pytest.mark.parametrize(
    "call, service, action, mutating",
    [
        (lambda: _make_table(SEOUL), "dynamodb", "CreateTable", True),
        (lambda: boto3.client("ec2", region_name=SEOUL).describe_vpcs(), "ec2", "DescribeVpcs", False),
        (
            lambda: boto3.client("autoscaling", region_name=SEOUL).describe_auto_scaling_groups(),
            "autoscaling",
            "DescribeAutoScalingGroups",
            False,
        ),
        (lambda: boto3.client("s3", region_name=SEOUL).list_buckets(), "s3", "ListBuckets", False),
        (
            lambda: boto3.client("s3", region_name=SEOUL).create_bucket(
                Bucket="log-classification", CreateBucketConfiguration={"LocationConstraint": SEOUL}
            ),
            "s3",
            "CreateBucket",
            True,
        ),
        (
            lambda: boto3.client("cloudwatch", region_name=SEOUL).put_metric_data(
                Namespace="t", MetricData=[{"MetricName": "m", "Value": 1.0}]
            ),
            "cloudwatch",
            "PutMetricData",
            True,
        ),
        (
            lambda: boto3.client("cognito-idp", region_name=SEOUL).admin_get_user(
                UserPoolId=f"{SEOUL}_x", Username="u"
            ),
            "cognito-idp",
            "AdminGetUser",
            False,
        ),
    ],
    ids=["json", "ec2", "query", "rest-xml-read", "rest-xml-write", "cbor", "admin-read"],
)
def test_request_log_names_service_region_action(emulator, call, service, action, mutating):
    since = emulator.last_seq()
    try:
        call()
    except botocore.exceptions.ClientError:
        pass  # the call is logged whatever moto answers
    entry = emulator.requests(since)[-1]
    assert (entry["service"], entry["region"], entry["action"], entry["mutating"]) == (service, SEOUL, action, mutating)


def test_s3_put_and_copy_are_told_apart(emulator):
    s3 = boto3.client("s3", region_name=SEOUL)
    s3.create_bucket(Bucket="copy-source", CreateBucketConfiguration={"LocationConstraint": SEOUL})
    s3.put_object(Bucket="copy-source", Key="a", Body=b"1")
    s3.copy_object(Bucket="copy-source", Key="b", CopySource={"Bucket": "copy-source", "Key": "a"})
    actions = [entry["action"] for entry in emulator.requests()]
    assert actions[-2:] == ["PutObject", "CopyObject"]


def test_global_services_are_logged_in_us_east_1(emulator):
    boto3.client("route53", region_name=SEOUL).list_hosted_zones()
    assert emulator.requests()[-1]["region"] == "us-east-1"


def test_injected_throttling_is_retried_by_the_sdk(emulator):
    emulator.add_fault("dynamodb", error="throttle", count=2, actions=["ListTables"])
    assert boto3.client("dynamodb", region_name=SEOUL).list_tables()["TableNames"] == []
    statuses = [entry["status"] for entry in emulator.calls(action="ListTables")]
    assert statuses == [400, 400, 200]
    assert emulator.faults()[0]["injected"] == 2


@pytest.mark.parametrize(
    "service, call, code",
    [
        ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded"),
        ("autoscaling", lambda c: c.describe_auto_scaling_groups(), "Throttling"),
        ("s3", lambda c: c.list_buckets(), "SlowDown"),
        ("route53", lambda c: c.list_hosted_zones(), "Throttling"),
        ("dynamodb", lambda c: c.list_tables(), "ThrottlingException"),
        ("cloudwatch", lambda c: c.list_metrics(), "ThrottlingException"),
        ("lambda", lambda c: c.list_functions(), "TooManyRequestsException"),
    ],
)
def test_throttle_errors_carry_each_protocols_code(emulator, service, call, code):
    # CloudWatch by its signing name: faults accept it as well as botocore's service name.
    emulator.add_fault({"cloudwatch": "monitoring"}.get(service, service), error="throttle")
    client = boto3.client(service, region_name=SEOUL, config=botocore.config.Config(retries={"max_attempts": 1}))
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call(client)
    assert info.value.response["Error"]["Code"] == code


def test_server_errors_surface_when_they_persist(emulator):
    emulator.add_fault("ec2", error="500")
    client = boto3.client("ec2", region_name=SEOUL, config=botocore.config.Config(retries={"max_attempts": 2}))
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client.describe_vpcs()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


@pytest.mark.parametrize(
    ("service", "call", "code"),
    [
        ("ec2", lambda c: c.describe_vpcs(), "UnauthorizedOperation"),
        ("iam", lambda c: c.list_users(), "AccessDenied"),
        ("route53", lambda c: c.list_hosted_zones(), "AccessDenied"),
        ("secretsmanager", lambda c: c.list_secrets(), "AccessDeniedException"),
        ("s3", lambda c: c.list_buckets(), "AccessDenied"),
    ],
)
def test_denied_errors_carry_each_protocols_code_and_are_not_retried(emulator, service, call, code):
    since = emulator.last_seq()
    emulator.add_fault(service, error="denied")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call(boto3.client(service, region_name=SEOUL))  # botocore's default retries: none for a denial
    assert info.value.response["Error"]["Code"] == code
    assert len(emulator.requests(since)) == 1


def test_bad_fault_and_config_are_rejected(emulator):
    with pytest.raises(EmulatorError, match="error must be one of"):
        emulator.add_fault("ec2", error="teapot")
    with pytest.raises(EmulatorError, match="unknown latency"):
        emulator.configure(latency={"warp_drive": 1})
    with pytest.raises(EmulatorError, match='needs \\\\"service\\\\"'):
        emulator.post("/faults", {"error": "throttle"})


def test_region_outage_drops_connections_for_that_region_only(emulator):
    _make_table(SEOUL)
    _make_table(TOKYO)
    emulator.region_down(SEOUL)
    seoul = boto3.client("dynamodb", region_name=SEOUL, config=botocore.config.Config(retries={"max_attempts": 1}))
    with pytest.raises((botocore.exceptions.ConnectionClosedError, botocore.exceptions.EndpointConnectionError)):
        seoul.list_tables()
    assert boto3.client("dynamodb", region_name=TOKYO).list_tables()["TableNames"] == ["orders"]
    assert boto3.client("route53", region_name=SEOUL).list_hosted_zones()["HostedZones"] == []
    dropped = [entry for entry in emulator.requests() if entry.get("note", "").startswith("region down")]
    assert dropped and all(entry["region"] == SEOUL for entry in dropped)
    emulator.region_up(SEOUL)
    assert seoul.list_tables()["TableNames"] == ["orders"]


def test_settle_runs_deferred_work(emulator):
    assert emulator.settle() == {"settled": True}
    assert emulator.get("/tasks") == {"pending": []}


def test_unknown_control_route_lists_the_routes(emulator):
    with pytest.raises(EmulatorError, match="no control route") as info:
        emulator.get("/nope")
    assert "/_emulator/regions/<region>/<change>" in str(info.value)


def test_second_emulator_on_the_same_port_fails_clearly(emulator_process):
    port = emulator_process.endpoint.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "tests.emulator", "serve", "--port", port],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert f"127.0.0.1:{port} is already in use" in result.stderr


def test_killed_parent_leaves_no_emulator_behind(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from tests.emulator.launcher import EmulatorProcess
        emulator = EmulatorProcess().start()
        print(emulator.process.pid, flush=True)
        time.sleep(600)
    """)
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child_pid = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(child_pid, signal.SIGKILL)
    pytest.fail("the emulator outlived the process that started it")


def test_sigterm_stops_the_emulator_cleanly():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "serve", "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().startswith("ready http://127.0.0.1:")
    process.terminate()
    assert process.wait(timeout=15) == 0


def test_pytest_refuses_to_run_when_endpoints_would_be_ignored(tmp_path):
    test_file = tmp_path / "test_probe.py"
    test_file.write_text("def test_probe(emulator):\n    pass\n")
    env = dict(os.environ, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.conftest",
            "-c",
            "/dev/null",
            "--rootdir",
            str(tmp_path),
            str(test_file),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is set" in result.stdout + result.stderr
