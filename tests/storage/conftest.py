from tests.storage.s3server import s3_bucket, s3_endpoint  # noqa: F401  (fixtures)
