output "alb_dns_name" {
  description = "DNS name of the load balancer: point your service's DNS record (the certificate's name) at it."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone id of the load balancer, for a Route 53 alias record."
  value       = aws_lb.this.zone_id
}

output "db_endpoint" {
  description = "Address:port of the PostgreSQL database (reachable from the tasks only)."
  value       = aws_db_instance.this.endpoint
}

output "log_group_name" {
  description = "CloudWatch log group of the service's containers."
  value       = aws_cloudwatch_log_group.service.name
}

output "config_secret_arn" {
  description = "Secrets Manager secret holding the config YAML (put its value with the AWS CLI)."
  value       = aws_secretsmanager_secret.config.arn
}

output "wallet_keys_secret_arn" {
  description = "Secrets Manager secret holding the wallet keys JSON object."
  value       = aws_secretsmanager_secret.wallet_keys.arn
}

output "database_url_secret_arn" {
  description = "Secrets Manager secret holding the database URL, injected into the task as DATABASE_URL."
  value       = aws_secretsmanager_secret.database_url.arn
}

output "ecs_cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "ecs_service_name" {
  description = "ECS service name (aws ecs update-service --force-new-deployment after changing a secret)."
  value       = aws_ecs_service.service.name
}

output "signing_key_alias" {
  description = "Alias of the wallet signing key (the config's aws_kms.key_id), or null when signing_key_enabled is false."
  value       = var.signing_key_enabled ? aws_kms_alias.signing[0].name : null
}
