"""Two web replicas (gunicorn, production settings) behind one proxy share everything a person notices.

Both run as subprocesses against this test's PostgreSQL database, the Redis cache and an S3 server (moto),
as docker-compose.yml's web1 and web2 do: a session opened on one holds on the other, a file uploaded
through one downloads through the other, and failed sign-ins count across both.
"""
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
import redis
import requests
from django.db import connection

from correspondence.models import FacilityDocument

from .factories import PASSWORD, MembershipFactory

ROOT = Path(__file__).resolve().parent.parent
# The replicas' shared cache (sessions' rate limits, failed sign-ins) in a Redis database of their own, emptied
# before they start: counts left by an earlier run, or a flush by a test on another worker, would skew them.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/15"
BUCKET = "replica-files"
# Not the tests' fast MD5: the replicas run production's password hashers.
HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

# Committed rows: the replicas read the database from their own connections.
pytestmark = pytest.mark.django_db(transaction=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} ended with {process.returncode}")
        try:
            requests.get(url, timeout=(1, 20), allow_redirects=False)  # the first answer loads Django
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def database_url():
    """The test database pytest-django made (test_<name>), which the replicas must use, not the configured one."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


# The one address both replicas serve, as the proxy passes it on (Host): allauth counts failed sign-ins per site.
SITE = "portal.test"


class Replica:
    """One gunicorn as the proxy at 127.0.0.1 reaches it: for https://portal.test, with X-Forwarded-Proto.

    Cookies are kept by hand: the session cookie is Secure, and requests would not send it over plain HTTP.
    """

    def __init__(self, port, cookies):
        self.base = f"http://127.0.0.1:{port}"
        self.cookies = cookies

    def request(self, method, path, **kwargs):
        headers = {"Host": SITE, "X-Forwarded-Proto": "https", "Referer": f"https://{SITE}{path}"}
        response = requests.request(method, self.base + path, headers=headers, cookies=self.cookies,
                                    allow_redirects=False, timeout=30, **kwargs)
        self.cookies.update(response.cookies.get_dict())
        return response

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, data, files=None):
        """Post as the browser does after loading the form: with its CSRF token."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path).text).group(1)
        return self.request("POST", path, data={"csrfmiddlewaretoken": token, **data}, files=files)

    def sign_in(self, email, password):
        return self.post_form("/accounts/login/", {"login": email, "password": password})


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """Production's hashed static names need their manifest: the portal's own files, collected as in the image."""
    root = tmp_path_factory.mktemp("static")
    ignored = [arg for name in ("admin", "guardian", "django_htmx", "mfa", "account") for arg in ("-i", name)]
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0", *ignored], cwd=ROOT, check=True,
                   env={**os.environ, **production_environment(), "STATIC_ROOT": str(root)})
    return root


def production_environment():
    return {
        "DJANGO_SETTINGS_MODULE": "accreditation.production", "DJANGO_SECRET_KEY": "replicas-" + "k" * 50,
        "ALLOWED_HOSTS": f"{SITE},127.0.0.1", "CACHE_URL": REDIS_URL, "BEHIND_TLS_PROXY": "1",
        "FORWARDED_ALLOW_IPS": "127.0.0.1", "SECURE_HSTS_SECONDS": "0", "CELERY_BROKER_URL": "",
        "AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


@pytest.fixture
def replicas(static_root, tmp_path, settings):
    settings.PASSWORD_HASHERS = HASHERS
    s3_port, ports = free_port(), (free_port(), free_port())
    environment = {
        **os.environ, **production_environment(), "STATIC_ROOT": str(static_root), "VAR_DIR": str(tmp_path),
        "DATABASE_URL": database_url(), "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
    }
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    redis.Redis.from_url(REDIS_URL).flushdb()
    storage = subprocess.Popen([sys.executable, "-m", "moto.server", "--host", "127.0.0.1", "--port", str(s3_port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers = [storage] + [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "accreditation.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--forwarded-allow-ips", "127.0.0.1", "--no-control-socket"],
            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"gunicorn-{port}.log", "w"),
        )
        for port in ports
    ]
    try:
        # As compose's migrate service does before the replicas serve.
        subprocess.run([sys.executable, "manage.py", "prepare_storage"], cwd=ROOT, env=environment, check=True,
                       capture_output=True)
        bucket = boto3.resource("s3", endpoint_url=environment["AWS_S3_ENDPOINT_URL"], aws_access_key_id="test",
                                aws_secret_access_key="test", region_name="us-east-1").Bucket(BUCKET)
        for port, server in zip(ports, servers[1:]):
            wait_for(f"http://127.0.0.1:{port}/", server)
        cookies = {}
        yield Replica(ports[0], cookies), Replica(ports[1], cookies), bucket
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)


def test_a_session_a_file_and_failed_sign_ins_hold_across_both_replicas(replicas, enrolled):
    first, second, bucket = replicas
    member = MembershipFactory(facility=enrolled.facility, user__email=f"member-{uuid.uuid4().hex[:8]}@hospital.example").user
    member.set_password(PASSWORD)
    member.save()

    # Signed in on one, signed in on the other: the session is in the shared database.
    signed_in = first.sign_in(member.email, PASSWORD)
    assert signed_in.status_code == 302 and "; Secure" in signed_in.headers["Set-Cookie"]
    dashboard = second.get("/facility/")
    assert dashboard.status_code == 200 and enrolled.facility.name in dashboard.text

    # Uploaded through one, stored in the bucket, downloaded through the other.
    content = b"%PDF-1.4 radiation safety policy " + uuid.uuid4().bytes + b"\n%%EOF"
    upload = first.post_form("/facility/documents/", {"title": "Radiation safety policy"},
                             files={"upload": ("policy.pdf", content, "application/pdf")})
    assert upload.status_code in (200, 302)
    document = FacilityDocument.objects.get(facility=enrolled.facility, title="Radiation safety policy")
    assert [item.key for item in bucket.objects.all()] == [document.file.name]
    download = second.get(f"/documents/uploaded/{document.pk}/")
    assert download.status_code == 200 and download.content == content

    # Five wrong passwords, taking turns on both replicas, lock the account on both.
    first.cookies.clear()  # a fresh browser: allauth sends a signed-in person away from its sign-in page
    rep = enrolled.rep
    rep.email = f"rep-{uuid.uuid4().hex[:8]}@hospital.example"
    rep.set_password(PASSWORD)
    rep.save()
    rep.emailaddress_set.update(email=rep.email)
    for attempt in range(5):
        replica = (first, second)[attempt % 2]
        refused = replica.sign_in(rep.email, "not-the-password")
        assert refused.status_code == 200 and "not correct" in refused.text
    for replica in (first, second):
        locked = replica.sign_in(rep.email, PASSWORD)
        assert locked.status_code == 200 and "Too many failed login attempts" in locked.text
