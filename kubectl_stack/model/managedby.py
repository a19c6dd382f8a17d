"""Who manages a workload: Helm, Argo CD, Flux -- read from the labels and annotations those
tools write -- and what a manual scale, undo, restart or delete will run into.

Helm: `app.kubernetes.io/managed-by: Helm`, `helm.sh/chart: <chart>-<version>`,
`app.kubernetes.io/version`, `meta.helm.sh/release-name|namespace`; the release revision from
Helm's storage Secrets (`sh.helm.release.v1.<release>.v<N>`, labels owner=helm, name,
status, version), which metadata-only listing still shows.
Argo CD: the `argocd.argoproj.io/tracking-id` annotation
(`<app>:<group>/<kind>:<namespace>/<name>`, honoured only when it names this object) or the
`argocd.argoproj.io/instance` label; self-heal from the Application's
`spec.syncPolicy.automated.selfHeal` when the Application can be read.
Flux: `kustomize.toolkit.fluxcd.io/name|namespace` (a Kustomization) and
`helm.toolkit.fluxcd.io/name|namespace` (a HelmRelease).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_stack.model import fields as u

HELM = "Helm"
ARGO_CD = "Argo CD"
FLUX = "Flux"

ACTIONS = ("scale", "undo", "restart", "delete")

_CHART = re.compile(r"^(.+?)-(v?\d+(?:\.\d+)*(?:[-+].*)?)$")


@dataclass(frozen=True)
class HelmInfo:
    release: str
    namespace: str
    chart: str  # chart name ('' when the chart label is absent)
    chart_version: str
    app_version: str
    revision: int | None  # the deployed release revision, when Helm's Secrets are visible


@dataclass(frozen=True)
class ArgoInfo:
    app: str
    app_namespace: str  # '' unless the app name was "<namespace>_<name>"
    via: str  # "tracking-id" or "label"
    self_heal: bool | None  # None when the Application could not be read
    automated: bool | None


@dataclass(frozen=True)
class FluxInfo:
    kind: str  # "Kustomization" or "HelmRelease"
    name: str
    namespace: str


@dataclass(frozen=True)
class ManagedBy:
    """Every manager found; all None when the object is managed by hand."""

    helm: HelmInfo | None = None
    argo: ArgoInfo | None = None
    flux: FluxInfo | None = None

    @property
    def managed(self) -> bool:
        return self.helm is not None or self.argo is not None or self.flux is not None

    @property
    def tools(self) -> tuple[str, ...]:
        """The managers, the one that reconciles first ("Argo CD", "Flux", then "Helm")."""
        out = []
        if self.argo is not None:
            out.append(ARGO_CD)
        if self.flux is not None:
            out.append(FLUX)
        if self.helm is not None:
            out.append(HELM)
        return tuple(out)

    @property
    def summary(self) -> str:
        """One line for a stack header, e.g. "Argo CD app shop (self-heal) · Helm release
        shop rev 7, chart shop-1.4.2, app 1.4.2"; '' when unmanaged."""
        parts = []
        if self.argo is not None:
            heal = {True: " (self-heal)", False: " (no self-heal)", None: ""}[self.argo.self_heal]
            parts.append(f"Argo CD app {self.argo.app}{heal}")
        if self.flux is not None:
            parts.append(f"Flux {self.flux.kind} {_qualified(self.flux.namespace, self.flux.name)}")
        if self.helm is not None:
            h = self.helm
            text = f"Helm release {h.release}"
            if h.revision is not None:
                text += f" rev {h.revision}"
            if h.chart:
                text += (
                    f", chart {h.chart}-{h.chart_version}" if h.chart_version else f", {h.chart}"
                )
            if h.app_version:
                text += f", app {h.app_version}"
            parts.append(text)
        return " · ".join(parts)


def _qualified(namespace: str, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name


def split_chart(label: str) -> tuple[str, str]:
    """`helm.sh/chart` "fluent-bit-0.47.10" -> ("fluent-bit", "0.47.10"); without a version
    part: (label, "")."""
    m = _CHART.match(label)
    return (m.group(1), m.group(2)) if m else (label, "")


def helm_revision(release: str, namespace: str, secrets: Sequence[Any]) -> int | None:
    """The deployed revision of a Helm release from its storage Secrets' labels (metadata is
    enough), the highest `version` among those with status deployed; None when none is seen."""
    best: int | None = None
    for secret in u.dicts(list(secrets) if isinstance(secrets, Sequence) else []):
        lbls = u.labels(secret)
        if lbls.get("owner") != "helm" or lbls.get("name") != release:
            continue
        if namespace and u.namespace(secret) and u.namespace(secret) != namespace:
            continue
        if lbls.get("status") != "deployed" or not lbls.get("version", "").isdigit():
            continue
        version = int(lbls["version"])
        best = version if best is None else max(best, version)
    return best


def _helm(obj: Any, secrets: Sequence[Any]) -> HelmInfo | None:
    lbls, ann = u.labels(obj), u.annots(obj)
    release = ann.get("meta.helm.sh/release-name", "")
    if lbls.get("app.kubernetes.io/managed-by") != HELM and not release:
        return None
    if not release:
        release = lbls.get("app.kubernetes.io/instance", "")
    namespace = ann.get("meta.helm.sh/release-namespace", "") or u.namespace(obj)
    chart, version = split_chart(lbls.get("helm.sh/chart", ""))
    return HelmInfo(
        release=release,
        namespace=namespace,
        chart=chart,
        chart_version=version,
        app_version=lbls.get("app.kubernetes.io/version", ""),
        revision=helm_revision(release, namespace, secrets) if release else None,
    )


def _tracking_app(obj: Any) -> str | None:
    """The app of a tracking-id that names this very object (Argo CD ignores copies)."""
    tracking = u.annots(obj).get("argocd.argoproj.io/tracking-id", "")
    app, sep, rest = tracking.partition(":")
    if not sep or not app:
        return None
    group_kind, _, ns_name = rest.partition(":")
    kind = group_kind.rpartition("/")[2]
    ns, _, name = ns_name.rpartition("/")
    obj_kind = u.s(u.d(obj).get("kind"))
    if (kind and obj_kind and kind != obj_kind) or (name and name != u.name(obj)):
        return None
    if ns and u.namespace(obj) and ns != u.namespace(obj):
        return None
    return app


def _argo(obj: Any, applications: Sequence[Any]) -> ArgoInfo | None:
    app = _tracking_app(obj)
    via = "tracking-id"
    if app is None:
        app = u.labels(obj).get("argocd.argoproj.io/instance") or None
        via = "label"
    if app is None:
        return None
    app_ns, _, app_name = app.rpartition("_")
    found = None
    for candidate in u.dicts(list(applications) if isinstance(applications, Sequence) else []):
        if u.name(candidate) == app_name and (not app_ns or u.namespace(candidate) == app_ns):
            found = candidate
            break
    self_heal = automated = None
    if found is not None:
        auto = u.path(found, "spec", "syncPolicy", "automated")
        automated = isinstance(auto, dict)
        self_heal = automated and u.b(u.d(auto).get("selfHeal"))
    return ArgoInfo(app_name, app_ns, via, self_heal, automated)


def _flux(obj: Any) -> FluxInfo | None:
    lbls = u.labels(obj)
    for kind, prefix in (
        ("Kustomization", "kustomize.toolkit.fluxcd.io"),
        ("HelmRelease", "helm.toolkit.fluxcd.io"),
    ):
        name = lbls.get(f"{prefix}/name")
        if name:
            return FluxInfo(kind, name, lbls.get(f"{prefix}/namespace", ""))
    return None


def managed_by(
    obj: Any, *, applications: Sequence[Any] = (), helm_secrets: Sequence[Any] = ()
) -> ManagedBy:
    """The managers of one object (a Deployment, StatefulSet, DaemonSet...).

    `applications`: Argo CD Application dicts when the cluster serves them (else ()), for
    self-heal; `helm_secrets`: Secrets (metadata is enough) for the Helm revision."""
    return ManagedBy(helm=_helm(obj, helm_secrets), argo=_argo(obj, applications), flux=_flux(obj))


_ARGO_EFFECT = {
    "scale": "a manual scale",
    "undo": "the undo",
    "restart": "the restart (and roll the pods again)",
    "delete": "the deletion (the object comes back)",
}


def action_warnings(managed: ManagedBy, action: str, kind: str) -> tuple[str, ...]:
    """What a confirm dialog says before `action` (scale / undo / restart / delete) on a
    managed `kind`, most decisive first; () when nothing will fight the change.

    e.g. "Argo CD app `shop` manages this Deployment: self-heal will revert a manual scale",
    "Helm release `shop` rev 7: an undo here is not a helm rollback". `managed` is the
    workload's (deleting one of its pods needs no warning: the managers track the workload,
    not its pods)."""
    if action not in ACTIONS:
        return ()
    out = []
    effect = _ARGO_EFFECT[action]
    if managed.argo is not None:
        head = f"Argo CD app `{managed.argo.app}` manages this {kind}: "
        if managed.argo.self_heal:
            out.append(head + f"self-heal will revert {effect}")
        elif managed.argo.self_heal is False:
            out.append(head + f"the app goes OutOfSync and the next sync reverts {effect}")
        else:
            out.append(head + f"the app goes OutOfSync; with self-heal on it reverts {effect}")
    if managed.flux is not None:
        f = managed.flux
        out.append(
            f"Flux {f.kind} `{_qualified(f.namespace, f.name)}` manages this {kind}: "
            f"its next reconciliation reverts {effect}"
        )
    if managed.helm is not None and action != "restart":
        h = managed.helm
        head = f"Helm release `{h.release}`" + (f" rev {h.revision}" if h.revision else "") + ": "
        out.append(
            head
            + {
                "scale": "the next helm upgrade resets a manual scale to the chart's value",
                "undo": "an undo here is not a helm rollback; the release still records the "
                "current revision",
                "delete": "deleting it here leaves the release believing it exists; use helm "
                "uninstall or a chart change",
            }[action]
        )
    return tuple(out)
