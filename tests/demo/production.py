"""'Seoul production' for the demo, the benchmarks and the playbook tests, built with boto3.

This is the state operators start from before pilotlight.dr touches anything (seeds 000 and 004):
MegaTicket's VPC, ALB with web/app target groups and the /api/* rule, golden AMIs, launch
templates and two Auto Scaling groups at desired 2, four DynamoDB tables (streams on) with data,
and the public hosted zone. Names match inventories/local.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import boto3

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
        vpc = ec2.create_vpc(CidrBlock=f"{base}.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": f"{self.app}-VPC"}]}])["Vpc"]["VpcId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        subnets = {}
        for name, cidr, az in [("public_a", f"{base}.1.0/24", "a"), ("public_c", f"{base}.2.0/24", "c"),
                               ("private_a", f"{base}.10.0/24", "a"), ("private_c", f"{base}.11.0/24", "c")]:
            subnets[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr,
                                              AvailabilityZone=self.region + az)["Subnet"]["SubnetId"]
        groups = {}
        for name, port in [("alb", 80), ("web", 3000), ("app", 3001)]:
            groups[name] = ec2.create_security_group(GroupName=f"{self.app}-{name}-SG", Description=name,
                                                     VpcId=vpc)["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=groups[name], IpProtocol="tcp", FromPort=port, ToPort=port,
                                                 CidrIp="0.0.0.0/0")
        self.ids.update(vpc=vpc, subnets=subnets, security_groups=groups)

    def load_balancer(self):
        subnets, groups = self.ids["subnets"], self.ids["security_groups"]
        alb = self.elbv2.create_load_balancer(
            Name=f"{self.app}-ALB", Subnets=[subnets["public_a"], subnets["public_c"]], SecurityGroups=[groups["alb"]],
        )["LoadBalancers"][0]
        target_groups = {}
        for name, port, path in [("web", 3000, "/"), ("app", 3001, "/api/health")]:
            target_groups[name] = self.elbv2.create_target_group(
                Name=f"{self.app}-{name.title()}-TG", Protocol="HTTP", Port=port, VpcId=self.ids["vpc"],
                HealthCheckPath=path,
            )["TargetGroups"][0]["TargetGroupArn"]
        listener = self.elbv2.create_listener(
            LoadBalancerArn=alb["LoadBalancerArn"], Protocol="HTTP", Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": target_groups["web"]}],
        )["Listeners"][0]["ListenerArn"]
        self.elbv2.create_rule(ListenerArn=listener, Priority=10,
                               Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
                               Actions=[{"Type": "forward", "TargetGroupArn": target_groups["app"]}])
        self.ids.update(alb_dns_name=alb["DNSName"], target_groups=target_groups)

    def golden_images(self, version=1):
        """Golden AMIs as the Seoul build pipeline leaves them (tags Golden, App, Role)."""
        base = self.ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
        images = {}
        for role in ("web", "app"):
            instance = self.ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                              SubnetId=self.ids["subnets"]["private_a"])["Instances"][0]["InstanceId"]
            images[role] = self.ec2.create_image(
                InstanceId=instance, Name=f"{self.slug}-{role}-golden-{version}",
                TagSpecifications=[{"ResourceType": "image", "Tags": [
                    {"Key": "Golden", "Value": "true"}, {"Key": "App", "Value": self.slug},
                    {"Key": "Role", "Value": role}, {"Key": "Version", "Value": str(version)}]}],
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
                LaunchTemplateData={"ImageId": self.ids["images"][role], "InstanceType": "t3.micro",
                                    "SecurityGroupIds": [self.ids["security_groups"][role]]})
            self.autoscaling.create_auto_scaling_group(
                AutoScalingGroupName=f"{name}-ASG", MinSize=desired, MaxSize=3, DesiredCapacity=desired,
                LaunchTemplate={"LaunchTemplateName": f"{name}-LT", "Version": "$Latest"},
                VPCZoneIdentifier=f"{subnets['private_a']},{subnets['private_c']}",
                TargetGroupARNs=[self.ids["target_groups"][role]],
            )

    def tables(self, items_per_table=250):
        for table in TABLES:
            self.dynamodb.create_table(
                TableName=table_name(table, self.prefix), BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            )
        with ThreadPoolExecutor(len(TABLES)) as pool:
            list(pool.map(lambda t: self.put_items(t, range(items_per_table)), TABLES))

    def put_items(self, table, numbers, tag="seed"):
        numbers = list(numbers)
        for start in range(0, len(numbers), 25):
            self.dynamodb.batch_write_item(RequestItems={table_name(table, self.prefix): [
                {"PutRequest": {"Item": {"id": {"S": f"{table}-{tag}-{n}"}, "name": {"S": f"{table} {n}"},
                                         "status": {"S": "HOLDING" if n % 7 == 0 else "CONFIRMED"}}}}
                for n in numbers[start:start + 25]
            ]})
        return [f"{table}-{tag}-{n}" for n in numbers]

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
