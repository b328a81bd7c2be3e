"""An S3-compatible object store on this machine, for tests: moto's server on a free port of 127.0.0.1.

The server runs in a process of its own, so that what a test measures of its own memory is not the server's, and
it stops when its standard input closes. Every client made here is given its endpoint, region and keys, and the
instance metadata service and the shared configuration files are switched off, so nothing looks for real
credentials or reaches AWS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
from boto3.s3.transfer import TransferConfig

__all__ = ["ACCESS_KEY", "REGION", "SECRET_KEY", "LocalS3", "local_s3", "storage_settings"]

ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"
REGION = "us-east-1"
OFFLINE_ENVIRONMENT = {
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_ACCESS_KEY_ID": ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
# Started with port 0, the server tells its port on its first line and serves until its standard input closes.
_SERVE = """\
import sys
from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


@dataclass(frozen=True)
class LocalS3:
    endpoint_url: str

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def bucket_create(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def keys(self, bucket: str) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=bucket)
        return sorted(entry["Key"] for entry in listing.get("Contents", []))


@contextmanager
def local_s3(bucket: str | None = None) -> Iterator[LocalS3]:
    """Start the server (and create ``bucket`` in it, when given); stop it on leaving."""
    with mock.patch.dict(os.environ, OFFLINE_ENVIRONMENT):
        server = subprocess.Popen(  # noqa: S603 - this interpreter, running the fixed script above
            [sys.executable, "-c", _SERVE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert server.stdout is not None
            port = server.stdout.readline().strip()
            if not port.isdigit():
                raise RuntimeError(f"the S3 server did not start (exit status {server.poll()})")
            s3 = LocalS3(endpoint_url=f"http://127.0.0.1:{port}")
            if bucket is not None:
                s3.bucket_create(bucket)
            yield s3
        finally:
            assert server.stdin is not None
            server.stdin.close()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def storage_settings(s3: LocalS3, bucket: str) -> dict[str, Any]:
    """``STORAGES["evidence"]`` for ``bucket`` on the local server, with the options production gives it."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": s3.endpoint_url,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            "max_memory_size": 8 * 1024**2,
            "transfer_config": TransferConfig(use_threads=False),
        },
    }
