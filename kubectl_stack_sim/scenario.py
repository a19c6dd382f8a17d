"""Scenarios: the starting state of an embedded cluster and a script of timed happenings.

A scenario is a YAML file (the shipped ones live in ``scenarios/``; a user may pass a path):

```yaml
description: one line shown by ``kubectl-stack sim --help``
users:        # kubeconfig users (admin, viewer and dev are always present)
  - {name: admin, role: admin, token: admin-token}
  - {name: ops, role: admin, token: ops-token, namespace: shop}  # only in namespace shop
nodes: 3
manifests: [seed-stack.yaml]   # manifest files next to the scenario (namespace default)
objects: []                    # or inline manifests
images:       # what a container running an image does (see controllers/images.py)
  "my-app:1.4.2": {start_seconds: 2, cpu_per_load: 100}
load:         # traffic per Deployment name ("*" = any): a number or [[t, value], ...]
  my-app: 4.2
converge: 90  # seconds the clock runs at build time so the cluster is settled
script:       # happenings, ``at`` seconds after the build
  - {at: 30, set_image: {deployment: my-app, container: app, image: my-app:1.5.0-rc1}}
generate: large               # a built-in bulk generator (large), with params:
params: {namespaces: 20, deployments: 1000, pods: 10000}
# any scenario: params: {hide_versions: [autoscaling/v2]} serves HPAs at autoscaling/v1 only
```
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import admission
from .bootstrap import bootstrap
from .bulk import generate
from .clock import Clock
from .cluster import Cluster, User
from .controllers import controllers_of, make_controllers
from .controllers.ecosystem import EcosystemControllers
from .controllers.images import ImageBehaviour, parse_images
from .controllers.load import LoadCurve, parse_load
from .controllers.script import Step, parse_script
from .resources import by_kind
from .store import Obj

SCENARIO_DIR = Path(__file__).parent / "scenarios"

DEFAULT_USERS = (
    User("admin", "admin", "admin-token"),
    User("viewer", "viewer", "viewer-token"),
    # Everything, but only in namespace default: a RoleBinding, as many real users have.
    User("dev", "admin", "dev-token", namespace="default"),
)


class ScenarioError(Exception):
    """A scenario that cannot be loaded: the message is one line for the user."""


@dataclass
class Scenario:
    name: str
    description: str = ""
    users: list[User] = field(default_factory=lambda: list(DEFAULT_USERS))
    nodes: int = 3
    objects: list[Obj] = field(default_factory=list)
    images: dict[str, ImageBehaviour] = field(default_factory=dict)
    load: dict[str, LoadCurve] = field(default_factory=dict)
    script: list[Step] = field(default_factory=list)
    converge_seconds: float = 0.0
    generate: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def available() -> list[str]:
    """Names of the shipped scenarios."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml") if p.stem != "seed-stack")


def load_scenario(name_or_path: str, **params: Any) -> Scenario:
    """A shipped scenario by name, or a scenario file by path. ``params`` override the
    file's ``params`` (``large``: namespaces, deployments, pods, churn_interval).

    Raises :class:`ScenarioError` with a one-line message for a missing or malformed file."""
    path = Path(name_or_path)
    if not (path.suffix in (".yaml", ".yml") and path.exists()):
        path = SCENARIO_DIR / f"{name_or_path}.yaml"
        if not path.exists() or name_or_path == "seed-stack":
            raise ScenarioError(
                f"unknown scenario {name_or_path!r} (known: {', '.join(available())})"
            )
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"cannot read scenario {str(path)!r}: {exc}") from exc
    if not isinstance(doc, dict):
        raise ScenarioError(f"scenario {str(path)!r} is not a mapping")
    try:
        return _parse(path, doc, params)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ScenarioError(f"scenario {str(path)!r} is malformed: {exc}") from exc


def _parse(path: Path, doc: dict[str, Any], params: dict[str, Any]) -> Scenario:
    users = {u.name: u for u in DEFAULT_USERS}
    for entry in doc.get("users") or []:
        user = User(
            str(entry["name"]),
            str(entry.get("role", "viewer")),
            entry.get("token"),
            bool(entry.get("cert", False)),
            str(entry["namespace"]) if entry.get("namespace") else None,
        )
        users[user.name] = user
    objects: list[Obj] = []
    for manifest in doc.get("manifests") or []:
        file = path.parent / str(manifest)
        objects.extend(d for d in yaml.safe_load_all(file.read_text()) if isinstance(d, dict))
    objects.extend(d for d in doc.get("objects") or [] if isinstance(d, dict))
    return Scenario(
        name=path.stem,
        description=str(doc.get("description", "")),
        users=list(users.values()),
        nodes=int(doc.get("nodes", 3)),
        objects=objects,
        images=parse_images(doc.get("images") or {}),
        load=parse_load(doc.get("load") or {}),
        script=parse_script(doc.get("script") or []),
        converge_seconds=float(doc.get("converge", 0)),
        generate=doc.get("generate"),
        params={**(doc.get("params") or {}), **params},
    )


def build_cluster(
    scenario: Scenario | str = "seed",
    *,
    clock: Clock | None = None,
    seed: int = 0,
    **params: Any,
) -> Cluster:
    """A started cluster in the scenario's state: objects admitted and stored, controllers
    attached and started, and (for scenarios with ``converge``) the clock advanced until the
    cluster has settled (``seed``: 3 pods Running and Ready, HPA with metrics).

    Without ``clock`` a manual clock is made that ends the build at the current wall time, so
    ages look natural. The script's times count from the end of the build."""
    if isinstance(scenario, str):
        scenario = load_scenario(scenario, **params)
    elif params:
        scenario.params = {**scenario.params, **params}
    if clock is None:
        clock = Clock(start=time.time() - scenario.converge_seconds)
    cluster = Cluster.empty(clock=clock, seed=seed)
    cluster.users = {u.name: u for u in scenario.users}
    cluster.hidden_versions = frozenset(scenario.params.get("hide_versions") or ())
    cluster.controllers = [
        *make_controllers(scenario.images, scenario.load, scenario.nodes),
        EcosystemControllers(),
    ]
    bootstrap(cluster, scenario.nodes)
    if scenario.generate:
        generate(cluster, scenario.generate, scenario.params)
    cluster.start()
    for obj in scenario.objects:
        create_object(cluster, obj)
    if scenario.converge_seconds:
        cluster.advance(scenario.converge_seconds)
    controllers_of(cluster).begin_script(scenario.script)
    return cluster


def create_object(cluster: Cluster, manifest: Obj, namespace: str = "default") -> Obj:
    """Admit and store one manifest (a copy), as ``kubectl create`` would."""
    obj = yaml.safe_load(yaml.safe_dump(manifest))
    rtype = by_kind(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
    if rtype is None:
        raise ScenarioError(f"unsupported kind {obj.get('apiVersion')}/{obj.get('kind')}")
    if rtype.namespaced:
        obj.setdefault("metadata", {}).setdefault("namespace", namespace)
    admitted = admission.admit(cluster, rtype.gr, obj, None)
    return cluster.store.create(rtype.gr, admitted)
