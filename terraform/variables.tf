variable "aws_region" {
  description = "AWS region to deploy into, e.g. eu-west-1."
  type        = string
}

variable "name" {
  description = "Name prefix for every resource (lower case letters, digits and dashes)."
  type        = string
  default     = "bnc-signing-service"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lower case letters, digits or dashes, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags put on every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; two public and two private /24-or-larger subnets are cut from it."
  type        = string
  default     = "10.40.0.0/16"
}

variable "container_image" {
  description = "The service image (built from the repository's Dockerfile), pinned by tag or digest, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/bnc-signing-service:1.1.0."
  type        = string
}

variable "container_port" {
  description = "Port the service listens on inside the container (the image's default is 8000)."
  type        = number
  default     = 8000
}

variable "desired_count" {
  description = "Number of service tasks; at least 2 so that one task or one AZ can fail."
  type        = number
  default     = 2

  validation {
    condition     = var.desired_count >= 2
    error_message = "desired_count must be at least 2."
  }
}

variable "task_cpu" {
  description = "Fargate task CPU units (256 = 0.25 vCPU)."
  type        = number
  default     = 512
}

variable "task_memory" {
  description = "Fargate task memory in MiB."
  type        = number
  default     = 1024
}

variable "certificate_arn" {
  description = "ARN of the ACM certificate served by the ALB's HTTPS listener (in the same region)."
  type        = string
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "allowed_cidrs" {
  description = "CIDR blocks allowed to reach the ALB on ports 80 and 443. Narrow this to your clients' ranges where you can."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "alb_deletion_protection" {
  description = "Protect the load balancer against deletion."
  type        = bool
  default     = true
}

variable "health_check_path" {
  description = "HTTP path the target group polls on each task."
  type        = string
  default     = "/health"
}

variable "db_instance_class" {
  description = "RDS instance class of the PostgreSQL database."
  type        = string
  default     = "db.t4g.small"
}

variable "db_engine_version" {
  description = "PostgreSQL major version (RDS picks and upgrades the minor version)."
  type        = string
  default     = "16"
}

variable "db_allocated_storage" {
  description = "Initial database storage in GiB."
  type        = number
  default     = 20
}

variable "db_max_allocated_storage" {
  description = "Upper bound in GiB for storage autoscaling."
  type        = number
  default     = 100
}

variable "db_name" {
  description = "Name of the database the service uses."
  type        = string
  default     = "signer"
}

variable "db_username" {
  description = "Master user name of the database (its password is generated and kept in Secrets Manager)."
  type        = string
  default     = "signer"
}

variable "db_multi_az" {
  description = "Run the database as a Multi-AZ deployment (a standby in the second AZ)."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "Days automated database backups are kept (1-35)."
  type        = number
  default     = 14

  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 1 and 35 (0 would turn backups off)."
  }
}

variable "db_deletion_protection" {
  description = "Protect the database against deletion (also makes terraform destroy fail until it is turned off)."
  type        = bool
  default     = true
}

variable "db_skip_final_snapshot" {
  description = "Skip the final snapshot when the database is deleted. Keep false outside throwaway environments."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the service's (and the VPC flow) logs."
  type        = number
  default     = 365
}

variable "config_yaml" {
  description = "Optional: the service's config file (YAML) to store in Secrets Manager. Leave null and put the value with the AWS CLI instead, so it never enters the Terraform state."
  type        = string
  default     = null
  sensitive   = true
}

variable "wallet_key_env_names" {
  description = "Environment variable names (keys of the JSON object in the wallet-keys secret) injected into the task, for configs that reference keys as {env: NAME}."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for n in var.wallet_key_env_names : can(regex("^[A-Z_][A-Z0-9_]*$", n))])
    error_message = "wallet_key_env_names must be upper case environment variable names."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once; 7-30 otherwise)."
  type        = number
  default     = 30
}

variable "signing_key_enabled" {
  description = "Create a KMS key (ECC_SECG_P256K1, SIGN_VERIFY) for a wallet with an aws_kms key source; only the task role may sign with it."
  type        = bool
  default     = false
}
