"""A worker killed mid-send: the attempt it started stays recorded without an outcome, the
delivery is still pending and goes out again with the same `webhook-id`, so the receiver (which
deduplicates by it, as Standard Webhooks asks) processes it exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from finsight.alerts.delivery import deliver

from .test_delivery import _attempts, _test
from support.alerting import Alerting
from support.receivers import Answer, Receiver

pytestmark = pytest.mark.integration

SEND = (
    "import sys, uuid; from finsight.alerts.delivery import deliver; "
    "deliver(sys.argv[1], uuid.UUID(sys.argv[2]))"
)


def test_killed_mid_send_is_delivered_once(
    alerting: Alerting, sender_in_test, test_env: dict[str, str]
):
    with Receiver() as receiver:
        channel = alerting.channel("webhook", url=receiver.url)
        receiver.secrets = [channel["secret"]]
        delivery = _test(alerting, channel)
        receiver.script.append(Answer(200, hang_seconds=20))  # holds the first request
        worker = subprocess.Popen(
            [sys.executable, "-c", SEND, alerting.slug, delivery["id"]], env=test_env
        )
        try:
            assert receiver.arrived.wait(60), "the worker never sent"
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
        finally:
            if worker.poll() is None:
                worker.kill()
        # The killed worker's transaction rolled back: the delivery is pending, the attempt it
        # began is recorded (no outcome). The next run sends it again.
        (cut,) = _attempts(alerting.slug, delivery["id"])
        assert cut.outcome is None and cut.finished_at is None
        after = deliver(alerting.slug, cut.delivery_id)
        assert after is not None and after.status == "sent"
        received = receiver.wait(2)
        assert {r.headers["webhook-id"] for r in received} == {f"msg_{cut.delivery_id.hex}"}
        assert all(r.verified_with == [0] for r in received)
        assert len(receiver.processed) == 1  # the receiver processed it once
        assert deliver(alerting.slug, cut.delivery_id).status == "sent"  # type: ignore[union-attr]
        assert receiver.wait(2) and len(receiver.received) == 2  # and nothing more went out
        assert [a.outcome for a in _attempts(alerting.slug, delivery["id"])] == [None, "sent"]
