"""Runs the FindChampion step's container command against moto's SageMaker model registry.

Usage: python3 champion_lookup_moto.py <case.json>. The case gives the container command (the launcher and the
program chunks, exactly as the pipeline definition passes them), the group to look in, and the model packages
to register first. Each package is registered in order (so creation times increase), then its approval status
is set. Prints one JSON object: the champion.json the command wrote, its stdout, stderr and exit code.
"""
import json
import logging
import os
import subprocess
import sys
import tempfile

import boto3
from moto.server import ThreadedMotoServer

REGION = "eu-west-1"


def main():
    with open(sys.argv[1]) as f:
        case = json.load(f)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on stderr
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
    try:
        sagemaker = boto3.client("sagemaker", region_name=REGION, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
        for group in case["groups"]:
            sagemaker.create_model_package_group(ModelPackageGroupName=group)
        for package in case["packages"]:
            arn = sagemaker.create_model_package(
                ModelPackageGroupName=package["group"],
                ModelApprovalStatus="PendingManualApproval",
                InferenceSpecification={
                    "Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/serve:1", "ModelDataUrl": package["modelDataUrl"]}],
                    "SupportedContentTypes": ["text/csv"],
                    "SupportedResponseMIMETypes": ["text/csv"],
                },
            )["ModelPackageArn"]
            if package["status"] != "PendingManualApproval":
                sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=package["status"])
        out = tempfile.mkdtemp(prefix="champion-")
        env = {
            **os.environ,
            **credentials,
            **case["environment"],
            "MLOPS_CHAMPION_OUTPUT_DIR": out,
            "AWS_ENDPOINT_URL": endpoint,
        }
        done = subprocess.run(case["command"], env=env, capture_output=True, text=True, timeout=60)
        champion_file = os.path.join(out, "champion.json")
        champion = None
        if os.path.exists(champion_file):
            with open(champion_file) as f:
                champion = json.load(f)
        print(json.dumps({"champion": champion, "stdout": done.stdout, "stderr": done.stderr, "status": done.returncode}))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
