"""Notifications (issue 12, part 5): Slack through a local webhook sink, SNS on the emulator.

The sink is an HTTP server started by the test; SNS delivery is read back through an SQS queue
subscribed to the topic in the DR region. The webhook URL is a secret: it must never be printed.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import boto3
import pytest

DR = "ap-northeast-1"


class Sink:
    """A local Slack-compatible webhook: records every POST body; answers ``status``."""

    def __init__(self, status=200):
        self.payloads = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.payloads.append({"path": self.path, "body": json.loads(body or b"null")})
                self.send_response(sink.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.status = status
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T0/B0/secret-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink():
    with Sink() as server:
        yield server


@pytest.fixture
def topic(emulator):
    sns, sqs = boto3.client("sns", region_name=DR), boto3.client("sqs", region_name=DR)
    arn = sns.create_topic(Name="pilotlight-dr-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="dr-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    return arn, queue


def received(queue):
    sqs = boto3.client("sqs", region_name=DR)
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


ARTIFACTS = json.dumps(
    {
        "pilotlight_dr": {
            "megaticket": {"playbook": "failover", "rto_seconds": 12.5, "rpo": {"dynamodb": {"latency_ms": 80}}}
        }
    }
)


def test_success_reaches_slack_and_sns_in_dr_without_printing_the_webhook(run_playbook, emulator, sink, topic):
    arn, queue = topic
    since = emulator.last_seq()
    result = run_playbook(
        "playbooks/notify.yml",
        "-i",
        "inventories/local",
        "-l",
        "megaticket",
        "-e",
        ARTIFACTS,
        "-e",
        f"pilotlight_notify_slack_webhook_url={sink.url}",
        "-e",
        f"pilotlight_notify_sns_topic_arn={arn}",
        "-e",
        "pilotlight_notify_event=success",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert [p["body"]["text"] for p in sink.payloads] == [
        "pilotlight.dr: failover of megaticket to ap-northeast-1 succeeded, RTO 12.5 s (graceful). "
        'RPO evidence: dynamodb: {"latency_ms": 80}'
    ]
    notes = received(queue)
    assert [n["Subject"] for n in notes] == [
        "pilotlight.dr: failover of megaticket to ap-northeast-1 succeeded, RTO 12.5 s"
    ]
    assert "RPO evidence" in notes[0]["Message"]
    publishes = emulator.calls(since, service="sns", action="Publish")
    assert publishes and {c["region"] for c in publishes} == {DR}
    assert "secret-token" not in output


def test_webhook_from_secrets_manager_in_dr(run_playbook, sink, emulator):
    boto3.client("secretsmanager", region_name=DR).create_secret(Name="dr/slack-webhook", SecretString=sink.url)
    result = run_playbook(
        "playbooks/notify.yml",
        "-i",
        "inventories/local",
        "-l",
        "portforge",
        "-e",
        "pilotlight_notify_slack_webhook_secret=dr/slack-webhook",
        "-e",
        "pilotlight_notify_event=start",
        "-e",
        "dr_mode=ungraceful",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert [p["body"]["text"] for p in sink.payloads] == [
        "pilotlight.dr: failover of portforge to ap-northeast-1 started (ungraceful)"
    ]
    assert "secret-token" not in output


def test_an_unsent_notification_warns_and_does_not_fail(run_playbook, sink):
    sink.status = 500
    result = run_playbook(
        "playbooks/notify.yml",
        "-i",
        "inventories/local",
        "-l",
        "megaticket",
        "-e",
        f"pilotlight_notify_slack_webhook_url={sink.url}",
        "-e",
        "pilotlight_notify_event=failure",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "the Slack notification (failure) was not sent: HTTP 500" in output
    assert len(sink.payloads) == 1 and "FAILED" in sink.payloads[0]["body"]["text"]
    assert "secret-token" not in output
