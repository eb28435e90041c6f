"""CloudWatch alarm evaluation in the emulator: what extensions/cloudwatch.py adds to moto (each test fails on
plain moto)."""

import json

import boto3

TOKYO, SEOUL = "ap-northeast-1", "ap-northeast-2"


def _queue_topic(region=TOKYO):
    sqs, sns = boto3.client("sqs", region_name=region), boto3.client("sns", region_name=region)
    url = sqs.create_queue(QueueName="alarms")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name="dr-alarms")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "false"})
    return url, topic


def _messages(url, region=TOKYO):
    sqs = boto3.client("sqs", region_name=region)
    out = []
    for _dummy in range(3):
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        out += [json.loads(json.loads(m["Body"])["Message"]) for m in batch]
    return out


def _alarm(topic, name="lag", threshold=900, treat="missing", **extra):
    boto3.client("cloudwatch", region_name=TOKYO).put_metric_alarm(
        AlarmName=name,
        AlarmDescription="MegaTicket: replica lag",
        Namespace="Test/DR",
        MetricName="Lag",
        Dimensions=[{"Name": "Replica", "Value": "db-1"}],
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=threshold,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData=treat,
        AlarmActions=[topic],
        OKActions=[topic],
        **extra,
    )


def _put(value, replica="db-1"):
    boto3.client("cloudwatch", region_name=TOKYO).put_metric_data(
        Namespace="Test/DR",
        MetricData=[{"MetricName": "Lag", "Value": value, "Dimensions": [{"Name": "Replica", "Value": replica}]}],
    )


def _state(name="lag"):
    (alarm,) = boto3.client("cloudwatch", region_name=TOKYO).describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return alarm["StateValue"]


def test_new_alarm_starts_insufficient_data_and_goes_to_alarm_past_the_threshold(gap_emulator):
    url, topic = _queue_topic()
    _alarm(topic)
    assert _state() == "INSUFFICIENT_DATA"
    _put(1200)
    assert _state() == "ALARM"
    (message,) = _messages(url)
    assert message["AlarmName"] == "lag" and message["NewStateValue"] == "ALARM"
    assert message["AlarmDescription"] == "MegaTicket: replica lag"
    assert message["OldStateValue"] == "INSUFFICIENT_DATA"
    assert message["Trigger"]["MetricName"] == "Lag" and message["Trigger"]["Threshold"] == 900


def test_other_dimensions_do_not_count_and_re_putting_keeps_the_state(gap_emulator):
    url, topic = _queue_topic()
    _alarm(topic, treat="notBreaching")
    assert _state() == "OK"  # no data, not breaching
    _put(5000, replica="db-2")
    assert _state() == "OK"
    _put(1000)
    assert _state() == "ALARM"
    _alarm(topic, treat="notBreaching")  # an update keeps the state (and notifies nothing)
    assert _state() == "ALARM"
    assert [m["NewStateValue"] for m in _messages(url)] == ["OK", "ALARM"]


def test_rds_replica_lag_from_the_emulator_is_evaluated(gap_emulator):
    """ReplicaLag is computed on read; the control route (or a describe) evaluates it."""
    url, topic = _queue_topic()
    rds = boto3.client("rds", region_name=SEOUL)
    source = rds.create_db_instance(
        DBInstanceIdentifier="src",
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password-1",
        AllocatedStorage=20,
        BackupRetentionPeriod=7,
    )["DBInstance"]["DBInstanceArn"]
    boto3.client("rds", region_name=TOKYO).create_db_instance_read_replica(
        DBInstanceIdentifier="replica",
        SourceDBInstanceIdentifier=source,
        DBInstanceClass="db.t3.micro",
        SourceRegion=SEOUL,
    )
    gap_emulator.settle()
    boto3.client("cloudwatch", region_name=TOKYO).put_metric_alarm(
        AlarmName="rds-lag",
        Namespace="AWS/RDS",
        MetricName="ReplicaLag",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=900,
        ComparisonOperator="GreaterThanThreshold",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": "replica"}],
        AlarmActions=[topic],
    )
    gap_emulator.post(f"/rds/{TOKYO}/replica/lag", {"seconds": 1800})
    gap_emulator.post("/cloudwatch/evaluate", {})
    assert _state("rds-lag") == "ALARM"
    assert [m["AlarmName"] for m in _messages(url)] == ["rds-lag"]
