"""PortForge's EKS side of 'Seoul production' (seed 001 section 2.2), built with boto3 as its Terraform leaves it.

Both regions have an EKS cluster and a managed node group made by Terraform; the DR one "runs reduced"
(seed 001: DR은 축소 운영), so its node group starts at a small size that dr_eks then puts in standby with the
size to wake to recorded. Seed 002 names the DR cluster (``portforge-dr-cluster``, section 8.1); the seeds name
no other EKS resource and give no node counts: the primary's names and sizes below are ours, and
inventories/local/host_vars/portforge.yml uses the same.

The DR cluster lives in the Tokyo VPC Terraform builds (PortForge-DR-VPC and its private subnets, the CIDRs of
the local inventory): the network component finds them there and adds what is missing. IAM roles for the
clusters and nodes are made per region, as each region's Terraform does.
"""

import json

import boto3

SEOUL = "ap-northeast-2"
TOKYO = "ap-northeast-1"

PRIMARY_CLUSTER = "portforge-cluster"
DR_CLUSTER = "portforge-dr-cluster"  # seed 002 section 8.1
PRIMARY_NODEGROUP = "portforge-nodes"
DR_NODEGROUP = "portforge-dr-nodes"
PRIMARY_SCALING = {"minSize": 2, "desiredSize": 3, "maxSize": 6}
# What Terraform gives DR ("reduced"); dr_eks then keeps it at its standby size with the primary's size recorded.
DR_TERRAFORM_SCALING = {"minSize": 1, "desiredSize": 1, "maxSize": 6}
INSTANCE_TYPES = ["t3.large"]

# The Tokyo VPC of seed 001's Terraform, where the local inventory's network component expects it.
DR_NETWORK_NAME = "PortForge-DR"  # dr_network_name: PortForge-DR-VPC, PortForge-DR-Private-A/C
DR_VPC_CIDR = "10.2.0.0/16"
DR_PRIVATE_SUBNETS = [("10.2.10.0/24", "a"), ("10.2.11.0/24", "c")]
PRIMARY_PRIVATE_SUBNETS = [("10.20.10.0/24", "a"), ("10.20.11.0/24", "c")]

_TRUST = {
    "cluster": "eks.amazonaws.com",
    "node": "ec2.amazonaws.com",
}
_POLICIES = {
    "cluster": ["AmazonEKSClusterPolicy"],
    "node": ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"],
}


class PortForgeEKS:
    """The primary cluster and node group in the primary region, the DR cluster and its reduced node group in DR."""

    def __init__(self, primary_region=SEOUL, dr_region=TOKYO, session=None):
        self.primary_region, self.dr_region = primary_region, dr_region
        self.session = session or boto3.session.Session()
        self.iam = self.session.client("iam", region_name="us-east-1")
        self.ids = {}

    def role(self, name, kind):
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": _TRUST[kind]}, "Action": "sts:AssumeRole"}],
        }
        arn = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        for policy in _POLICIES[kind]:
            self.iam.attach_role_policy(RoleName=name, PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
        return arn

    def private_subnets(self, region, vpc_id, subnets, name):
        ec2 = self.session.client("ec2", region_name=region)
        if vpc_id is None:
            vpc_id = ec2.create_vpc(
                CidrBlock=DR_VPC_CIDR,
                TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": f"{name}-VPC"}]}],
            )["Vpc"]["VpcId"]
        tags = [{"Key": "Tier", "Value": "private"}, {"Key": "kubernetes.io/role/internal-elb", "Value": "1"}]
        return [
            ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=region + az,
                TagSpecifications=[
                    {
                        "ResourceType": "subnet",
                        "Tags": [*tags, {"Key": "Name", "Value": f"{name}-Private-{az.upper()}"}],
                    }
                ],
            )["Subnet"]["SubnetId"]
            for cidr, az in subnets
        ]

    def cluster(self, region, name, nodegroup, scaling, subnets, prefix):
        eks = self.session.client("eks", region_name=region)
        eks.create_cluster(
            name=name,
            roleArn=self.role(f"{prefix}-eks-cluster-role", "cluster"),
            resourcesVpcConfig={"subnetIds": subnets},
            tags={"Application": "PortForge"},
        )
        eks.create_nodegroup(
            clusterName=name,
            nodegroupName=nodegroup,
            nodeRole=self.role(f"{prefix}-eks-node-role", "node"),
            subnets=subnets,
            instanceTypes=INSTANCE_TYPES,
            scalingConfig=scaling,
            tags={"Application": "PortForge"},
        )
        return {"cluster": name, "nodegroup": nodegroup, "subnets": subnets}

    def build(self, primary_vpc_id):
        """Both clusters; ``primary_vpc_id`` is PortForge's VPC in the primary region (its ALB's)."""
        seoul = self.private_subnets(self.primary_region, primary_vpc_id, PRIMARY_PRIVATE_SUBNETS, "PortForge")
        self.ids["primary"] = self.cluster(
            self.primary_region, PRIMARY_CLUSTER, PRIMARY_NODEGROUP, PRIMARY_SCALING, seoul, "portforge"
        )
        tokyo = self.private_subnets(self.dr_region, None, DR_PRIVATE_SUBNETS, DR_NETWORK_NAME)
        self.ids["dr"] = self.cluster(
            self.dr_region, DR_CLUSTER, DR_NODEGROUP, DR_TERRAFORM_SCALING, tokyo, "portforge-dr"
        )
        return self.ids


# -- reading a node group as the demo and the tests check it ------------------------------------------------
def nodegroup(region, cluster, name):
    """DescribeNodegroup's ``nodegroup``."""
    return boto3.client("eks", region_name=region).describe_nodegroup(clusterName=cluster, nodegroupName=name)[
        "nodegroup"
    ]


def scaling(region, cluster, name):
    """(minSize, desiredSize, maxSize) of the node group."""
    config = nodegroup(region, cluster, name)["scalingConfig"]
    return config["minSize"], config["desiredSize"], config["maxSize"]


def ready_nodes(region, cluster, name):
    """Nodes of the node group's Auto Scaling groups (as EKS names them) that are InService and Healthy."""
    groups = [g["name"] for g in nodegroup(region, cluster, name).get("resources", {}).get("autoScalingGroups", [])]
    if not groups:
        return 0
    found = boto3.client("autoscaling", region_name=region).describe_auto_scaling_groups(AutoScalingGroupNames=groups)[
        "AutoScalingGroups"
    ]
    return sum(
        1
        for group in found
        for node in group["Instances"]
        if node["LifecycleState"] == "InService" and node["HealthStatus"] == "Healthy"
    )
