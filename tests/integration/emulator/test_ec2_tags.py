"""EC2 tag resource types as AWS names them."""

import boto3


def test_nat_gateway_tags_carry_the_aws_resource_type(gap_emulator):
    ec2 = boto3.client("ec2", region_name="ap-northeast-1")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(
        SubnetId=subnet,
        AllocationId=eip,
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "dr-nat"}]}],
    )["NatGateway"]["NatGatewayId"]
    tags = ec2.describe_tags(
        Filters=[{"Name": "resource-id", "Values": [nat]}, {"Name": "resource-type", "Values": ["natgateway"]}]
    )["Tags"]
    assert [(t["Key"], t["Value"], t["ResourceType"]) for t in tags] == [("Name", "dr-nat", "natgateway")]
