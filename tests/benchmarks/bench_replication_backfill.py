"""Benchmark: how fast s3_replication and ecr_replication backfill what existed before replication.

Run ``python -m tests.benchmarks.bench_replication_backfill`` (starts its own emulator). Prints, for
S3, the wall time of a backfill of OBJECTS objects with one worker and with eight, and of the
idempotent re-run; for ECR, the wall time of a backfill of IMAGES images in REPOSITORIES repositories
(each re-pushed under a temporary tag, replicated with the emulated ``replication`` latency, tagged and
cleaned up) and of the re-run. Figures only: nothing here passes or fails on timing.
"""

import hashlib
import json
import os
import sys
import time
from pathlib import Path

# Run as a script from anywhere: the repository root is where `tests` is importable from.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import boto3  # noqa: E402

from tests.conftest import invoke_module  # noqa: E402
from tests.emulator.launcher import EmulatorProcess  # noqa: E402
from tests.emulator.launcher import emulator_env  # noqa: E402

SEOUL, TOKYO = "ap-northeast-2", "ap-northeast-1"
OBJECTS = 300
REPOSITORIES = 5
IMAGES_PER_REPOSITORY = 4
REPLICATION_LATENCY = 1.0


def manifest(name):
    def digest(part):
        return "sha256:" + hashlib.sha256(f"{name}/{part}".encode()).hexdigest()

    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7, "digest": digest("c")},
            "layers": [
                {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 6, "digest": digest("l")}
            ],
        }
    )


def timed(name, args):
    started = time.monotonic()
    result = invoke_module(name, args)
    wall = time.monotonic() - started
    assert not result.get("failed"), result
    return wall, result


def bench_s3(client):
    seoul = boto3.client("s3", region_name=SEOUL)
    tokyo = boto3.client("s3", region_name=TOKYO)
    figures = {}
    for workers in (1, 8):
        source, destination = f"bench-{workers}", f"bench-{workers}-dr"
        seoul.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": SEOUL})
        tokyo.create_bucket(Bucket=destination, CreateBucketConfiguration={"LocationConstraint": TOKYO})
        for number in range(OBJECTS):
            seoul.put_object(Bucket=source, Key=f"data/{number:05d}.json", Body=b"x" * 1024)
        args = {
            "bucket": source,
            "source_region": SEOUL,
            "destination_bucket": destination,
            "region": TOKYO,
            "backfill": True,
            "max_concurrency": workers,
        }
        wall, result = timed("s3_replication", args)
        assert result["backfill"]["copied"] == OBJECTS
        rerun, again = timed("s3_replication", args)
        assert not again["changed"]
        figures[workers] = (wall, rerun)
    print(f"s3_replication backfill of {OBJECTS} objects of 1 KiB (CopyObject across regions):")
    for workers, (wall, rerun) in figures.items():
        print(
            f"  max_concurrency={workers}: {wall:.2f} s wall ({OBJECTS / wall:.0f} objects/s), "
            f"idempotent re-run {rerun:.2f} s"
        )


def bench_ecr(client):
    client.configure(latency={"replication": REPLICATION_LATENCY})
    seoul = boto3.client("ecr", region_name=SEOUL)
    for repo in range(REPOSITORIES):
        name = f"bench-service-{repo}"
        seoul.create_repository(repositoryName=name)
        for image in range(IMAGES_PER_REPOSITORY):
            seoul.put_image(repositoryName=name, imageManifest=manifest(f"{name}-{image}"), imageTag=f"v{image}")
    args = {"source_region": SEOUL, "region": TOKYO, "backfill": True, "wait_timeout": 120}
    wall, result = timed("ecr_replication", args)
    images = REPOSITORIES * IMAGES_PER_REPOSITORY
    assert result["backfill"]["triggered"] == images, result["backfill"]
    rerun, again = timed("ecr_replication", args)
    assert not again["changed"]
    print(
        f"ecr_replication backfill of {images} images in {REPOSITORIES} repositories, emulated replication "
        f"{REPLICATION_LATENCY:.1f} s per image:"
    )
    print(
        f"  {wall:.2f} s wall (one shared wait: sequential replications would take >= "
        f"{images * REPLICATION_LATENCY:.0f} s), idempotent re-run {rerun:.2f} s"
    )


def main():
    with EmulatorProcess() as emulator:
        os.environ.update(emulator_env(emulator.endpoint))
        bench_s3(emulator.client)
        bench_ecr(emulator.client)


if __name__ == "__main__":
    main()
