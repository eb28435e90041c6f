"""The graceful failover's data drain, through the runbook, for an application with DynamoDB tables and an RDS
database (writers declared stopped): while DynamoDB replication to Tokyo is stalled the drain fails naming the
tables and nothing is promoted; once it flows, the markers reach Tokyo and are deleted, the evidence says
drained, and the promoted database is Multi-AZ with backups on."""

import json

import boto3
import pytest

from tests.conftest import invoke_module
from tests.integration.playbooks.stack import EmulatedStack

pytestmark = pytest.mark.xdist_group("graceful-drain")

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
SOURCE, REPLICA = "drain-db", "drain-db-dr"
TABLES = ["drain-orders", "drain-seats"]
APP = {
    "pilotlight_components": ["dynamodb", "rds"],
    "pilotlight_config_sources": {},
    "dr_dynamodb_tables": TABLES,
    "dr_rds_instances": [{"source": SOURCE, "replica": REPLICA}],
    "dr_writers_fenced_externally": True,
}
RUN = ["-i", "inventories/local", "-l", "portforge", "-e", json.dumps(APP), "-e", "dr_mode=graceful"]


class DrainStack(EmulatedStack):
    def __init__(self, tmp_path):
        super().__init__(tmp_path, RUN)

    def failover(self, *args):
        return self.playbook("failover", *args)

    def report(self):
        return self.reports("failover")[-1]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = DrainStack(tmp_path_factory.mktemp("drain"))
    ddb = boto3.client("dynamodb", region_name=SEOUL)
    for name in TABLES:
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    made = invoke_module("global_table_enable", dict(region=SEOUL, tables=TABLES, replica_regions=[TOKYO]))
    assert not made.failed, made
    boto3.client("rds", region_name=SEOUL).create_db_instance(
        DBInstanceIdentifier=SOURCE,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password-1",
        AllocatedStorage=20,
        BackupRetentionPeriod=7,
    )
    replica = dict(
        region=TOKYO, db_instance_identifier=REPLICA, source_db_instance_identifier=SOURCE, source_region=SEOUL
    )
    assert not invoke_module("rds_replica", replica).failed
    ddb.put_item(TableName=TABLES[0], Item={"id": {"S": "last-write-before-the-fence"}})
    stack.client.settle()
    yield stack
    stack.close()


def items(name, region):
    return boto3.client("dynamodb", region_name=region).scan(TableName=name, ConsistentRead=True)["Items"]


def replica():
    return boto3.client("rds", region_name=TOKYO).describe_db_instances(DBInstanceIdentifier=REPLICA)["DBInstances"][0]


def test_stalled_replication_stops_the_failover_before_anything_is_promoted(stack):
    stack.client.configure(latency={"replication": 3600})
    since = stack.client.last_seq()
    result = stack.failover("-e", "dr_runbook_drain_timeout=2", "-e", "dr_force=true")
    assert result.returncode != 0
    assert "did not drain within drain_timeout=2s" in result.stdout, result.stdout[-4000:]
    assert f"for table(s) {TABLES[0]}, {TABLES[1]}" in result.stdout
    assert stack.client.calls(since, action="PromoteReadReplica") == []
    assert "ReadReplicaSourceDBInstanceIdentifier" in replica()
    assert items(TABLES[1], SEOUL) == []  # the markers were deleted


def test_drained_failover_promotes_with_the_evidence_and_no_marker_left(stack):
    stack.client.configure(latency={"replication": 0.1})
    stack.client.settle()
    since = stack.client.last_seq()
    result = stack.failover("-e", "dr_force=true")
    assert result.returncode == 0, result.stdout[-6000:]
    evidence = stack.report()["applications"]["portforge"]["rpo_evidence"]
    for name in TABLES:
        assert evidence["dynamodb"][name]["drained"] is True and evidence["dynamodb"][name]["rpo_seconds"] == 0
        assert TOKYO in evidence["dynamodb"][name]["marker_arrived_after_seconds"]
    puts = stack.client.calls(since, region=SEOUL, action="PutItem")
    promotions = stack.client.calls(since, action="PromoteReadReplica")
    assert len(puts) == 2 and len(promotions) == 1 and puts[-1]["seq"] < promotions[0]["seq"]
    stack.client.settle()
    for region in (SEOUL, TOKYO):
        assert items(TABLES[1], region) == []
        assert items(TABLES[0], region) == [{"id": {"S": "last-write-before-the-fence"}}]
    promoted = replica()
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert promoted["MultiAZ"] is True and promoted["BackupRetentionPeriod"] == 7
