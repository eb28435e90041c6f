"""FileFlow's 'Seoul production' (seed 003), built with boto3 for the demo and the playbook tests.

ECS Fargate (fileflow-prod-cluster / fileflow-prod-service at 4 tasks, seed 003's prod count) behind an
ALB whose target group checks /actuator/health, ElastiCache Redis (cache.r6g.large x 2), the shared RDS
MySQL encrypted with a KMS key (ryuqqq-shared-rds), an upload bucket encrypted with SSE-KMS, the image in
ECR, the database secret, and the ryuqqq.com zone. Seed 003's Terraform also creates the DR region's KMS
keys (RDS and S3, "a key of its own") before any replica exists: so does ``build()``, as no role creates
keys. Names match inventories/local/host_vars/fileflow.yml; the CIDR (10.30.0.0/16), zone and names do
not collide with MegaTicket's and PortForge's, which the demo builds in the same emulator.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import boto3

from tests.demo.production import SEOUL
from tests.demo.production import TOKYO

FILEFLOW_ZONE = "ryuqqq.com"
FILEFLOW_BUCKET = "fileflow-uploads"
FILEFLOW_DATABASE = "ryuqqq-shared-rds"
FILEFLOW_REPOSITORY = "fileflow"
FILEFLOW_SECRET = "fileflow/rds"
FILEFLOW_DESIRED_COUNT = 4  # seed 003: prod runs 4 tasks; failover-to-dr.sh sets --desired-count 4
# KMS aliases: the primary's keys, and DR's own keys (seed 003 step 2/3: aws_kms_key.rds_dr and s3_dr).
FILEFLOW_KEYS = {"rds": "alias/fileflow-rds", "s3": "alias/fileflow-s3"}
FILEFLOW_DR_KEYS = {"rds": "alias/fileflow-dr-rds", "s3": "alias/fileflow-dr-s3"}
# Where FileFlow's tasks read the database endpoint (seed 003: SSM, one parameter per region).
FILEFLOW_ENDPOINT_PARAMETERS = {"prod": "/shared/rds/prod/endpoint", "dr": "/shared/rds/dr/endpoint"}


class FileFlowProduction:
    """Builds FileFlow in the primary region (and DR's KMS keys, as seed 003's Terraform does)."""

    def __init__(self, region=SEOUL, session=None, dr_region=TOKYO, cidr_octet=30):
        self.region = region
        self.dr_region = dr_region
        self.octet = cidr_octet
        session = session or boto3.session.Session(region_name=region)
        self.session = session
        self.ec2 = session.client("ec2")
        self.elbv2 = session.client("elbv2")
        self.ecs = session.client("ecs")
        self.ecr = session.client("ecr")
        self.rds = session.client("rds")
        self.elasticache = session.client("elasticache")
        self.s3 = session.client("s3")
        self.kms = session.client("kms")
        self.secrets = session.client("secretsmanager")
        self.route53 = session.client("route53")
        self.account = session.client("sts").get_caller_identity()["Account"]
        self.ids = {}

    # -- pieces ----------------------------------------------------------------------------
    def network(self):
        ec2, base = self.ec2, f"10.{self.octet}"
        vpc = ec2.create_vpc(
            CidrBlock=f"{base}.0.0/16",
            TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "fileflow-prod-vpc"}]}],
        )["Vpc"]["VpcId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        subnets = {}
        for name, cidr, az in [
            ("public_a", f"{base}.0.0/20", "a"),
            ("public_c", f"{base}.16.0/20", "c"),
            ("private_a", f"{base}.32.0/19", "a"),
            ("private_c", f"{base}.64.0/19", "c"),
        ]:
            subnets[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=self.region + az)["Subnet"][
                "SubnetId"
            ]
        groups = {}
        for name, ports in [("alb", (80, 443)), ("app", (8080,)), ("data", (3306, 6379))]:
            groups[name] = ec2.create_security_group(GroupName=f"fileflow-prod-{name}", Description=name, VpcId=vpc)[
                "GroupId"
            ]
            for port in ports:
                ec2.authorize_security_group_ingress(
                    GroupId=groups[name], IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp="0.0.0.0/0"
                )
        self.ids.update(vpc=vpc, subnets=subnets, security_groups=groups)

    def keys(self):
        """The primary's KMS keys and DR's own keys (RDS, S3), by alias."""
        arns = {}
        for region, aliases in ((self.region, FILEFLOW_KEYS), (self.dr_region, FILEFLOW_DR_KEYS)):
            kms = self.kms if region == self.region else self.session.client("kms", region_name=region)
            for use, alias in aliases.items():
                key = kms.create_key(Description=f"FileFlow {use} ({region})")["KeyMetadata"]
                kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
                arns[alias] = key["Arn"]
        self.ids["kms_keys"] = arns

    def load_balancer(self):
        subnets = self.ids["subnets"]
        alb = self.elbv2.create_load_balancer(
            Name="fileflow-prod-alb",
            Subnets=[subnets["public_a"], subnets["public_c"]],
            SecurityGroups=[self.ids["security_groups"]["alb"]],
        )["LoadBalancers"][0]
        target_group = self.elbv2.create_target_group(
            Name="fileflow-prod-tg",
            Protocol="HTTP",
            Port=8080,
            VpcId=self.ids["vpc"],
            TargetType="ip",  # Fargate tasks register by IP
            HealthCheckPath="/actuator/health",
        )["TargetGroups"][0]["TargetGroupArn"]
        self.elbv2.create_listener(
            LoadBalancerArn=alb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
        )
        self.ids.update(alb_dns_name=alb["DNSName"], target_group=target_group)

    def image(self):
        self.ecr.create_repository(repositoryName=FILEFLOW_REPOSITORY)
        manifest = (
            '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", '
            f'"config": {{"digest": "sha256:{FILEFLOW_REPOSITORY.encode().hex():0<64}"}}, "layers": []}}'
        )
        for tag in ("v1.2.3", "latest"):
            self.ecr.put_image(repositoryName=FILEFLOW_REPOSITORY, imageManifest=manifest, imageTag=tag)

    def secret(self):
        self.ids["secret_arn"] = self.secrets.create_secret(
            Name=FILEFLOW_SECRET, SecretString=json.dumps({"username": "fileflow", "password": "demo-only"})
        )["ARN"]

    def database(self):
        """Seed 003's shared RDS: MySQL 8.0, db.t3.medium, Multi-AZ, encrypted with the primary's key."""
        database = self.rds.create_db_instance(
            DBInstanceIdentifier=FILEFLOW_DATABASE,
            Engine="mysql",
            EngineVersion="8.0",
            DBInstanceClass="db.t3.medium",
            MasterUsername="admin",
            MasterUserPassword="not-a-real-password-1",
            AllocatedStorage=100,
            StorageType="gp3",
            MultiAZ=True,
            StorageEncrypted=True,
            KmsKeyId=self.ids["kms_keys"][FILEFLOW_KEYS["rds"]],
            BackupRetentionPeriod=7,
        )["DBInstance"]
        # Seed 003's Terraform: the endpoint the tasks read, per region (the DR one is set at failover).
        endpoint = database.get("Endpoint") or {}
        address = f"{endpoint.get('Address', FILEFLOW_DATABASE)}:{endpoint.get('Port', 3306)}"
        ssm = self.session.client("ssm")
        ssm.put_parameter(Name=FILEFLOW_ENDPOINT_PARAMETERS["prod"], Value=address, Type="String")
        self.session.client("ssm", region_name=self.dr_region).put_parameter(
            Name=FILEFLOW_ENDPOINT_PARAMETERS["dr"], Value="set at failover", Type="String"
        )

    def cache(self):
        subnets = self.ids["subnets"]
        self.elasticache.create_cache_subnet_group(
            CacheSubnetGroupName="fileflow-prod-redis",
            CacheSubnetGroupDescription="FileFlow Redis",
            SubnetIds=[subnets["private_a"], subnets["private_c"]],
        )
        self.elasticache.create_replication_group(
            ReplicationGroupId="fileflow-prod-redis",
            ReplicationGroupDescription="FileFlow prod Redis",
            Engine="redis",
            CacheNodeType="cache.r6g.large",
            NumCacheClusters=2,
            AutomaticFailoverEnabled=True,
            MultiAZEnabled=True,
            CacheSubnetGroupName="fileflow-prod-redis",
            SecurityGroupIds=[self.ids["security_groups"]["data"]],
        )

    def bucket(self, objects=20):
        self.s3.create_bucket(Bucket=FILEFLOW_BUCKET, CreateBucketConfiguration={"LocationConstraint": self.region})
        self.s3.put_bucket_versioning(Bucket=FILEFLOW_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        self.s3.put_bucket_encryption(
            Bucket=FILEFLOW_BUCKET,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": self.ids["kms_keys"][FILEFLOW_KEYS["s3"]],
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )
        self.put_objects(range(objects))

    def put_objects(self, numbers, tag="seed"):
        """Uploads as the application makes them: SSE-KMS with the primary's S3 key."""
        keys = []
        for n in numbers:
            key = f"{tag}/file-{n}.bin"
            self.s3.put_object(
                Bucket=FILEFLOW_BUCKET,
                Key=key,
                Body=f"fileflow {tag} {n}".encode(),
                ServerSideEncryption="aws:kms",
                SSEKMSKeyId=self.ids["kms_keys"][FILEFLOW_KEYS["s3"]],
            )
            keys.append(key)
        return keys

    def live_traffic(self, count=3):
        """Uploads a running production makes: replicated after the rule exists, so S3 publishes the
        replication metrics that a graceful readiness reads (RDS publishes ReplicaLag on its own)."""
        return {FILEFLOW_BUCKET: self.put_objects(range(count), tag=f"live{time.monotonic_ns()}")}

    def compute(self, desired=FILEFLOW_DESIRED_COUNT):
        subnets = self.ids["subnets"]
        self.ecs.create_cluster(clusterName="fileflow-prod-cluster")
        image = f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{FILEFLOW_REPOSITORY}:v1.2.3"
        self.ecs.register_task_definition(
            family="fileflow-prod",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="1024",
            memory="2048",
            containerDefinitions=[
                {
                    "name": "app",
                    "image": image,
                    "essential": True,
                    "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                    "environment": [
                        {"name": "SPRING_PROFILES_ACTIVE", "value": "prod"},
                        {"name": "AWS_REGION", "value": self.region},
                        {"name": "FILEFLOW_S3_BUCKET", "value": FILEFLOW_BUCKET},
                        {"name": "REDIS_ENDPOINT_PARAMETER", "value": "/fileflow/prod/redis/endpoint"},
                        {"name": "DB_ENDPOINT_PARAMETER", "value": "/shared/rds/prod/endpoint"},
                    ],
                    "secrets": [{"name": "DB_CREDENTIALS", "valueFrom": self.ids["secret_arn"]}],
                    "healthCheck": {
                        "command": ["CMD-SHELL", "curl -f http://localhost:8080/actuator/health || exit 1"]
                    },
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": "/ecs/fileflow-prod/application",
                            "awslogs-region": self.region,
                            "awslogs-stream-prefix": "app",
                        },
                    },
                }
            ],
        )
        self.ecs.create_service(
            cluster="fileflow-prod-cluster",
            serviceName="fileflow-prod-service",
            taskDefinition="fileflow-prod",
            desiredCount=desired,
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": [subnets["private_a"], subnets["private_c"]],
                    "securityGroups": [self.ids["security_groups"]["app"]],
                    "assignPublicIp": "DISABLED",
                }
            },
            loadBalancers=[{"targetGroupArn": self.ids["target_group"], "containerName": "app", "containerPort": 8080}],
        )

    def hosted_zone(self):
        zones = self.route53.list_hosted_zones_by_name(DNSName=FILEFLOW_ZONE)["HostedZones"]
        if not any(z["Name"] == FILEFLOW_ZONE + "." for z in zones):
            self.route53.create_hosted_zone(Name=FILEFLOW_ZONE, CallerReference=f"{FILEFLOW_ZONE}-{time.time()}")

    def build(self):
        """The whole application; the image, secret and zone are made while the network is built."""
        with ThreadPoolExecutor(3) as pool:
            work = [pool.submit(self.image), pool.submit(self.secret), pool.submit(self.hosted_zone)]
            self.keys()
            self.network()
            data = [pool.submit(self.database), pool.submit(self.cache), pool.submit(self.bucket)]
            self.load_balancer()
            for future in work:
                future.result()
            self.compute()
            for future in data:
                future.result()
        return self.ids
