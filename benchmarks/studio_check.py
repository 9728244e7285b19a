"""Check that MediaPipe sees the studio's samples: detection rate and 2D angle errors.

Usage: python benchmarks/studio_check.py [samples/*.mp4 ...]

Runs MediaPipe's PoseLandmarker (full model, VIDEO mode, one pose) on every frame and compares
its 2D knee angle, shoulder-hip-knee angle and thigh opening (pixels) with the clip's ``*_2d``
ground truth. Also counts left/right leg swaps (MediaPipe's left knee nearer the true right
knee, in frames where the knees are at least 20 px apart).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "formcheck" / "models" / "pose_landmarker_full.task"
IDX = {
    "left_shoulder": 11, "right_shoulder": 12, "left_hip": 23, "right_hip": 24,
    "left_knee": 25, "right_knee": 26, "left_ankle": 27, "right_ankle": 28,
}


def _ang(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    u, v = a - b, c - b
    cosv = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(np.clip(cosv, -1, 1))))


def check(mp4: Path) -> dict[str, float | str]:
    """Detection rate, swaps and median abs 2D angle errors (degrees) for one clip."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    truth = json.loads(mp4.with_suffix(".json").read_text())
    opts = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(MODEL)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    j2 = {k: np.asarray(v) for k, v in truth["frames"]["joints2d"].items()}
    ang = {k: np.asarray(v) for k, v in truth["frames"]["angles"].items()}
    w, h, fps = truth["width"], truth["height"], truth["fps"]
    cap = cv2.VideoCapture(str(mp4))
    det = swaps = swap_n = 0
    err: dict[str, list[float]] = {
        "knee": [], "knee_near": [], "hip_line": [], "hip_line_near": [], "opening": []
    }
    i = 0
    # Near side: the side whose true hip is nearer the camera.
    eye = np.asarray(truth["params"]["camera_pose"])[:3, 3]
    j3 = {k: np.asarray(v) for k, v in truth["frames"]["joints3d"].items()}
    near = np.where(
        np.linalg.norm(j3["left_hip"] - eye, axis=1) < np.linalg.norm(j3["right_hip"] - eye, axis=1),
        "left",
        "right",
    )
    with vision.PoseLandmarker.create_from_options(opts) as lm:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            img = mp.Image(image_format=mp.ImageFormat.SRGB, data=frame[:, :, ::-1].copy())
            res = lm.detect_for_video(img, round(i * 1000 / fps))
            if res.pose_landmarks:
                det += 1
                pl = res.pose_landmarks[0]
                p = {k: np.array([pl[v].x * w, pl[v].y * h]) for k, v in IDX.items()}
                tl, tr = j2["left_knee"][i], j2["right_knee"][i]
                if np.linalg.norm(tl - tr) > 20:
                    swap_n += 1
                    if np.linalg.norm(p["left_knee"] - tr) < np.linalg.norm(p["left_knee"] - tl):
                        swaps += 1
                for s in ("left", "right"):
                    k = _ang(p[f"{s}_hip"], p[f"{s}_knee"], p[f"{s}_ankle"])
                    e = abs(k - ang[f"{s}_knee_2d"][i])
                    err["knee"].append(e)
                    if s == near[i]:
                        err["knee_near"].append(e)
                for s in ("left", "right"):
                    sh, hp, kn = p[f"{s}_shoulder"], p[f"{s}_hip"], p[f"{s}_knee"]
                    a = _ang(sh, hp, kn)
                    t = ang[f"{s}_hip_line_2d"][i]
                    # Put MediaPipe's unsigned angle on the truth's side of 180.
                    a = 360 - a if t > 180 else a
                    err["hip_line"].append(abs(a - t))
                    if s == near[i]:
                        err["hip_line_near"].append(abs(a - t))
                uo = p["left_knee"] - p["left_hip"]
                vo = p["right_knee"] - p["right_hip"]
                op = float(np.degrees(np.arccos(np.clip(
                    np.dot(uo, vo) / (np.linalg.norm(uo) * np.linalg.norm(vo)), -1, 1))))
                err["opening"].append(abs(op - ang["opening_2d"][i]))
            i += 1
    out: dict[str, float | str] = {
        "clip": mp4.stem,
        "frames": i,
        "n_frames_json": truth["n_frames"],
        "detected": round(det / max(i, 1), 3),
        "swaps": round(swaps / max(swap_n, 1), 3),
    }
    for k, v in err.items():
        out[f"{k}_med"] = round(float(np.median(v)), 1) if v else float("nan")
        out[f"{k}_p90"] = round(float(np.percentile(v, 90)), 1) if v else float("nan")
    return out


def main(argv: list[str]) -> int:
    """Check every clip given (default: samples/*.mp4) and print one JSON line each."""
    clips = [Path(a) for a in argv] or sorted((ROOT / "samples").glob("*.mp4"))
    for c in clips:
        print(json.dumps(check(c)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
