"""A local HTTP server that speaks the part of Plaid's API finsight uses, for `finsight dev`
(no internet, no credentials: "Connect a test bank") and for the tests, which drive it through
the real plaid-python client (`Configuration(host=...)`).

It listens on 127.0.0.1 only. It also publishes an ES256 webhook verification key and signs
webhooks with it (`sign_webhook`), as Plaid does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from finsight.dev.plaid_emulator.state import INSTITUTIONS, Banks, Item

CLIENT_ID = "finsight-dev"
SECRET = "finsight-dev-secret"
PAGE_LIMIT = 500


class PlaidError(Exception):
    def __init__(self, status: int, error_type: str, code: str, message: str = "") -> None:
        super().__init__(code)
        self.status, self.error_type, self.code = status, error_type, code
        self.message = message or code.replace("_", " ").lower()


def _b64(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


@dataclass
class WebhookKey:
    kid: str
    private: ec.EllipticCurvePrivateKey
    created_at: int
    expired_at: int | None = None

    def jwk(self) -> dict[str, Any]:
        numbers = self.private.public_key().public_numbers()
        return {
            "alg": "ES256",
            "crv": "P-256",
            "kid": self.kid,
            "kty": "EC",
            "use": "sig",
            "x": _b64(numbers.x),
            "y": _b64(numbers.y),
            "created_at": self.created_at,
            "expired_at": self.expired_at,
        }


def _error_body(error: PlaidError, request_id: str) -> dict[str, Any]:
    return {
        "error_type": error.error_type,
        "error_code": error.code,
        "error_code_reason": None,
        "error_message": error.message,
        "display_message": None,
        "request_id": request_id,
        "causes": [],
        "status": error.status,
        "documentation_url": "https://plaid.com/docs/errors/",
        "suggested_action": None,
    }


class PlaidEmulator:
    """`start()` -> base URL; `stop()`. `banks` holds the state; tests change it directly."""

    def __init__(self, port: int = 0, *, client_id: str = CLIENT_ID, secret: str = SECRET):
        self.banks = Banks()
        self.client_id, self.secret = client_id, secret
        self.keys: dict[str, WebhookKey] = {}
        self.current_key = self.add_key()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> str:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> PlaidEmulator:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- webhooks ----------------------------------------------------------------------------

    def add_key(self, *, expired: bool = False) -> WebhookKey:
        now = int(time.time())
        key = WebhookKey(
            uuid.uuid4().hex,
            ec.generate_private_key(ec.SECP256R1()),
            now - 86400,
            now - 60 if expired else None,
        )
        self.keys[key.kid] = key
        return key

    def sign_webhook(
        self,
        body: bytes,
        *,
        key: WebhookKey | None = None,
        iat: datetime | None = None,
        body_for_hash: bytes | None = None,
    ) -> str:
        """The Plaid-Verification header for `body`."""
        key = key or self.current_key
        claims = {
            "iat": int((iat or datetime.now(UTC)).timestamp()),
            "request_body_sha256": hashlib.sha256(body_for_hash or body).hexdigest(),
        }
        return jwt.encode(claims, key.private, algorithm="ES256", headers={"kid": key.kid})

    def webhook_body(self, item: Item, webhook_type: str, code: str, **extra: Any) -> bytes:
        payload = {
            "webhook_type": webhook_type,
            "webhook_code": code,
            "item_id": item.item_id,
            "environment": "sandbox",
            **extra,
        }
        return json.dumps(payload).encode()

    # --- the API -----------------------------------------------------------------------------

    def handle(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        banks = self.banks
        banks.requests.append(path)
        fault = banks.take_fault(path)
        if fault is not None:
            raise PlaidError(*fault)
        if body.get("client_id") != self.client_id or body.get("secret") != self.secret:
            raise PlaidError(
                400, "INVALID_INPUT", "INVALID_API_KEYS", "invalid client_id or secret"
            )
        route = _ROUTES.get(path)
        if route is None:
            raise PlaidError(404, "INVALID_REQUEST", "NOT_FOUND", f"unknown endpoint {path}")
        return route(self, body)

    def _item(self, body: dict[str, Any], *, healthy: bool = True) -> Item:
        item = self.banks.by_token.get(str(body.get("access_token")))
        if item is None or item.removed:
            raise PlaidError(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN", "invalid access token")
        if healthy and item.error:
            raise PlaidError(400, "ITEM_ERROR", item.error)
        return item

    def link_token_create(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("access_token"):
            self._item(body, healthy=False)  # update mode: the item must exist
        expiration = datetime.now(UTC) + timedelta(hours=4)
        return {
            "link_token": f"link-sandbox-{uuid.uuid4()}",
            "expiration": expiration.isoformat().replace("+00:00", "Z"),
        }

    def sandbox_public_token_create(self, body: dict[str, Any]) -> dict[str, Any]:
        institution = str(body.get("institution_id"))
        if institution not in INSTITUTIONS:
            raise PlaidError(400, "INVALID_INPUT", "INVALID_INSTITUTION", "unknown institution")
        item = self.banks.create_item(institution)
        item.webhook = (body.get("options") or {}).get("webhook")
        return {"public_token": self.banks.public_token_for(item)}

    def public_token_exchange(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self.banks.public_tokens.pop(str(body.get("public_token")), None)
        if item is None:
            raise PlaidError(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN", "invalid public token")
        return {"access_token": item.access_token, "item_id": item.item_id}

    def item_get(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self._item(body, healthy=False)
        error = None
        if item.error:
            error = _error_body(PlaidError(400, "ITEM_ERROR", item.error), "")
            error.pop("request_id")
        return {
            "item": {
                "item_id": item.item_id,
                "institution_id": item.institution_id,
                "institution_name": item.institution_name,
                "webhook": item.webhook,
                "error": error,
                "available_products": ["balance"],
                "billed_products": ["transactions"],
                "products": ["transactions"],
                "consented_products": ["transactions"],
                "consent_expiration_time": None,
                "update_type": "background",
                "auth_method": None,
            },
            "status": None,
        }

    def item_remove(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self._item(body, healthy=False)
        item.removed = True
        return {}

    def accounts_get(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self._item(body)
        return {
            "accounts": [a.wire() for a in item.accounts],
            "item": self.item_get(body)["item"],
        }

    def institutions_get_by_id(self, body: dict[str, Any]) -> dict[str, Any]:
        institution = str(body.get("institution_id"))
        if institution not in INSTITUTIONS:
            raise PlaidError(400, "INVALID_INPUT", "INVALID_INSTITUTION", "unknown institution")
        return {
            "institution": {
                "institution_id": institution,
                "name": INSTITUTIONS[institution],
                "products": ["transactions"],
                "country_codes": ["US"],
                "routing_numbers": [],
                "oauth": False,
                "connection_availability": "AVAILABLE",
                "dtc_numbers": [],
                "url": None,
                "primary_color": None,
                "logo": None,
            }
        }

    def transactions_sync(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self._item(body)
        banks = self.banks
        cursor = str(body.get("cursor") or "")
        start = int(cursor) if cursor.isdigit() else 0
        if cursor and not cursor.isdigit():
            raise PlaidError(400, "INVALID_INPUT", "INVALID_FIELD", "cursor is not valid")
        with banks.lock:
            if start and banks.mutate_during_pagination:
                banks.mutate_during_pagination -= 1
                raise PlaidError(
                    400, "TRANSACTIONS_ERROR", "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
                )
            count = min(
                int(body.get("options", {}).get("count") or body.get("count") or 100), PAGE_LIMIT
            )
            page = item.log[start : start + count]
            end = start + len(page)
            has_more = end < len(item.log)
        if banks.page_delay_seconds:
            time.sleep(banks.page_delay_seconds)
        return {
            "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
            "accounts": [a.wire() for a in item.accounts],
            "added": [t for kind, t in page if kind == "added"],
            "modified": [t for kind, t in page if kind == "modified"],
            "removed": [t for kind, t in page if kind == "removed"],
            "next_cursor": str(end),
            "has_more": has_more,
        }

    def sandbox_item_reset_login(self, body: dict[str, Any]) -> dict[str, Any]:
        self._item(body, healthy=False).error = "ITEM_LOGIN_REQUIRED"
        return {"reset_login": True}

    def webhook_verification_key_get(self, body: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.get(str(body.get("key_id")))
        if key is None:
            raise PlaidError(
                400, "INVALID_INPUT", "INVALID_WEBHOOK_VERIFICATION_KEY_ID", "unknown key id"
            )
        return {"key": key.jwk()}


_ROUTES = {
    "/link/token/create": PlaidEmulator.link_token_create,
    "/sandbox/public_token/create": PlaidEmulator.sandbox_public_token_create,
    "/sandbox/item/reset_login": PlaidEmulator.sandbox_item_reset_login,
    "/item/public_token/exchange": PlaidEmulator.public_token_exchange,
    "/item/get": PlaidEmulator.item_get,
    "/item/remove": PlaidEmulator.item_remove,
    "/accounts/get": PlaidEmulator.accounts_get,
    "/institutions/get_by_id": PlaidEmulator.institutions_get_by_id,
    "/transactions/sync": PlaidEmulator.transactions_sync,
    "/webhook_verification_key/get": PlaidEmulator.webhook_verification_key_get,
}


def _handler(emulator: PlaidEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            request_id = uuid.uuid4().hex[:16]
            try:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                body = json.loads(raw or b"{}")
                # plaid-python sends the credentials as headers.
                body.setdefault("client_id", self.headers.get("PLAID-CLIENT-ID"))
                body.setdefault("secret", self.headers.get("PLAID-SECRET"))
                answer, status = {**emulator.handle(self.path, body), "request_id": request_id}, 200
            except PlaidError as error:
                answer, status = _error_body(error, request_id), error.status
            except (ValueError, TypeError) as error:
                fault = PlaidError(400, "INVALID_REQUEST", "INVALID_BODY", str(error))
                answer, status = _error_body(fault, request_id), 400
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("plaid-request-id", request_id)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the tests and `finsight dev` have their own logs

    return Handler
