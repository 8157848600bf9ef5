"""A channel's URL and signing secret at rest: sealed, rewrapped by `finsight secrets rotate`
(the alerts domain declares its columns), and still signing what the receiver verifies."""

from __future__ import annotations

import json
import uuid

import pytest
from typer.testing import CliRunner

from finsight.alerts.models import NotificationChannel
from finsight.cli import app
from finsight.config import get_settings
from finsight.crypto.envelope import key_id
from finsight.crypto.keyring import _dev_keys
from finsight.crypto.keys import generate_symmetric
from finsight.tenancy import tenant_session

from support.alerting import Alerting
from support.receivers import Receiver

pytestmark = pytest.mark.integration
runner = CliRunner()


def test_rotation_rewraps_channel_secrets(
    alerting: Alerting, sender_in_test, monkeypatch: pytest.MonkeyPatch
):
    with Receiver() as receiver:
        created = alerting.channel("webhook", url=receiver.url)
        receiver.secrets = [created["secret"]]
        alerting.post(f"/api/notification-channels/{created['id']}/rotate-secret", {}, status=200)
        suite, suite_active = _dev_keys(get_settings())
        monkeypatch.setenv(
            "DATA_ENCRYPTION_KEYS", json.dumps({**suite, "k-new": generate_symmetric()})
        )
        monkeypatch.setenv("DATA_ENCRYPTION_KEY_ID", "k-new")
        get_settings.cache_clear()
        try:
            result = runner.invoke(app, ["secrets", "rotate", "--to", "k-new"])
            assert result.exit_code == 0, result.output
            for column in ("target", "secret", "previous_secret"):
                assert f"tenant:notification_channels.{column}:" in result.stdout
            with tenant_session(alerting.slug) as session:
                stored = session.get(NotificationChannel, uuid.UUID(created["id"]))
                assert stored is not None
                sealed = [stored.target, stored.secret, stored.previous_secret]
            assert all(value and key_id(value) == "k-new" for value in sealed)
            # Still opens and signs: the receiver holding the first secret verifies (the
            # previous secret still signs during the rotation's overlap).
            alerting.send_test(created)
            alerting.send_due()
            (got,) = receiver.wait(1)
            assert got.verified_with == [0]
        finally:
            restored = runner.invoke(app, ["secrets", "rotate", "--to", suite_active])
            assert restored.exit_code == 0, restored.output
            monkeypatch.undo()
            get_settings.cache_clear()
