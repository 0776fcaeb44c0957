locals {
  config_path = "/config/config.yml"

  # The service reads its config from a file: the task writes the injected secret to
  # /config/config.yml (owner-only, umask 077), drops it from the environment and starts the service.
  start_command = join(" && ", [
    "umask 077",
    "printf '%s\\n' \"$SIGNING_SERVICE_CONFIG_YAML\" > ${local.config_path}",
    "unset SIGNING_SERVICE_CONFIG_YAML",
    "exec python -m app serve --config ${local.config_path} --host 0.0.0.0 --port ${var.container_port}",
  ])

  container_secrets = concat(
    [
      { name = "SIGNING_SERVICE_CONFIG_YAML", valueFrom = aws_secretsmanager_secret.config.arn },
      { name = "DATABASE_URL", valueFrom = aws_secretsmanager_secret.database_url.arn },
    ],
    [for env_name in var.wallet_key_env_names : {
      name      = env_name
      valueFrom = "${aws_secretsmanager_secret.wallet_keys.arn}:${env_name}::"
    }],
  )
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_task_definition" "service" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Task-local scratch volumes: the root filesystem stays read-only.
  volume {
    name = "config"
  }

  volume {
    name = "data"
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = "signing-service"
      image                  = var.container_image
      essential              = true
      user                   = "10001:10001"
      readonlyRootFilesystem = true
      entryPoint             = ["sh", "-c"]
      command                = [local.start_command]
      portMappings = [
        { containerPort = var.container_port, protocol = "tcp" },
      ]
      secrets = local.container_secrets
      environment = [
        { name = "PYTHONUNBUFFERED", value = "1" },
      ]
      mountPoints = [
        { sourceVolume = "config", containerPath = "/config", readOnly = false },
        { sourceVolume = "data", containerPath = "/data", readOnly = false },
        { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
      ]
      healthCheck = {
        command = [
          "CMD", "python", "-c",
          "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:${var.container_port}${var.health_check_path}', timeout=4).status != 200)",
        ]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 20
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.service.name
          awslogs-region        = var.aws_region
          awslogs-stream-prefix = "service"
        }
      }
    },
  ])
}

resource "aws_ecs_service" "service" {
  name                              = var.name
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.service.arn
  desired_count                     = var.desired_count
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  health_check_grace_period_seconds = 30

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.service.arn
    container_name   = "signing-service"
    container_port   = var.container_port
  }

  depends_on = [aws_lb_listener.https]
}
