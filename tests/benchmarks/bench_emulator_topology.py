"""Benchmark (issue 3): start the emulator and build the full MegaTicket topology on it.

Prints the wall time from "start the emulator process" to "topology built" and the emulator's peak
memory (VmHWM). The topology is seed 000's: a VPC with 4 subnets, IGW, NAT, route tables and
security groups; an ALB with web/app target groups, listener and the /api/* rule; golden AMIs for
web and app, launch templates and 2 Auto Scaling Groups; 4 DynamoDB tables with 1,000 items in
total; S3 buckets. Targets: under 15 s and under 400 MB on the 2-core machine.

    .venv/bin/python tests/benchmarks/bench_emulator_topology.py
"""

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import boto3  # noqa: E402

from tests.emulator.launcher import EmulatorProcess  # noqa: E402
from tests.emulator.launcher import emulator_env  # noqa: E402

SEOUL = "ap-northeast-2"
PREFIX = "KDT-Msp4-PLDR"
TABLES = ["performances", "reservations", "schedules", "venues"]
ITEMS_TOTAL = 1000


def build_network(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnets = {}
    for name, cidr, az in [
        ("public_a", "10.0.1.0/24", "a"),
        ("public_c", "10.0.2.0/24", "c"),
        ("private_a", "10.0.10.0/24", "a"),
        ("private_c", "10.0.11.0/24", "c"),
    ]:
        subnets[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=SEOUL + az)["Subnet"]["SubnetId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnets["public_a"], AllocationId=eip)["NatGateway"]["NatGatewayId"]
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    for name, table in [
        ("public_a", public_rt),
        ("public_c", public_rt),
        ("private_a", private_rt),
        ("private_c", private_rt),
    ]:
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnets[name])
    groups = {}
    for name, port in [("alb", 80), ("web", 3000), ("app", 3001)]:
        groups[name] = ec2.create_security_group(GroupName=f"{PREFIX}-{name}", Description=name, VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=groups[name], IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp="0.0.0.0/0"
        )
    return vpc, subnets, groups


def build_compute(ec2, elbv2, autoscaling, vpc, subnets, groups):
    alb = elbv2.create_load_balancer(
        Name="megaticket-alb", Subnets=[subnets["public_a"], subnets["public_c"]], SecurityGroups=[groups["alb"]]
    )["LoadBalancers"][0]["LoadBalancerArn"]
    target_groups = {}
    for name, port, path in [("web", 3000, "/"), ("app", 3001, "/api/health")]:
        target_groups[name] = elbv2.create_target_group(
            Name=f"megaticket-{name}",
            Protocol="HTTP",
            Port=port,
            VpcId=vpc,
            HealthCheckPath=path,
        )["TargetGroups"][0]["TargetGroupArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=alb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_groups["web"]}],
    )["Listeners"][0]["ListenerArn"]
    elbv2.create_rule(
        ListenerArn=listener,
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": target_groups["app"]}],
    )
    base = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    for role in ("web", "app"):
        instance = ec2.run_instances(
            ImageId=base, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=subnets["private_a"]
        )["Instances"][0]["InstanceId"]
        image = ec2.create_image(
            InstanceId=instance,
            Name=f"megaticket-{role}-golden-1",
            TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "Role", "Value": role}]}],
        )["ImageId"]
        ec2.terminate_instances(InstanceIds=[instance])
        ec2.create_launch_template(
            LaunchTemplateName=f"megaticket-{role}",
            LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro", "SecurityGroupIds": [groups[role]]},
        )
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=f"megaticket-{role}",
            MinSize=2,
            MaxSize=3,
            DesiredCapacity=2,
            LaunchTemplate={"LaunchTemplateName": f"megaticket-{role}", "Version": "$Latest"},
            VPCZoneIdentifier=f"{subnets['private_a']},{subnets['private_c']}",
            TargetGroupARNs=[target_groups[role]],
        )


def build_tables(dynamodb):
    for table in TABLES:
        dynamodb.create_table(
            TableName=f"{PREFIX}-{table}",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
    per_table = ITEMS_TOTAL // len(TABLES)

    def fill(table):
        for start in range(0, per_table, 25):
            dynamodb.batch_write_item(
                RequestItems={
                    f"{PREFIX}-{table}": [
                        {
                            "PutRequest": {
                                "Item": {
                                    "id": {"S": f"{table}-{i}"},
                                    "name": {"S": f"item {i}"},
                                    "status": {"S": "HOLDING" if i % 7 == 0 else "CONFIRMED"},
                                }
                            }
                        }
                        for i in range(start, min(start + 25, per_table))
                    ]
                }
            )

    with ThreadPoolExecutor(len(TABLES)) as pool:
        list(pool.map(fill, TABLES))


def build_buckets(s3):
    for name in ("megaticket-static", "megaticket-logs"):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": SEOUL})
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=name, Key="index.html", Body=b"<h1>MegaTicket</h1>")


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    started = time.monotonic()
    with EmulatorProcess() as emulator:
        ready = time.monotonic() - started
        os.environ.update(emulator_env(emulator.endpoint, region=SEOUL))
        session = boto3.session.Session(region_name=SEOUL)
        ec2, elbv2 = session.client("ec2"), session.client("elbv2")
        autoscaling, dynamodb, s3 = session.client("autoscaling"), session.client("dynamodb"), session.client("s3")
        with ThreadPoolExecutor(3) as pool:
            network = pool.submit(build_network, ec2)
            tables = pool.submit(build_tables, dynamodb)
            buckets = pool.submit(build_buckets, s3)
            vpc, subnets, groups = network.result()
            build_compute(ec2, elbv2, autoscaling, vpc, subnets, groups)
            tables.result()
            buckets.result()
        total = time.monotonic() - started
        items = sum(dynamodb.scan(TableName=f"{PREFIX}-{t}", Select="COUNT")["Count"] for t in TABLES)
        groups_found = len(autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"])
        memory = peak_rss_mb(emulator.process.pid)
    print(f"emulator ready in          {ready:6.2f} s")
    print(f"topology built (total)     {total:6.2f} s   (target < 15 s)")
    print(f"emulator peak memory       {memory:6.1f} MB  (target < 400 MB)")
    print(f"checked: {items} items in {len(TABLES)} tables, {groups_found} Auto Scaling Groups")
    return 0 if items == ITEMS_TOTAL and groups_found == 2 else 1


if __name__ == "__main__":
    sys.exit(main())
