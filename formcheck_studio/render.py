"""Render a motion to ``NAME.mp4`` + ``NAME.json`` ground truth.

pyrender draws anny's mesh offscreen with EGL (Mesa's software renderer works; no GPU or
display needed). Video is H.264 through imageio-ffmpeg's bundled ffmpeg when installed, else
OpenCV's ``mp4v`` writer. Imports of torch/anny/pyrender/trimesh happen inside functions.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from formcheck_studio.body import Outfit
from formcheck_studio.motions import Motion, MotionParams, make_motion
from formcheck_studio.motions_all_fours import ALL_FOURS
from formcheck_studio.truth import frame_angles, rep_metrics

VIEWS = ("side", "front", "oblique")
#: Framings: the whole body, or zoomed and re-aimed so the feet (below mid-shin) or the head
#: and neck fall outside the picture.
FRAMINGS = ("whole", "feet_cut", "head_cut")


@dataclass
class RenderParams:
    """Camera, body and output settings (metres, degrees, pixels).

    Attributes:
        view: ``side``, ``front`` or ``oblique`` (45 deg between the two).
        facing: side/oblique views: which way the person faces in the image (standing) or
            which image side the head is on (lying). Ignored for the clamshell's front view,
            where the lying side decides it.
        cam_height: camera height above the floor in metres (``None``: exercise default).
        distance: camera distance to the body centre in metres (``None``: fit the body).
        width, height: frame size in pixels.
        phenotype: anny phenotype values (0..1, 0.5 = average): gender, age, muscle, weight,
            height, proportions.
        outfit: clothing and skin colours.
        floor: floor RGB; background: wall/background RGB.
        crf: H.264 quality (lower is better and bigger).
        yaw: camera angle in degrees from the exercise's front (0) to its side (90), in place
            of ``view`` (``None``: use ``view``). The side is the one ``facing`` picks.
        framing: ``whole`` (fit the whole body), ``feet_cut`` (frame the body above mid-shin,
            the picture's edge at mid-shin) or ``head_cut`` (the body below the neck): the camera
            stays where ``whole`` puts it and zooms (intrinsics), see :data:`FRAMINGS`.
        rx_hold_s: the hold (seconds) the clip is to be judged against, written to the JSON's
            ``prescription`` (``None``: the exercise's own). Held stretches are prescribed
            15-30 s; a short sample asks for less, as a clinician may.
        rx: other prescription values the clip is to be judged against (e.g. the hinge's
            ``min_hinge_deg``, which turns its depth check on), written to the JSON too.
    """

    view: str = "side"
    facing: str = "right"
    cam_height: float | None = None
    distance: float | None = None
    width: int = 640
    height: int = 480
    phenotype: dict[str, float] = field(default_factory=dict)
    outfit: Outfit = field(default_factory=Outfit)
    floor: tuple[int, int, int] = (110, 120, 95)
    background: tuple[int, int, int] = (205, 215, 225)
    crf: int = 26
    yaw: float | None = None
    framing: str = "whole"
    rx_hold_s: float | None = None
    rx: dict[str, float] = field(default_factory=dict)

    def view_label(self) -> str:
        """``view``, or with ``yaw`` the nearest of front (0), oblique (45) and side (90)."""
        if self.yaw is None:
            return self.view
        return "front" if self.yaw < 22.5 else "side" if self.yaw > 67.5 else "oblique"


_CAM_HEIGHT = {
    "squat": 1.0, "bridge": 0.8, "clamshell": 1.3, "hip_abduction": 1.0, "side_leg_raise": 0.45,
    "marching_bridge": 0.8, "lateral_walk": 1.0, "hip_hinge": 1.0, "lunge": 1.0, "donkey_kick": 0.8,
    "fire_hydrant": 0.45, "hip_flexor_stretch": 0.7,
    "double_hip_rotation": 0.8,
}  # fmt: skip
# The side-lying leg raise is filmed from near the floor, as its checks ask: from 0.9 m or
# 1.3 m MediaPipe's world landmarks turned the hips of a person lying square to the camera
# 20-37 deg out of the picture, an oblique view to formcheck, so no check was made; from 0.45 m,
# 1-13 deg.
# On all fours from in front, 0.45 m (below the shoulders), the head raised to look ahead: the
# knees show under the chest (MediaPipe's visibility 0.86-0.95, clearly seen); from 0.7 m they
# hid behind the arms (0.56-0.9, so the hip shift was not checked), from 1.0 m the trunk hid
# hips and knees and the position was never found, and from behind (hips in full view) the rep
# whose hips shifted was lost (0.6 and 0.9 m).
# The double hip rotation from its feet ("front"; the shoulders check's view): from 0.8 m
# MediaPipe read the lying body as one sitting up facing the camera (left and right swapped, no
# hold counted right), from 1.1 m it counted both holds but called the view oblique and read
# the knees' drop as 130 deg; from 1.3 m (sample double_hip_rotation_front) the body reads 54 deg
# from the vertical, past the checker's 45 for lying (it was 60, and nothing was timed there).
#: The placement (and so the camera directions) each exercise shares with the first three.
_PLACED_LIKE = {"hip_abduction": "squat", "lateral_walk": "squat", "side_leg_raise": "clamshell",
                "marching_bridge": "bridge", "hip_hinge": "squat", "lunge": "squat",
                "hip_flexor_stretch": "squat", "double_hip_rotation": "bridge"}
_YFOV_DEG = 45.0


def _camera_direction(exercise: str, view: str, facing: str, lying: str | None) -> np.ndarray:
    """Horizontal unit vector from the body toward the camera (canonical world)."""
    exercise = _PLACED_LIKE.get(exercise, exercise)
    if exercise == "squat":
        # Body faces -Y; camera at -X sees the right side and the person faces image-right.
        side = np.array([-1.0, 0.0, 0.0]) if facing == "right" else np.array([1.0, 0.0, 0.0])
        front = np.array([0.0, -1.0, 0.0])
    elif exercise in ALL_FOURS:
        # On all fours, head +Y (motions_all_fours.py): from the side as the bridge (camera at +X
        # puts the head on image-right), from the front in front of the face, as the checkers
        # call these views (the kick lies in the picture from the side, the hydrant's lift to
        # the side from the front).
        side = np.array([1.0, 0.0, 0.0]) if facing == "right" else np.array([-1.0, 0.0, 0.0])
        front = np.array([0.0, 1.0, 0.0])
    elif exercise == "bridge":
        # Supine, head +Y; camera at +X puts the head on image-right.
        side = np.array([1.0, 0.0, 0.0]) if facing == "right" else np.array([-1.0, 0.0, 0.0])
        front = np.array([0.0, -1.0, 0.0])  # from the feet
    else:
        # Head +X; the body front is -Y when lying on the left side, +Y on the right side.
        front = np.array([0.0, -1.0, 0.0]) if lying == "left" else np.array([0.0, 1.0, 0.0])
        side = np.array([-1.0, 0.0, 0.0])  # from the feet
        if view == "front":
            return front
        if view == "side":
            return side
        return (front + side) / np.linalg.norm(front + side)
    if view == "side":
        return side
    if view == "front":
        return front
    d = side + front
    return d / np.linalg.norm(d)


def _yaw_direction(exercise: str, yaw: float, facing: str, lying: str | None) -> np.ndarray:
    """Like :func:`_camera_direction` for a camera ``yaw`` degrees from the front toward the side."""
    front = _camera_direction(exercise, "front", facing, lying)
    side = _camera_direction(exercise, "side", facing, lying)
    a = np.radians(yaw)
    d = np.cos(a) * front + np.sin(a) * side
    return d / np.linalg.norm(d)


def _framing_mask(body: Any, framing: str) -> np.ndarray:
    """Vertices the camera fit keeps for a framing (bool per vertex of the body mesh)."""
    seg = np.array(body.bone_segment)[body.dominant]
    keep = np.ones(len(seg), bool)
    if framing == "feet_cut":
        z = body.rest_vertices[:, 2]
        mid_shin = 0.5 * (body.skeleton.knee_l[2] + body.skeleton.ankle_l[2])
        keep &= ~np.isin(seg, ["foot_l", "foot_r"])
        keep &= ~(np.isin(seg, ["shin_l", "shin_r"]) & (z < mid_shin))
    elif framing == "head_cut":
        keep &= seg != "neck"
    return keep


def _look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Camera-to-world matrix (OpenGL: camera looks down -Z, +Y up)."""
    f = target - eye
    f = f / np.linalg.norm(f)
    r = np.cross(f, np.array([0.0, 0.0, 1.0]))
    r = r / np.linalg.norm(r)
    u = np.cross(r, f)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = r, u, -f, eye
    return m


def project(
    points: np.ndarray,
    cam: np.ndarray,
    width: int,
    height: int,
    intrinsics: tuple[float, float, float, float] | None = None,
) -> np.ndarray:
    """Pixel coordinates (u right, v down; pixel i spans [i, i+1]) of world points (..., 3).

    ``intrinsics`` (fx, fy, cx, cy) replace the default camera (``_YFOV_DEG``, centred)."""
    inv = np.linalg.inv(cam)
    p = points @ inv[:3, :3].T + inv[:3, 3]
    z = -p[..., 2]
    if intrinsics is not None:
        fx, fy, cx, cy = intrinsics
        return np.stack([cx + fx * p[..., 0] / z, cy - fy * p[..., 1] / z], axis=-1)
    f = 0.5 * height / np.tan(np.radians(_YFOV_DEG) / 2)
    u = 0.5 * width + f * p[..., 0] / z
    v = 0.5 * height - f * p[..., 1] / z
    return np.stack([u, v], axis=-1)


def _cut_intrinsics(
    cam: np.ndarray,
    keep: np.ndarray,
    anchor: np.ndarray,
    cut: np.ndarray,
    rp: RenderParams,
    margin: float = 0.06,
) -> tuple[float, float, float, float]:
    """Intrinsics (fx, fy, cx, cy) that frame the ``keep`` points (margin on three sides) with
    the picture's edge on the ``cut`` points' side right at the ``anchor`` points' extreme
    (the kept body without its arms, which may reach past the head), so the cut points fall
    outside: the picture a zoomed, re-aimed phone camera would take."""
    w0, h0 = rp.width, rp.height
    uk = project(keep, cam, w0, h0)
    ua = project(anchor, cam, w0, h0)
    uc = project(cut, cam, w0, h0)
    lo, hi = uk.min(0), uk.max(0)
    d = uc.mean(0) - uk.mean(0)
    axis = int(np.argmax(np.abs(d)))  # 0: cut left/right, 1: cut top/bottom
    if d[axis] > 0:
        hi[axis] = ua[:, axis].max()
    else:
        lo[axis] = ua[:, axis].min()
    aspect = w0 / h0
    span = hi - lo
    if axis == 1:
        h = max(span[1] / (1 - margin), span[0] / (1 - 2 * margin) / aspect)
        w = h * aspect
        left = 0.5 * (lo[0] + hi[0]) - 0.5 * w
        top = hi[1] - h if d[1] > 0 else lo[1]
    else:
        w = max(span[0] / (1 - margin), span[1] / (1 - 2 * margin) * aspect)
        h = w / aspect
        top = 0.5 * (lo[1] + hi[1]) - 0.5 * h
        left = hi[0] - w if d[0] > 0 else lo[0]
    scale = w0 / w
    f = 0.5 * h0 / np.tan(np.radians(_YFOV_DEG) / 2) * scale
    return (float(f), float(f), float((0.5 * w0 - left) * scale), float((0.5 * h0 - top) * scale))


def _fit_camera(
    pts: np.ndarray, direction: np.ndarray, cam_h: float, rp: RenderParams
) -> np.ndarray:
    """Camera pose looking at the points' centre from ``direction`` at height ``cam_h``,
    as close as keeps all points inside 88 % of the frame (or at ``rp.distance``)."""
    lo, hi = pts.min(0), pts.max(0)
    target = 0.5 * (lo + hi)

    def cam_at(d: float) -> np.ndarray:
        eye = target + direction * d
        eye[2] = cam_h
        return _look_at(eye, target)

    if rp.distance is not None:
        return cam_at(rp.distance)
    a, b = 0.8, 12.0
    for _ in range(40):
        mid = 0.5 * (a + b)
        uv = project(pts, cam_at(mid), rp.width, rp.height)
        mu, mv = 0.06 * rp.width, 0.06 * rp.height
        ok = (
            (uv[:, 0] > mu).all()
            and (uv[:, 0] < rp.width - mu).all()
            and (uv[:, 1] > mv).all()
            and (uv[:, 1] < rp.height - mv).all()
        )
        if ok:
            b = mid
        else:
            a = mid
    return cam_at(b)


class _VideoWriter:
    """H.264 via imageio-ffmpeg when available, else OpenCV mp4v."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int], crf: int) -> None:
        self.codec = "mp4v"
        self._gen: Any = None
        self._cv: Any = None
        try:
            import imageio_ffmpeg

            self._gen = imageio_ffmpeg.write_frames(
                str(path),
                size,
                fps=fps,
                codec="libx264",
                quality=None,
                macro_block_size=8,
                ffmpeg_log_level="error",
                output_params=[
                    "-crf", str(crf), "-preset", "slow", "-threads", "1",
                    "-fflags", "+bitexact", "-flags:v", "+bitexact",
                    "-map_metadata", "-1", "-movflags", "+faststart",
                ],
            )
            self._gen.send(None)
            self.codec = "h264"
        except ImportError:
            import cv2

            self._cv = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)

    def write(self, rgb: np.ndarray) -> None:
        if self._gen is not None:
            self._gen.send(np.ascontiguousarray(rgb))
        else:
            self._cv.write(rgb[:, :, ::-1].copy())

    def close(self) -> None:
        if self._gen is not None:
            self._gen.close()
        else:
            self._cv.release()


_BODY_CACHE: dict[str, Any] = {}


def _body(phenotype: dict[str, float]) -> Any:
    from formcheck_studio.body import AnnyBody

    key = json.dumps(phenotype, sort_keys=True)
    if key not in _BODY_CACHE:
        _BODY_CACHE[key] = AnnyBody(phenotype)
    return _BODY_CACHE[key]


def prescription_of(rp: RenderParams) -> dict[str, float]:
    """The prescription values the clip is to be judged against (empty: the exercise's own)."""
    return {**rp.rx, **({"hold_s": rp.rx_hold_s} if rp.rx_hold_s is not None else {})}


def render_clip(
    mp: MotionParams, rp: RenderParams, out_dir: Path, name: str, command: str
) -> dict[str, Any]:
    """Render one clip to ``out_dir/NAME.mp4`` and ``out_dir/NAME.json``; returns the JSON."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    import pyrender
    import trimesh

    if rp.view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    if rp.framing not in FRAMINGS:
        raise ValueError(f"framing must be one of {FRAMINGS}")
    view = rp.view_label()
    body = _body(rp.phenotype)
    mp.fps = float(mp.fps)
    motion: Motion = make_motion(mp, body.skeleton)
    n = motion.n_frames
    verts = np.zeros((n, len(body.rest_vertices), 3), dtype=np.float32)
    j3: dict[str, np.ndarray] = {}
    batch = 64
    for s in range(0, n, batch):
        out = body.pose(motion.poses[s : s + batch], wrists=mp.exercise in ALL_FOURS)
        verts[s : s + batch] = out.vertices
        for k, v in out.joints.items():
            j3.setdefault(k, np.zeros((n, 3)))[s : s + batch] = v
    # One vertical shift per clip puts the lowest point of the whole clip on the floor.
    dz = -float(verts[:, :, 2].min())
    verts[:, :, 2] += dz
    for v in j3.values():
        v[:, 2] += dz
    anterior = np.stack([p.segment_rotation("pelvis") @ np.array([0.0, -1.0, 0.0]) for p in motion.poses])

    # Camera.
    if rp.yaw is None:
        direction = _camera_direction(mp.exercise, rp.view, rp.facing, motion.lying_side)
    else:
        direction = _yaw_direction(mp.exercise, rp.yaw, rp.facing, motion.lying_side)
    cam_h = rp.cam_height if rp.cam_height is not None else _CAM_HEIGHT[mp.exercise]
    fit_from = int(np.searchsorted(motion.t, mp.lead_in_s)) if mp.lead_in == "walk_in" else 0
    sub = verts[fit_from::3, ::7].reshape(-1, 3).astype(np.float64)
    cam = _fit_camera(sub, direction, cam_h, rp)
    intr = None
    if rp.framing != "whole":
        keep = _framing_mask(body, rp.framing)[::7]
        seg = np.array(body.bone_segment)[body.dominant][::7]
        arms = np.isin(seg, ["upperarm_l", "upperarm_r", "forearm_l", "forearm_r"])
        pts = verts[fit_from::3, ::7]
        intr = _cut_intrinsics(
            cam,
            pts[:, keep].reshape(-1, 3).astype(np.float64),
            pts[:, keep & ~arms].reshape(-1, 3).astype(np.float64),
            pts[:, ~keep].reshape(-1, 3).astype(np.float64),
            rp,
        )
    j2 = {k: project(v, cam, rp.width, rp.height, intr) for k, v in j3.items()}
    hipmid = 0.5 * (j3["left_hip"] + j3["right_hip"])
    a2 = project(hipmid + 0.1 * anterior, cam, rp.width, rp.height, intr) - project(
        hipmid, cam, rp.width, rp.height, intr
    )
    angles = frame_angles(mp.exercise, j3, anterior, j2, a2)
    reps = rep_metrics(mp.exercise, motion.reps, motion.t, j3, angles)

    # Facing in the image.
    if _PLACED_LIKE.get(mp.exercise, mp.exercise) == "squat":
        if view == "front":
            facing: str | None = None
        else:
            fwd = project(hipmid[0] + 0.3 * anterior[0], cam, rp.width, rp.height, intr)[0]
            facing = "right" if fwd > project(hipmid[0], cam, rp.width, rp.height, intr)[0] else "left"
    else:
        head_u = j2["head"][-1, 0]
        feet_u = 0.5 * (j2["left_ankle"][-1, 0] + j2["right_ankle"][-1, 0])
        facing = "right" if head_u > feet_u else "left"

    # Scene.
    scene = pyrender.Scene(
        bg_color=np.array([*rp.background, 255]) / 255.0, ambient_light=np.full(3, 0.35)
    )
    floor = trimesh.creation.box(extents=[12.0, 12.0, 0.02])
    floor.apply_translation([0, 0, -0.01])
    floor.visual.vertex_colors = np.array([*rp.floor, 255], dtype=np.uint8)
    scene.add(pyrender.Mesh.from_trimesh(floor, smooth=False))
    camera = (
        pyrender.PerspectiveCamera(yfov=np.radians(_YFOV_DEG), aspectRatio=rp.width / rp.height)
        if intr is None
        else pyrender.IntrinsicsCamera(*intr)
    )
    scene.add(camera, pose=cam)
    key_eye = cam[:3, 3] + np.array([0.0, 0.0, 2.0]) + 1.5 * np.cross(direction, [0, 0, 1.0])
    centre = 0.5 * (sub.min(0) + sub.max(0))
    scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=3.0), pose=_look_at(key_eye, centre))
    fill_eye = cam[:3, 3] + np.array([0.0, 0.0, 0.5]) - 2.0 * np.cross(direction, [0, 0, 1.0])
    scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=1.5), pose=_look_at(fill_eye, centre))
    colours = body.colours(rp.outfit)
    renderer = pyrender.OffscreenRenderer(rp.width, rp.height)

    out_dir.mkdir(parents=True, exist_ok=True)
    mp4 = out_dir / f"{name}.mp4"
    writer = _VideoWriter(mp4, mp.fps, (rp.width, rp.height), rp.crf)
    node = None
    try:
        for i in range(n):
            tm = trimesh.Trimesh(verts[i], body.faces, vertex_colors=colours, process=False)
            mesh = pyrender.Mesh.from_trimesh(tm, smooth=True)
            if node is not None:
                scene.remove_node(node)
            node = scene.add(mesh)
            rgb, _ = renderer.render(scene)
            writer.write(rgb)
    finally:
        writer.close()
        renderer.delete()

    def r(a: np.ndarray, nd: int) -> list[Any]:
        return np.round(a, nd).tolist()

    params = {
        "motion": {k: v for k, v in asdict(mp).items()},
        # yaw and framing only when set, so clips made without them stay byte-identical.
        "render": {
            k: v
            for k, v in asdict(rp).items()
            if not (
                (k in ("yaw", "rx_hold_s") and v is None)
                or (k == "framing" and v == "whole")
                or (k == "rx" and not v)
            )
        },
        "codec": writer.codec,
        "floor_shift_m": round(dz, 5),
        "camera_pose": r(cam, 5),
        "camera_yfov_deg": _YFOV_DEG,
        **({"camera_intrinsics": [round(x, 4) for x in intr]} if intr is not None else {}),
    }
    doc: dict[str, Any] = {
        "format": "formcheck-studio",
        "version": 1,
        "command": command,
        "exercise": mp.exercise,
        "view": view,
        **({"yaw_deg": rp.yaw} if rp.yaw is not None else {}),
        **({"framing": rp.framing} if rp.framing != "whole" else {}),
        "facing": facing,
        "fps": mp.fps if mp.fps != int(mp.fps) else int(mp.fps),
        "width": rp.width,
        "height": rp.height,
        "n_frames": n,
        "params": params,
        **({"prescription": rx} if (rx := prescription_of(rp)) else {}),
        "reps": reps,
        "frames": {
            "t_s": r(motion.t, 4),
            "joints3d": {k: r(v, 4) for k, v in j3.items()},
            "joints2d": {k: r(v, 2) for k, v in j2.items()},
            "angles": {k: r(np.asarray(v), 2) for k, v in angles.items()},
        },
    }
    (out_dir / f"{name}.json").write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    return doc
