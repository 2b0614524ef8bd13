"""How moto draws ids in a lab (labkit.emulator.moto_ids): request ids from a stream of their own, EC2 ids
in one draw, a region's default AMIs made when its images are first looked at."""

from __future__ import annotations

import re

import labkit
from labkit.emulator.moto_ids import AmisMadeOnFirstUse, default_image_ids
from labkit.runtime.lab import Lab

RUN = {"ImageId": "ami-0a1b2c3d4e5f67890", "InstanceType": "t3.micro", "MinCount": 1, "MaxCount": 1}


def _instance_after(requests_before: int) -> tuple[str, list[str]]:
    """A new lab's instance id after ``requests_before`` read-only requests, and their request ids."""
    lab = labkit.connect("moto")
    try:
        sns = lab.client("sns")
        request_ids = [sns.list_topics()["ResponseMetadata"]["RequestId"] for _ in range(requests_before)]
        instance_id = lab.client("ec2").run_instances(**RUN)["Instances"][0]["InstanceId"]
        return instance_id, request_ids
    finally:
        lab.close()


def test_requests_before_a_launch_change_no_resource_id() -> None:
    """A request the lab (or the emulator) adds or saves draws no id a notebook prints."""
    quiet, _ = _instance_after(0)
    busy, request_ids = _instance_after(5)
    assert busy == quiet
    assert re.fullmatch(r"i-[0-9a-f]{17}", quiet)
    assert len(set(request_ids)) == 5
    assert all(re.fullmatch(r"[A-Za-z0-9]{52}", request_id) for request_id in request_ids)


def test_request_ids_repeat_run_to_run() -> None:
    _, first = _instance_after(3)
    _, again = _instance_after(3)
    assert first == again


def test_the_throwaway_us_east_1_backend_makes_no_images_but_every_region_shows_them(lab: Lab) -> None:
    from moto.ec2.models import ec2_backends

    lab.client("ec2").run_instances(**RUN)
    account = ec2_backends[lab.account_id]
    # moto's in-process mock made us-east-1's backend only to read EC2's URL patterns.
    assert isinstance(account["us-east-1"].amis, AmisMadeOnFirstUse)
    assert dict.__len__(account["us-east-1"].amis) == 0
    for region in (lab.region, "us-east-1"):
        # An image-id filter reads every image (moto filters the whole list) and answers with one: moto's
        # serialization of all ~1,300 images took most of this test (issue 15).
        ids = default_image_ids(region)
        first = min(ids)
        shown = lab.client("ec2", region).describe_images(Filters=[{"Name": "image-id", "Values": [first]}])["Images"]
        assert [image["ImageId"] for image in shown] == [first]
        assert len(ids) > 1000 and ids <= set(dict.keys(account[region].amis))


def test_an_image_the_lab_makes_follows_moto_s_images(lab: Lab) -> None:
    ec2 = lab.client("ec2")
    instance_id = ec2.run_instances(**RUN)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance_id, Name="lab-image")["ImageId"]
    from moto.ec2.models import ec2_backends

    amis = ec2_backends[lab.account_id][lab.region].amis
    assert list(amis)[-1] == image_id
    assert len(amis) > 1000
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["Name"] == "lab-image"


def test_launching_the_offline_image_makes_no_images_and_a_default_image_still_shapes_its_instance(lab: Lab) -> None:
    """moto's Instance looks its image up (DescribeImages, image-id filter) to copy its architecture and platform:
    for an id that is none of moto's default images the answer is empty without making them; for a default
    image they are made and the instance takes its attributes."""
    from moto.ec2.models import ec2_backends

    ec2 = lab.client("ec2")
    ec2.run_instances(**RUN)
    amis = ec2_backends[lab.account_id][lab.region].amis
    assert isinstance(amis, AmisMadeOnFirstUse) and not amis.made
    assert ec2.describe_images(Filters=[{"Name": "image-id", "Values": [RUN["ImageId"]]}])["Images"] == []
    assert not amis.made
    [image] = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "platform", "Values": ["windows"]}])["Images"][
        :1
    ]
    assert amis.made and image["ImageId"] in default_image_ids(lab.region)
    launched = ec2.run_instances(**{**RUN, "ImageId": image["ImageId"]})["Instances"][0]
    assert launched["Platform"] == "windows" and launched["Architecture"] == image["Architecture"]


_OFFERINGS_DIGEST = """
import hashlib, json, sys
if sys.argv[1] == "lab":
    import labkit
    lab = labkit.connect("moto")
    lab.client("ec2").run_instances(ImageId="ami-0a1b2c3d4e5f67890", InstanceType="t3.micro", MinCount=1, MaxCount=1)
from moto.ec2.models.instance_types import INSTANCE_TYPE_OFFERINGS as offerings
if sys.argv[1] == "lab":
    print(sorted({type(by_region).__name__ for by_region in offerings.values()}))
    print(sorted((kind, sorted(by_region._read)) for kind, by_region in offerings.items()))
every = {kind: {region: by_region[region] for region in sorted(by_region)} for kind, by_region in offerings.items()}
print(hashlib.sha256(json.dumps(every, sort_keys=True).encode()).hexdigest())
"""


def test_instance_type_offerings_are_read_per_region_when_looked_up_and_equal_moto_s() -> None:
    """Importing moto.ec2 in a lab reads no offering file; a launch reads its region's ("region" location type:
    moto checks the type is offered there); every region's, read later, equals what moto reads on import."""
    import subprocess
    import sys
    from pathlib import Path

    def run(mode: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", _OFFERINGS_DIGEST, mode],
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.splitlines()

    kinds, read, digest = run("lab")
    assert kinds == "['OfferingsOnFirstUse']"
    assert read == "[('availability-zone', []), ('availability-zone-id', []), ('region', ['ap-northeast-1'])]"
    assert run("moto") == [digest]
