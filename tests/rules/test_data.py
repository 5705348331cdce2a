"""The rules of ``sagemaker_hpo.rules.data`` (HPO-DATA): their cases, keyed by rule id, each run as a tuning job at
synth time (``tests/rules/cases.py``)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from sagemaker_hpo import InputMode, S3Location
from tests.construct_support import training
from tests.rules.builders import csv_input, custom_image_job, gzip_input, other_region_output
from tests.rules.cases import Overrides, accepts, rejects

#: Stack props of the cases that need a stack with a known Region.
STACK_PROPS: dict[str, dict[str, Any]] = {
    "HPO-DATA-009": {"env": cdk.Environment(account="111122223333", region="eu-west-1")},
}

FAILING: list[tuple[str, Overrides, str]] = [
    # data
    (
        "HPO-DATA-001:output",
        lambda s: {"training": training(output_path="https:/nowhere")},
        r"output_path: 'https:/nowhere'",
    ),
    (
        "HPO-DATA-001:input",
        lambda s: {"training": training(inputs={"train": "/local/path"})},
        r"training.inputs\['train'\]: '/local/path'; not an S3 URI",
    ),
    (
        "HPO-DATA-001:checkpoint",
        lambda s: {"training": training(checkpoint_path="checkpoints/")},
        r"training.checkpoint_path: 'checkpoints/'; not an S3 URI",
    ),
    (
        "HPO-DATA-002",
        lambda s: {"training": training(inputs={"train": "s3://My_Data/train/"})},
        r"training.inputs\['train'\]: 's3://My_Data/train/'; bucket name 'My_Data' is not a valid S3 bucket name",
    ),
    (
        "HPO-DATA-002:short",
        lambda s: {"training": training(output_path="s3://b/out/")},
        r"training.output_path: 's3://b/out/'; bucket name 'b'",
    ),
    (
        "HPO-DATA-003",
        lambda s: {"training": training(inputs={"train data": csv_input("s3://bkt/t/")})},
        r"channel name: 'train data'.*\[A-Za-z0-9",
    ),
    (
        "HPO-DATA-004",
        lambda s: {"training": training(inputs={f"c{i}": "s3://bkt/p/" for i in range(21)})},
        r"training.inputs: '21 entries'.*0 to 20",
    ),
    (
        "HPO-DATA-005",
        lambda s: {"training": training(inputs={"train": csv_input("s3://bkt/t/", "csv")})},
        r"training.inputs\['train'\].content_type: 'csv'; must be a MIME type",
    ),
    (
        "HPO-DATA-006",
        lambda s: {"training": training(inputs={"train": "s3://my-data/train/"})},
        r"training.inputs\['train'\].content_type: None; built-in XGBoost reads a channel without a content type as "
        r"libsvm",
    ),
    (
        "HPO-DATA-007",
        lambda s: {"training": training(inputs={"train": csv_input("s3://bkt/t/", "application/json")})},
        r"content_type: 'application/json'; built-in XGBoost reads text/csv",
    ),
    (
        "HPO-DATA-002:reserved-suffix",
        lambda s: {"training": training(output_path="s3://my-data--x-s3/out/")},
        r"bucket name 'my-data--x-s3' is not a valid S3 bucket name: must not end with '--x-s3'",
    ),
    (
        "HPO-DATA-002:xn",
        lambda s: {"training": training(checkpoint_path="s3://xn--data/ckpt/")},
        r"training.checkpoint_path: .*must not start with 'xn--'",
    ),
    (
        "HPO-DATA-002:ip",
        lambda s: {"training": training(output_path="s3://192.168.5.4/out/")},
        r"must not be formatted as an IP address",
    ),
    (
        "HPO-DATA-002:dots",
        lambda s: {"training": training(output_path="s3://my..data/out/")},
        r"must not contain two adjacent dots",
    ),
    (
        "HPO-DATA-008",
        lambda s: custom_image_job(s, inputs={"train": gzip_input()}),
        r"training.inputs\['train'\].compression: 'Gzip'; Gzip is read in Pipe mode only; this channel is read in File",
    ),
    (
        "HPO-DATA-008:fast-file",
        lambda s: custom_image_job(s, inputs={"train": gzip_input(InputMode.FAST_FILE)}, input_mode=InputMode.PIPE),
        r"read in FastFile mode",
    ),
    (
        "HPO-DATA-009",
        lambda s: {"training": training(output_path=other_region_output(s))},
        r"training.output_path: 's3://my-data-us/out/'; the bucket is in us-east-1, the job's stack in eu-west-1",
    ),
]
PASSING: list[tuple[str, Overrides]] = [
    (
        "HPO-DATA-001",
        lambda s: {"training": training(output_path="s3://my-data/out", checkpoint_path="s3://my-data/c/")},
    ),
    ("HPO-DATA-002", lambda s: {"training": training(inputs={"train": csv_input("s3://my.data-1/train/")})}),
    ("HPO-DATA-003", lambda s: {"training": training(inputs={"c.1-_": "s3://bkt/p/"})}),
    ("HPO-DATA-004", lambda s: {"training": training(inputs={f"c.{i}-_": "s3://bkt/p/" for i in range(20)})}),
    ("HPO-DATA-004:none", lambda s: {"training": training(inputs={})}),
    (
        "HPO-DATA-005",
        lambda s: {"training": training(inputs={"train": csv_input("s3://bkt/t/", "text/csv; label_size=1")})},
    ),
    (
        "HPO-DATA-006",
        lambda s: {"training": training(inputs={"train": csv_input("s3://bkt/t/"), "extra": "s3://bkt/x/"})},
    ),
    ("HPO-DATA-007", lambda s: {"training": training(inputs={"train": csv_input("s3://bkt/t/", "text/libsvm")})}),
    ("HPO-DATA-008", lambda s: custom_image_job(s, inputs={"train": gzip_input(InputMode.PIPE)})),
    (
        "HPO-DATA-008:definition",
        lambda s: custom_image_job(s, inputs={"train": gzip_input()}, input_mode=InputMode.PIPE),
    ),
    (
        "HPO-DATA-009",
        lambda s: {
            "training": training(
                output_path=S3Location.from_bucket(
                    s3.Bucket.from_bucket_attributes(s, "EuBucket", bucket_name="my-data-eu", region="eu-west-1"),
                    "out/",
                )
            )
        },
    ),  # fmt: skip
]

test_rule_rejects = rejects(FAILING, stack_props=STACK_PROPS)
test_rule_accepts = accepts(PASSING, stack_props=STACK_PROPS)
