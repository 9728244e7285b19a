"""The rendered body: anny's parametric human posed from :class:`~.geometry.Pose` frames.

Imports torch and anny lazily (they are the optional ``studio`` extra). anny caches its built
model (~800 MB, ~1.5 min the first time) under ``ANNY_CACHE_DIR``; unless that variable is
set we point it at ``~/.cache/formcheck/anny``, outside the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from formcheck_studio.geometry import SEGMENT_PARENT, Pose, Skeleton

#: anny bone that carries each pose segment (descendant bones follow it).
SEGMENT_BONE: dict[str, str] = {
    "pelvis": "root",
    "neck": "neck01",
    "thigh_l": "upperleg01.L",
    "shin_l": "lowerleg01.L",
    "foot_l": "foot.L",
    "thigh_r": "upperleg01.R",
    "shin_r": "lowerleg01.R",
    "foot_r": "foot.R",
    "upperarm_l": "upperarm01.L",
    "forearm_l": "lowerarm01.L",
    "upperarm_r": "upperarm01.R",
    "forearm_r": "lowerarm01.R",
    "hand_l": "wrist.L",
    "hand_r": "wrist.R",
}

#: Phenotype names anny understands (each 0..1, 0.5 = average).
PHENOTYPES = ("gender", "age", "muscle", "weight", "height", "proportions")


@dataclass
class Outfit:
    """Per-vertex paint colours (RGB 0..255)."""

    skin: tuple[int, int, int] = (224, 172, 138)
    shirt: tuple[int, int, int] = (200, 40, 45)
    shorts: tuple[int, int, int] = (30, 45, 110)
    shoes: tuple[int, int, int] = (245, 245, 240)
    hair: tuple[int, int, int] = (60, 40, 25)


@dataclass
class PosedFrames:
    """Output of :meth:`AnnyBody.pose`: vertices (B, V, 3) and joint tracks (B, 3), metres."""

    vertices: np.ndarray
    joints: dict[str, np.ndarray] = field(default_factory=dict)


def _default_cache() -> None:
    os.environ.setdefault("ANNY_CACHE_DIR", str(Path.home() / ".cache" / "formcheck" / "anny"))


class AnnyBody:
    """anny's full body with one phenotype, posable in batches of :class:`Pose`."""

    def __init__(self, phenotype: dict[str, float] | None = None) -> None:
        _default_cache()
        import anny  # heavy, optional
        import torch  # heavy, optional

        self._torch = torch
        self.phenotype = {k: float(v) for k, v in (phenotype or {}).items()}
        bad = set(self.phenotype) - set(PHENOTYPES)
        if bad:
            raise ValueError(f"unknown phenotype keys {sorted(bad)}; choose from {PHENOTYPES}")
        self.model: Any = anny.Anny(skinning_method="lbs")
        self.model.eval()
        self.labels: list[str] = list(self.model.bone_labels)
        parents = list(int(p) for p in self.model.bone_parents)
        with torch.no_grad():
            rest = self.model(phenotype_kwargs=self._ph(1))
        self.rest_rot = rest["rest_bone_poses"][0, :, :3, :3].double().numpy()
        # world-orient posing is relative to the rest poses P (not the reference poses that
        # identity deltas give), so measure the skeleton there.
        heads = rest["rest_bone_poses"][0, :, :3, 3].double().numpy()
        self.rest_vertices = rest["rest_vertices"][0].double().numpy()
        self.faces = self.model.get_triangular_faces().numpy()
        # Segment of each bone: the nearest mapped ancestor (or itself).
        by_bone = {b: s for s, b in SEGMENT_BONE.items()}
        self.bone_segment: list[str] = []
        for i in range(len(self.labels)):
            j = i
            while self.labels[j] not in by_bone:
                j = parents[j]
            self.bone_segment.append(by_bone[self.labels[j]])
        wi = self.model.vertex_bone_indices.numpy()
        ww = self.model.vertex_bone_weights.numpy()
        self.dominant = wi[np.arange(len(wi)), ww.argmax(1)]
        self.heel_idx, self.toe_idx = self._foot_points()
        self.head_idx = [self.labels.index("eye.L"), self.labels.index("eye.R")]

        def h(name: str) -> tuple[float, float, float]:
            v = heads[self.labels.index(name)]
            return (float(v[0]), float(v[1]), float(v[2]))

        hl, hr = self.heel_idx["l"], self.toe_idx["l"]
        head = 0.5 * (heads[self.head_idx[0]] + heads[self.head_idx[1]])
        self.skeleton = Skeleton(
            root=h("root"),
            hip_l=h("upperleg01.L"),
            knee_l=h("lowerleg01.L"),
            ankle_l=h("foot.L"),
            heel_l=tuple(float(x) for x in self.rest_vertices[hl]),  # type: ignore[arg-type]
            toe_l=tuple(float(x) for x in self.rest_vertices[hr]),  # type: ignore[arg-type]
            shoulder_l=h("upperarm01.L"),
            elbow_l=h("lowerarm01.L"),
            wrist_l=h("wrist.L"),
            index_l=h("finger2-1.L"),
            pinky_l=h("finger5-1.L"),
            neck=h("neck01"),
            head=(float(head[0]), float(head[1]), float(head[2])),
            sole_z=float(self.rest_vertices[:, 2].min()),
        )

    def _ph(self, batch: int) -> dict[str, Any]:
        t = self._torch
        return {k: t.full((batch,), v, dtype=t.float32) for k, v in self.phenotype.items()}

    def _bones(self, *names: str) -> np.ndarray:
        return np.array([self.labels.index(n) for n in names])

    def _foot_points(self) -> tuple[dict[str, int], dict[str, int]]:
        """Vertex indices of the heel (rearmost sole vertex) and toe tip (foremost)."""
        v = self.rest_vertices
        heel, toe = {}, {}
        for s, suf in (("l", ".L"), ("r", ".R")):
            ids = [
                i
                for i, n in enumerate(self.labels)
                if n.endswith(suf) and (n.startswith("foot") or n.startswith("toe"))
            ]
            idx = np.where(np.isin(self.dominant, ids))[0]
            toe[s] = int(idx[np.argmin(v[idx, 1])])
            low = idx[v[idx, 2] < v[idx, 2].min() + 0.02]
            heel[s] = int(low[np.argmax(v[low, 1])])
        return heel, toe

    def colours(self, outfit: Outfit) -> np.ndarray:
        """Per-vertex RGBA (uint8) painting the outfit on the rest mesh regions."""
        v = self.rest_vertices
        names = [self.labels[i] for i in self.dominant]
        sk = self.skeleton
        knee_z = sk.knee_l[2]
        ankle_z = sk.ankle_l[2]
        eye_z = sk.head[2]
        eye_y = sk.head[1]
        col = np.tile(np.array([*outfit.skin, 255], dtype=np.uint8), (len(v), 1))
        waist_z = 0.07
        for i, n in enumerate(names):
            z, y = v[i, 2], v[i, 1]
            c = None
            if n.startswith(("foot", "toe")) or (n.startswith("lowerleg02") and z < ankle_z + 0.05):
                c = outfit.shoes
            elif n.startswith(("upperleg",)):
                c = outfit.shorts if z > knee_z + 0.17 else None
            elif n in ("root",) or n.startswith(("pelvis", "spine05", "spine04")):
                c = outfit.shorts if z < waist_z else outfit.shirt
            elif n.startswith(("spine", "clavicle", "shoulder01", "upperarm01")):
                c = outfit.shirt
            elif n.startswith("upperarm02"):
                c = outfit.shirt if abs(v[i, 0]) < abs(sk.shoulder_l[0]) + 0.09 else None
            elif n.startswith(("head", "neck03", "neck02")) and (
                z > eye_z + 0.04 or (y > eye_y + 0.10 and z > eye_z - 0.06)
            ):
                c = outfit.hair
            elif n.startswith("eye"):
                c = (40, 30, 30)
            if c is not None:
                col[i, :3] = c
        return col

    def pose(self, poses: list[Pose], wrists: bool = False) -> PosedFrames:
        """Skinned vertices and ground-truth joints for a batch of poses (``wrists``: the
        wrists too, for the exercises on hands and knees)."""
        t = self._torch
        n = len(poses)
        nb = len(self.labels)
        d = np.zeros((n, nb, 4, 4))
        d[:, :, 3, 3] = 1.0
        for k, p in enumerate(poses):
            gs = {s: p.segment_rotation(s) for s in SEGMENT_PARENT}
            for b in range(nb):
                d[k, b, :3, :3] = gs[self.bone_segment[b]] @ self.rest_rot[b]
            d[k, 0, :3, 3] = p.root
        with t.no_grad():
            out = self.model(
                pose_parameters=t.as_tensor(d, dtype=t.float32),
                phenotype_kwargs=self._ph(n),
                pose_parameterization="world-orient",
            )
        verts = out["vertices"].double().numpy()
        heads = out["bone_poses"][:, :, :3, 3].double().numpy()
        j: dict[str, np.ndarray] = {}
        for side, suf, s in (("left", ".L", "l"), ("right", ".R", "r")):
            j[f"{side}_shoulder"] = heads[:, self.labels.index("upperarm01" + suf)]
            j[f"{side}_hip"] = heads[:, self.labels.index("upperleg01" + suf)]
            j[f"{side}_knee"] = heads[:, self.labels.index("lowerleg01" + suf)]
            j[f"{side}_ankle"] = heads[:, self.labels.index("foot" + suf)]
            j[f"{side}_heel"] = verts[:, self.heel_idx[s]]
            j[f"{side}_toe"] = verts[:, self.toe_idx[s]]
            if wrists:
                j[f"{side}_wrist"] = heads[:, self.labels.index("wrist" + suf)]
        j["head"] = 0.5 * (heads[:, self.head_idx[0]] + heads[:, self.head_idx[1]])
        return PosedFrames(verts, j)
