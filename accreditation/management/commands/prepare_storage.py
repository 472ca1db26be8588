"""Create the S3 bucket the portal stores files in, waiting for the storage service to answer; idempotent."""
import time

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the configured S3 bucket if it does not exist (nothing to do for storage on disk)."

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=float, default=30, help="seconds to wait for the storage service")

    def handle(self, *args, wait, **options):
        bucket_name = getattr(default_storage, "bucket_name", None)
        if not bucket_name:
            self.stdout.write("Files are stored on disk: no bucket to prepare.")
            return
        client = default_storage.connection.meta.client
        deadline = time.monotonic() + wait
        while True:
            try:
                existing = {bucket["Name"] for bucket in client.list_buckets()["Buckets"]}
                break
            except (BotoCoreError, ClientError) as error:
                # The storage service starts beside the portal (honcho, compose) and may not listen yet.
                if time.monotonic() > deadline:
                    raise CommandError(f"The storage service does not answer: {error}") from error
                time.sleep(0.5)
        if bucket_name not in existing:
            client.create_bucket(Bucket=bucket_name)
        self.stdout.write(self.style.SUCCESS(f"Bucket {bucket_name} is ready."))
