"""The `pkcs11:` and `aws_kms:` wallet blocks: strict, frozen, no secret in an error or a repr."""

import pydantic
import pytest

from app.keys.settings import AwsKmsSettings, Pkcs11Settings

pytestmark = pytest.mark.timeout(30)

PKCS11 = {"module": "/usr/lib/softhsm/libsofthsm2.so", "token_label": "signer", "key_label": "hot-1", "pin": "9137"}
KMS = {"key_id": "alias/signer-hot-2", "region": "us-east-1"}


def test_pkcs11_block_as_in_the_issue_with_a_default_timeout():
    settings = Pkcs11Settings.model_validate(PKCS11)
    assert settings.timeout_seconds == 5
    assert settings.pin.get_secret_value() == "9137"
    assert "9137" not in repr(settings) and "9137" not in str(settings.model_dump())


def test_pkcs11_block_refuses_unknown_fields_and_is_frozen():
    with pytest.raises(pydantic.ValidationError, match="pin_code"):
        Pkcs11Settings.model_validate({**PKCS11, "pin_code": "1"})
    settings = Pkcs11Settings.model_validate(PKCS11)
    with pytest.raises(pydantic.ValidationError):
        settings.key_label = "other"  # type: ignore[misc]


def test_pkcs11_module_must_be_an_absolute_path():
    with pytest.raises(pydantic.ValidationError, match="module"):
        Pkcs11Settings.model_validate({**PKCS11, "module": "libsofthsm2.so"})


def test_an_empty_pin_is_refused_and_a_bad_block_never_shows_the_pin():
    with pytest.raises(pydantic.ValidationError, match="PIN is empty"):
        Pkcs11Settings.model_validate({**PKCS11, "pin": ""})
    with pytest.raises(pydantic.ValidationError) as caught:
        Pkcs11Settings.model_validate({**PKCS11, "timeout_seconds": 0})
    assert "9137" not in str(caught.value)


def test_kms_block_as_in_the_issue():
    settings = AwsKmsSettings.model_validate({**KMS, "endpoint_url": "http://127.0.0.1:5000"})
    assert settings.endpoint_url == "http://127.0.0.1:5000"
    assert AwsKmsSettings.model_validate(KMS).endpoint_url is None
    assert AwsKmsSettings.model_validate(KMS).timeout_seconds == 5


@pytest.mark.parametrize("field", ["aws_access_key_id", "aws_secret_access_key", "profile"])
def test_kms_block_takes_no_credentials(field):
    with pytest.raises(pydantic.ValidationError, match=field):
        AwsKmsSettings.model_validate({**KMS, field: "x"})


@pytest.mark.parametrize("changes", [{"region": "US_EAST"}, {"endpoint_url": "ftp://x"}, {"key_id": "a b"}])
def test_kms_block_refuses_malformed_values(changes):
    with pytest.raises(pydantic.ValidationError):
        AwsKmsSettings.model_validate({**KMS, **changes})
