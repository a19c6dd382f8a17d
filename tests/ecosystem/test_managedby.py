"""Managed-by detection on label sets as the tools write them, and the confirm-dialog warnings."""

from __future__ import annotations

from typing import Any

from kubectl_stack.model.managedby import (
    action_warnings,
    helm_revision,
    managed_by,
    split_chart,
)


def _deployment(labels: dict[str, str], annotations: dict[str, str] | None = None) -> Any:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "shop-web",
            "namespace": "default",
            "labels": labels,
            "annotations": annotations or {},
        },
    }


# `helm install shop bitnami/postgresql` labels and annotations (chart 16.4.5).
HELM_LABELS = {
    "app.kubernetes.io/component": "primary",
    "app.kubernetes.io/instance": "shop",
    "app.kubernetes.io/managed-by": "Helm",
    "app.kubernetes.io/name": "postgresql",
    "app.kubernetes.io/version": "17.4.0",
    "helm.sh/chart": "postgresql-16.4.5",
}
HELM_ANNOTATIONS = {
    "meta.helm.sh/release-name": "shop",
    "meta.helm.sh/release-namespace": "default",
}

HELM_SECRETS = [
    {
        "metadata": {
            "name": f"sh.helm.release.v1.shop.v{v}",
            "namespace": "default",
            "labels": {"owner": "helm", "name": "shop", "status": status, "version": str(v)},
        }
    }
    for v, status in ((5, "superseded"), (6, "superseded"), (7, "deployed"), (8, "failed"))
]


def test_helm_release_chart_and_app_version_come_from_helm_labels() -> None:
    helm = managed_by(_deployment(HELM_LABELS, HELM_ANNOTATIONS), helm_secrets=HELM_SECRETS).helm
    assert helm is not None
    assert (helm.release, helm.namespace) == ("shop", "default")
    assert (helm.chart, helm.chart_version, helm.app_version) == ("postgresql", "16.4.5", "17.4.0")
    assert helm.revision == 7  # the deployed one, not the later failed upgrade


def test_chart_names_with_dashes_and_prerelease_versions_split_at_the_version() -> None:
    assert split_chart("fluent-bit-0.47.10") == ("fluent-bit", "0.47.10")
    assert split_chart("ingress-nginx-4.12.0-beta.0") == ("ingress-nginx", "4.12.0-beta.0")
    assert split_chart("mychart") == ("mychart", "")


def test_helm_revision_is_unknown_without_release_secrets() -> None:
    assert helm_revision("shop", "default", []) is None
    helm = managed_by(_deployment(HELM_LABELS, HELM_ANNOTATIONS)).helm
    assert helm is not None and helm.revision is None


def test_argo_cd_tracking_id_names_the_application() -> None:
    obj = _deployment(
        {"app": "web"},
        {"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:default/shop-web"},
    )
    app = {
        "metadata": {"name": "shop", "namespace": "argocd"},
        "spec": {"syncPolicy": {"automated": {"prune": True, "selfHeal": True}}},
    }
    argo = managed_by(obj, applications=[app]).argo
    assert argo is not None
    assert (argo.app, argo.via, argo.self_heal, argo.automated) == (
        "shop",
        "tracking-id",
        True,
        True,
    )


def test_a_tracking_id_copied_from_another_object_is_not_ownership() -> None:
    obj = _deployment(
        {}, {"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:default/other-web"}
    )
    assert managed_by(obj).argo is None


def test_argo_cd_instance_label_and_apps_in_any_namespace() -> None:
    obj = _deployment({"argocd.argoproj.io/instance": "team-a_shop"})
    app = {"metadata": {"name": "shop", "namespace": "team-a"}, "spec": {"syncPolicy": {}}}
    argo = managed_by(obj, applications=[app]).argo
    assert argo is not None
    assert (argo.app, argo.app_namespace, argo.via) == ("shop", "team-a", "label")
    assert (argo.self_heal, argo.automated) == (False, False)


def test_flux_kustomization_labels() -> None:
    obj = _deployment(
        {
            "app": "billing",
            "kustomize.toolkit.fluxcd.io/name": "apps",
            "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
        }
    )
    managed = managed_by(obj)
    assert managed.flux is not None
    assert (managed.flux.kind, managed.flux.name, managed.flux.namespace) == (
        "Kustomization",
        "apps",
        "flux-system",
    )
    assert managed.helm is None and managed.argo is None
    assert managed.summary == "Flux Kustomization flux-system/apps"


def test_flux_helm_release_also_shows_the_helm_release() -> None:
    # helm-controller installs with the Helm SDK: Flux labels plus Helm's own.
    labels = {
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/name": "podinfo",
        "helm.sh/chart": "podinfo-6.7.1",
        "helm.toolkit.fluxcd.io/name": "podinfo",
        "helm.toolkit.fluxcd.io/namespace": "podinfo",
    }
    annotations = {
        "meta.helm.sh/release-name": "podinfo",
        "meta.helm.sh/release-namespace": "podinfo",
    }
    managed = managed_by(_deployment(labels, annotations))
    assert managed.tools == ("Flux", "Helm")
    assert managed.flux is not None and managed.flux.kind == "HelmRelease"
    assert managed.helm is not None and managed.helm.chart == "podinfo"


def test_unmanaged_workload_needs_no_warning() -> None:
    managed = managed_by(_deployment({"app": "web"}))
    assert not managed.managed
    assert managed.summary == ""
    assert action_warnings(managed, "scale", "Deployment") == ()


def test_confirm_dialog_warns_that_self_heal_reverts_a_manual_scale() -> None:
    obj = _deployment(
        HELM_LABELS,
        {
            **HELM_ANNOTATIONS,
            "argocd.argoproj.io/tracking-id": "shop:apps/Deployment:default/shop-web",
        },
    )
    app = {
        "metadata": {"name": "shop", "namespace": "argocd"},
        "spec": {"syncPolicy": {"automated": {"selfHeal": True}}},
    }
    managed = managed_by(obj, applications=[app], helm_secrets=HELM_SECRETS)
    scale = action_warnings(managed, "scale", "Deployment")
    assert scale[0] == (
        "Argo CD app `shop` manages this Deployment: self-heal will revert a manual scale"
    )
    undo = action_warnings(managed, "undo", "Deployment")
    assert undo[1].startswith("Helm release `shop` rev 7: an undo here is not a helm rollback")
    assert managed.summary == (
        "Argo CD app shop (self-heal) · Helm release shop rev 7, chart postgresql-16.4.5, "
        "app 17.4.0"
    )


def test_restart_on_a_helm_only_workload_is_not_a_warning() -> None:
    managed = managed_by(_deployment(HELM_LABELS, HELM_ANNOTATIONS))
    assert action_warnings(managed, "restart", "Deployment") == ()
    assert action_warnings(managed, "delete", "Deployment")[0].startswith(
        "Helm release `shop`: deleting it"
    )


def test_malformed_metadata_is_simply_unmanaged() -> None:
    for junk in (None, 3, {"metadata": []}, {"metadata": {"labels": {"a": 1}}}):
        assert not managed_by(junk, applications=[None], helm_secrets=[7]).managed  # type: ignore[list-item]
