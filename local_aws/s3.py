"""S3 as AWS answers HEAD requests, where moto differs, and access denied on demand.

A HEAD response has no body, so real S3 cannot say NoSuchBucket: a key in a missing bucket is
answered with the same bare 404 as a missing key, and a denied HEAD with a bare 403. moto
answers HeadObject on a missing bucket with a NoSuchBucket body; here it answers as S3 does.
A denied PutObject is S3's 403 AccessDenied "Access Denied" (S3 API reference, Error responses).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from moto.s3.exceptions import MissingBucket
from moto.s3.responses import S3Response

from .overrides import override

ACCESS_DENIED = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
                 "<RequestId>LOCAL</RequestId></Error>")


@dataclass
class S3Emulator:
    denied_prefixes: tuple[str, ...] = ()        # "bucket/key-prefix" that HeadObject is denied on (403)
    put_denied: tuple[str, ...] = ()             # "bucket/key-prefix" that PutObject is denied on (403 AccessDenied)
    denied_calls: list[str] = field(default_factory=list)

    @staticmethod
    def _denied(bucket: str, key: str, prefixes: tuple[str, ...]) -> bool:
        return any(f"{bucket}/{key}".startswith(prefix) for prefix in prefixes)

    @contextmanager
    def installed(self) -> Iterator["S3Emulator"]:
        emulator = self
        original = S3Response.head_object

        def head_object(response, bucket_name, query, key_name, headers):
            if emulator._denied(bucket_name, key_name, emulator.denied_prefixes):
                emulator.denied_calls.append(f"HeadObject s3://{bucket_name}/{key_name}: 403")
                return 403, {}, ""
            try:
                return original(response, bucket_name, query, key_name, headers)
            except MissingBucket:
                return 404, {}, ""

        original_put = S3Response.put_object

        def put_object(response):
            key = response.parse_key_name()
            if emulator._denied(response.bucket_name, key, emulator.put_denied):
                emulator.denied_calls.append(f"PutObject s3://{response.bucket_name}/{key}: 403")
                return 403, {"Content-Type": "application/xml"}, ACCESS_DENIED
            return original_put(response)

        with override(S3Response, "head_object", head_object, rows=("s3-head-bodiless", "s3-access-denied")), \
                override(S3Response, "put_object", put_object, rows=("s3-access-denied",)):
            yield self
