import os
import subprocess
import sys
from pathlib import Path


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
        cwd=Path(__file__).resolve().parent.parent, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
