"""'Seoul production' for the demo, the benchmarks and the playbook tests, built with boto3.

This is the state operators start from before pilotlight.dr touches anything (seeds 000 and 004):
MegaTicket's VPC, ALB with web/app target groups and the /api/* rule, the internal NLB the web tier
calls (INTERNAL_API_URL), golden AMIs, launch templates whose user data exports the Seoul environment,
two Auto Scaling groups at desired 2, four DynamoDB tables (streams on) with data, and the public
hosted zone. Names match inventories/local.
"""

import base64
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from datetime import timezone

import boto3

from tests.demo.portforge_eks import PortForgeEKS

SEOUL = "ap-northeast-2"
TOKYO = "ap-northeast-1"
PREFIX = "KDT-Msp4-PLDR"
TABLES = ["performances", "reservations", "schedules", "venues"]
ZONE = "pilotlight-test.click"


def table_name(table, prefix=PREFIX):
    return f"{prefix}-{table}"


class MegaTicketProduction:
    """Builds one MegaTicket-shaped application in the primary region."""

    def __init__(self, app="MegaTicket", prefix=PREFIX, region=SEOUL, zone=ZONE, cidr_octet=0, session=None):
        self.app = app
        self.slug = app.lower()
        self.prefix = prefix
        self.region = region
        self.zone = zone
        self.octet = cidr_octet
        session = session or boto3.session.Session(region_name=region)
        self.ec2 = session.client("ec2")
        self.elbv2 = session.client("elbv2")
        self.autoscaling = session.client("autoscaling")
        self.dynamodb = session.client("dynamodb")
        self.route53 = session.client("route53")
        self.ids = {}

    # -- pieces ----------------------------------------------------------------------------
    def network(self):
        ec2, base = self.ec2, f"10.{self.octet}"
        vpc = ec2.create_vpc(
            CidrBlock=f"{base}.0.0/16",
            TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": f"{self.app}-VPC"}]}],
        )["Vpc"]["VpcId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        subnets = {}
        for name, cidr, az in [
            ("public_a", f"{base}.1.0/24", "a"),
            ("public_c", f"{base}.2.0/24", "c"),
            ("private_a", f"{base}.10.0/24", "a"),
            ("private_c", f"{base}.11.0/24", "c"),
        ]:
            subnets[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=self.region + az)["Subnet"][
                "SubnetId"
            ]
        groups = {}
        for name, port in [("alb", 80), ("web", 3000), ("app", 3001)]:
            groups[name] = ec2.create_security_group(GroupName=f"{self.app}-{name}-SG", Description=name, VpcId=vpc)[
                "GroupId"
            ]
            ec2.authorize_security_group_ingress(
                GroupId=groups[name], IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp="0.0.0.0/0"
            )
        self.ids.update(vpc=vpc, subnets=subnets, security_groups=groups)

    def load_balancer(self):
        subnets, groups = self.ids["subnets"], self.ids["security_groups"]
        alb = self.elbv2.create_load_balancer(
            Name=f"{self.app}-ALB",
            Subnets=[subnets["public_a"], subnets["public_c"]],
            SecurityGroups=[groups["alb"]],
        )["LoadBalancers"][0]
        target_groups = {}
        for name, port, path in [("web", 3000, "/"), ("app", 3001, "/api/health")]:
            target_groups[name] = self.elbv2.create_target_group(
                Name=f"{self.app}-{name.title()}-TG",
                Protocol="HTTP",
                Port=port,
                VpcId=self.ids["vpc"],
                HealthCheckPath=path,
            )["TargetGroups"][0]["TargetGroupArn"]
        listener = self.elbv2.create_listener(
            LoadBalancerArn=alb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": target_groups["web"]}],
        )["Listeners"][0]["ListenerArn"]
        self.elbv2.create_rule(
            ListenerArn=listener,
            Priority=10,
            Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
            Actions=[{"Type": "forward", "TargetGroupArn": target_groups["app"]}],
        )
        # Seed 004: the web tier calls the app tier through an internal NLB (INTERNAL_API_URL).
        nlb = self.elbv2.create_load_balancer(
            Name=f"{self.app}-NLB",
            Type="network",
            Scheme="internal",
            Subnets=[subnets["private_a"], subnets["private_c"]],
        )["LoadBalancers"][0]
        target_groups["nlb"] = self.elbv2.create_target_group(
            Name=f"{self.app}-NLB-TG",
            Protocol="TCP",
            Port=3001,
            VpcId=self.ids["vpc"],
            HealthCheckProtocol="HTTP",
            HealthCheckPath="/api/health",
        )["TargetGroups"][0]["TargetGroupArn"]
        self.elbv2.create_listener(
            LoadBalancerArn=nlb["LoadBalancerArn"],
            Protocol="TCP",
            Port=3001,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": target_groups["nlb"]}],
        )
        self.ids.update(alb_dns_name=alb["DNSName"], nlb_dns_name=nlb["DNSName"], target_groups=target_groups)

    def user_data(self, role):
        """Seed 004's user data in the primary: the primary's region, tables and NLB."""
        env = {"AWS_REGION": self.region}
        if role == "web":
            env["INTERNAL_API_URL"] = f"http://{self.ids['nlb_dns_name']}:3001"
        else:
            env.update({f"DYNAMODB_{t.upper()}_TABLE": table_name(t, self.prefix) for t in TABLES}, PORT="3001")
        lines = ["#!/bin/bash", *(f"export {name}={value}" for name, value in env.items())]
        return base64.b64encode("\n".join(lines).encode()).decode()

    def golden_images(self, version=1):
        """Golden AMIs as the Seoul build pipeline leaves them (tags Golden, App, Role)."""
        base = self.ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
        images = {}
        for role in ("web", "app"):
            instance = self.ec2.run_instances(
                ImageId=base, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=self.ids["subnets"]["private_a"]
            )["Instances"][0]["InstanceId"]
            images[role] = self.ec2.create_image(
                InstanceId=instance,
                Name=f"{self.slug}-{role}-golden-{version}",
                TagSpecifications=[
                    {
                        "ResourceType": "image",
                        "Tags": [
                            {"Key": "Golden", "Value": "true"},
                            {"Key": "App", "Value": self.slug},
                            {"Key": "Role", "Value": role},
                            {"Key": "Version", "Value": str(version)},
                        ],
                    }
                ],
            )["ImageId"]
            self.ec2.terminate_instances(InstanceIds=[instance])
        self.ids["images"] = images
        return images

    def compute(self, desired=2):
        subnets = self.ids["subnets"]
        for role in ("web", "app"):
            name = f"{self.app}-{role.title()}"
            self.ec2.create_launch_template(
                LaunchTemplateName=f"{name}-LT",
                LaunchTemplateData={
                    "ImageId": self.ids["images"][role],
                    "InstanceType": "t3.micro",
                    "SecurityGroupIds": [self.ids["security_groups"][role]],
                    "UserData": self.user_data(role),
                },
            )
            self.autoscaling.create_auto_scaling_group(
                AutoScalingGroupName=f"{name}-ASG",
                MinSize=desired,
                MaxSize=3,
                DesiredCapacity=desired,
                LaunchTemplate={"LaunchTemplateName": f"{name}-LT", "Version": "$Latest"},
                VPCZoneIdentifier=f"{subnets['private_a']},{subnets['private_c']}",
                TargetGroupARNs=[self.ids["target_groups"][role]]
                + ([self.ids["target_groups"]["nlb"]] if role == "app" else []),
            )

    def tables(self, items_per_table=250):
        for table in TABLES:
            self.dynamodb.create_table(
                TableName=table_name(table, self.prefix),
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            )
        with ThreadPoolExecutor(len(TABLES)) as pool:
            list(pool.map(lambda t: self.put_items(t, range(items_per_table)), TABLES))

    def put_items(self, table, numbers, tag="seed"):
        """Items ``<table>-<tag>-<n>``: every 7th HOLDING (a reservation also records when it was held)."""
        numbers = list(numbers)
        held_at = {"heldAt": {"S": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}}
        for start in range(0, len(numbers), 25):
            self.dynamodb.batch_write_item(
                RequestItems={
                    table_name(table, self.prefix): [
                        {
                            "PutRequest": {
                                "Item": {
                                    "id": {"S": f"{table}-{tag}-{n}"},
                                    "name": {"S": f"{table} {n}"},
                                    "status": {"S": "HOLDING" if n % 7 == 0 else "CONFIRMED"},
                                    **(held_at if table == "reservations" and n % 7 == 0 else {}),
                                }
                            }
                        }
                        for n in numbers[start : start + 25]
                    ]
                }
            )
        return [f"{table}-{tag}-{n}" for n in numbers]

    def live_traffic(self, count=3):
        """Writes a running production makes: replicated after the pilot light exists, so DynamoDB
        publishes the ReplicationLatency that readiness reads (no datapoint is "not checked")."""
        return {table: self.put_items(table, range(count), tag=f"live{time.monotonic_ns()}") for table in TABLES}

    def hosted_zone(self):
        zones = self.route53.list_hosted_zones_by_name(DNSName=self.zone)["HostedZones"]
        if not any(z["Name"] == self.zone + "." for z in zones):
            self.route53.create_hosted_zone(Name=self.zone, CallerReference=f"{self.zone}-{time.time()}")

    def build(self, items_per_table=250):
        """The whole application; tables are filled while the network and compute are built."""
        with ThreadPoolExecutor(2) as pool:
            data = pool.submit(self.tables, items_per_table)
            self.network()
            self.load_balancer()
            self.golden_images()
            self.compute()
            self.hosted_zone()
            data.result()
        return self.ids


PORTFORGE_BUCKETS = ["portforge-front", "portforge-team", "portforge-log"]
# Seed 002 section 4.2: the seven repositories whose images are copied to Tokyo.
PORTFORGE_REPOSITORIES = [
    "auth-service",
    "team-service",
    "project-service",
    "ai-service",
    "support-service",
    "infra-bot",
    "slack-monitoring-bot",
]
# Seed 001 section 2.4 (Terraform in Seoul, no streams: seed 002 section 3 turns them on by hand).
PORTFORGE_CHAT_TABLES = {
    "team_chats_ddb": [("team_id", "HASH"), ("created_at", "RANGE")],
    "chat_rooms_ddb": [("room_id", "HASH")],
}
PORTFORGE_SECRETS = ["portforge/ai-service/rds", "portforge/slack-bot/tokens", "portforge/aws/bedrock-credentials"]
PORTFORGE_ZONE = "portforge.org"
PORTFORGE_API = f"api.{PORTFORGE_ZONE}"


class PortForgeProduction:
    """PortForge's primary-region services of seeds 001/002: RDS PostgreSQL, the two DynamoDB chat tables,
    S3 buckets, the seven ECR repositories with images, Secrets Manager secrets, a Cognito user pool with
    users and groups, the ALB in front of the EKS services (its ingress), the portforge.org zone and a
    CloudFront distribution in front of the front-end bucket."""

    def __init__(self, region=SEOUL, session=None):
        self.region = region
        session = session or boto3.session.Session(region_name=region)
        self.rds = session.client("rds")
        self.s3 = session.client("s3")
        self.ecr = session.client("ecr")
        self.secrets = session.client("secretsmanager")
        self.cognito = session.client("cognito-idp")
        self.route53 = session.client("route53")
        self.cloudfront = session.client("cloudfront")
        self.dynamodb = session.client("dynamodb")
        self.ec2 = session.client("ec2")
        self.elbv2 = session.client("elbv2")
        self.ids = {}

    def database(self):
        # PostgreSQL: during an outage its replica reports a growing ReplicaLag (MySQL reports -1, and a
        # replica younger than one CloudWatch minute then has no lag on record for the promotion gate).
        self.rds.create_db_instance(
            DBInstanceIdentifier="portforge-test-rds",
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            MasterUsername="admin",
            MasterUserPassword="not-a-real-password-1",
            AllocatedStorage=20,
            BackupRetentionPeriod=7,
        )

    def buckets(self, objects=20):
        for bucket in PORTFORGE_BUCKETS:
            self.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.region})
            self.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            self.put_objects(bucket, range(objects))

    def put_objects(self, bucket, numbers, tag="seed"):
        keys = []
        for n in numbers:
            key = f"{tag}/object-{n}.txt"
            self.s3.put_object(Bucket=bucket, Key=key, Body=f"{bucket} {tag} {n}".encode())
            keys.append(key)
        return keys

    def chat_tables(self, messages=20):
        for table, keys in PORTFORGE_CHAT_TABLES.items():
            self.dynamodb.create_table(
                TableName=table,
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": name, "KeyType": kind} for name, kind in keys],
                AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name, _kind in keys],
            )
            self.put_messages(table, range(messages))

    def put_messages(self, table, numbers, tag="seed"):
        """Chat messages (team_chats_ddb) or rooms (chat_rooms_ddb); returns their keys."""
        keys = []
        for n in numbers:
            if table == "team_chats_ddb":
                key = {"team_id": {"S": f"team-{n % 3}"}, "created_at": {"S": f"{tag}-{n:05d}"}}
                item = dict(key, message={"S": f"{tag} message {n}"})
            else:
                key = {"room_id": {"S": f"{tag}-room-{n}"}}
                item = dict(key, name={"S": f"{tag} room {n}"})
            self.dynamodb.put_item(TableName=table, Item=item)
            keys.append(key)
        return keys

    def live_traffic(self, count=2):
        """Uploads and chat messages a running production makes: replicated after the rules and replicas
        exist, so S3 and DynamoDB publish the replication metrics that readiness reads. Returns the uploads
        (the messages are in ``ids["live_messages"]``)."""
        tag = f"live{time.monotonic_ns()}"
        self.ids["live_messages"] = {
            table: self.put_messages(table, range(count), tag) for table in PORTFORGE_CHAT_TABLES
        }
        return {bucket: self.put_objects(bucket, range(count), tag=tag) for bucket in PORTFORGE_BUCKETS}

    def load_balancer(self):
        """The ALB of the EKS ingress in Seoul (what api.portforge.org answers in normal times)."""
        vpc = self.ec2.create_vpc(
            CidrBlock="10.20.0.0/16",
            TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "PortForge-VPC"}]}],
        )["Vpc"]["VpcId"]
        subnets = [
            self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{n}.0/24", AvailabilityZone=self.region + az)["Subnet"][
                "SubnetId"
            ]
            for n, az in [(1, "a"), (2, "c")]
        ]
        group = self.ec2.create_security_group(GroupName="PortForge-alb-SG", Description="alb", VpcId=vpc)["GroupId"]
        alb = self.elbv2.create_load_balancer(Name="PortForge-ALB", Subnets=subnets, SecurityGroups=[group])[
            "LoadBalancers"
        ][0]
        target_group = self.elbv2.create_target_group(
            Name="PortForge-API-TG", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip", HealthCheckPath="/health"
        )["TargetGroups"][0]["TargetGroupArn"]
        self.elbv2.create_listener(
            LoadBalancerArn=alb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
        )
        self.ids.update(alb_dns_name=alb["DNSName"], vpc_id=vpc)

    def images(self):
        """The seven repositories with ``latest`` and ``v1`` images."""
        for repository in PORTFORGE_REPOSITORIES:
            self.ecr.create_repository(repositoryName=repository)
            for tag in ("latest", "v1"):
                manifest = (
                    '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", '
                    f'"config": {{"digest": "sha256:{repository.encode().hex():0<64}"}}, "layers": []}}'
                )
                self.ecr.put_image(repositoryName=repository, imageManifest=manifest, imageTag=tag)

    def secret_values(self):
        for name in PORTFORGE_SECRETS:
            self.secrets.create_secret(Name=name, SecretString='{"value": "demo-only"}')

    def users(self, count=25):
        pool = self.cognito.create_user_pool(
            PoolName="portforge-user-pool",
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            Schema=[{"Name": "nickname", "AttributeDataType": "String", "Mutable": True}],
        )["UserPool"]["Id"]
        self.cognito.create_user_pool_client(UserPoolId=pool, ClientName="portforge-client")
        self.cognito.create_group(UserPoolId=pool, GroupName="members")
        self.ids["user_pool_id"] = pool
        self.add_users(range(count))

    def add_users(self, numbers, tag="user"):
        pool = self.ids["user_pool_id"]
        emails = []
        for n in numbers:
            email = f"{tag}{n}@portforge.org"
            self.cognito.admin_create_user(
                UserPoolId=pool,
                Username=email,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "nickname", "Value": f"{tag} {n}"},
                ],
            )
            self.cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="members")
            emails.append(email)
        return emails

    def edge(self):
        self.route53.create_hosted_zone(Name=PORTFORGE_ZONE, CallerReference=f"{PORTFORGE_ZONE}-{time.time()}")
        origin = f"portforge-front.s3.{self.region}.amazonaws.com"
        distribution = self.cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": f"portforge-{time.time()}",
                "Comment": "portforge-front",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "portforge-front-seoul",
                            "DomainName": origin,
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": "portforge-front-seoul",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                    "MinTTL": 0,
                },
            }
        )["Distribution"]
        self.ids["distribution_id"] = distribution["Id"]

    def build(self):
        with ThreadPoolExecutor(4) as pool:
            work = [
                pool.submit(self.database),
                pool.submit(self.images),
                pool.submit(self.secret_values),
                pool.submit(self.chat_tables),
            ]
            self.buckets()
            self.users()
            self.load_balancer()
            self.edge()
            self.ids["eks"] = PortForgeEKS(self.region).build(self.ids["vpc_id"])  # seed 001 section 2.2
            for future in work:
                future.result()
        return self.ids
