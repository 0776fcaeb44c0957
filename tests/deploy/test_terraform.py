"""The Terraform deployment (terraform/): it parses, holds the security properties the issue asks
for, is formatted and valid (when terraform and its providers can be had), and passes checkov (when
installed).
"""

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TF_DIR = ROOT / "terraform"
EXPECTED_FILES = [
    "versions.tf",
    "variables.tf",
    "network.tf",
    "alb.tf",
    "ecs.tf",
    "rds.tf",
    "secrets.tf",
    "iam.tf",
    "logs.tf",
    "security.tf",
    "outputs.tf",
    "terraform.tfvars.example",
    "README.md",
]


def clean(value: Any) -> Any:
    """python-hcl2's output without its markers and quotes, the same for its old and new versions."""
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("__"))}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse(path: Path) -> dict[str, Any]:
    hcl2 = pytest.importorskip("hcl2", reason="python-hcl2 is not installed (pip install python-hcl2)")
    return clean(hcl2.loads(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def tf() -> dict[str, dict[str, Any]]:
    """Every block of every .tf file: {"resource": {"type.name": body}, "variable": {...}, ...}."""
    index: dict[str, dict[str, Any]] = {"resource": {}, "data": {}, "variable": {}, "output": {}, "locals": {}}
    for path in sorted(TF_DIR.glob("*.tf")):
        document = parse(path)
        for kind in ("resource", "data"):
            for item in document.get(kind, []):
                for type_, named in item.items():
                    for name, body in named.items():
                        index[kind][f"{type_}.{name}"] = body
        for kind in ("variable", "output"):
            for item in document.get(kind, []):
                index[kind].update(item)
        for item in document.get("locals", []):
            index["locals"].update(item)
        index.setdefault("terraform", {}).update(next(iter(document.get("terraform", [])), {}))
    return index


def resources(tf: dict[str, dict[str, Any]], type_: str) -> dict[str, Any]:
    return {key: body for key, body in tf["resource"].items() if key.startswith(type_ + ".")}


def block(body: dict[str, Any], name: str) -> dict[str, Any]:
    """A nested block (python-hcl2 gives a list of one)."""
    value = body[name]
    return value[0] if isinstance(value, list) else value


def test_all_expected_files_exist():
    missing = [name for name in EXPECTED_FILES if not (TF_DIR / name).is_file()]
    assert not missing


@pytest.mark.parametrize("path", sorted(TF_DIR.glob("*.tf")), ids=lambda p: p.name)
def test_every_tf_file_parses_as_hcl2(path):
    assert parse(path)


def test_example_tfvars_parses_and_sets_the_required_variables(tf):
    values = parse(TF_DIR / "terraform.tfvars.example")
    required = {name for name, body in tf["variable"].items() if "default" not in body}
    assert required <= values.keys()


def test_versions_pin_terraform_and_the_aws_provider(tf):
    assert tf["terraform"]["required_version"] == ">= 1.5"
    providers = block(tf["terraform"], "required_providers")
    assert providers["aws"]["source"] == "hashicorp/aws"
    assert providers["aws"]["version"] == "~> 5.0"


def test_every_variable_and_output_is_documented(tf):
    for kind in ("variable", "output"):
        undocumented = [name for name, body in tf[kind].items() if not body.get("description")]
        assert not undocumented, kind


def test_outputs_give_the_alb_dns_name_db_endpoint_and_log_group(tf):
    assert {"alb_dns_name", "db_endpoint", "log_group_name"} <= tf["output"].keys()


def test_desired_count_defaults_to_two_and_refuses_less(tf):
    variable = tf["variable"]["desired_count"]
    assert variable["default"] >= 2
    assert "var.desired_count >= 2" in block(variable, "validation")["condition"]
    service = tf["resource"]["aws_ecs_service.service"]
    assert service["desired_count"] == "${var.desired_count}"
    assert service["launch_type"] == "FARGATE"


def test_database_is_encrypted_private_backed_up_and_protected(tf):
    db = tf["resource"]["aws_db_instance.this"]
    assert db["engine"] == "postgres"
    assert db["storage_encrypted"] is True
    assert db["publicly_accessible"] is False
    assert db["deletion_protection"] == "${var.db_deletion_protection}"
    assert db["backup_retention_period"] == "${var.db_backup_retention_days}"
    assert tf["variable"]["db_deletion_protection"]["default"] is True
    assert tf["variable"]["db_backup_retention_days"]["default"] >= 1
    subnets = tf["resource"]["aws_db_subnet_group.this"]["subnet_ids"]
    assert "aws_subnet.private" in subnets


def test_vpc_has_public_and_private_subnets_in_two_azs(tf):
    for kind in ("public", "private"):
        subnet = tf["resource"][f"aws_subnet.{kind}"]
        assert subnet["count"] == 2
        assert "local.azs[count.index]" in subnet["availability_zone"]
    assert tf["resource"]["aws_subnet.public"]["map_public_ip_on_launch"] is False


def test_alb_serves_https_with_the_given_certificate(tf):
    https = tf["resource"]["aws_lb_listener.https"]
    assert https["port"] == 443
    assert https["protocol"] == "HTTPS"
    assert https["certificate_arn"] == "${var.certificate_arn}"
    assert "TLS13" in tf["variable"]["ssl_policy"]["default"]
    assert block(https, "default_action")["type"] == "forward"


def test_alb_appends_the_client_to_x_forwarded_for_and_says_so_in_the_readmes(tf):
    alb = tf["resource"]["aws_lb.this"]
    assert alb["xff_header_processing_mode"] == "append"  # not "preserve" (the client's own) or "remove"
    assert alb["drop_invalid_header_fields"] is True
    for readme in (ROOT / "README.rst", ROOT / "terraform" / "README.md"):
        text = " ".join(readme.read_text(encoding="utf-8").split())
        assert "X-Forwarded-Proto" in text and "X-Forwarded-For" in text, readme


def test_alb_redirects_http_to_https(tf):
    http = tf["resource"]["aws_lb_listener.http_redirect"]
    assert http["port"] == 80
    action = block(http, "default_action")
    assert action["type"] == "redirect"
    redirect = block(action, "redirect")
    assert redirect["protocol"] == "HTTPS"
    assert str(redirect["port"]) == "443"
    assert redirect["status_code"] == "HTTP_301"


def test_target_group_health_check_polls_health(tf):
    group = tf["resource"]["aws_lb_target_group.service"]
    assert group["target_type"] == "ip"
    assert block(group, "health_check")["path"] == "${var.health_check_path}"
    assert tf["variable"]["health_check_path"]["default"] == "/health"


def rules(tf: dict[str, dict[str, Any]], direction: str, group: str) -> list[dict[str, Any]]:
    kind = f"aws_vpc_security_group_{direction}_rule"
    return [r for r in resources(tf, kind).values() if r["security_group_id"] == f"${{aws_security_group.{group}.id}}"]


def test_only_the_alb_reaches_the_tasks_port(tf):
    ingress = rules(tf, "ingress", "tasks")
    assert len(ingress) == 1
    assert ingress[0]["referenced_security_group_id"] == "${aws_security_group.alb.id}"
    assert ingress[0]["from_port"] == ingress[0]["to_port"] == "${var.container_port}"
    assert "cidr_ipv4" not in ingress[0]


def test_only_the_tasks_reach_the_database_port(tf):
    ingress = rules(tf, "ingress", "db")
    assert len(ingress) == 1
    assert ingress[0]["referenced_security_group_id"] == "${aws_security_group.tasks.id}"
    assert ingress[0]["from_port"] == ingress[0]["to_port"] == 5432
    assert not rules(tf, "egress", "db")


def test_alb_is_open_on_80_and_443_only(tf):
    ports = sorted((r["from_port"], r["to_port"]) for r in rules(tf, "ingress", "alb"))
    assert ports == [(80, 80), (443, 443)]
    assert all(r["cidr_ipv4"] == "${each.value}" for r in rules(tf, "ingress", "alb"))
    egress = rules(tf, "egress", "alb")
    assert [r["referenced_security_group_id"] for r in egress] == ["${aws_security_group.tasks.id}"]


def test_no_inline_security_group_rules(tf):
    # Inline ingress/egress blocks would silently coexist with (and fight) the rule resources.
    for body in resources(tf, "aws_security_group").values():
        assert "ingress" not in body and "egress" not in body


def test_tasks_run_in_private_subnets_without_public_ips(tf):
    network = block(tf["resource"]["aws_ecs_service.service"], "network_configuration")
    assert "aws_subnet.private" in network["subnets"]
    assert network["assign_public_ip"] is False


def test_task_writes_the_config_secret_to_a_file_and_starts_the_service(tf):
    command = tf["locals"]["start_command"]
    assert "umask 077" in command
    assert '\\"$SIGNING_SERVICE_CONFIG_YAML\\" > ${local.config_path}' in command
    assert "exec python -m app serve --config ${local.config_path} --host 0.0.0.0" in command
    assert tf["locals"]["config_path"] == "/config/config.yml"
    ecs = (TF_DIR / "ecs.tf").read_text(encoding="utf-8")
    assert re.search(r'entryPoint\s*=\s*\["sh", "-c"\]', ecs)
    assert re.search(r"command\s*=\s*\[local\.start_command\]", ecs)
    assert re.search(r"readonlyRootFilesystem\s*=\s*true", ecs)


def test_task_secrets_come_from_secrets_manager(tf):
    secrets = tf["locals"]["container_secrets"]
    assert "SIGNING_SERVICE_CONFIG_YAML" in secrets
    assert "aws_secretsmanager_secret.config.arn" in secrets
    assert "aws_secretsmanager_secret.database_url.arn" in secrets
    assert "aws_secretsmanager_secret.wallet_keys.arn" in secrets
    for secret in resources(tf, "aws_secretsmanager_secret").values():
        assert secret["kms_key_id"] == "${aws_kms_key.this.arn}"


def test_execution_role_reads_only_the_service_secrets(tf):
    document = tf["data"]["aws_iam_policy_document.execution"]
    statements = document["statement"]
    reads = [s for s in statements if any(a.startswith("secretsmanager:") for a in s["actions"])]
    assert len(reads) == 1
    assert reads[0]["actions"] == ["secretsmanager:GetSecretValue"]
    assert sorted(reads[0]["resources"]) == sorted(
        f"${{aws_secretsmanager_secret.{name}.arn}}" for name in ("config", "wallet_keys", "database_url")
    )
    for statement in statements:
        if statement["resources"] == ["*"]:
            assert statement["actions"] == ["ecr:GetAuthorizationToken"]
    assert "aws_iam_role_policy_attachment.execution" not in tf["resource"]
    # The task role (the service's own AWS identity) gets no permission at all.
    assert not [r for r in resources(tf, "aws_iam_role_policy").values() if "aws_iam_role.task" in r["role"]]


def test_service_logs_go_to_a_log_group_with_retention(tf):
    group = tf["resource"]["aws_cloudwatch_log_group.service"]
    assert group["retention_in_days"] == "${var.log_retention_days}"
    assert tf["variable"]["log_retention_days"]["default"] > 0
    assert "aws_cloudwatch_log_group.service.name" in (TF_DIR / "ecs.tf").read_text(encoding="utf-8")


def terraform_binary() -> str:
    binary = os.environ.get("TERRAFORM") or shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform is not installed (not on PyPI or Debian; set TERRAFORM=/path/to/terraform)")
    return binary


def run(command: list[str], cwd: Path, timeout: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def test_terraform_files_are_formatted():
    result = run([terraform_binary(), "fmt", "-check", "-recursive", "-diff", str(TF_DIR)], ROOT, 60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_terraform_configuration_is_valid(tmp_path):
    binary = terraform_binary()
    work = tmp_path / "terraform"
    shutil.copytree(TF_DIR, work, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "terraform.tfvars"))
    init = run([binary, "init", "-backend=false", "-input=false", "-no-color"], work, 120)
    if init.returncode != 0:
        # Providers come from registry.terraform.io (or a mirror set in TF_CLI_CONFIG_FILE).
        pytest.skip("terraform init cannot install the aws and random providers here (no registry access)")
    result = run([binary, "validate", "-no-color"], work, 120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_finds_no_unskipped_issue():
    checkov = os.environ.get("CHECKOV") or shutil.which("checkov")
    if checkov is None:
        pytest.skip(
            "checkov is not installed (it needs its own venv: pip install checkov; set CHECKOV=/path/to/checkov)"
        )
    command = [checkov, "-d", str(TF_DIR), "--framework", "terraform", "--quiet", "--compact", "--skip-download"]
    result = run(command, ROOT, 300)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
