"""S3-compatible object storage (AWS, MinIO, Garage, R2, rclone serve s3) through boto3.

Bytes are streamed in both directions: uploads go through boto3's managed transfer (multipart
above TONEARM_S3_MULTIPART_THRESHOLD), reads are ranged GETs handed out as file-like bodies,
and `fetch` downloads to a temporary file for code that needs a path (PyAV, Pillow).
Credentials come from boto3's standard chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...).
"""

from __future__ import annotations

import io
import mimetypes
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from tonearm.storage.base import ObjectInfo, check_key

_MISSING = {"404", "NoSuchKey", "NotFound"}


def _missing(exc: ClientError) -> bool:
    err = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return str(err.get("Code")) in _MISSING or status == 404


class S3Storage:
    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str = "", region: str = "us-east-1",
                 multipart_threshold: int = 64 * 1024**2):
        if not bucket:
            raise ValueError("s3:// storage URLs need a bucket: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if self.prefix:
            check_key(self.prefix)
        config = Config(
            signature_version="s3v4",
            region_name=region or "us-east-1",
            s3={"addressing_style": "path"} if endpoint_url else {},
            retries={"max_attempts": 4, "mode": "standard"},
            # Some S3-compatible servers (rclone serve s3) send the whole object's CRC with a ranged
            # GET; validating it against the range fails. Checksums only where the API requires them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self.client = boto3.session.Session().client("s3", endpoint_url=endpoint_url or None, config=config)
        chunk = max(8 * 1024**2, min(multipart_threshold, 512 * 1024**2))
        self.transfer = TransferConfig(multipart_threshold=max(5 * 1024**2, multipart_threshold),
                                       multipart_chunksize=chunk, max_concurrency=4)

    def object_key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, src: Path) -> ObjectInfo:
        ctype = mimetypes.guess_type(key)[0] or "application/octet-stream"
        self.client.upload_file(str(src), self.bucket, self.object_key(key),
                                ExtraArgs={"ContentType": ctype}, Config=self.transfer)
        info = self.stat(key)
        if info is None:  # read-after-write is strong on S3; a backend that loses it is broken
            raise OSError(f"object {key!r} vanished right after upload")
        return info

    def open(self, key: str, offset: int = 0, length: int | None = None) -> BinaryIO:
        if length is not None and length <= 0:
            return io.BytesIO(b"")
        params = {"Bucket": self.bucket, "Key": self.object_key(key)}
        if offset or length is not None:
            end = "" if length is None else str(offset + length - 1)
            params["Range"] = f"bytes={offset}-{end}"
        try:
            return self.client.get_object(**params)["Body"]
        except ClientError as exc:
            if _missing(exc):
                raise FileNotFoundError(key) from None
            raise

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        except ValueError:
            return None
        return ObjectInfo(key=key, size=int(head["ContentLength"]), mtime=head["LastModified"].timestamp(),
                          etag=(head.get("ETag") or "").strip('"') or None)

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))
        except ValueError:
            return
        except ClientError as exc:
            if not _missing(exc):
                raise

    @contextmanager
    def fetch(self, key: str, workdir: Path | None = None) -> Iterator[Path]:
        fd, name = tempfile.mkstemp(prefix="fetch-", dir=str(workdir) if workdir else None)
        os.close(fd)
        path = Path(name)
        try:
            try:
                self.client.download_file(self.bucket, self.object_key(key), name, Config=self.transfer)
            except ClientError as exc:
                if _missing(exc):
                    raise FileNotFoundError(key) from None
                raise
            yield path
        finally:
            path.unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        return None

    # ---- presigned URLs: clients send and fetch bytes without passing through Tonearm
    def presign_get(self, key: str, expires_in: int, *, content_type: str | None = None,
                    disposition: str | None = None) -> str:
        params = {"Bucket": self.bucket, "Key": self.object_key(key)}
        if content_type:
            params["ResponseContentType"] = content_type
        if disposition:
            params["ResponseContentDisposition"] = disposition
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=max(1, int(expires_in)))

    def presign_put(self, key: str, expires_in: int, *, content_length: int | None = None) -> str:
        """A PUT URL; with `content_length` the size is signed in and S3 refuses a body of any other length."""
        params = {"Bucket": self.bucket, "Key": self.object_key(key)}
        if content_length is not None:
            params["ContentLength"] = int(content_length)
        return self.client.generate_presigned_url("put_object", Params=params, ExpiresIn=max(1, int(expires_in)))

    def presign_post(self, key: str, expires_in: int, *, max_bytes: int, content_type_prefix: str) -> dict:
        """A browser form upload: {"url", "fields"}; S3 enforces the size range and the type prefix."""
        conditions = [["content-length-range", 1, int(max_bytes)], ["starts-with", "$Content-Type", content_type_prefix]]
        return self.client.generate_presigned_post(self.bucket, self.object_key(key), Conditions=conditions,
                                                   ExpiresIn=max(1, int(expires_in)))

    # ---- client-side multipart uploads (Tonearm extension for large originals)
    def multipart_start(self, key: str) -> str:
        return self.client.create_multipart_upload(Bucket=self.bucket, Key=self.object_key(key),
                                                   ContentType="application/octet-stream")["UploadId"]

    def presign_part(self, key: str, upload_id: str, number: int, size: int, expires_in: int) -> str:
        """A part URL with its exact Content-Length signed in: S3 refuses a part of any other size."""
        params = {"Bucket": self.bucket, "Key": self.object_key(key), "UploadId": upload_id,
                  "PartNumber": int(number), "ContentLength": int(size)}
        return self.client.generate_presigned_url("upload_part", Params=params, ExpiresIn=max(1, int(expires_in)))

    def multipart_put_part(self, key: str, upload_id: str, number: int, body: BinaryIO, size: int) -> str:
        """Upload one part from a file object (server side: tus uploads); returns its ETag."""
        return self.client.upload_part(Bucket=self.bucket, Key=self.object_key(key), UploadId=upload_id,
                                       PartNumber=int(number), Body=body, ContentLength=int(size))["ETag"]

    def multipart_parts(self, key: str, upload_id: str) -> list[dict] | None:
        """[{PartNumber, ETag, Size}] uploaded so far, or None when the upload is gone (completed/aborted)."""
        parts: list[dict] = []
        kwargs = {"Bucket": self.bucket, "Key": self.object_key(key), "UploadId": upload_id}
        try:
            while True:
                page = self.client.list_parts(**kwargs)
                parts += [{"PartNumber": p["PartNumber"], "ETag": p["ETag"], "Size": p["Size"]}
                          for p in page.get("Parts", [])]
                if not page.get("IsTruncated"):
                    return parts
                kwargs["PartNumberMarker"] = page["NextPartNumberMarker"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchUpload", "404"):
                return None
            raise

    def multipart_complete(self, key: str, upload_id: str, parts: list[dict]) -> None:
        listed = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in sorted(parts, key=lambda p: p["PartNumber"])]
        self.client.complete_multipart_upload(Bucket=self.bucket, Key=self.object_key(key), UploadId=upload_id,
                                              MultipartUpload={"Parts": listed})

    def multipart_abort(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.object_key(key), UploadId=upload_id)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("NoSuchUpload", "404"):
                raise
