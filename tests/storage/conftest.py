from tests.storage.s3server import rclone_bucket, rclone_s3, s3_bucket, s3_endpoint  # noqa: F401  (fixtures)
