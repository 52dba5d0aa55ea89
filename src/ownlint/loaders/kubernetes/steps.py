"""A kustomization's own transformers, in kustomize's order: patchesStrategicMerge, patches, namespace,
name prefix and suffix, labels, commonLabels, commonAnnotations, patchesJson6902 (evidence: kubectl)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ownlint.loaders.kubernetes.kyaml import load_yaml
from ownlint.loaders.kubernetes.patches import PatchError, json_patch, patched_by_id, selected, strategic_merge
from ownlint.loaders.kubernetes.transform import Obj, set_keys, set_names, set_namespace
from ownlint.model import LoadProblem, Place, PlaceKind
from ownlint.records import record


@record()
class Kust:
    """One kustomization file: its directory (real), file as shown, data and key lines."""

    directory: Path
    shown: str
    data: dict[str, Any]
    lines: dict[tuple[Any, ...], int]

    def line(self, *path: Any) -> int:
        return self.lines.get(tuple(path), 1)

    def entries(self, key: str) -> list[tuple[int, str]]:
        value = self.data.get(key)
        return [(i, v) for i, v in enumerate(value) if isinstance(v, str)] if isinstance(value, list) else []


class Steps:
    """The transformers of a build; the builder says how problems are reported and patch files read."""

    def problem(self, kust: Kust, line: int, message: str) -> None:
        raise NotImplementedError

    def remote(self, kust: Kust, entry: str, what: str) -> bool:
        raise NotImplementedError

    def unmatched(self, place: Place, patch: str) -> bool:
        """Whether a patch that matches nothing may match an object of a remote base that was not fetched
        (then it is noted, not refused: kubectl, which fetches it, may find the object there)."""
        raise NotImplementedError

    def patch_file(self, kust: Kust, at: tuple[Any, ...], entry: str) -> tuple[list[Any], str, dict[Any, int]] | None:
        raise NotImplementedError

    def transform(self, kust: Kust, objs: list[Obj]) -> bool:
        """kustomize's built-in transformers, in its order; False when one fails (reported)."""
        try:
            self.patches(kust, objs, "patchesStrategicMerge")
            self.patches(kust, objs, "patches")
        except PatchError as error:
            self.problem(kust, kust.line("patches"), f"kustomize patch: {error}")
            return False
        namespace = kust.data.get("namespace")
        if isinstance(namespace, str) and namespace:
            refused = set_namespace(objs, namespace)
            if refused:
                self.problem(kust, kust.line("namespace"), refused)
                return False
        prefix, suffix = kust.data.get("namePrefix"), kust.data.get("nameSuffix")
        set_names(objs, prefix if isinstance(prefix, str) else "", suffix if isinstance(suffix, str) else "")
        labels = kust.data.get("labels")
        entries = [i if isinstance(i, dict) else {} for i in (labels if isinstance(labels, list) else [])]
        given: list[tuple[tuple[Any, ...], Any]] = [
            (("labels", n, "pairs"), item.get("pairs")) for n, item in enumerate(entries)
        ]
        given += [((key,), kust.data.get(key)) for key in ("commonLabels", "commonAnnotations")]
        for at, pairs in given:
            wrong = next(
                (k for k, v in (pairs.items() if isinstance(pairs, dict) else ()) if not isinstance(v, str)), None
            )
            if wrong is not None:
                message = (
                    f"value of {wrong} is not a string (YAML 1.1 reads it as a bool or number); kubectl refuses it"
                )
                self.problem(kust, kust.line(*at, wrong), message)
                return False
        for index, item in enumerate(entries):
            selectors = item.get("includeSelectors") is True
            templates = selectors or item.get("includeTemplates") is True
            for key, value in _pairs(item.get("pairs")).items():
                here = Place(
                    kust.shown, kust.line("labels", index, "pairs", key), "labels", PlaceKind.KUSTOMIZATION, "labels"
                )
                set_keys(objs, "labels", {key: value}, here, "labels", templates, selectors)
        for key, section in (("commonLabels", "labels"), ("commonAnnotations", "annotations")):
            for name, value in _pairs(kust.data.get(key)).items():
                here = Place(kust.shown, kust.line(key, name), key, PlaceKind.KUSTOMIZATION, key)
                set_keys(objs, section, {name: value}, here, key, True, section == "labels")
        try:
            self.patches(kust, objs, "patchesJson6902")
        except PatchError as error:
            self.problem(kust, kust.line("patchesJson6902"), f"kustomize patch: {error}")
            return False
        return True

    def patches(self, kust: Kust, objs: list[Obj], key: str) -> None:
        value = kust.data.get(key)
        for index, item in enumerate(value if isinstance(value, list) else []):
            line = kust.line(key, index)
            if isinstance(item, str):  # patchesStrategicMerge: a file, or the patch itself
                item = (
                    {"path": item}
                    if "\n" not in item and item.endswith((".yaml", ".yml", ".json"))
                    else {"patch": item}
                )
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("path"), str) and self.remote(kust, item["path"], "patch"):
                continue
            if isinstance(item.get("path"), str):
                loaded = self.patch_file(kust, (key, index), item["path"])
                if loaded is None:
                    raise PatchError(f"{item['path']} could not be read")
                documents, file, lines = loaded
                place = Place(file, 1, key, PlaceKind.KUSTOMIZATION, key)
            elif isinstance(item.get("patch"), str):
                parsed = load_yaml(item["patch"], kust.shown, many=True)
                if isinstance(parsed, LoadProblem):
                    raise PatchError(f"inline patch: {parsed.message}")
                documents, lines, place = parsed[0], {}, Place(kust.shown, line, key, PlaceKind.KUSTOMIZATION, key)
            else:
                continue
            target = item.get("target") if isinstance(item.get("target"), dict) else None
            self.apply(objs, documents, target, place, lines)

    def apply(
        self, objs: list[Obj], documents: list[Any], target: dict[str, Any] | None, place: Place, lines: dict[Any, int]
    ) -> None:
        if documents and isinstance(documents[0], list):  # JSON6902: needs a target
            for obj in [o for o in objs if target is not None and selected(o, target)]:
                json_patch(obj, documents[0], place)
            return
        for number, patch in enumerate(documents):
            if not isinstance(patch, dict):
                continue
            own = {k[1:]: v for k, v in lines.items() if k and k[0] == number}
            chosen = (
                [o for o in objs if selected(o, target)] if target else [o for o in objs if patched_by_id(o, patch)]
            )
            if not chosen and target is None:
                what = f"{patch.get('kind')}/{_name(patch)}"
                if self.unmatched(place, what):
                    continue
                raise PatchError(f"no resource matches strategic merge patch {what}")
            for obj in chosen:
                if not strategic_merge(obj, patch, place, own):
                    objs.remove(obj)


def _name(patch: dict[str, Any]) -> str:
    meta = patch.get("metadata")
    return str(meta.get("name")) if isinstance(meta, dict) else ""


def _pairs(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}
