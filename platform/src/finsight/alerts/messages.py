"""What a notification says: one JSON payload per delivery (the Standard Webhooks body, stored
on the delivery row), and its Slack (Block Kit) and email renderings."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from finsight.alerts.models import Alert, AlertRule
from finsight.config import get_settings

# A grouped notification lists this many alerts, then "and N more".
LISTED = 10
SEVERITY_MARK = {"critical": "🔴", "warning": "🟠", "info": "🔵"}


def dashboard_url(path: str = "/alerts") -> str:
    return get_settings().public_web_url.rstrip("/") + path


def alert_payload(
    event_type: str,
    org_slug: str,
    org_name: str,
    rule: AlertRule,
    alerts: Sequence[Alert],
    now: datetime,
) -> dict[str, Any]:
    listed = [
        {
            "id": str(a.id),
            "status": a.status,
            "severity": a.severity,
            "title": a.title,
            "body": a.body,
            "fired_at": a.fired_at.isoformat(),
            "dedup_key": a.dedup_key,
            "details": a.details,
            "url": dashboard_url(f"/alerts/{a.id}"),
        }
        for a in alerts[:LISTED]
    ]
    return {
        "type": event_type,
        "timestamp": now.isoformat(),
        "data": {
            "organization": {"slug": org_slug, "name": org_name},
            "rule": {"id": str(rule.id), "name": rule.name, "kind": rule.kind},
            "severity": rule.severity,
            "count": len(alerts),
            "alerts": listed,
            "url": dashboard_url(),
        },
    }


def test_payload(org_slug: str, org_name: str, channel_name: str, now: datetime) -> dict[str, Any]:
    return {
        "type": "channel.test",
        "timestamp": now.isoformat(),
        "data": {
            "organization": {"slug": org_slug, "name": org_name},
            "channel": channel_name,
            "severity": "info",
            "count": 0,
            "alerts": [],
            "message": f"Test notification from finsight to {channel_name!r}.",
            "url": dashboard_url(),
        },
    }


def headline(payload: dict[str, Any]) -> str:
    data = payload["data"]
    if payload["type"] == "channel.test":
        return str(data["message"])
    prefix = {"alert.repeat": "Still firing: ", "alert.escalated": "Escalated: "}.get(
        payload["type"], ""
    )
    alerts = data["alerts"]
    if data["count"] == 1 and alerts:
        return f"{prefix}{alerts[0]['title']}"
    return f"{prefix}{data['count']} alerts: {data['rule']['name']}"


def slack_message(payload: dict[str, Any]) -> dict[str, Any]:
    """A Block Kit message: the headline, each alert (up to LISTED), a button to the dashboard.
    `text` is the notification's fallback."""
    data = payload["data"]
    mark = SEVERITY_MARK.get(data["severity"], "")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline(payload)[:150]}}
    ]
    for alert in data["alerts"]:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"{mark} *<{alert['url']}|{_slack_escape(alert['title'])}>*\n"
                    f"{_slack_escape(alert['body'])}"[:3000],
                },
            }
        )
    more = data["count"] - len(data["alerts"])
    context = f"{data['organization']['name']} · {data['severity']}"
    if more > 0:
        context += f" · and {more} more"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Open in finsight"},
                    "url": data["url"],
                }
            ],
        }
    )
    return {"text": headline(payload), "blocks": blocks}


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def email_parts(payload: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html)."""
    data = payload["data"]
    subject = f"[finsight] {data['severity'].upper()}: {headline(payload)}"[:200]
    lines = [headline(payload), ""]
    items = []
    for alert in data["alerts"]:
        lines += [f"- {alert['title']}", f"  {alert['body']}", f"  {alert['url']}", ""]
        items.append(
            f'<li><a href="{html.escape(alert["url"])}">{html.escape(alert["title"])}</a>'
            f"<br>{html.escape(alert['body'])}</li>"
        )
    more = data["count"] - len(data["alerts"])
    if more > 0:
        lines.append(f"... and {more} more.")
    lines.append(f"Open the dashboard: {data['url']}")
    body_html = (
        f"<p><strong>{html.escape(headline(payload))}</strong></p><ul>{''.join(items)}</ul>"
        + (f"<p>... and {more} more.</p>" if more > 0 else "")
        + f'<p><a href="{html.escape(data["url"])}">Open the dashboard</a></p>'
    )
    return subject, "\n".join(lines), body_html
