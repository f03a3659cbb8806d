"""S3 access from inside a container: the endpoint comes from the environment sagesim sets
(S3_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL), since Debian's boto3 1.26 reads none of them."""
import os
from urllib.parse import urlparse


def endpoint_url():
    for name in ("S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
        value = os.environ.get(name)
        if value:
            return value
    return None


def client():
    import boto3
    from botocore.config import Config

    endpoint = endpoint_url()
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    # Emulators on 127.0.0.1 only understand path-style addressing.
    config = Config(s3={"addressing_style": "path"}) if endpoint else None
    return boto3.client("s3", endpoint_url=endpoint, region_name=region, config=config)


def parse_uri(uri):
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError("not an s3:// URI: %s" % uri)
    return parsed.netloc, parsed.path.lstrip("/")


def download_file(uri, destination):
    bucket, key = parse_uri(uri)
    client().download_file(bucket, key, destination)
