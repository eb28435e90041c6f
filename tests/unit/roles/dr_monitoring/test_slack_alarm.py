"""The Slack Lambda handler of dr_monitoring (roles/dr_monitoring/files/slack_alarm.py), against a local webhook
sink: what it posts, and that the webhook URL never shows in logs, results or errors."""

import http.server
import importlib.util
import json
import logging
import threading
from pathlib import Path

import pytest

HANDLER = Path(__file__).resolve().parents[4] / "roles" / "dr_monitoring" / "files" / "slack_alarm.py"


@pytest.fixture
def slack_alarm(monkeypatch):
    spec = importlib.util.spec_from_file_location("slack_alarm", HANDLER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("APPLICATION", "MegaTicket")
    monkeypatch.setenv("SLACK_WEBHOOK_SECRET", "megaticket/slack-webhook")
    return module


@pytest.fixture
def sink():
    """A local Slack webhook: records each POST; answers with ``sink.status``."""
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "type": self.headers["Content-Type"], "body": json.loads(body)})
            self.send_response(server.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.status = 200
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_port}/services/T000/B000/SECRETTOKEN"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


class FakeSecrets:
    def __init__(self, value):
        self.value, self.calls = value, []

    def get_secret_value(self, SecretId):
        self.calls.append(SecretId)
        return {"SecretString": self.value}


def alarm_event(state="ALARM"):
    message = {
        "AlarmName": "MegaTicket-dr-rds-replica-lag-megaticket-db-replica",
        "AlarmDescription": "MegaTicket: RDS replica megaticket-db-replica lags more than 15 min (the RPO target)",
        "NewStateValue": state,
        "OldStateValue": "OK",
        "Region": "Asia Pacific (Tokyo)",
        "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [1800] were Greater than the threshold",
        "Trigger": {
            "MetricName": "ReplicaLag",
            "Namespace": "AWS/RDS",
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 900.0,
        },
    }
    return {"Records": [{"Sns": {"Subject": f"{state}: alarm", "Message": json.dumps(message)}}]}


def test_an_alarm_reaches_slack_with_its_name_state_and_application(slack_alarm, sink, caplog):
    secrets = FakeSecrets(sink.url)
    with caplog.at_level(logging.INFO):
        result = slack_alarm.handler(alarm_event(), None, secrets_client=secrets)
    assert result == {"statusCode": 200, "sent": 1}
    (post,) = sink.received
    assert post["path"] == "/services/T000/B000/SECRETTOKEN" and post["type"] == "application/json"
    text = post["body"]["text"]
    assert text.startswith(
        ":red_circle: *MegaTicket-dr-rds-replica-lag-megaticket-db-replica* is ALARM (MegaTicket, Asia Pacific (Tokyo))"
    )
    assert "lags more than 15 min" in text and "AWS/RDS/ReplicaLag GreaterThanThreshold 900.0" in text
    assert secrets.calls == ["megaticket/slack-webhook"]
    assert "SECRETTOKEN" not in caplog.text and "MegaTicket-dr-rds-replica-lag" in caplog.text


def test_the_secret_may_be_json_and_is_read_once(slack_alarm, sink):
    secrets = FakeSecrets(json.dumps({"webhook_url": sink.url}))
    slack_alarm.handler(alarm_event("OK"), None, secrets_client=secrets)
    slack_alarm.handler(alarm_event("ALARM"), None, secrets_client=secrets)
    assert [p["body"]["text"].split()[0] for p in sink.received] == [":large_green_circle:", ":red_circle:"]
    assert len(secrets.calls) == 1


def test_a_plain_text_notification_is_posted_with_the_application(slack_alarm, sink):
    event = {"Records": [{"Sns": {"Subject": "pilotlight.dr: failover started", "Message": "not JSON"}}]}
    slack_alarm.handler(event, None, secrets_client=FakeSecrets(sink.url))
    assert sink.received[0]["body"]["text"] == "*MegaTicket*: pilotlight.dr: failover started\nnot JSON"


@pytest.mark.parametrize("status", [403, 500])
def test_a_refused_post_fails_without_the_url(slack_alarm, sink, status, caplog):
    sink.status = status
    with pytest.raises(slack_alarm.DeliveryError) as error:
        slack_alarm.handler(alarm_event(), None, secrets_client=FakeSecrets(sink.url))
    assert str(error.value) == f"Slack answered HTTP {status}"
    assert error.value.__cause__ is None and "SECRETTOKEN" not in caplog.text


def test_an_unreachable_webhook_fails_without_the_url(slack_alarm):
    url = "http://127.0.0.1:9/services/T000/B000/SECRETTOKEN"
    with pytest.raises(slack_alarm.DeliveryError) as error:
        slack_alarm.handler(alarm_event(), None, secrets_client=FakeSecrets(url))
    assert "SECRETTOKEN" not in str(error.value) and "127.0.0.1" not in str(error.value)
