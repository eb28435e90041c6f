"""Slack delivery of the pilot light's CloudWatch alarms (seed 002 section 8.4), as an AWS Lambda handler.

SNS invokes ``handler`` with the alarm notifications of the DR topics. The Slack incoming-webhook URL is read
from Secrets Manager (``SLACK_WEBHOOK_SECRET``: the secret's name or ARN; its value is the URL, or JSON with
``webhook_url``), once per container, and never logged, returned or put in an error message. ``APPLICATION``
names the application in every message. Standard library and boto3 only (the Lambda Python runtime has both).
"""

import json
import logging
import os
import urllib.error
import urllib.request

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

STATE_EMOJI = {"ALARM": ":red_circle:", "OK": ":large_green_circle:", "INSUFFICIENT_DATA": ":white_circle:"}
_CACHE = {}


class DeliveryError(RuntimeError):
    """Slack did not take the message; the text never contains the webhook URL."""


def webhook_url(secrets_client, secret_id):
    """The URL stored in the secret (plain text, or JSON with ``webhook_url``)."""
    if secret_id not in _CACHE:
        value = secrets_client.get_secret_value(SecretId=secret_id)["SecretString"].strip()
        if value.startswith("{"):
            value = json.loads(value)["webhook_url"]
        _CACHE[secret_id] = value
    return _CACHE[secret_id]


def format_message(sns_message, application, subject=None):
    """The Slack payload of one SNS message (a CloudWatch alarm notification, or any text)."""
    try:
        alarm = json.loads(sns_message)
    except (TypeError, ValueError):
        alarm = None
    if not isinstance(alarm, dict) or "AlarmName" not in alarm:
        text = f"*{application}*: {subject or 'notification'}\n{sns_message}"
        return {"text": text}
    state = alarm.get("NewStateValue", "UNKNOWN")
    trigger = alarm.get("Trigger") or {}
    lines = [
        f"{STATE_EMOJI.get(state, ':grey_question:')} *{alarm['AlarmName']}* is {state} ({application}, "
        f"{alarm.get('Region', 'unknown region')})",
    ]
    if alarm.get("AlarmDescription"):
        lines.append(alarm["AlarmDescription"])
    if alarm.get("NewStateReason"):
        lines.append(f"_{alarm['NewStateReason']}_")
    if trigger.get("MetricName"):
        lines.append(
            f"metric {trigger.get('Namespace')}/{trigger['MetricName']} "
            f"{trigger.get('ComparisonOperator', '')} {trigger.get('Threshold')}"
        )
    return {"text": "\n".join(lines)}


def post(url, payload, timeout=10):
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https from the secret)
            return response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"Slack answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"Slack could not be reached ({type(reason).__name__})") from None


def handler(event, context, secrets_client=None):
    if secrets_client is None:
        import boto3

        secrets_client = boto3.client("secretsmanager")
    application = os.environ.get("APPLICATION", "application")
    url = webhook_url(secrets_client, os.environ["SLACK_WEBHOOK_SECRET"])
    sent = 0
    for record in event.get("Records", []):
        sns = record.get("Sns") or {}
        payload = format_message(sns.get("Message"), application, sns.get("Subject"))
        post(url, payload)
        sent += 1
        LOG.info("posted to Slack: %s", payload["text"].splitlines()[0])
    return {"statusCode": 200, "sent": sent}
