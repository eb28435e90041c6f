"""dr_monitoring end to end on the emulator, with the primary region down: a dry run makes no mutating call,
the alarms, topics and dashboard are created in the DR region (health-check alarms where Route 53 publishes),
a re-run changes nothing, and pushing the replica lag past the RPO fires the alarm, whose notification reaches
the on-call queue with the alarm's name and the application. The molecule scenario covers the Slack Lambda,
DynamoDB latency, publish_readiness and cost."""

import json
import re

import boto3
import yaml

SEOUL, TOKYO, ROUTE53_METRICS = "ap-northeast-2", "ap-northeast-1", "us-east-1"
APP = "MegaTicket"
REPLICA = "megaticket-db-replica"
LAG_ALARM = f"{APP}-dr-rds-replica-lag-{REPLICA}"
STOPPED_ALARM = f"{APP}-dr-rds-replication-stopped-{REPLICA}"


def _pilot_light():
    """Seoul's database with its Tokyo read replica, and the on-call queue in Tokyo."""
    source = boto3.client("rds", region_name=SEOUL).create_db_instance(
        DBInstanceIdentifier="megaticket-db",
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password-1",
        AllocatedStorage=20,
        BackupRetentionPeriod=7,
    )["DBInstance"]["DBInstanceArn"]
    boto3.client("rds", region_name=TOKYO).create_db_instance_read_replica(
        DBInstanceIdentifier=REPLICA,
        SourceDBInstanceIdentifier=source,
        DBInstanceClass="db.t3.micro",
        SourceRegion=SEOUL,
    )
    sqs = boto3.client("sqs", region_name=TOKYO)
    url = sqs.create_queue(QueueName="oncall")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _playbook(tmp_path, queue_arn):
    variables = {
        "pilotlight_app_name": APP,
        "pilotlight_primary_region": SEOUL,
        "pilotlight_dr_region": TOKYO,
        "dr_monitoring_rds_replicas": [REPLICA],
        "dr_monitoring_health_checks": [{"name": "primary", "id": "11111111-1111-1111-1111-111111111111"}],
        "dr_monitoring_evaluation_minutes": 1,
        "dr_monitoring_subscriptions": [{"protocol": "sqs", "endpoint": queue_arn}],
    }
    play = {
        "name": "dr_monitoring",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": variables,
        "tasks": [
            {"name": "watch", "ansible.builtin.include_role": {"name": "pilotlight.dr.dr_monitoring"}},
            {"name": "show", "ansible.builtin.debug": {"var": "dr_monitoring_alarms"}},
        ],
    }
    path = tmp_path / "monitoring.yml"
    path.write_text(yaml.safe_dump([play], sort_keys=False))
    return str(path)


def _changed(stdout):
    return int(re.search(r"localhost\s*:.*changed=(\d+)", stdout).group(1))


def _alarms(region):
    return {a["AlarmName"]: a for a in boto3.client("cloudwatch", region_name=region).describe_alarms()["MetricAlarms"]}


def _notifications(url):
    sqs = boto3.client("sqs", region_name=TOKYO)
    found = []
    for _dummy in range(3):
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            found.append(json.loads(json.loads(message["Body"])["Message"]))
    return found


def test_watch_from_tokyo_with_seoul_down_then_the_lag_alarm_fires(emulator, run_playbook, tmp_path):
    url, queue_arn = _pilot_light()
    emulator.settle()
    emulator.region_down(SEOUL)
    playbook = _playbook(tmp_path, queue_arn)

    since = emulator.last_seq()
    dry = run_playbook(playbook, "-i", "localhost,", check=True)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert emulator.mutating_calls(since=since) == []

    since = emulator.last_seq()
    first = run_playbook(playbook, "-i", "localhost,")
    assert first.returncode == 0, first.stdout + first.stderr
    assert {call["region"] for call in emulator.requests(since)} == {TOKYO, ROUTE53_METRICS}
    tokyo, virginia = _alarms(TOKYO), _alarms(ROUTE53_METRICS)
    assert sorted(tokyo) == sorted([f"{APP}-dr-readiness", LAG_ALARM, STOPPED_ALARM])
    assert sorted(virginia) == [f"{APP}-dr-health-check-primary"]
    assert tokyo[LAG_ALARM]["Threshold"] == 900 and tokyo[LAG_ALARM]["AlarmActions"] == [
        f"arn:aws:sns:{TOKYO}:123456789012:{APP}-dr-alarms"
    ]
    assert virginia[f"{APP}-dr-health-check-primary"]["AlarmActions"] == [
        f"arn:aws:sns:{ROUTE53_METRICS}:123456789012:{APP}-dr-alarms"
    ]
    body = json.loads(
        boto3.client("cloudwatch", region_name=TOKYO).get_dashboard(DashboardName=f"{APP}-DR")["DashboardBody"]
    )
    assert [w["properties"]["title"] for w in body["widgets"]][:2] == [
        "RDS replica lag (RPO metric)",
        "Route 53 health checks (1 healthy, 0 unhealthy)",
    ]

    since = emulator.last_seq()
    again = run_playbook(playbook, "-i", "localhost,")
    assert again.returncode == 0 and _changed(again.stdout) == 0, again.stdout
    assert emulator.mutating_calls(since=since) == []

    # Seoul is down: the MySQL replica reports ReplicaLag -1, which the lag alarm alone would miss
    emulator.post("/cloudwatch/evaluate")
    states = {name: alarm["StateValue"] for name, alarm in _alarms(TOKYO).items()}
    assert (states[STOPPED_ALARM], states[LAG_ALARM]) == ("ALARM", "OK")
    stopped = [n for n in _notifications(url) if n["AlarmName"] == STOPPED_ALARM]
    assert [n["NewStateValue"] for n in stopped] == ["ALARM"]

    # Seoul back, replication running but 30 minutes behind: past the 15-minute RPO
    emulator.region_up(SEOUL)
    emulator.post(f"/rds/{TOKYO}/{REPLICA}/lag", {"seconds": 1800})
    emulator.post("/cloudwatch/evaluate")
    states = {name: alarm["StateValue"] for name, alarm in _alarms(TOKYO).items()}
    assert (states[STOPPED_ALARM], states[LAG_ALARM]) == ("OK", "ALARM")
    (fired,) = [n for n in _notifications(url) if n["AlarmName"] == LAG_ALARM and n["NewStateValue"] == "ALARM"]
    assert fired["AlarmDescription"].startswith(f"{APP}: RDS replica {REPLICA}")
    assert "15 min" in fired["AlarmDescription"]
    assert fired["Trigger"]["Threshold"] == 900.0
