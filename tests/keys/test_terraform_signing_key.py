"""terraform/signing_key.tf: an optional secp256k1 KMS key that only the task role may sign with."""

import re

import pytest

from tests.deploy.test_terraform import TF_DIR, parse

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def signing() -> dict:
    document = parse(TF_DIR / "signing_key.tf")
    found = {}
    for item in document["resource"]:
        for type_, named in item.items():
            for name, body in named.items():
                found[f"{type_}.{name}"] = body
    return found


def test_the_key_is_secp256k1_for_signing_and_off_by_default(signing):
    key = signing["aws_kms_key.signing"]
    assert key["customer_master_key_spec"] == "ECC_SECG_P256K1"
    assert key["key_usage"] == "SIGN_VERIFY"
    assert key["count"] == "${var.signing_key_enabled ? 1 : 0}"
    assert signing["aws_kms_alias.signing"]["count"] == "${var.signing_key_enabled ? 1 : 0}"
    variables = parse(TF_DIR / "variables.tf")["variable"]
    enabled = next(v["signing_key_enabled"] for v in variables if "signing_key_enabled" in v)
    assert enabled["default"] is False and enabled["type"] in ("bool", "${bool}")


def test_only_the_task_role_may_sign_and_read_the_public_key(signing):
    policy = signing["aws_kms_key.signing"]["policy"]
    task_actions = re.findall(r'Principal = \{AWS = aws_iam_role\.task\.arn\}, Action = "([^"]+)"', policy)
    assert sorted(task_actions) == ["kms:GetPublicKey", "kms:Sign"]
    assert policy.count("aws_iam_role.task.arn") == 2
    assert '"kms:SigningAlgorithm" = "ECDSA_SHA_256"' in policy
    # The account statement manages the key but cannot sign, so no IAM policy can grant kms:Sign.
    assert '"kms:*"' not in policy and policy.count('"kms:Sign"') == 1


def test_the_task_role_gets_no_identity_policy_for_it():
    text = "".join(path.read_text(encoding="utf-8") for path in sorted(TF_DIR.glob("*.tf")))
    assert "aws_iam_role_policy_attachment" not in text
    assert not re.search(r'resource "aws_iam_role_policy" "[^"]+" \{[^}]*aws_iam_role\.task', text)
