"""Drives the real Copr API 2 client (copr==1.112) for an SRPM upload (``create_from_file``).

``python copr_upload_script.py ROOT_URL LOGIN TOKEN upload SRPM_PATH`` creates a project and submits the
file; ``... show BUILD_ID`` prints the build as the client sees it. Prints one JSON object."""

import json
import sys
import warnings

warnings.simplefilter("ignore")

from copr.client_v2.client import CoprClient  # noqa: E402

BUILD = ["id", "state", "submitter", "package_version", "package_name", "submitted_on", "source_type",
         "source_metadata"]


def main():
    root_url, login, token, phase, arg = sys.argv[1:6]
    client = CoprClient.create_from_params(root_url=root_url, login=login, token=token)
    if phase == "upload":
        project = client.projects.create(name="hello", owner=login, chroots=["fedora-40-x86_64", "epel-9-x86_64"])
        build = client.builds.create_from_file(project.id, file_path=arg, chroots=["fedora-40-x86_64",
                                                                                   "epel-9-x86_64"])
        out = {name: getattr(build, name) for name in BUILD}
    else:
        build = client.builds.get_one(int(arg))
        out = {name: getattr(build, name) for name in BUILD}
        # the client's BuiltPackageSchema hands them out as dicts
        out["built_packages"] = [dict(p) for p in build.built_packages or []]
        out["tasks"] = sorted((t.chroot_name, t.state) for t in build.get_build_tasks())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
