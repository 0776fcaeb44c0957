# TLS ends at the ALB (the ACM certificate); the ALB forwards to the tasks over the VPC.

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:Access logs need an S3 bucket with its own policy; enable them with your organisation's log bucket.
  #checkov:skip=CKV2_AWS_28:A WAF web ACL is account policy (rules, cost); attach one with aws_wafv2_web_acl_association.
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = aws_subnet.public[*].id
  drop_invalid_header_fields = true
  enable_deletion_protection = var.alb_deletion_protection
  # The service believes these headers from the ALB only (config trusted_proxies = the VPC CIDR):
  # X-Forwarded-For gets the client's address appended (the whitelist, the throttle, the audit),
  # and X-Forwarded-Proto, which the ALB always sets, says https (the console cookie's Secure, HSTS).
  xff_header_processing_mode = "append"
}

resource "aws_lb_target_group" "service" {
  name                 = var.name
  port                 = var.container_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = aws_vpc.this.id
  deregistration_delay = 30

  health_check {
    path                = var.health_check_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service.arn
  }
}

resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}
