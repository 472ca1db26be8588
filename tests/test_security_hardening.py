"""Hardening every page shares: a second factor for privileged roles, CSP and privacy headers, rate limits, the proxy."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from allauth.mfa.models import Authenticator
from django.urls import reverse

from facilities.models import Facility

from .conftest import body_of, sign_in
from .factories import AssessorFactory, FacilityFactory, OfficeUserFactory, totp_code
from .test_permission_matrix import MATRIX, world  # noqa: F401 (the matrix's world is a fixture)
from .test_registration import registration_data

pytestmark = pytest.mark.django_db

MFA_SETUP = reverse("mfa_index")  # the choice: an authenticator app or a security key


# A second factor: optional for everyone, required for office staff, the chairperson and assessors.


@pytest.mark.parametrize("role", ["office", "chair", "assessor", "assigned_assessor"])
def test_office_staff_and_assessors_without_a_second_factor_reach_no_page_but_its_setup(client, world, role):
    user = world.users[role]
    Authenticator.objects.filter(user=user).delete()
    client.force_login(user)
    urls = [reverse(name, kwargs=kwargs_of(world)) for name, (kwargs_of, _codes) in MATRIX.items()]
    urls += [reverse("admin:index"), reverse("admin:facilities_user_changelist")]
    reached = {url: response.status_code for url in urls if (response := client.get(url)).get("Location") != MFA_SETUP}
    assert reached == {}, "pages reached without a second factor"
    page = client.get(reverse("office:attention"), follow=True)
    assert "Set up an authenticator app or a security key to continue" in page.content.decode()
    # Their account pages stay open, so they can enrol (and sign out).
    assert client.get(reverse("account_email")).status_code == 200


def test_after_enrolling_an_authenticator_app_the_office_area_opens(client):
    office = OfficeUserFactory(second_factor=False)
    sign_in(client, office.email)
    assert client.get(reverse("office:attention")).url == MFA_SETUP
    assert reverse("mfa_activate_totp") in client.get(MFA_SETUP).content.decode()
    # allauth confirms the password before a second factor is added.
    confirm = client.get(reverse("mfa_activate_totp"))
    client.post(confirm.url, {"password": "correct-horse-battery"})
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200 and "data:image/svg" in setup.content.decode()  # the QR code
    secret = setup.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("office:attention")).status_code == 200
    # Recovery codes came with it, for a lost phone.
    assert Authenticator.objects.filter(user=office, type=Authenticator.Type.RECOVERY_CODES).exists()


def test_signing_in_with_a_second_factor_asks_for_its_code_and_refuses_a_wrong_one(client):
    assessor = AssessorFactory()
    response = client.post(reverse("account_login"), {"login": assessor.email, "password": "correct-horse-battery"})
    assert response.url == reverse("mfa_authenticate")
    wrong = "000000" if totp_code() != "000000" else "111111"
    page = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert page.status_code == 200 and "Incorrect code" in page.content.decode()
    assert client.get(reverse("assessment:queue")).status_code == 302  # still not signed in
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert client.get(reverse("assessment:queue")).status_code == 200


def test_facility_staff_may_add_a_second_factor_but_need_not(client, enrolled):
    client.force_login(enrolled.member)
    assert client.get(reverse("facilities:dashboard")).status_code == 200
    assert client.get(MFA_SETUP).status_code == 200


# Headers on every page.


def test_pages_carry_a_content_security_policy_without_inline_scripts_and_a_permissions_policy(client):
    response = client.get(reverse("directory"))
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" not in response.get("Cache-Control", "")  # a public page may be cached


def test_no_template_carries_inline_script():
    """The policy would block it: scripts come from static files (a JSON data block is not run)."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    inline = re.compile(r"<script(?![^>]*\b(src|type=.application/json.)=?)[^>]*>|\son[a-z]+\s*=")
    offenders = [str(path.relative_to(templates)) for path in templates.rglob("*.html") if inline.search(path.read_text())]
    assert offenders == []


def test_signed_in_pages_and_downloads_are_never_stored(client, enrolled, office_user):
    client.force_login(enrolled.member)
    page = client.get(reverse("facilities:dashboard"))
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    client.force_login(office_user)
    assert "no-store" in client.get(reverse("office:facilities"))["Cache-Control"]


def test_a_download_is_never_stored(client, world):
    client.force_login(world.a.rep)
    response = client.get(reverse("invoicing:invoice_pdf", kwargs={"pk": world.a.invoice.pk}))
    assert response.status_code == 200 and body_of(response).startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


# Rate limits: registration and joining with a facility code.


def test_the_sixth_registration_from_one_address_within_an_hour_is_refused_kindly(client):
    for number in range(5):
        data = registration_data(
            name=f"Liver Tumour Unit {number}",
            authorised_representative_email=f"rep{number}@stelsewhere.example",
            main_account_holder_email=f"rep{number}@stelsewhere.example",
            deputy_representative_email=f"deputy{number}@stelsewhere.example",
        )
        assert client.post(reverse("register_facility"), data).status_code == 302
    sixth = client.post(reverse("register_facility"), registration_data(
        name="Liver Tumour Unit 6", authorised_representative_email="rep6@stelsewhere.example",
        main_account_holder_email="rep6@stelsewhere.example", deputy_representative_email="deputy6@stelsewhere.example",
    ))
    assert sixth.status_code == 429
    assert "Too many attempts" in sixth.content.decode()
    assert not Facility.objects.filter(name="Liver Tumour Unit 6").exists()
    # Another address is not affected.
    other = client.post(reverse("register_facility"), registration_data(
        name="Liver Tumour Unit 7", authorised_representative_email="rep7@stelsewhere.example",
        main_account_holder_email="rep7@stelsewhere.example", deputy_representative_email="deputy7@stelsewhere.example",
    ), REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_guessing_facility_codes_stops_after_five_tries_from_one_address(client):
    facility = FacilityFactory()
    for guess in range(5):
        response = client.post(reverse("account_signup"), {
            "first_name": "A", "last_name": "B", "email": f"guess{guess}@hospital.example",
            "facility_code": f"AAAA-BBBB-CCC{guess}", "password1": "correct-horse-battery", "password2": "correct-horse-battery",
        })
        assert response.status_code == 200  # a form error: no such facility
    sixth = client.post(reverse("account_signup"), {
        "first_name": "A", "last_name": "B", "email": "right@hospital.example",
        "facility_code": facility.code, "password1": "correct-horse-battery", "password2": "correct-horse-battery",
    })
    assert sixth.status_code == 429 and "Too many attempts" in sixth.content.decode()
    assert not facility.memberships.filter(user__email="right@hospital.example").exists()


def test_with_redis_as_the_cache_the_registration_count_is_shared_by_every_worker(client, settings):
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    shared = redis.Redis.from_url(redis_url)

    def counters():
        return list(shared.scan_iter("*register_facility*"))

    shared.delete(*counters() or ["-"])  # only this test's keys: the Celery tests share the database
    for number in range(5):
        client.post(reverse("register_facility"), registration_data(
            name=f"Unit {number}", authorised_representative_email=f"r{number}@x.example",
            main_account_holder_email=f"r{number}@x.example", deputy_representative_email=f"d{number}@x.example",
        ))
    # Another worker reads the same counter from Redis, not from this process's memory.
    assert counters()
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": ""}}  # a fresh cache connection
    sixth = client.post(reverse("register_facility"), registration_data(name="Unit 6"))
    assert sixth.status_code == 429
    shared.delete(*counters())


# Production settings.


def production_settings(**env):
    """What the production profile sets, read in a fresh interpreter with ``env``."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(repr(settings.SECURE_PROXY_SSL_HEADER)); print(settings.CACHES['default']['BACKEND']); "
        "print(getattr(settings, 'ALLAUTH_TRUSTED_PROXY_COUNT', 0))"
    )
    environment = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "accreditation.production", "DJANGO_SECRET_KEY": "k" * 50,
        "ALLOWED_HOSTS": "portal.example", "CACHE_URL": "redis://127.0.0.1:6379/12", **env,
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent,
                            env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_production_trusts_x_forwarded_proto_only_behind_a_declared_proxy_and_caches_in_redis():
    header, cache_backend, proxies = production_settings()
    assert (header, proxies) == ("None", "0")
    assert cache_backend == "django.core.cache.backends.redis.RedisCache"
    # Behind the proxy, HTTPS is read from its header and rate limits count the client it forwards for.
    header, _, proxies = production_settings(BEHIND_TLS_PROXY="1")
    assert (header, proxies) == ("('HTTP_X_FORWARDED_PROTO', 'https')", "1")


@pytest.fixture
def behind_proxy(settings):
    """What accreditation.production sets with BEHIND_TLS_PROXY=1, the proxy at 10.0.0.10."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.10"]
    settings.MIDDLEWARE = ["accreditation.middleware.ForwardedHeadersFromProxyOnlyMiddleware", *settings.MIDDLEWARE]


def test_https_is_believed_from_the_proxy_and_from_no_one_else(client, behind_proxy):
    through_proxy = client.get(reverse("directory"), REMOTE_ADDR="10.0.0.10", HTTP_X_FORWARDED_PROTO="https")
    assert through_proxy.status_code == 200
    # Straight to a replica, claiming HTTPS: sent to HTTPS, as any plain request, and no secure cookie goes back.
    direct = client.get(reverse("directory"), REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_PROTO="https")
    assert direct.status_code == 301 and direct["Location"].startswith("https://")


def test_a_client_forging_x_forwarded_for_is_still_counted_at_its_own_address(client, behind_proxy):
    facility = FacilityFactory()

    def join(number, **headers):
        return client.post(reverse("account_signup"), {
            "first_name": "A", "last_name": "B", "email": f"forger{number}@hospital.example",
            "facility_code": facility.code if number == 5 else f"AAAA-BBBB-CCC{number}",
            "password1": "correct-horse-battery", "password2": "correct-horse-battery",
        }, secure=True, **headers)

    # Through the proxy, each forwarded client is counted apart: these five are one address.
    for guess in range(5):
        assert join(guess, REMOTE_ADDR="10.0.0.10", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert join(5, REMOTE_ADDR="10.0.0.10", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert join(5, REMOTE_ADDR="10.0.0.10", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302
    # Straight to a replica, a new X-Forwarded-For on every try buys no new attempts.
    for guess in range(5):
        join(guess, REMOTE_ADDR="192.0.2.60", HTTP_X_FORWARDED_FOR=f"203.0.113.{guess}")
    assert join(5, REMOTE_ADDR="192.0.2.60", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429
