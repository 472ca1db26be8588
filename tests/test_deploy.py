import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_production_profile_passes_the_deployment_checklist_without_warnings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "accreditation.production",
        "DJANGO_SECRET_KEY": "x7Gq2LmP9vRt4Wz8Bn3Kc6Jd1Hf5Ys0Ue2Ia9Oo4Pl7Mk3Nj8Bh6Vg1Cf5Dx2Sa0Qw",
        "ALLOWED_HOSTS": "portal.example",
        "CACHE_URL": "redis://127.0.0.1:6379/0",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for their own process only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def compose_services():
    import yaml

    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_publishes_nothing_but_the_proxy_and_runs_two_replicas_with_the_workers_environment():
    services = compose_services()
    assert {name for name, service in services.items() if service.get("ports")} == {"proxy"}
    assert {port.split(":")[-1] for port in services["proxy"]["ports"]} == {"80", "443", "443/udp"}
    web1, web2, worker, beat = (services[name] for name in ("web1", "web2", "worker", "beat"))
    assert web1["command"] == web2["command"] and web1["command"].startswith("gunicorn accreditation.wsgi")
    assert web1["environment"] == web2["environment"] == worker["environment"] == beat["environment"]
    environment = web1["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "accreditation.production"
    # Shared state lives in the shared services, never in one replica's memory or disk.
    assert environment["CACHE_URL"].startswith("redis://redis:") and environment["DATABASE_URL"].endswith("@db:5432/portal")
    assert environment["AWS_S3_ENDPOINT_URL"] == "http://storage:9000" and "volumes" not in web1
    # Forwarded headers are believed from the proxy's fixed address alone.
    assert environment["BEHIND_TLS_PROXY"] == "1"
    assert environment["FORWARDED_ALLOW_IPS"] == services["proxy"]["networks"]["portal"]["ipv4_address"]
    assert services["proxy"]["environment"]["WEB_UPSTREAMS"].split() == ["web1:8000", "web2:8000"]
    for mount in services["proxy"]["volumes"]:
        source = mount.split(":")[0]
        assert not source.startswith("./") or (ROOT / source).is_file(), f"{source} is not committed"
    # One service migrates and creates the bucket; everything else starts after it succeeded.
    assert "migrate" in services["migrate"]["command"] and "prepare_storage" in services["migrate"]["command"]
    assert web1["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def adapted_caddyfile(name, **env):
    """The JSON configuration Caddy makes of deploy/<name>."""
    import json

    result = subprocess.run(["caddy", "adapt", "--config", str(ROOT / "deploy" / name), "--adapter", "caddyfile"],
                            env={**os.environ, **env}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def proxy_handlers_of(config):
    """The handlers of the site that proxies to the portal, in order (Caddy wraps a site's directives in a subroute)."""
    sites = [route["handle"][0]["routes"] for server in config["apps"]["http"]["servers"].values()
             for route in server["routes"]]
    handlers = [[handler for route in site for handler in route["handle"]] for site in sites]
    (proxying,) = [site for site in handlers if any(handler["handler"] == "reverse_proxy" for handler in site)]
    return proxying


@pytest.mark.skipif(shutil.which("caddy") is None, reason="Caddy is not installed (make caddy)")
@pytest.mark.parametrize("name, env, upstreams", [
    ("Caddyfile", {"SITE_ADDRESS": "portal.example", "WEB_UPSTREAMS": "web1:8000 web2:8000"}, ["web1:8000", "web2:8000"]),
    ("Caddyfile.local", {"CADDY_DATA_DIR": "/tmp/caddy", "PROXY_HTTP_PORT": "8080", "PROXY_HTTPS_PORT": "8443",
                         "WEB_UPSTREAMS": "127.0.0.1:8001"}, ["127.0.0.1:8001"]),
])
def test_the_proxy_caps_the_body_at_the_portals_limit_before_passing_it_on(settings, name, env, upstreams):
    body_limit, proxy = proxy_handlers_of(adapted_caddyfile(name, **env))
    assert body_limit == {"handler": "request_body", "max_size": settings.REQUEST_MAX_BYTES}
    assert proxy["handler"] == "reverse_proxy" and [upstream["dial"] for upstream in proxy["upstreams"]] == upstreams
