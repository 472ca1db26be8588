FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml .
RUN pip install --no-cache-dir .
COPY . .
ENV DJANGO_SETTINGS_MODULE=accreditation.production
RUN DJANGO_SECRET_KEY=build-only ALLOWED_HOSTS=build CACHE_URL=redis://build python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "accreditation.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--no-control-socket"]
