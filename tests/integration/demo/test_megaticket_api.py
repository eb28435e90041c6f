"""The demo's sample MegaTicket API on the emulator: it runs with the environment read back from a DR launch
template's user data, reads and pays reservations in the region it was told, and fails its health check
when the user data names a wrong region or table (issue 11 item 6)."""

import base64
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import boto3
import pytest

from tests.demo.megaticket_api import MegaTicketApi
from tests.demo.megaticket_api import dr_environment
from tests.demo.megaticket_api import request_json as call
from tests.unit.demo.test_megaticket_api import APP_ENV
from tests.unit.demo.test_megaticket_api import render_user_data

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
START = datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc)
NLB_URL = "http://MegaTicket-DR-API-NLB-1.elb.ap-northeast-1.amazonaws.com:3001"


def dr_side(app_env):
    """Tokyo as a failover leaves it: the replica tables with a reservation held in Seoul before the outage,
    the DR start in SSM, and the two launch templates whose user data carries ``app_env``."""
    dynamodb = boto3.client("dynamodb", region_name=TOKYO)
    for name in (v for k, v in APP_ENV.items() if k.startswith("DYNAMODB_")):
        dynamodb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )
    for number in (1, 2):
        dynamodb.put_item(
            TableName=APP_ENV["DYNAMODB_RESERVATIONS_TABLE"],
            Item={"id": {"S": f"r-{number}"}, "status": {"S": "HOLDING"}, "heldAt": {"S": "2026-12-06T02:55:00Z"}},
        )
    boto3.client("ssm", region_name=TOKYO).put_parameter(
        Name=APP_ENV["DR_RECOVERY_STARTED_AT_PARAMETER"], Value="2026-12-06T03:00:00Z", Type="String"
    )
    ec2 = boto3.client("ec2", region_name=TOKYO)
    web_env = {"AWS_REGION": app_env["AWS_REGION"], "INTERNAL_API_URL": NLB_URL}
    for name, env, tier in (("MegaTicket-DR-App-LT", app_env, "app"), ("MegaTicket-DR-Web-LT", web_env, "web")):
        ec2.create_launch_template(
            LaunchTemplateName=name,
            LaunchTemplateData={"UserData": base64.b64encode(render_user_data(env, tier).encode()).decode()},
        )
    return dr_environment(TOKYO, "MegaTicket-DR-App-LT", "MegaTicket-DR-Web-LT")


@pytest.fixture
def served():
    apis = []

    def serve(env):
        api = MegaTicketApi(env, clock=lambda: START)
        api.start()
        apis.append(api)
        return api

    yield serve
    for api in apis:
        api.stop()


def test_the_api_serves_and_pays_in_the_region_of_its_user_data(emulator, served):
    env = dr_side(APP_ENV)
    assert env == dict(APP_ENV, INTERNAL_API_URL=NLB_URL)
    since = emulator.last_seq()
    api = served(env)

    status, health = call(api.health_url)
    assert status == 200 and health["region"] == TOKYO and len(health["tables"]) == 4
    assert call(f"{api.url}/api/reservations/r-1") == (
        200,
        {"id": "r-1", "status": "HOLDING", "heldAt": "2026-12-06T02:55:00Z"},
    )
    assert call(f"{api.url}/api/reservations/r-9")[0] == 404

    late = (START + timedelta(minutes=35)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, body = call(f"{api.url}/api/reservations/r-2/pay?now={late}", "POST")
    assert status == 410 and body["deadline"] == "2026-12-06T03:30:00Z" and body["status"] == "HOLDING"
    in_time = (START + timedelta(minutes=25)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, body = call(f"{api.url}/api/reservations/r-1/pay?now={in_time}", "POST")
    assert status == 200 and body["status"] == "CONFIRMED", body
    assert call(f"{api.url}/api/reservations/r-1/pay?now={in_time}", "POST")[0] == 409  # paid once only

    stored = boto3.client("dynamodb", region_name=TOKYO).get_item(
        TableName=APP_ENV["DYNAMODB_RESERVATIONS_TABLE"], Key={"id": {"S": "r-1"}}
    )["Item"]
    assert stored["status"]["S"] == "CONFIRMED" and stored["paidAt"]["S"] == in_time
    calls = emulator.calls(since=since)
    assert calls and {c["region"] for c in calls if c["service"] in ("dynamodb", "ssm")} == {TOKYO}
    assert any(c["action"] == "UpdateItem" for c in calls)


@pytest.mark.parametrize(
    "wrong",
    [
        {"AWS_REGION": SEOUL},  # the primary's region left in the DR user data
        {"DYNAMODB_VENUES_TABLE": "KDT-Msp4-PLDR-venue"},  # a table name that does not exist
    ],
    ids=["region", "table"],
)
def test_a_wrong_region_or_table_in_the_user_data_fails_the_health_check(emulator, served, wrong):
    env = dr_side(dict(APP_ENV, **wrong))
    assert all(env[key] == value for key, value in wrong.items())
    api = served(env)
    status, body = call(api.health_url)
    assert status == 503, body
    assert body["region"] == env["AWS_REGION"]
    if "DYNAMODB_VENUES_TABLE" in wrong:
        assert body["error"].startswith("cannot read table KDT-Msp4-PLDR-venue in ap-northeast-1"), body
    if "AWS_REGION" in wrong:
        # reservations are not served either: the tables are not in that region
        assert call(f"{api.url}/api/reservations/r-1")[0] == 503
