"""An ``s3://bucket/path`` dash_root: its parts and the pyarrow S3 file system that reaches it.

Credentials and region come from the standard AWS environment (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, or
the AWS config files pyarrow reads itself). The endpoint of a non-AWS server (MinIO, moto)
comes from ``ML_DASH_S3_ENDPOINT``, else ``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL``:
pyarrow does not read those itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyarrow.fs as pafs

from ml_dash_ros.errors import RemoteError

SCHEME = "s3://"
ENDPOINT_ENVS = ("ML_DASH_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
CONNECT_TIMEOUT = 5.0     # seconds; a server that is down is reported, not waited for
REQUEST_TIMEOUT = 30.0
_REFUSED = ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ACCESS_DENIED",
            "InvalidClientTokenId", "InvalidToken", "ExpiredToken", "Forbidden", "403")


@dataclass(frozen=True)
class RemoteRoot:
    """``s3://bucket/path``: the bucket and the key prefix every recording is under."""

    bucket: str
    path: str           # no leading or trailing '/', '' for the bucket's top

    @property
    def uri(self) -> str:
        """Return ``s3://bucket/path``."""
        return f"{SCHEME}{self.bucket}/{self.path}".rstrip("/")

    def key(self, relative: str = "") -> str:
        """Return the pyarrow path (``bucket/path/relative``) of a name under the root."""
        parts = [self.bucket, self.path, relative.strip("/")]
        return "/".join(p for p in parts if p)


def is_remote(dash_root: object) -> bool:
    """Return True for an ``s3://`` dash_root."""
    return isinstance(dash_root, str) and dash_root.lower().startswith(SCHEME)


def parse(uri: str) -> RemoteRoot:
    """Split ``s3://bucket/path``; ValueError naming the URI when it has no bucket."""
    if not is_remote(uri):
        raise ValueError(f"dash_root {uri!r}: expected s3://bucket/path")
    bucket, _, path = uri[len(SCHEME):].partition("/")
    if not bucket:
        raise ValueError(f"dash_root {uri!r}: no bucket (expected s3://bucket/path)")
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ValueError(f"dash_root {uri!r}: '.' and '..' are not allowed in the path")
    return RemoteRoot(bucket, "/".join(parts))


def endpoint() -> str | None:
    """Return the endpoint URL set in the environment, or None (AWS itself)."""
    for name in ENDPOINT_ENVS:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def filesystem(endpoint_url: str | None = None) -> pafs.S3FileSystem:
    """Build the S3 file system from the environment; ``endpoint_url`` overrides it."""
    url = endpoint_url or endpoint()
    options: dict = {"connect_timeout": CONNECT_TIMEOUT, "request_timeout": REQUEST_TIMEOUT,
                     "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=3)}
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        options["region"] = region
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        options.update(access_key=key, secret_key=secret,
                       session_token=os.environ.get("AWS_SESSION_TOKEN"))
    if url:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"S3 endpoint {url!r}: expected http(s)://host[:port]")
        options.update(endpoint_override=parts.netloc, scheme=parts.scheme)
    return pafs.S3FileSystem(**options)


def check_access(fs: pafs.FileSystem, root: RemoteRoot) -> None:
    """Raise RemoteError, naming the URI and the fault, unless the root's bucket is listable."""
    where = f"{root.uri} (endpoint {endpoint() or 'AWS'})"
    try:
        info = fs.get_file_info(root.bucket)
        if info.type == pafs.FileType.NotFound:
            raise RemoteError(f"{where}: bucket {root.bucket!r} does not exist")
        fs.get_file_info(pafs.FileSelector(root.key(), allow_not_found=True))
    except RemoteError:
        raise
    except OSError as err:
        raise RemoteError(f"{where}: {describe(err)}") from err


def describe(err: OSError) -> str:
    """Return a short account of a failed S3 request (credentials refused, unreachable...)."""
    text = str(err)
    if "NO_SUCH_BUCKET" in text or "NoSuchBucket" in text:
        return f"the bucket does not exist ({_first_line(text)})"
    if any(word in text for word in _REFUSED):
        return ("credentials refused: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY "
                f"({_first_line(text)})")
    if "connect" in text.lower() or "NETWORK_CONNECTION" in text:
        return f"cannot reach the server: {_first_line(text)}"
    return _first_line(text)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"
