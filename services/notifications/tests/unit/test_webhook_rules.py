"""Webhook rules without I/O: Standard Webhooks signatures, the retry schedule, refused targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samla_notifications.domain.errors import RuleViolation
from samla_notifications.domain.webhooks import (
    check_addresses,
    new_secret,
    next_attempt_at,
    parse_target,
    retry_delay,
    sign,
)


def test_signatures_match_the_standard_webhooks_reference_example():
    # The example secret, id, timestamp and payload published with the Standard Webhooks specification.
    signature = sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                     b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_each_subscription_gets_its_own_random_secret():
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_") and second.startswith("whsec_") and first != second


def test_retries_back_off_exponentially_up_to_a_ceiling():
    delays = [retry_delay(n, base_seconds=5, max_delay_seconds=4 * 3600).total_seconds() for n in range(1, 16)]
    assert delays[:5] == [5, 10, 20, 40, 80]
    assert max(delays) == 4 * 3600 and delays == sorted(delays)


def test_no_retry_is_planned_after_the_24_hour_window():
    created = datetime(2027, 3, 1, 12, tzinfo=UTC)
    deadline = created + timedelta(hours=24)
    now, attempts = created, 0
    while (at := next_attempt_at(attempts + 1, now, deadline, base_seconds=5, max_delay_seconds=4 * 3600)):
        assert at <= deadline
        now, attempts = at, attempts + 1
    assert 10 < attempts < 30, "a day of retries, neither a handful nor a storm"


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "file:///etc/passwd", "hook.example.org/path"])
def test_only_http_and_https_urls_are_accepted(url):
    with pytest.raises(RuleViolation, match="http or https"):
        parse_target(url)


def test_urls_carrying_credentials_are_refused():
    with pytest.raises(RuleViolation, match="credentials"):
        parse_target("https://user:secret@hooks.example.org/samla")


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.8", "172.16.5.4", "192.168.1.10", "169.254.169.254",
                                     "::1", "fd00::1", "fe80::1%eth0", "0.0.0.0", "100.64.0.1"])
def test_loopback_private_and_link_local_targets_are_refused(address):
    with pytest.raises(RuleViolation, match="not a public address"):
        check_addresses("hooks.example.org", [address], allow_private=False)


def test_a_name_with_one_private_address_among_public_ones_is_refused():
    with pytest.raises(RuleViolation):
        check_addresses("hooks.example.org", ["93.184.215.14", "10.0.0.8"], allow_private=False)


def test_private_targets_pass_when_local_development_allows_them():
    check_addresses("localhost", ["127.0.0.1"], allow_private=True)
    check_addresses("hooks.example.org", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
                    allow_private=False)


def test_a_host_that_does_not_resolve_is_refused():
    with pytest.raises(RuleViolation, match="does not resolve"):
        check_addresses("nowhere.invalid", [], allow_private=True)


def test_production_requires_https_webhook_urls():
    with pytest.raises(RuleViolation, match="https"):
        parse_target("http://hooks.example.org/samla", require_https=True)
    assert parse_target("https://hooks.example.org/samla", require_https=True) == "hooks.example.org"


def test_production_refuses_the_published_development_key_for_webhook_secrets():
    from pydantic import ValidationError

    from samla_notifications.settings import NotificationsSettings

    with pytest.raises(ValidationError, match="webhook_secret_key"):
        NotificationsSettings(environment="production", deployment="vest", enrollment_client_secret="real",
                              auth_issuer="https://login.example.no/realms/samla",
                              auth_jwks_url="https://login.example.no/realms/samla/certs",
                              kafka_security_protocol="SASL_SSL", kafka_sasl_username="n", kafka_sasl_password="p",
                              mongo_url="mongodb://n:p@db.example.no/?tls=true")
    with pytest.raises(ValidationError, match="Fernet key"):
        NotificationsSettings(environment="test", webhook_secret_key="not-a-key")


@pytest.mark.parametrize("missing", ["smtp_host", "smtp_sender", "enrollment_url"])
def test_production_refuses_the_local_stacks_mail_and_contact_defaults(missing):
    from pydantic import ValidationError

    from samla_notifications.settings import NotificationsSettings

    production = {
        "environment": "production", "deployment": "vest", "enrollment_client_secret": "real",
        "webhook_secret_key": "yJ0kbzF2TWhQq2o2T1lFyvS0A4mJ4m0sT8t7nXr8Zx0=",
        "auth_issuer": "https://login.example.no/realms/samla",
        "auth_jwks_url": "https://login.example.no/realms/samla/certs",
        "kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "n", "kafka_sasl_password": "p",
        "mongo_url": "mongodb://n:p@db.example.no/?tls=true", "smtp_host": "smtp.helse-vest.no",
        "smtp_sender": "Samla <samla@helse-vest.no>", "enrollment_url": "https://enrollment.samla.helse-vest.no",
    }
    NotificationsSettings(**production)
    del production[missing]
    with pytest.raises(ValidationError, match=missing):
        NotificationsSettings(**production)
