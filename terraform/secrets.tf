# One customer-managed key encrypts the secrets, the database, its Performance Insights and the logs.
resource "aws_kms_key" "this" {
  description             = "${var.name}: secrets, database and logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersKeyThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsUsesKeyForThisServiceLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.aws_region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${data.aws_partition.current.partition}:logs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:log-group:*${var.name}*"
          }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

# The service's config file (YAML), written to /config/config.yml by the task at start.
resource "aws_secretsmanager_secret" "config" {
  #checkov:skip=CKV2_AWS_57:The config is operator-managed YAML (keys, users, secret_key); it has no rotation Lambda. Rotate by putting a new version and redeploying.
  name                    = "${var.name}/config"
  description             = "Config file of the signing service (YAML), injected as SIGNING_SERVICE_CONFIG_YAML"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_window_days
}

# Only when config_yaml is given: the value then lives in the Terraform state too.
resource "aws_secretsmanager_secret_version" "config" {
  count = var.config_yaml == null ? 0 : 1

  secret_id     = aws_secretsmanager_secret.config.id
  secret_string = var.config_yaml
}

# Wallet keys kept apart from the config: a JSON object {"ENV_NAME": "<key or mnemonic>", ...};
# each name in wallet_key_env_names becomes an environment variable of the task.
resource "aws_secretsmanager_secret" "wallet_keys" {
  #checkov:skip=CKV2_AWS_57:Wallet keys are chain keys: rotating one means moving funds to a new address, not a Lambda.
  name                    = "${var.name}/wallet-keys"
  description             = "Wallet keys of the signing service (JSON object of environment variable name to key)"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_window_days
}

# The database password is generated here and reaches the task only as DATABASE_URL.
resource "random_password" "db" {
  length           = 40
  special          = true
  override_special = "-_.~"
}

resource "aws_secretsmanager_secret" "database_url" {
  #checkov:skip=CKV2_AWS_57:Rotating the master password needs the config and tasks updated with it; done by a new apply and redeploy.
  name                    = "${var.name}/database-url"
  description             = "postgresql:// URL (with password) of the service database, injected as DATABASE_URL"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "database_url" {
  secret_id = aws_secretsmanager_secret.database_url.id
  secret_string = format(
    "postgresql://%s:%s@%s:%d/%s",
    var.db_username,
    urlencode(random_password.db.result),
    aws_db_instance.this.address,
    aws_db_instance.this.port,
    var.db_name,
  )
}
