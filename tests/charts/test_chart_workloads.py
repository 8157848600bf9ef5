"""What the chart runs and how: commands from `finsight serve`, probes, the migration Job and its
waiting init containers, pod security, secrets, traffic rules and `helm test`."""

from __future__ import annotations

import json

import pytest

from support.helm import (
    CHART,
    containers,
    env_of,
    find,
    helm,
    one,
    pod_specs,
    render,
)

EVERYTHING = CHART / "ci" / "everything-on-values.yaml"
EXISTING_SECRETS = CHART / "ci" / "existing-secrets-values.yaml"


@pytest.fixture(scope="module")
def defaults():
    return render()


@pytest.fixture(scope="module")
def everything():
    return render(values_files=(EVERYTHING,))


def container(documents, name: str) -> dict:
    return one(documents, "Deployment", f"acme-finsight-{name}")["spec"]["template"]["spec"][
        "containers"
    ][0]


def test_each_service_runs_its_finsight_command(defaults):
    assert container(defaults, "api")["command"] == [
        "finsight", "serve", "api", "--host", "0.0.0.0", "--port", "8000", "--workers", "1",
    ]  # fmt: skip
    assert container(defaults, "web")["command"] == [
        "finsight", "serve", "web", "--host", "0.0.0.0", "--port", "8080",
    ]  # fmt: skip
    # The shared worker serves `default` only: tenants' queues are the operator's workers'.
    assert container(defaults, "worker")["command"] == [
        "finsight", "serve", "worker", "--queues", "default", "--pool", "prefork",
    ]  # fmt: skip
    assert container(defaults, "beat")["command"] == ["finsight", "serve", "beat"]
    assert container(defaults, "operator")["command"][:3] == ["finsight", "serve", "operator"]


def test_probes_and_ports(defaults):
    api = container(defaults, "api")
    assert {p["name"]: p["containerPort"] for p in api["ports"]} == {"http": 8000}
    assert api["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert api["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    web = container(defaults, "web")
    assert {p["name"]: p["containerPort"] for p in web["ports"]} == {"http": 8080}
    assert web["readinessProbe"]["httpGet"]["path"] == "/healthz"
    worker = container(defaults, "worker")
    assert {p["name"]: p["containerPort"] for p in worker["ports"]} == {"metrics": 9808}
    assert env_of(worker)["WORKER_METRICS_PORT"]["value"] == "9808"
    assert env_of(worker)["WORKER_METRICS_HOST"]["value"] == "0.0.0.0"  # Prometheus is elsewhere
    assert "inspect ping" in " ".join(worker["livenessProbe"]["exec"]["command"])


def test_beat_is_one_replica_recreated(defaults):
    beat = one(defaults, "Deployment", "acme-finsight-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert not find(defaults, "HorizontalPodAutoscaler", "acme-finsight-beat")
    assert not find(defaults, "PodDisruptionBudget", "acme-finsight-beat")


def test_web_calls_the_api_inside_the_cluster(defaults):
    env = env_of(container(defaults, "web"))
    service = one(defaults, "Service", "acme-finsight-api")
    assert (
        env["API_URL"]["value"] == f"http://acme-finsight-api:{service['spec']['ports'][0]['port']}"
    )


def test_every_pod_is_non_root_read_only_and_bounded(everything):
    pods = list(pod_specs(everything))
    assert len(pods) >= 7  # api, web, worker, beat, operator, migrations, helm test
    for where, pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["tmp"] == {"name": "tmp", "emptyDir": {}}, where
        for c in containers(pod):
            what = f"{where} {c['name']}"
            context = c["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, what
            assert context["allowPrivilegeEscalation"] is False, what
            assert context["capabilities"] == {"drop": ["ALL"]}, what
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]), what
            assert {"cpu", "memory"} <= set(c["resources"]["limits"]), what
            assert {"name": "tmp", "mountPath": "/tmp"} in c["volumeMounts"], what


def test_only_the_api_in_kubernetes_mode_mounts_a_token(defaults):
    mounted = {
        where: pod.get("automountServiceAccountToken", True)
        for where, pod in pod_specs(defaults)
        if "operator" not in where
    }
    assert mounted.pop("Deployment/acme-finsight-api") is True
    assert not any(mounted.values()), mounted
    role = one(defaults, "ClusterRole", "acme-finsight-api")
    assert role["rules"] == [
        {
            "apiGroups": ["finsight.io"],
            "resources": ["organizations"],
            "verbs": ["get", "create", "delete"],
        }
    ]
    off = render(sets=("api.kubernetesMode=false",))
    assert not find(off, "ClusterRole", "acme-finsight-api")
    assert env_of(container(off, "api"))["KUBERNETES_MODE"]["value"] == "false"


# --- migrations ----------------------------------------------------------------------------


def migration_job(documents) -> dict:
    [job] = [d for d in documents if d["kind"] == "Job" and "-migrate-" in d["metadata"]["name"]]
    return job


def test_migrations_are_a_plain_job_named_by_release_and_image(defaults):
    job = migration_job(defaults)
    name = job["metadata"]["name"]
    assert name.startswith("acme-finsight-migrate-") and len(name) <= 63
    # No Helm hook: `helm install --wait`, Argo CD and Flux apply and watch it as any object.
    assert not any(k.startswith("helm.sh/hook") for k in job["metadata"].get("annotations") or {})
    pod = job["spec"]["template"]["spec"]
    assert pod["containers"][0]["command"] == ["finsight", "db", "upgrade"]
    assert pod["restartPolicy"] == "OnFailure"
    assert "ttlSecondsAfterFinished" not in job["spec"]

    # The same release renders the same Job (an upgrade leaves a finished Job alone) ...
    assert (
        migration_job(render(sets=("api.replicas=5", "web.enabled=false")))["metadata"]
        == job["metadata"]
    )
    # ... a new image is a new Job, and so is another release.
    assert migration_job(render(sets=("image.tag=0.2.0",)))["metadata"]["name"] != name
    assert (
        migration_job(render(sets=("image.digest=sha256:" + "a" * 64,)))["metadata"]["name"] != name
    )
    assert migration_job(render(release="other"))["metadata"]["name"].startswith(
        "other-finsight-migrate-"
    )


def test_services_wait_for_the_platform_schema_at_head(defaults):
    image = migration_job(defaults)["spec"]["template"]["spec"]["containers"][0]["image"]
    for name in ("api", "web", "worker", "beat"):
        pod = one(defaults, "Deployment", f"acme-finsight-{name}")["spec"]["template"]["spec"]
        [init] = pod["initContainers"]
        assert init["command"] == ["finsight", "db", "wait", "--timeout", "300"], name
        assert init["image"] == image
        assert env_of(init)["DATABASE_URL"] == env_of(pod["containers"][0])["DATABASE_URL"]
    # The operator migrates tenants itself and must run to install the CRD: it never waits.
    operator = one(defaults, "Deployment", "acme-finsight-operator")["spec"]["template"]["spec"]
    assert "initContainers" not in operator
    off = render(sets=("migrations.enabled=false", "migrations.waitForMigrations=false"))
    assert not find(off, "Job")[1:]  # only the helm test Job remains
    assert (
        "initContainers"
        not in one(off, "Deployment", "acme-finsight-api")["spec"]["template"]["spec"]
    )


# --- secrets --------------------------------------------------------------------------------


def test_the_jwt_secret_is_generated_once_into_a_kept_secret(defaults):
    secret = one(defaults, "Secret", "acme-finsight-generated")
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert set(secret["data"]) == {
        "JWT_SECRET",
        "DATA_ENCRYPTION_KEYS",
        "AUDIT_SIGNING_KEY",
        "MODEL_SIGNING_KEY",
    }
    import base64

    assert len(base64.b64decode(secret["data"]["JWT_SECRET"])) >= 32
    # The generated keys are ones the services accept (they refuse to start without them).
    from finsight.config import Settings
    from finsight.crypto.keyring import keyring_from_settings
    from finsight.crypto.signing import parse_signing_key

    settings = Settings(
        environment="development",
        data_encryption_keys=json.loads(base64.b64decode(secret["data"]["DATA_ENCRYPTION_KEYS"])),
        data_encryption_key_id="k1",
    )
    assert keyring_from_settings(settings) is not None
    parse_signing_key(base64.b64decode(secret["data"]["AUDIT_SIGNING_KEY"]).decode(), None)
    for _where, pod in pod_specs(defaults):
        for c in pod["containers"]:
            if c["name"] in ("api", "web", "worker", "beat", "migrate"):
                for key in (
                    "JWT_SECRET",
                    "DATA_ENCRYPTION_KEYS",
                    "AUDIT_SIGNING_KEY",
                    "MODEL_SIGNING_KEY",
                ):
                    ref = env_of(c)[key]["valueFrom"]["secretKeyRef"]
                    assert ref == {"name": "acme-finsight-generated", "key": key}
    # The operator derives each tenant worker's model-signing key from the root; it holds no
    # other platform secret.
    operator = one(defaults, "Deployment", "acme-finsight-operator")["spec"]["template"]["spec"]
    operator_env = env_of(operator["containers"][0])
    assert operator_env["MODEL_SIGNING_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "acme-finsight-generated",
        "key": "MODEL_SIGNING_KEY",
    }
    assert "JWT_SECRET" not in operator_env and "MIGRATION_DATABASE_URL" not in operator_env


def test_generated_secrets_reach_every_component(everything):
    secret = one(everything, "Secret", "acme-finsight-generated")
    assert set(secret["data"]) == {
        "JWT_SECRET",
        "ENCRYPTION_KEY",
        "WEBHOOK_SIGNING_KEY",
        "DATA_ENCRYPTION_KEYS",
        "AUDIT_SIGNING_KEY",
        "MODEL_SIGNING_KEY",
    }
    env = env_of(container(everything, "worker"))
    assert env["ENCRYPTION_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "acme-finsight-generated"
    assert env["ENCRYPTION_KEYS"]["valueFrom"]["secretKeyRef"]["name"] == "finsight-keys"


def test_existing_secrets_replace_every_generated_value():
    documents = render(values_files=(EXISTING_SECRETS,))
    assert not find(documents, "Secret")
    env = env_of(container(documents, "api"))
    ref = lambda name: env[name]["valueFrom"]["secretKeyRef"]  # noqa: E731
    assert ref("DATABASE_URL") == {"name": "finsight-db", "key": "url"}
    assert ref("DATABASE_CLUSTERS") == {"name": "finsight-db", "key": "clusters"}
    assert ref("REDIS_URL") == {"name": "finsight-redis", "key": "url"}
    assert ref("JWT_SECRET") == {"name": "finsight-jwt", "key": "current"}
    assert ref("JWT_PREVIOUS_SECRETS") == {"name": "finsight-jwt", "key": "previous"}
    assert not find(documents, "ServiceAccount")
    pod = one(documents, "Deployment", "acme-finsight-api")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "finsight"
    # Two roles: only the migration Job and the operator know the owners' URLs.
    assert "MIGRATION_DATABASE_URL" not in env and "MIGRATION_DATABASE_CLUSTERS" not in env
    job = next(j for j in find(documents, "Job") if "-migrate-" in j["metadata"]["name"])
    migrate = env_of(job["spec"]["template"]["spec"]["containers"][0])
    assert migrate["MIGRATION_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "finsight-db",
        "key": "owner-url",
    }
    assert migrate["MIGRATION_DATABASE_CLUSTERS"]["valueFrom"]["secretKeyRef"] == {
        "name": "finsight-db",
        "key": "owner-clusters",
    }
    operator = one(documents, "Deployment", "acme-finsight-operator")["spec"]["template"]["spec"]
    assert "MIGRATION_DATABASE_URL" in env_of(operator["containers"][0])


# --- traffic --------------------------------------------------------------------------------


def test_ingress_sends_api_paths_to_the_api_and_the_rest_to_web(everything):
    ingress = one(everything, "Ingress", "acme-finsight")
    paths = {
        p["path"]: p["backend"]["service"]["name"]
        for p in ingress["spec"]["rules"][0]["http"]["paths"]
    }
    assert paths == {
        "/api": "acme-finsight-api",
        "/docs": "acme-finsight-api",
        "/redoc": "acme-finsight-api",
        "/openapi.json": "acme-finsight-api",
        "/": "acme-finsight-web",
    }
    assert ingress["spec"]["tls"] == [
        {"hosts": ["finsight.example.org"], "secretName": "acme-finsight-tls"}
    ]


def test_autoscaling_and_disruption_budgets(everything):
    hpas = {h["metadata"]["name"]: h for h in find(everything, "HorizontalPodAutoscaler")}
    assert set(hpas) == {"acme-finsight-api", "acme-finsight-web", "acme-finsight-worker"}
    for name, hpa in hpas.items():
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        # The HPA owns the replica count.
        assert "replicas" not in one(everything, "Deployment", name)["spec"]
    pdbs = {p["metadata"]["name"] for p in find(everything, "PodDisruptionBudget")}
    assert pdbs == set(hpas)


def test_network_policies_admit_only_the_ingress_controller_and_monitoring(everything):
    policies = {p["metadata"]["name"]: p["spec"] for p in find(everything, "NetworkPolicy")}
    ingress_ns = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    }
    monitoring_ns = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
    }
    api = policies["acme-finsight-api"]["ingress"]
    assert ingress_ns in api[0]["from"] and monitoring_ns in api[0]["from"]
    assert policies["acme-finsight-web"]["ingress"] == [
        {"from": [ingress_ns], "ports": [{"port": "http", "protocol": "TCP"}]}
    ]
    for name in ("worker", "operator"):
        assert policies[f"acme-finsight-{name}"]["ingress"] == [
            {"from": [monitoring_ns], "ports": [{"port": "metrics", "protocol": "TCP"}]}
        ]
    for name in ("beat", "migrations", "test"):
        assert policies[f"acme-finsight-{name}"]["policyTypes"] == ["Ingress"]
        assert "ingress" not in policies[f"acme-finsight-{name}"]
    # Every policy selects pods that exist (or the helm test Job's).
    labels = [
        pod_labels
        for doc in everything
        if doc["kind"] in ("Deployment", "Job")
        for pod_labels in [doc["spec"]["template"]["metadata"]["labels"]]
    ]
    for name, spec in policies.items():
        selector = spec["podSelector"]["matchLabels"]
        assert any(selector.items() <= pod.items() for pod in labels), name


def test_helm_test_job_asks_the_api_for_healthz(defaults):
    [job] = [
        d
        for d in find(defaults, "Job")
        if "helm.sh/hook" in (d["metadata"].get("annotations") or {})
    ]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "test"
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[-1] == "http://acme-finsight-api:8000/healthz"


def test_notes_render_with_the_next_steps():
    notes = helm("install", "acme", str(CHART), "-n", "finsight", "--dry-run=client").stdout
    notes = notes.split("NOTES:", 1)[1]
    assert "kubectl -n finsight port-forward svc/acme-finsight-web" in notes
    assert "helm test acme -n finsight" in notes
    assert "Secret acme-finsight-generated" in notes
    with_ingress = helm(
        "install", "acme", str(CHART), "-n", "finsight", "--dry-run=client", "-f", str(EVERYTHING)
    ).stdout.split("NOTES:", 1)[1]
    assert "Open https://finsight.example.org/" in with_ingress
    assert "port-forward" not in with_ingress


def test_every_finsight_command_the_chart_runs_exists_with_those_options(everything):
    """The chart and the CLI must not drift apart: each rendered `finsight ...` command line
    parses (an unknown command or option fails even with --help)."""
    from typer.testing import CliRunner

    from finsight.cli import app

    commands = {
        tuple(c["command"])
        for _where, pod in pod_specs([*everything, *render()])
        for c in containers(pod)
        if c.get("command", [""])[0] == "finsight"
    }
    assert len(commands) >= 7
    runner = CliRunner()
    for command in commands:
        result = runner.invoke(app, [*command[1:], "--help"])
        assert result.exit_code == 0, f"{' '.join(command)}: {result.output}"
