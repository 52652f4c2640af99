"""S3 as AWS answers HEAD requests, where moto differs, and access denied on demand.

A HEAD response has no body, so real S3 cannot say NoSuchBucket: a key in a missing bucket is
answered with the same bare 404 as a missing key, and a denied HEAD with a bare 403. moto
answers HeadObject on a missing bucket with a NoSuchBucket body; here it answers as S3 does.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from moto.s3.exceptions import MissingBucket
from moto.s3.responses import S3Response


@dataclass
class S3Emulator:
    denied_prefixes: tuple[str, ...] = ()        # "bucket/key-prefix" that HeadObject is denied on (403)
    denied_calls: list[str] = field(default_factory=list)

    def _denied(self, bucket: str, key: str) -> bool:
        return any(f"{bucket}/{key}".startswith(prefix) for prefix in self.denied_prefixes)

    @contextmanager
    def installed(self) -> Iterator["S3Emulator"]:
        emulator = self
        original = S3Response.head_object

        def head_object(response, bucket_name, query, key_name, headers):
            if emulator._denied(bucket_name, key_name):
                emulator.denied_calls.append(f"HeadObject s3://{bucket_name}/{key_name}: 403")
                return 403, {}, ""
            try:
                return original(response, bucket_name, query, key_name, headers)
            except MissingBucket:
                return 404, {}, ""

        with mock.patch.object(S3Response, "head_object", head_object):
            yield self
