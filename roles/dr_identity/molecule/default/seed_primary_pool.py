"""Molecule prepare: the primary (Seoul) user pool of a small application, as production has it.

Creates the pool (email sign-in, a custom attribute), two groups, the app client and a few users
with the Cognito API. Run by prepare.yml with the emulator's endpoint in the environment.
``signup REGION POOL_NAME EMAIL`` instead adds one user to a pool (verify.yml uses it for a user who
signs up in the DR pool during the DR period).
"""

import sys

import boto3

REGION = sys.argv[1] if len(sys.argv) == 2 else "ap-northeast-2"
USERS = {
    "alice@example.com": ["admins", "members"],
    "bob@example.com": ["members"],
    "carol@example.com": [],
}


def main():
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool = idp.create_user_pool(
        PoolName="molecule-user-pool",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": True}},
        Schema=[{"Name": "team", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool, GroupName="admins", Description="operators", Precedence=1)
    idp.create_group(UserPoolId=pool, GroupName="members", Description="everyone")
    idp.create_user_pool_client(
        UserPoolId=pool,
        ClientName="molecule-client",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    for email, groups in USERS.items():
        username = idp.admin_create_user(
            UserPoolId=pool,
            Username=email,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "custom:team", "Value": "molecule"},
            ],
        )["User"]["Username"]
        for group in groups:
            idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)
    print(pool)


def signup(region, pool_name, email):
    idp = boto3.client("cognito-idp", region_name=region)
    pool = next(p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == pool_name)
    idp.admin_create_user(
        UserPoolId=pool, Username=email, MessageAction="SUPPRESS", UserAttributes=[{"Name": "email", "Value": email}]
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "signup":
        signup(*sys.argv[2:])
    else:
        main()
