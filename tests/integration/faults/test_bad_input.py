"""Bad input to every module fails before its first mutating call, with a message that names the option.

Each case runs one module against the emulator with one mistake an operator makes (a wrong type, an
unknown key, the primary region given as the DR region, a name that does not exist, options that
contradict each other) and asserts three things: the task failed, the message names the option (and,
where there is one, the fix), and the request log holds no mutating call (Create/Put/Update/Delete/
Copy/Modify/Promote/...) made by the run.
"""

import boto3
import pytest

from tests.conftest import invoke_module

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
MISSING_KEY = "arn:aws:kms:ap-northeast-1:123456789012:key/00000000-0000-0000-0000-000000000000"

# Arguments that pass validation, per module: each case changes one thing.
VALID = {
    "acm_certificate_dns": {"region": TOKYO, "domain_name": "app.portforge.org", "hosted_zone": "portforge.org"},
    "ami_cross_copy": {"region": TOKYO, "source_region": SEOUL, "image_ids": ["ami-12345678"]},
    "asg_pilot_light": {"region": TOKYO, "state": "standby", "groups": [{"name": "app-DR-ASG"}]},
    "cloudfront_origin_group": {"region": "us-east-1", "comment": "portforge-front", "origin_group_id": "front"},
    "cloudwatch_dashboard": {"region": TOKYO, "name": "pilotlight-dr"},
    "cognito_dr_sync": {
        "region": TOKYO,
        "source_region": SEOUL,
        "source_user_pool_name": "portforge-user-pool",
        "user_pool_name": "portforge-dr-user-pool",
    },
    "config_leak_info": {"region": TOKYO, "primary_region": SEOUL, "ssm_paths": ["/app/"]},
    "ecr_image_info": {"region": TOKYO, "repositories": ["auth-service"]},
    "ecr_replication": {"region": TOKYO, "source_region": SEOUL},
    "ecs_pilot_light": {"region": TOKYO, "state": "standby", "cluster": "app-dr", "services": [{"name": "api"}]},
    "ecs_task_definition_copy": {"region": TOKYO, "source_region": SEOUL, "task_definitions": [{"source": "api"}]},
    "eks_nodegroup_pilot_light": {
        "region": TOKYO,
        "state": "standby",
        "cluster": "app-dr",
        "nodegroups": [{"name": "workers"}],
    },
    "elasticache_dr": {"region": TOKYO, "state": "present", "replication_group_id": "app-dr-cache"},
    "global_table_enable": {"region": SEOUL, "tables": ["orders"], "replica_regions": [TOKYO]},
    "pilot_light_cost_info": {"region": TOKYO},
    "rds_replica": {
        "region": TOKYO,
        "db_instance_identifier": "app-dr-replica",
        "source_db_instance_identifier": "app-db",
        "source_region": SEOUL,
    },
    "readiness_info": {"region": TOKYO, "components": [{"name": "dynamodb", "region": TOKYO}]},
    "readiness_metric": {"region": TOKYO, "application": "app", "results": []},
    "recovery_mode": {"region": TOKYO, "path": "/app/dr", "recovery_mode": False, "active_region": SEOUL},
    "route53_failover": {"region": TOKYO, "zone": "pilotlight-test.click", "record_name": "app"},
    "s3_replication": {"region": TOKYO, "bucket": "app-data", "source_region": SEOUL, "destination_bucket": "app-dr"},
    "s3_replication_info": {"region": TOKYO, "bucket": "app-data", "source_region": SEOUL},
    "secretsmanager_replica": {"region": TOKYO, "secrets": ["app/db"], "source_region": SEOUL},
}

# An option of each module that takes an int or a bool, given a value that is neither.
WRONG_TYPE = {
    "acm_certificate_dns": ("validation_record_ttl", "five minutes"),
    "ami_cross_copy": ("keep_copies", "all of them"),
    "asg_pilot_light": ("capacity_percent", "half"),
    "cloudfront_origin_group": ("target_default_cache_behavior", "maybe"),
    "cloudwatch_dashboard": ("state", ["present"]),
    "cognito_dr_sync": ("max_rps", "fast"),
    "config_leak_info": ("after_failover", "maybe"),
    "ecr_image_info": ("max_concurrency", "many"),
    "ecr_replication": ("backfill", "maybe"),
    "ecs_pilot_light": ("capacity_percent", "half"),
    "ecs_task_definition_copy": ("copy_tags", "maybe"),
    "eks_nodegroup_pilot_light": ("standby_size", "none"),
    "elasticache_dr": ("num_cache_clusters", "two"),
    "global_table_enable": ("latency_lookback", "a while"),
    "pilot_light_cost_info": ("nat_gateways", "two"),
    "rds_replica": ("max_lag_seconds", "a minute"),
    "readiness_info": ("max_concurrency", "many"),
    "readiness_metric": ("results", "all passed"),
    "recovery_mode": ("recovery_mode", "maybe"),
    "route53_failover": ("ttl", "one minute"),
    "s3_replication": ("metrics", "maybe"),
    "s3_replication_info": ("primary_reachable", "maybe"),
    "secretsmanager_replica": ("overwrite", "maybe"),
}


def case(module, change, *expected, setup=None, drop=(), marks=()):
    args = {k: v for k, v in VALID[module].items() if k not in drop}
    args.update(change)
    name = f"{module}-{'-'.join(sorted(change)) or 'dropped-' + '-'.join(drop)}"
    return pytest.param(module, args, expected, setup, id=name, marks=marks)


def golden_image():
    """An AMI named bad-input-golden in Seoul, so the copy gets as far as its KMS key."""
    ec2 = boto3.client("ec2", region_name=SEOUL)
    ec2.register_image(
        Name="bad-input-golden",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )


def replicated_buckets():
    for region, bucket in ((SEOUL, "app-data"), (TOKYO, "app-dr")):
        s3 = boto3.client("s3", region_name=region)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def primary_secret():
    boto3.client("secretsmanager", region_name=SEOUL).create_secret(Name="app/db", SecretString="{}")


GOLDEN = {"filters": {"name": "bad-input-golden"}}
ENDPOINTS = {
    "primary": {"values": ["54.180.0.10"], "health_check": {"ip_address": "54.180.0.10"}},
    "secondary": {"values": ["13.112.0.20"], "health_check": {"ip_address": "13.112.0.20"}},
}


GENERIC = [case(m, {"not_an_option": 1}, "not_an_option", "supported parameters") for m in VALID] + [
    case(m, {option: value}, option) for m, (option, value) in WRONG_TYPE.items()
]

# The primary region given where the DR region belongs.
SAME_REGION = [
    case("ami_cross_copy", {"source_region": TOKYO}, "source_region", "region", "another region"),
    case("cognito_dr_sync", {"source_region": TOKYO}, "source_region", "another region"),
    case("ecr_replication", {"source_region": TOKYO}, "source_region", "another region"),
    case("config_leak_info", {"primary_region": TOKYO}, "primary_region"),
    case(
        "route53_failover",
        {
            "primary": dict(ENDPOINTS["primary"], region=TOKYO),
            "secondary": dict(ENDPOINTS["secondary"], region=TOKYO),
        },
        "primary and secondary",
        "another region",
        setup=lambda: boto3.client("route53").create_hosted_zone(Name="pilotlight-test.click", CallerReference="bad"),
    ),
    case("rds_replica", {"source_region": TOKYO}, "source_region", "another region"),
    case("s3_replication", {"source_region": TOKYO}, "source_region", "another region"),
    case("s3_replication_info", {"source_region": TOKYO}, "source_region", "another region"),
    case("secretsmanager_replica", {"source_region": TOKYO}, "source_region", "another region"),
    case("asg_pilot_light", {"reference_region": TOKYO}, "reference_region", "other region"),
    case("ecs_pilot_light", {"reference_region": TOKYO}, "reference_region", "another region"),
    case("ecs_task_definition_copy", {"source_region": TOKYO}, "source_region", "another region"),
    case("eks_nodegroup_pilot_light", {"reference_region": TOKYO}, "reference_region", "another region"),
    case("global_table_enable", {"replica_regions": [SEOUL]}, "replica_regions", SEOUL),
    case(
        "readiness_info",
        {"components": [{"name": "dynamodb", "region": TOKYO, "primary_region": TOKYO}]},
        "primary_region",
        "region",
    ),
]

# Names that do not exist (nothing was created in the emulator).
MISSING = [
    case("acm_certificate_dns", {"hosted_zone": "no-such-zone.example"}, "no-such-zone.example"),
    case("ami_cross_copy", {}, "ami-12345678"),
    case("asg_pilot_light", {}, "app-DR-ASG"),
    case("ecs_pilot_light", {}, "app-dr"),
    case("ecs_task_definition_copy", {}, "api"),
    case("eks_nodegroup_pilot_light", {}, "app-dr"),
    case("elasticache_dr", {"state": "promoted"}, "app-dr-cache"),
    case(
        "cloudfront_origin_group",
        {
            "comment": "no-such-distribution",
            "origins": [{"id": "a", "domain_name": "a.example.com"}, {"id": "b", "domain_name": "b.example.com"}],
            "primary": "a",
        },
        "no-such-distribution",
    ),
    case("cognito_dr_sync", {"source_user_pool_name": "no-such-pool", "create_user_pool": True}, "no-such-pool"),
    case("ecr_replication", {"backfill": True, "repositories": ["no-such-repository"]}, "no-such-repository"),
    case("global_table_enable", {"tables": ["no-such-table"]}, "no-such-table"),
    case("rds_replica", {"source_db_instance_identifier": "no-such-db"}, "no-such-db"),
    case("rds_replica", {"state": "promoted", "db_instance_identifier": "no-such-replica"}, "no-such-replica"),
    case("readiness_info", {"components": [{"name": "no-such-component", "region": TOKYO}]}, "no-such-component"),
    case("route53_failover", dict(ENDPOINTS, zone="no-such-zone.example"), "no-such-zone.example"),
    case("s3_replication", {"bucket": "no-such-bucket"}, "no-such-bucket"),
    case("s3_replication_info", {"bucket": "no-such-bucket"}, "no-such-bucket"),
    case("secretsmanager_replica", {"secrets": ["no-such-secret"]}, "no-such-secret"),
    case("secretsmanager_replica", {"state": "promoted", "secrets": ["no-such-secret"]}, "no-such-secret"),
]

# Options that contradict each other, or values out of range.
CONFLICTS = [
    case("recovery_mode", {"recovery_mode": True}, "started_at is required with recovery_mode=true"),
    case("ami_cross_copy", {"kms_key_id": "alias/dr-ami"}, "kms_key_id", "encrypted"),
    case(
        "ami_cross_copy",
        dict(GOLDEN, encrypted=True, kms_key_id=MISSING_KEY),
        "kms_key_id",
        MISSING_KEY,
        setup=golden_image,
        drop=("image_ids",),
    ),
    case("ami_cross_copy", {"keep_copies": 0}, "keep_copies"),
    case("ami_cross_copy", {"max_concurrency": 0}, "max_concurrency"),
    case("asg_pilot_light", {"capacity_percent": 0}, "capacity_percent"),
    case(
        "asg_pilot_light",
        {"state": "active", "groups": [{"name": "app-DR-ASG", "reference_group": "app-ASG"}]},
        "reference_group",
        "reference_region",
    ),
    case("asg_pilot_light", {"groups": [{"name": "app-DR-ASG", "min_size": -1}]}, "min_size"),
    case("ecs_pilot_light", {"capacity_percent": 0}, "capacity_percent"),
    case("ecs_pilot_light", {"services": [{"name": "api", "desired_count": -1}]}, "desired_count"),
    case("ecs_task_definition_copy", {"task_definitions": []}, "task_definitions"),
    case("eks_nodegroup_pilot_light", {"standby_size": -1}, "standby_size"),
    case("elasticache_dr", {"kms_key_id": MISSING_KEY, "at_rest_encryption": False}, "kms_key_id"),
    case("elasticache_dr", {"num_cache_clusters": 0}, "num_cache_clusters"),
    case(
        "cloudfront_origin_group",
        {
            "origins": [{"id": "a", "domain_name": "a.example.com"}, {"id": "b", "domain_name": "b.example.com"}],
            "primary": "c",
        },
        "primary",
        "origins",
    ),
    case("cloudwatch_dashboard", {"body": "{not json"}, "body"),
    case("cognito_dr_sync", {"max_rps": 0}, "max_rps"),
    case("ecr_replication", {"repositories": ["auth-service"]}, "repositories", "backfill"),
    case("global_table_enable", {"replica_kms_keys": {"eu-west-1": "alias/dr"}}, "replica_kms_keys", "eu-west-1"),
    case("global_table_enable", {"max_concurrency": 0}, "max_concurrency"),
    case("pilot_light_cost_info", {"nat_gateways": -1}, "nat_gateways"),
    case("rds_replica", {}, "source_db_instance_identifier", drop=("source_db_instance_identifier",)),
    case("rds_replica", {"max_lag_seconds": -5}, "max_lag_seconds"),
    case("readiness_info", {"max_concurrency": 0}, "max_concurrency"),
    case("readiness_metric", {"results": [{"check": "x"}]}, "results"),
    case("route53_failover", {"active": "secondary", "primary": ENDPOINTS["primary"]}, "secondary"),
    case("route53_failover", {"ttl": -1}, "ttl"),
    case("s3_replication", {"source_kms_key_ids": [MISSING_KEY]}, "source_kms_key_ids", "replica_kms_key_id"),
    case(
        "s3_replication",
        {"replica_kms_key_id": MISSING_KEY},
        "replica_kms_key_id",
        MISSING_KEY,
        setup=replicated_buckets,
    ),
    case("s3_replication", {"role_arn": "my-role"}, "role_arn"),
    case("s3_replication", {}, "destination_bucket", drop=("destination_bucket",)),
    case("secretsmanager_replica", {}, "source_region", drop=("source_region",)),
    case(
        "secretsmanager_replica",
        {"kms_key_id": MISSING_KEY},
        "kms_key_id",
        MISSING_KEY,
        setup=primary_secret,
    ),
]


@pytest.mark.parametrize("module, args, expected, setup", GENERIC + SAME_REGION + MISSING + CONFLICTS)
def test_bad_input_fails_before_any_change_and_names_the_option(emulator, module, args, expected, setup):
    if setup:
        setup()
    since = emulator.last_seq()
    result = invoke_module(module, args)
    assert result.failed, f"{module} accepted {args}: {result}"
    message = result.get("msg", "")
    missing = [word for word in expected if word.lower() not in message.lower()]
    assert not missing, f"{module}: the message does not name {missing}: {message!r}"
    changes = [(e["service"], e["region"], e["action"]) for e in emulator.mutating_calls(since)]
    assert changes == [], f"{module} made mutating calls before failing ({message!r}): {changes}"


def test_an_info_module_reports_names_that_do_not_exist(emulator):
    # ecr_image_info only reads: a missing repository is part of its answer (readiness reports it), not a failure.
    result = invoke_module("ecr_image_info", VALID["ecr_image_info"] | {"repositories": ["no-such-repository"]})
    assert not result.failed and result["missing"] == ["no-such-repository"]


def test_the_suite_covers_every_module():
    from pathlib import Path

    modules = {p.stem for p in (Path(__file__).parents[3] / "plugins" / "modules").glob("*.py")} - {"__init__"}
    assert modules == set(VALID), "give a new module its VALID arguments, a WRONG_TYPE option and its cases"
