"""Every kopf registration of the finsight operator. Thin: the work is in handlers/.

`finsight serve operator` calls run(); tests load this module with kopf.testing.KopfRunner.
"""

from __future__ import annotations

import logging
from typing import Any

import kopf
from kubernetes.client import ApiClient
from prometheus_client import start_http_server

from finsight.config import get_settings
from finsight.db import cluster_url
from finsight.observability.logging import configure_logging
from finsight_operator.builders import LABEL_ORG
from finsight_operator.context import OperatorContext
from finsight_operator.crds import CrdError, apply_crds
from finsight_operator.handlers import deletion, reconcile, workers
from finsight_operator.kube import Kube, KubeError, load_configuration
from finsight_operator.settings import OperatorConfig
from finsight_operator.spec import GROUP, PLURAL, VERSION

# kopf registers timers at import, so their interval is read from the environment now.
_IMPORT_CONFIG = OperatorConfig()
FINALIZER = "finsight.io/organization"

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]


def _ctx(memo: Any) -> OperatorContext:
    ctx: OperatorContext = memo.ctx
    return ctx


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: Any, logger: Logger, **_: Any) -> None:
    config = OperatorConfig()
    platform = get_settings()
    if not (config.worker_redis_url or platform.redis_url):
        raise kopf.PermanentError(
            "set REDIS_URL (or OPERATOR_WORKER_REDIS_URL): tenants' workers need a broker"
        )
    try:
        cluster_url("default")
    except RuntimeError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="finsight.io")
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix="finsight.io", key="last-handled-configuration"
    )
    # Kubernetes events only for what the handlers say on purpose, and for warnings.
    settings.posting.level = logging.WARNING
    settings.posting.reporting_component = "finsight-operator"
    settings.execution.max_workers = config.max_workers
    # One replica (Deployment strategy Recreate): no peering objects needed.
    settings.peering.standalone = True
    memo.ctx = OperatorContext(config=config)
    if config.manage_crds:
        upgrade_crds(config, logger)


def upgrade_crds(config: OperatorConfig, logger: Logger) -> None:
    """Apply the chart's CRDs before anything is watched (startup runs first in kopf)."""
    if config.crd_dir is None:
        raise kopf.PermanentError("OPERATOR_MANAGE_CRDS is on: set OPERATOR_CRD_DIR too")
    kube = Kube(ApiClient(load_configuration()), field_manager=config.field_manager)
    try:
        names = apply_crds(kube, config.crd_dir)
    except CrdError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    except KubeError as exc:
        if exc.transient:
            raise kopf.TemporaryError(f"applying the CRDs: {exc}", delay=5) from exc
        # 403: the ClusterRole lacks create/patch on the CRD (operator.manageCRDs=false in an
        # older chart); say which switch to turn rather than retrying forever.
        raise kopf.PermanentError(
            f"cannot apply the CRDs ({exc}); grant create/patch on customresourcedefinitions "
            "or set OPERATOR_MANAGE_CRDS=false"
        ) from exc
    finally:
        kube.api.close()  # type: ignore[no-untyped-call]
    logger.info("applied CRDs: %s", ", ".join(names))


@kopf.on.login()
def login(memo: Any, settings: kopf.OperatorSettings, **_: Any) -> kopf.ConnectionInfo:
    """In a cluster the service account, outside it the kubeconfig: loaded once by the official
    client library and shared by kopf and the operator's own requests."""
    configuration = load_configuration()
    configuration.connection_pool_maxsize = max(8, _ctx(memo).config.max_workers * 2)
    _ctx(memo).kube = Kube(ApiClient(configuration), field_manager=_ctx(memo).config.field_manager)
    # The header is "Bearer <token>" (or a bare token); kopf wants the parts.
    header = configuration.get_api_key_with_prefix(
        "BearerToken", alias="authorization"
    ) or configuration.get_api_key_with_prefix("authorization")
    scheme, _space, token = (header or "").rpartition(" ")
    return kopf.ConnectionInfo(
        server=configuration.host,
        ca_path=configuration.ssl_ca_cert,
        insecure=not configuration.verify_ssl,
        username=configuration.username or None,
        password=configuration.password or None,
        scheme=scheme or None,
        token=token or None,
        certificate_path=configuration.cert_file,
        private_key_path=configuration.key_file,
        trust_env=settings.networking.trust_env,
    )


@kopf.on.resume(GROUP, VERSION, PLURAL)
@kopf.on.create(GROUP, VERSION, PLURAL)
@kopf.on.update(GROUP, VERSION, PLURAL)
def reconcile_organization(
    body: kopf.Body, reason: str, retry: int, memo: Any, logger: Logger, **_: Any
) -> None:
    trigger: reconcile.Trigger = (
        "create" if reason == "create" else "update" if reason == "update" else "resume"
    )
    reconcile.reconcile(_ctx(memo), body, trigger=trigger, retry=retry, logger=logger)


@kopf.on.delete(GROUP, VERSION, PLURAL)
def delete_organization(body: kopf.Body, retry: int, memo: Any, **_: Any) -> None:
    deletion.delete(_ctx(memo), body, retry=retry)


@kopf.timer(
    GROUP,
    VERSION,
    PLURAL,
    interval=_IMPORT_CONFIG.drift_interval_seconds,
    initial_delay=_IMPORT_CONFIG.drift_interval_seconds,
)
def repair_drift(body: kopf.Body, memo: Any, logger: Logger, **_: Any) -> None:
    reconcile.reconcile(_ctx(memo), body, trigger="drift", retry=0, logger=logger)


@kopf.on.event("apps", "v1", "deployments", labels={LABEL_ORG: kopf.PRESENT})
def worker_deployment_changed(
    type: str | None, body: kopf.Body, memo: Any, logger: Logger, **_: Any
) -> None:
    workers.deployment_changed(_ctx(memo), type, body, logger)


def run(health_host: str, health_port: int) -> None:
    """Run the operator until SIGTERM: cluster-wide, one replica, liveness on
    http://<health_host>:<health_port>/healthz and Prometheus metrics on the metrics port."""
    configure_logging(get_settings())
    start_http_server(_IMPORT_CONFIG.metrics_port, addr=health_host)
    kopf.run(
        clusterwide=True,
        standalone=True,
        liveness_endpoint=f"http://{health_host}:{health_port}/healthz",
    )
