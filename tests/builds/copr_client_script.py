"""Drives the real Copr API 2 client (copr==1.112, ``copr.client_v2``) against a running server.

Run by tests/builds/test_copr_client.py with the client's own Python:
``python copr_client_script.py ROOT_URL LOGIN TOKEN GROUP``. Prints one JSON object of what it saw."""

import json
import sys
import warnings

warnings.simplefilter("ignore")

from copr.client_v2.client import CoprClient  # noqa: E402
from copr.client_v2.net_client import RequestError  # noqa: E402

PROJECT = ["id", "name", "owner", "is_a_group_project", "group", "description", "instructions", "homepage",
           "contact", "disable_createrepo", "build_enable_net", "repos"]
BUILD = ["id", "state", "submitter", "package_version", "package_name", "repos", "submitted_on", "enable_net",
         "source_type", "source_metadata"]
TASK = ["state", "started_on", "ended_on", "git_hash", "chroot_name", "build_id", "result_dir_url"]
SRPM = "https://example.org/srpms/hello-2.12-1.fc40.src.rpm"


def fields(resource, names):
    return {name: getattr(resource, name) for name in names}


def failure(call):
    try:
        call()
    except RequestError as error:
        return [error.response.status_code, error.response_json]
    return None


def main():
    root_url, login, token, group = sys.argv[1:5]
    client = CoprClient.create_from_params(root_url=root_url, login=login, token=token)
    out = {}

    # Build environments.
    out["mock_chroots"] = sorted(c.name for c in client.mock_chroots.get_list(active_only=True))
    out["mock_chroot"] = fields(client.mock_chroots.get_one("fedora-40-x86_64"),
                                ["name", "os_release", "os_version", "arch", "is_active"])

    # Projects: create, list, update, delete.
    project = client.projects.create(
        name="hello", owner=login, chroots=["fedora-40-x86_64", "epel-9-x86_64"], description="Hello, world",
        instructions="dnf copr enable " + login + "/hello", homepage="https://example.org/hello",
        contact="someone@example.org", build_enable_net=True, repos=["https://example.org/extra/"],
    )
    out["created"] = fields(project, PROJECT)
    other = client.projects.create(name="other", owner=login, chroots=[])
    grouped = client.projects.create(name="tools", owner="@" + group, chroots=[])
    out["grouped"] = fields(grouped, ["owner", "group", "is_a_group_project"])
    out["listed"] = [p.name for p in client.projects.get_list(owner=login)]
    out["listed_by_group"] = [p.name for p in client.projects.get_list(owner="@" + group)]
    out["listed_by_name"] = [p.id for p in client.projects.get_list(name="other")]
    out["searched"] = [p.name for p in client.projects.get_list(search_query="world")]
    out["paged"] = [p.name for p in client.projects.get_list(limit=1, offset=1)]
    project.description = "Changed"
    project.repos = []
    out["update_status"] = project.update()._response.status_code
    out["updated"] = fields(client.projects.get_one(project.id), PROJECT)

    # Project chroots.
    out["project_chroots"] = sorted(c.name for c in project.get_project_chroot_list())
    out["enable_status"] = project.enable_project_chroot("epel-8-x86_64")._response.status_code
    chroot = project.get_project_chroot("epel-8-x86_64")
    chroot.buildroot_pkgs = ["make", "gcc"]
    out["chroot_update_status"] = chroot.update()._response.status_code
    chroot = project.get_project_chroot("epel-8-x86_64")
    out["chroot"] = fields(chroot, ["name", "buildroot_pkgs", "comps", "comps_name", "comps_len"])
    out["disable_status"] = chroot.disable()._response.status_code
    out["project_chroots_after"] = sorted(c.name for c in project.get_project_chroot_list())

    # A build from a URL: its tasks, cancel, delete.
    build = project.create_build_from_url(srpm_url=SRPM, chroots=["fedora-40-x86_64", "epel-9-x86_64"])
    out["build"] = fields(build, BUILD)
    out["tasks"] = [fields(t, TASK) for t in build.get_build_tasks()]
    out["task"] = fields(client.build_tasks.get_one(build.id, "fedora-40-x86_64"), TASK)
    out["project_builds"] = [b.id for b in project.get_builds()]
    out["project_tasks"] = sorted(t.chroot_name for t in project.get_build_tasks(state="pending"))
    out["owner_builds"] = [b.id for b in client.builds.get_list(owner=login, limit=10)]
    out["cancel_status"] = build.cancel()._response.status_code
    canceled = build.get_self()
    out["after_cancel"] = canceled.state
    out["tasks_after_cancel"] = sorted(t.state for t in client.build_tasks.get_list(build_id=build.id))
    out["delete_build_status"] = canceled.delete()._response.status_code
    out["deleted_build"] = failure(lambda: client.builds.get_one(build.id))

    # Errors, as the client sees them.
    out["seed_404"] = failure(lambda: client.builds.get_list(project_id=999999999))
    out["delete_other_status"] = other.delete()._response.status_code
    out["deleted_project"] = failure(lambda: client.projects.get_one(other.id))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
