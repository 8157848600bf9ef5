"""An emulated Kubernetes API server (kmock) on its own thread, for the operator's tests and
benchmark.

kmock keeps objects and serves watches; this adds the little a real control plane does that the
operator depends on: `uid`, `resourceVersion` and `generation` on objects (kopf's finalizer patch
tests `resourceVersion`), and a Deployment controller that reports its workers available (set
`deployments_become_available = False` to play that part by hand). It does no garbage
collection, as kmock does not, and it forgets served requests (kmock's request log would make
every request slower than the one before).

Running the server on its own event loop lets tests and the benchmark be plain synchronous
code: the operator (kopf.testing.KopfRunner) runs on a thread of its own too.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import kmock
from kmock._internal import parsing
from kubernetes.client import ApiClient, Configuration
from kubernetes.utils import parse_quantity

from finsight_operator.kube import ORGANIZATION, Kube

T = TypeVar("T")

ORGANIZATIONS = "finsight.io/v1/organizations"
PROMETHEUS_RULES = "monitoring.coreos.com/v1/prometheusrules"


_parse_path = parsing.parse_path


def _parse_path_with_namespaces(path: str) -> parsing.ParsedPath:
    """kmock 0.8 reads /api/v1/namespaces[/<name>] as a namespace prefix with no resource, so
    Namespace objects cannot be created or read; parse those paths as the namespaces resource."""
    parts = path.strip("/").split("/")
    if parts[:2] == ["api", "v1"] and parts[2:3] == ["namespaces"]:
        rest = parts[3:]
        if len(rest) <= 1 or (len(rest) == 2 and rest[1] in ("status", "finalize")):
            return parsing.ParsedPath(
                group="",
                version="v1",
                plural="namespaces",
                name=rest[0] if rest else None,
                subresource=rest[1] if len(rest) == 2 else None,
            )
    return _parse_path(path)


parsing.parse_path = _parse_path_with_namespaces


class ApiServer(kmock.KubernetesEmulator):  # type: ignore[misc]
    deployments_become_available: bool = True
    _revision: int = 0
    # Every write served (action, resource plural, name, subresource), for tests that check
    # the operator leaves an unchanged organization alone.
    writes: list[tuple[str, str, str | None, str | None]]

    def _next_revision(self) -> str:
        self._revision += 1
        return str(self._revision)

    async def _handle(self, request: Any) -> Any:
        # kmock keeps every request and matches each new one against all of them, so serving
        # slows down as they pile up; nothing here asserts on past requests: keep the current.
        del self._requests[:-1]
        resource = request.resource
        if resource is not None and request.action in (
            kmock.action.CREATE,
            kmock.action.UPDATE,
            kmock.action.DELETE,
        ):
            self.writes.append(
                (str(request.action), resource.plural, request.name, request.subresource)
            )
        data = request.data
        if (
            resource is not None
            and request.action == kmock.action.UPDATE
            and isinstance(data, list)
        ):
            self._check_json_patch(request, data)
        if resource is not None and isinstance(data, dict):
            if request.action == kmock.action.CREATE:
                metadata = data.setdefault("metadata", {})
                if not metadata.get("name") and metadata.get("generateName"):
                    metadata["name"] = metadata["generateName"] + uuid.uuid4().hex[:8]
                metadata.setdefault("uid", str(uuid.uuid4()))
                metadata.setdefault("generation", 1)
                metadata.setdefault(
                    "creationTimestamp", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                )
            if request.action in (kmock.action.CREATE, kmock.action.UPDATE):
                if not request.subresource:
                    as_stored(resource.plural, data)
                self._bump_generation(request, data)
                if resource.plural == "deployments" and self.deployments_become_available:
                    self._deployment_controller(request, data)
                data.setdefault("metadata", {})["resourceVersion"] = self._next_revision()
        response = await super()._handle(request)
        # A real API server answers a creation with 201 Created (the official client insists).
        if (
            request.action == kmock.action.CREATE
            and response.status == 200
            and not response.prepared
        ):
            response.set_status(201)
        return response

    def _check_json_patch(self, request: Any, ops: list[Any]) -> None:
        """A JSON patch gets a new resourceVersion, as every write does. Its `test` of the
        resourceVersion (kopf's optimistic concurrency) always passes: a real server would
        answer 422 only to be followed by the event of the newer change, and this one's watch
        streams do not promise that ordering."""
        current = self._current(request)
        if current is None:
            return
        version = (current.get("metadata") or {}).get("resourceVersion")
        for op in ops:
            if (
                isinstance(op, dict)
                and op.get("op") == "test"
                and op.get("path") == "/metadata/resourceVersion"
            ):
                op["value"] = version
        ops.append(
            {"op": "add", "path": "/metadata/resourceVersion", "value": self._next_revision()}
        )

    def _current(self, request: Any) -> dict[str, Any] | None:
        key = (request.resource, request.namespace, request.name)
        if request.name is None or key not in self.objects or self.objects[key].deleted:
            return None
        return dict(self.objects[key].raw)

    def _bump_generation(self, request: Any, data: dict[str, Any]) -> None:
        """Like the API server: a change of spec (never of status) is a new generation."""
        if request.action != kmock.action.UPDATE or request.subresource or "spec" not in data:
            return
        current = self._current(request)
        if current is None:
            return
        old_spec = current.get("spec") or {}
        if _merged(old_spec, data["spec"]) == old_spec:
            return
        generation = int((current.get("metadata") or {}).get("generation") or 1) + 1
        data.setdefault("metadata", {})["generation"] = generation

    def _deployment_controller(self, request: Any, data: dict[str, Any]) -> None:
        if request.subresource:
            return
        current = self._current(request) or {}
        replicas = (data.get("spec") or {}).get("replicas")
        if replicas is None:
            replicas = (current.get("spec") or {}).get("replicas", 1)
        data["status"] = {
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
        }


# What a real API server does to an object before it stores it, and kmock does not: empty
# `omitempty` lists are dropped (a NetworkPolicy's `ingress: []`), resource quantities are
# canonicalized (`0.25` -> `250m`, `1024Mi` -> `1Gi`). The operator must not take either for
# drift (DESIGN §7).
_OMIT_EMPTY = {"networkpolicies": ("ingress", "egress")}
_QUANTITY_MAPS = ("requests", "limits", "hard")
_WITH_QUANTITIES = frozenset({"deployments", "resourcequotas", "pods"})
_BINARY = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))
_DECIMAL = (("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3))


def canonical_quantity(value: str) -> str:
    """Kubernetes' canonical form of a quantity: the input's base (binary when it had an `i`
    suffix), the largest suffix that leaves a whole number; fractions go to milli units."""
    amount = parse_quantity(value)
    if amount == amount.to_integral_value():
        whole = int(amount)
        suffixes = _BINARY if value.rstrip().endswith("i") else _DECIMAL
        for suffix, size in suffixes:
            if whole and whole % size == 0:
                return f"{whole // size}{suffix}"
        return str(whole)
    milli = amount * 1000
    if milli == milli.to_integral_value():
        return f"{int(milli)}m"
    return f"{int((amount * 10**9).to_integral_value())}n"


def as_stored(plural: str, data: dict[str, Any]) -> None:
    spec = data.get("spec")
    if isinstance(spec, dict):
        for key in _OMIT_EMPTY.get(plural, ()):
            if spec.get(key) == []:
                del spec[key]
    if plural in _WITH_QUANTITIES:  # a custom resource's fields are stored as they come
        _canonicalize_quantities(data)


def _canonicalize_quantities(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _canonicalize_quantities(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _QUANTITY_MAPS and isinstance(value, dict):
                for name, quantity in value.items():
                    if isinstance(quantity, str):
                        value[name] = canonical_quantity(quantity)
            else:
                _canonicalize_quantities(value)


def _merged(base: Any, patch: Any) -> Any:
    """JSON merge patch (RFC 7386), as kmock applies it."""
    if not isinstance(patch, dict):
        return patch
    result = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merged(result.get(key), value)
    return result


class KubeEmulator:
    """The server on a background event loop, with a client and a kubeconfig for it."""

    def __init__(self, *, prometheus_operator: bool = False) -> None:
        self.prometheus_operator = prometheus_operator
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Any = None
        self.handler: ApiServer | None = None
        self.url = ""
        self._dir = Path(tempfile.mkdtemp(prefix="kube-emulator-"))
        self.kubeconfig = self._dir / "kubeconfig"

    def start(self) -> KubeEmulator:
        self._thread.start()
        self.url = self.call(self._start)
        self.kubeconfig.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "emulator", "cluster": {"server": self.url}}],
                    "users": [{"name": "operator", "user": {"token": "emulated"}}],
                    "contexts": [
                        {"name": "emulator", "context": {"cluster": "emulator", "user": "operator"}}
                    ],
                    "current-context": "emulator",
                }
            )
        )
        return self

    async def _start(self) -> str:
        handler = ApiServer()
        handler.writes = []
        with warnings.catch_warnings():  # kmock 0.8 reads its bundle with a deprecated call
            warnings.simplefilter("ignore", DeprecationWarning)
            handler.resources.load_bundled()
        handler.resources[ORGANIZATIONS] = {
            "kind": "Organization",
            "singular": "organization",
            "namespaced": False,
            "shortnames": {"org", "orgs"},
            "categories": {"finsight"},
            "verbs": {"get", "list", "watch", "create", "update", "patch", "delete"},
            "subresources": {"status"},
        }
        if self.prometheus_operator:
            handler.resources[PROMETHEUS_RULES] = {
                "kind": "PrometheusRule",
                "singular": "prometheusrule",
                "namespaced": True,
                "verbs": {"get", "list", "watch", "create", "update", "patch", "delete"},
            }
        await handler.__aenter__()
        self._server = kmock.Server(handler)
        await self._server.__aenter__()
        self.handler = handler
        return str(self._server.url).rstrip("/")

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` (a coroutine function or a plain one) on the server's loop and wait."""

        async def run() -> Any:
            result = fn()
            return await result if asyncio.iscoroutine(result) else result

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=30)

    def writes(self) -> list[tuple[str, str, str | None, str | None]]:
        assert self.handler is not None
        return list(self.handler.writes)

    def set_deployments_available(self, value: bool) -> None:
        assert self.handler is not None
        self.handler.deployments_become_available = value

    def client(self) -> Kube:
        configuration = Configuration()
        configuration.host = self.url
        configuration.api_key = {"BearerToken": "emulated"}
        configuration.api_key_prefix = {"BearerToken": "Bearer"}
        return Kube(ApiClient(configuration), field_manager="tests")

    # --- Organizations, as a user with kubectl would handle them -------------------------------

    def create_organization(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        return self.client().create(
            {
                "apiVersion": "finsight.io/v1",
                "kind": "Organization",
                "metadata": {"name": name},
                "spec": spec,
            }
        )

    def organization(self, name: str) -> dict[str, Any] | None:
        return self.client().get(ORGANIZATION, name)

    def patch_organization(self, name: str, spec: dict[str, Any]) -> dict[str, Any] | None:
        return self.client().request(
            "PATCH",
            ORGANIZATION.path(None, name),
            body={"spec": spec},
            content_type="application/merge-patch+json",
        )

    def delete_organization(self, name: str) -> bool:
        return self.client().delete(ORGANIZATION, name)

    def wait_for_organization(
        self,
        name: str,
        check: Callable[[dict[str, Any]], bool],
        *,
        timeout: float = 30.0,
        what: str = "the organization",
    ) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            found = self.organization(name)
            return found if found is not None and check(found) else None

        try:
            return wait_for(probe, timeout=timeout, what=what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nlast seen: {self.organization(name)!r}") from None

    def wait_for_phase(self, name: str, phase: str, *, timeout: float = 30.0) -> dict[str, Any]:
        return self.wait_for_organization(
            name,
            lambda org: (org.get("status") or {}).get("phase") == phase,
            timeout=timeout,
            what=f"{name} to be {phase}",
        )

    def events(self, name: str) -> list[dict[str, Any]]:
        found = self.client().request("GET", "/api/v1/namespaces/default/events") or {}
        return [
            event
            for event in found.get("items", [])
            if (event.get("involvedObject") or {}).get("name") == name
        ]

    def stop(self) -> None:
        async def stop() -> None:
            if self._server is not None:
                await self._server.__aexit__(None, None, None)
            if self.handler is not None:
                await self.handler.__aexit__(None, None, None)

        try:
            self.call(stop)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)


@contextmanager
def running_emulator(*, prometheus_operator: bool = False) -> Iterator[KubeEmulator]:
    emulator = KubeEmulator(prometheus_operator=prometheus_operator).start()
    try:
        yield emulator
    finally:
        emulator.stop()


def wait_for(
    check: Callable[[], T | None],
    *,
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Poll until `check` returns something truthy (the servers run on other threads)."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")
