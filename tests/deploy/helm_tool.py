"""Helm v4, built once from the Go module proxy into the project's .tools/ and reused.

No helm download site is needed (and none is reachable from CI): `go install` fetches the
module helm.sh/helm/v4 at the pinned version through GOPROXY and compiles it. The first build
takes several minutes on two cores (README, "Kubernetes"); later runs find the binary and
take none. `python tests/deploy/helm_tool.py` builds it ahead of the tests.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Checked with `go list -m -versions helm.sh/helm/v4`; bump deliberately, the chart is linted with it.
HELM_VERSION = "v4.3.2"
HELM_MODULE = "helm.sh/helm/v4/cmd/helm"
TOOLS = ROOT / ".tools" / f"helm-{HELM_VERSION}"
HELM = TOOLS / "helm"


def _built() -> bool:
    if not HELM.exists():
        return False
    # `helm version` of a `go install` build reports only "v4.3" (its release ldflags are not
    # set); the module version recorded in the binary is exact.
    go = shutil.which("go")
    if go is None:
        return True
    out = subprocess.run([go, "version", "-m", str(HELM)], capture_output=True, text=True)
    return out.returncode == 0 and f"helm.sh/helm/v4\t{HELM_VERSION}" in out.stdout


def helm_binary() -> Path:
    """The path of the pinned helm, building it first when it is missing."""
    if _built():
        return HELM
    go = shutil.which("go")
    if go is None:
        raise RuntimeError("helm is built from the Go module proxy: install Go (1.24 or later) first")
    TOOLS.mkdir(parents=True, exist_ok=True)
    # Two test processes starting at once build it once.
    with (TOOLS / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _built():
            env = {**os.environ, "GOBIN": str(TOOLS),
                   "GOFLAGS": f"{os.environ.get('GOFLAGS', '')} -mod=mod".strip()}
            subprocess.run([go, "install", f"{HELM_MODULE}@{HELM_VERSION}"], env=env, check=True)
    if not _built():
        raise RuntimeError(f"go install {HELM_MODULE}@{HELM_VERSION} did not leave a working {HELM}")
    return HELM


if __name__ == "__main__":
    print(helm_binary())
    sys.exit(0)
