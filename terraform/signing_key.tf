# Optional: a KMS key that holds a wallet's secp256k1 key (config `aws_kms: {key_id: alias/NAME-signing}`).
# The private key never leaves KMS; the service asks KMS for each signature.
resource "aws_kms_key" "signing" {
  #checkov:skip=CKV_AWS_7:KMS cannot rotate asymmetric keys; a new chain key is a new address (move the funds).
  count = var.signing_key_enabled ? 1 : 0

  description              = "${var.name}: wallet signing key (secp256k1)"
  customer_master_key_spec = "ECC_SECG_P256K1"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = 30

  # The key policy is the one grant: the account administers the key, only the task role signs.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Management only: no IAM policy in the account can grant kms:Sign on this key.
        Sid       = "AccountAdministersKeyThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action = [
          "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
          "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
          "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
        ]
        Resource = "*"
      },
      {
        Sid       = "TaskRoleSignsWithEcdsaSha256"
        Effect    = "Allow"
        Principal = { AWS = aws_iam_role.task.arn }
        Action    = "kms:Sign"
        Resource  = "*"
        Condition = { StringEquals = { "kms:SigningAlgorithm" = "ECDSA_SHA_256" } }
      },
      {
        Sid       = "TaskRoleReadsThePublicKey"
        Effect    = "Allow"
        Principal = { AWS = aws_iam_role.task.arn }
        Action    = "kms:GetPublicKey"
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_alias" "signing" {
  count = var.signing_key_enabled ? 1 : 0

  name          = "alias/${var.name}-signing"
  target_key_id = aws_kms_key.signing[0].key_id
}
