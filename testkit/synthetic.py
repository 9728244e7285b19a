"""Synthetic pose sequences with known reps and faults, for tests (like pose-format's fake_pose).

A stick body is posed from joint angles by forward kinematics in a *lab* frame (metres, y up),
then seen by a pinhole camera placed at the side or front, so the result looks like what
MediaPipe gives: image ``x, y`` normalised 0-1 of width/height, and world landmarks hip-centred
with the camera's axes (x right, y down, z away from the camera).

Each factory returns ``(PoseSequence, Truth)``; ``Truth.reps`` lists the rep intervals and the
faults built into each rep. ``faults`` maps a 0-based rep position to fault codes, e.g.
``squat(reps=5, faults={1: ["shallow"], 3: ["trunk_lean", "too_fast"]})``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.landmarks import N_LANDMARKS, PoseSequence
from formcheck.landmarks import PoseLandmark as L

SQUAT_FAULTS = (
    "shallow", "knees_past_toes", "trunk_lean", "knees_caving", "narrow_stance",
    "heels_lifting", "incomplete_lockout", "too_fast",
)  # fmt: skip
BRIDGE_FAULTS = ("hips_low", "overarch", "short_hold")
CLAMSHELL_FAULTS = ("small_opening", "feet_apart", "pelvis_roll", "short_hold")
HOLD_BAND_DEG = 8.0  # the checkers' "near the top" band, for the truth hold time
_AZIMUTH = {"front": 0.0, "oblique": 37.0, "side": 90.0}  # camera around the body (deg)
_UPPER = list(range(23))  # head, shoulders and arms


@dataclass(frozen=True)
class RepTruth:
    """One generated rep. ``index`` is 0-based; times are seconds.

    ``key_deg`` is the squat's bottom knee angle, the bridge's top hip line or the clamshell's
    top opening. ``hold_s`` is the time the key angle stays within ``HOLD_BAND_DEG`` of its peak.
    """

    index: int
    start_s: float
    peak_s: float
    end_s: float
    faults: tuple[str, ...]
    key_deg: float
    hold_s: float
    side: str | None = None


@dataclass(frozen=True)
class Truth:
    exercise: str
    view: str
    reps: tuple[RepTruth, ...]

    def count(self, side: str | None = None) -> int:
        return sum(1 for r in self.reps if side is None or r.side == side)

    def reps_with(self, code: str) -> list[int]:
        """0-based positions of the reps that have fault ``code``."""
        return [r.index for r in self.reps if code in r.faults]


def shown_keys(exercise: str, seq: PoseSequence):  # type: ignore[no-untyped-def]
    """Test helper: a fresh checker fed ``seq`` frame by frame, and the key number it showed
    after each frame ("knee 93°", or "knee --" when not shown)."""
    from formcheck.checkers import make_checker

    checker = make_checker(exercise)
    texts = []
    for i in range(len(seq)):
        checker.update(seq.frame(i))
        texts.append(checker.state.key_text)
    return checker, texts


# -- small vector helpers ---------------------------------------------------------------------

def assert_matches(session, truth: Truth) -> None:  # type: ignore[no-untyped-def]
    """Test helper: the same rep count as ``truth``, each rep where the truth has it, on its
    side, with exactly its faults."""
    assert len(session.reps) == truth.count(), [r.fault_codes for r in session.reps]
    for rep, tr in zip(session.reps, truth.reps, strict=True):
        assert tr.start_s - 0.4 <= rep.start_s <= tr.start_s + 0.5, (rep.index, rep.start_s, tr)
        assert tr.peak_s - 0.2 <= rep.end_s <= tr.end_s + 0.2, (rep.index, rep.end_s, tr)
        assert sorted(rep.fault_codes) == sorted(tr.faults), (rep.index, rep.metrics)
        assert rep.side == tr.side

def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _rotate(p: np.ndarray, pivot: np.ndarray, axis, ang: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Rotate points ``p`` (T, ..., 3) about the line through ``pivot`` (T, 3) along unit
    ``axis`` by ``ang`` (T,) radians (right-hand rule)."""
    extra = p.ndim - 2
    pv = pivot.reshape(pivot.shape[0], *([1] * extra), 3)
    c = np.cos(ang).reshape(-1, *([1] * extra), 1)
    s = np.sin(ang).reshape(-1, *([1] * extra), 1)
    k = np.broadcast_to(np.asarray(axis, np.float64), p.shape)
    v = p - pv
    return pv + v * c + np.cross(k, v) * s + k * np.sum(k * v, -1, keepdims=True) * (1 - c)


def _ease(x: np.ndarray) -> np.ndarray:
    return (1.0 - np.cos(np.pi * np.clip(x, 0.0, 1.0))) / 2.0


def _ik(hip: np.ndarray, ankle: np.ndarray, thigh: float, shin: float, hint: np.ndarray):  # type: ignore[no-untyped-def]
    """Knee position (T, 3) for a two-link leg, bent toward ``hint``."""
    d_vec = ankle - hip
    d = np.minimum(np.linalg.norm(d_vec, axis=-1), thigh + shin - 1e-6)[:, None]
    u = d_vec / np.linalg.norm(d_vec, axis=-1, keepdims=True)
    a = (thigh**2 - shin**2 + d**2) / (2 * d)
    h = np.sqrt(np.maximum(thigh**2 - a**2, 0.0))
    n = _unit(hint - np.sum(hint * u, -1, keepdims=True) * u)
    return hip + a * u + h * n


# -- timeline ---------------------------------------------------------------------------------
@dataclass
class _Timeline:
    t: np.ndarray  # (T,) seconds
    rep: np.ndarray  # (T,) rep position, -1 outside reps
    u: np.ndarray  # (T,) 0 at rest .. 1 at the peak of the rep
    going: np.ndarray  # (T,) True before the return starts
    spans: list[tuple[float, float, float, float]]  # start, peak reached, return starts, end

    def channel(self, rest: float, peak, end=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        """A value that moves from its level before each rep to ``peak[i]`` and back to
        ``end[i]`` (the new level until the next rep); ``rest`` before the first rep."""
        n = len(self.spans)
        peak = np.broadcast_to(np.asarray(peak, np.float64), (n,))
        end = np.broadcast_to(np.asarray(rest if end is None else end, np.float64), (n,))
        levels = np.concatenate([[rest], end])
        ends = np.array([s[3] for s in self.spans])
        out = levels[np.searchsorted(ends, self.t, side="right")]
        m = self.rep >= 0
        i = self.rep[m]
        start = levels[i]
        go = self.going[m]
        out[m] = np.where(go, start + (peak[i] - start) * self.u[m], end[i] + (peak[i] - end[i]) * self.u[m])
        return out


def _timeline(
    fps: float, lead_s: float, moves: list[tuple[float, float, float]], rest_s: float, tail_s: float
) -> _Timeline:
    total = lead_s + sum(sum(m) for m in moves) + rest_s * max(0, len(moves) - 1) + tail_s
    t = np.arange(round(total * fps)) / fps
    rep = np.full(t.shape, -1)
    u = np.zeros(t.shape)
    going = np.zeros(t.shape, bool)
    spans = []
    cur = lead_s
    for i, (go, hold, back) in enumerate(moves):
        a, b, e = cur + go, cur + go + hold, cur + go + hold + back
        m = (t >= cur) & (t < e)
        rep[m] = i
        going[m] = t[m] < b
        u[m] = np.where(t[m] < a, _ease((t[m] - cur) / go), np.where(t[m] < b, 1.0, 0.0))
        mb = m & (t >= b)
        u[mb] = _ease(1.0 - (t[mb] - b) / back)
        spans.append((cur, a, b, e))
        cur = e + rest_s
    return _Timeline(t, rep, u, going, spans)


def _hold_in_band(tl: _Timeline, key: np.ndarray, i: int, sign: float = 1.0) -> float:
    m = tl.rep == i
    v = sign * key[m]
    return float(np.sum(v >= v.max() - HOLD_BAND_DEG) / (1.0 / (tl.t[1] - tl.t[0])))


def _check_faults(faults, allowed: tuple[str, ...], n: int) -> list[set[str]]:  # type: ignore[no-untyped-def]
    out: list[set[str]] = [set() for _ in range(n)]
    for i, codes in (faults or {}).items():
        if not 0 <= i < n:
            raise ValueError(f"fault rep index {i} outside 0..{n - 1}")
        bad = set(codes) - set(allowed)
        if bad:
            raise ValueError(f"unknown faults {sorted(bad)}; choose from {allowed}")
        out[i] = set(codes)
    return out


# -- body and camera --------------------------------------------------------------------------
def _assemble(p: dict[str, np.ndarray]) -> np.ndarray:
    """All 33 landmarks (T, 33, 3) in the lab frame from the main joints.

    ``p`` holds (T, 3) arrays: head (centre), face (unit, where the face points), crown (unit,
    top of the head), and shoulder/elbow/wrist/hip/knee/ankle/heel/toe with suffix _l/_r.
    """
    h, fwd, up = p["head"], _unit(p["face"]), _unit(p["crown"])
    left = np.cross(up, fwd)
    out = np.empty((h.shape[0], N_LANDMARKS, 3))
    out[:, L.NOSE] = h + 0.10 * fwd
    for side, sgn in (("LEFT", 1.0), ("RIGHT", -1.0)):
        lat = sgn * left
        s = side[0].lower()
        out[:, L[f"{side}_EYE_INNER"]] = h + 0.085 * fwd + 0.035 * up + 0.015 * lat
        out[:, L[f"{side}_EYE"]] = h + 0.08 * fwd + 0.035 * up + 0.032 * lat
        out[:, L[f"{side}_EYE_OUTER"]] = h + 0.07 * fwd + 0.035 * up + 0.05 * lat
        out[:, L[f"{side}_EAR"]] = h - 0.01 * fwd + 0.075 * lat
        out[:, L[f"MOUTH_{side}"]] = h + 0.085 * fwd - 0.04 * up + 0.025 * lat
        for part, name in (
            ("shoulder", "SHOULDER"), ("elbow", "ELBOW"), ("wrist", "WRIST"), ("hip", "HIP"),
            ("knee", "KNEE"), ("ankle", "ANKLE"), ("heel", "HEEL"), ("toe", "FOOT_INDEX"),
        ):  # fmt: skip
            out[:, L[f"{side}_{name}"]] = p[f"{part}_{s}"]
        wrist = p[f"wrist_{s}"]
        hand = _unit(wrist - p[f"elbow_{s}"])
        out[:, L[f"{side}_PINKY"]] = wrist + 0.07 * hand - 0.02 * lat
        out[:, L[f"{side}_INDEX"]] = wrist + 0.08 * hand + 0.01 * lat
        out[:, L[f"{side}_THUMB"]] = wrist + 0.04 * hand + 0.03 * lat
    return out


_LEFT_IDX = [int(m) for m in L if m.name.startswith("LEFT_") or m.name == "MOUTH_LEFT"]
_RIGHT_IDX = [int(m) for m in L if m.name.startswith("RIGHT_") or m.name == "MOUTH_RIGHT"]


def _project(lab: np.ndarray, eye: np.ndarray, target: np.ndarray, width: int, height: int):  # type: ignore[no-untyped-def]
    """(rotation, camera-frame points, image (T, 33, 4) without visibility) of lab points."""
    z = _unit(np.asarray(target, np.float64) - eye)
    x = _unit(np.cross(z, [0.0, 1.0, 0.0]))
    y = np.cross(z, x)
    rot = np.stack([x, y, z])  # rows: camera axes (x right, y down, z away)
    f = float(height)  # focal length in pixels (about 53 degrees vertical field of view)
    cam = (lab - eye) @ rot.T
    hip_z = cam[:, [L.LEFT_HIP, L.RIGHT_HIP], 2].mean(axis=1)[:, None]
    image = np.empty((*lab.shape[:2], 4))
    image[..., 0] = (f * cam[..., 0] / cam[..., 2] + width / 2) / width
    image[..., 1] = (f * cam[..., 1] / cam[..., 2] + height / 2) / height
    image[..., 2] = f * (cam[..., 2] - hip_z) / (hip_z * width)
    return rot, cam, image


def _render(
    lab: np.ndarray,
    t: np.ndarray,
    eye: np.ndarray,
    target: np.ndarray,
    *,
    fps: float,
    width: int,
    height: int,
    noise: float,
    drop_frames: float,
    occlude,  # type: ignore[no-untyped-def]
    rng: np.random.Generator,
    absent: np.ndarray | None = None,
) -> PoseSequence:
    """Project lab points (T, 33, 3) through a pinhole camera at ``eye`` looking at ``target``."""
    rot, _, image = _project(lab, eye, target, width, height)
    hip_lab = (lab[:, L.LEFT_HIP] + lab[:, L.RIGHT_HIP]) / 2
    world = np.empty_like(image)
    world[..., :3] = (lab - hip_lab[:, None]) @ rot.T
    # Visibility: the far side is partly hidden when the body is side-on to the camera.
    vis = np.full((len(t), N_LANDMARKS), 0.99)
    hv = world[:, L.LEFT_HIP, :3] - world[:, L.RIGHT_HIP, :3]
    side_on = np.abs(hv[:, 2]) > 0.7 * np.linalg.norm(hv, axis=-1)
    vis[np.ix_(side_on & (hv[:, 2] > 0), _LEFT_IDX)] = 0.6
    vis[np.ix_(side_on & (hv[:, 2] < 0), _RIGHT_IDX)] = 0.6
    for t0, t1, idx in occlude:
        vis[np.ix_((t >= t0) & (t < t1), list(idx))] = 0.2
    image[..., 3] = vis
    world[..., 3] = vis
    if noise > 0:
        image[..., :2] += rng.normal(0.0, noise, image[..., :2].shape)
        world[..., :3] += rng.normal(0.0, noise * 3.0, world[..., :3].shape)
    gone = rng.random(len(t)) < drop_frames
    hx = image[:, [L.LEFT_HIP, L.RIGHT_HIP], 0].mean(axis=1)
    gone |= (hx < 0.0) | (hx > 1.0)  # out of frame: no person detected
    if absent is not None:
        gone |= absent
    image[gone] = np.nan
    world[gone] = np.nan
    t_ms = np.round(t * 1000).astype(np.int64)
    return PoseSequence(image, world, t_ms, fps, width, height)


def _camera(
    view: str, dist: float, height: float, target: np.ndarray, azimuth_deg: float | None = None
) -> np.ndarray:
    if view not in _AZIMUTH:
        raise ValueError(f"view must be one of {sorted(_AZIMUTH)}, got {view!r}")
    az = np.radians(_AZIMUTH[view] if azimuth_deg is None else azimuth_deg)
    return np.array([target[0] - dist * np.sin(az), height, target[2] + dist * np.cos(az)])


# -- squat ------------------------------------------------------------------------------------
SHIN, THIGH, TRUNK = 0.43, 0.44, 0.52
HIP_HALF, SHOULDER_HALF = 0.10, 0.18
STAND_KNEE = 177.0


def squat(
    reps: int = 5,
    view: str = "side",
    depth_knee_deg: float = 85.0,
    faults: dict[int, list[str]] | None = None,
    fps: float = 30.0,
    rest_s: float = 1.0,
    lead_in_s: float = 1.5,
    tail_s: float = 1.5,
    noise: float = 0.003,
    drop_frames: float = 0.0,
    occlude: tuple[tuple[float, float, tuple[int, ...]], ...] = (),
    seed: int = 0,
    descent_s: float = 1.2,
    ascent_s: float = 1.0,
    lockout_knee_deg: float = 158.0,
    walk_in: bool = False,
    walk_out: bool = False,
    width: int = 1280,
    height: int = 720,
) -> tuple[PoseSequence, Truth]:
    """A squat set seen from ``view`` ("side", "front" or "oblique").

    Lab frame: x = the person's left, y up, z = the way they face; the side camera is at their
    right. Faults: see ``SQUAT_FAULTS``. ``incomplete_lockout`` stands back only to
    ``lockout_knee_deg`` (hips still bent) before the next rep. ``walk_in``/``walk_out`` add
    walking into the frame before the lead-in and out of it after the tail.
    """
    fl = _check_faults(faults, SQUAT_FAULTS, reps)
    walk_s = 3.0
    lead = lead_in_s + (walk_s if walk_in else 0.0)
    tail = tail_s + (walk_s if walk_out else 0.0)
    moves = [(0.25, 0.0, ascent_s) if "too_fast" in f else (descent_s, 0.1, ascent_s) for f in fl]
    tl = _timeline(fps, lead, moves, rest_s, tail)
    t = tl.t

    def per(code: str, bad: float, good: float) -> np.ndarray:
        return np.array([bad if code in f else good for f in fl])

    lock = ["incomplete_lockout" in f for f in fl]
    knee = tl.channel(
        STAND_KNEE,
        per("shallow", 125.0, depth_knee_deg),
        [lockout_knee_deg if b else STAND_KNEE for b in lock],
    )
    bend = 180.0 - np.array([125.0 if "shallow" in f else depth_knee_deg for f in fl])
    # Shin tilt forward (deg): a quarter of the knee bend, or far forward for knees_past_toes.
    shin = tl.channel(
        0.25 * (180.0 - STAND_KNEE),
        np.where(["knees_past_toes" in f for f in fl], 52.0, 0.25 * bend),
        [0.25 * (180.0 - (lockout_knee_deg if b else STAND_KNEE)) for b in lock],
    )
    trunk = tl.channel(3.0, per("trunk_lean", 63.0, 28.0), [25.0 if b else 3.0 for b in lock])
    spread = tl.channel(0.8, per("knees_caving", 0.45, 1.0))  # knee x / ankle x
    pitch = tl.channel(0.0, per("heels_lifting", 28.0, 0.0))  # heel up (deg)
    # Stance is set per rep and changes at the end of the previous rep.
    stance_rep = per("narrow_stance", 0.5, 1.1) * 2 * SHOULDER_HALF
    knots_t, knots_v = [0.0], [stance_rep[0]]
    for i in range(1, reps):
        e = tl.spans[i - 1][3]
        knots_t += [e - 0.3, e]
        knots_v += [stance_rep[i - 1], stance_rep[i]]
    stance = np.interp(t, knots_t, knots_v)

    ths = np.radians(shin)
    tht = np.radians(180.0 - knee) - ths
    ph, tr = np.radians(pitch), np.radians(trunk)
    zero = np.zeros_like(t)

    def pt(x, y, z):  # type: ignore[no-untyped-def]
        return np.stack(np.broadcast_arrays(x, y, z), axis=-1).astype(np.float64)

    toe_z, toe_y = 0.16, 0.02  # the foot pivots about the toes when the heel lifts
    ay = toe_y + 0.16 * np.sin(ph) + 0.06 * np.cos(ph)
    az = toe_z - 0.16 * np.cos(ph) + 0.06 * np.sin(ph)
    hy, hz = toe_y + 0.21 * np.sin(ph), toe_z - 0.21 * np.cos(ph)
    ky, kz = ay + SHIN * np.cos(ths), az + SHIN * np.sin(ths)
    py, pz = ky + THIGH * np.cos(tht), kz - THIGH * np.sin(tht)
    sy, sz = py + TRUNK * np.cos(tr), pz + TRUNK * np.sin(tr)
    p: dict[str, np.ndarray] = {}
    for s, sgn in (("l", 1.0), ("r", -1.0)):
        ax = sgn * stance / 2
        p[f"ankle_{s}"] = pt(ax, ay, az)
        p[f"heel_{s}"] = pt(ax, hy, hz)
        p[f"toe_{s}"] = pt(ax, toe_y, toe_z + zero)
        p[f"knee_{s}"] = pt(ax * spread, ky, kz)
        p[f"hip_{s}"] = pt(sgn * HIP_HALF, py, pz)
        p[f"shoulder_{s}"] = pt(sgn * SHOULDER_HALF, sy, sz)
        p[f"elbow_{s}"] = pt(sgn * (SHOULDER_HALF - 0.03), sy - 0.02, sz + 0.28)
        p[f"wrist_{s}"] = pt(sgn * (SHOULDER_HALF - 0.06), sy - 0.03, sz + 0.53)
    half = tr / 2
    p["head"] = pt(0.0, sy + 0.25 * np.cos(tr), sz + 0.25 * np.sin(tr))
    p["face"] = pt(0.0, -np.sin(half), np.cos(half))
    p["crown"] = pt(0.0, np.cos(half), np.sin(half))

    # Walking in and out: the body travels across the image with the legs swinging.
    travel = np.array([1.0, 0.0, 0.0]) if view == "front" else np.array([0.0, 0.0, 1.0])
    pos = zero.copy()
    if walk_in:
        pos += np.where(t < walk_s, -3.5 * (1 - t / walk_s), 0.0)
    t_out = t[-1] - walk_s
    if walk_out:
        pos += np.where(t > t_out, 3.5 * (t - t_out) / walk_s, 0.0)
    walking = (walk_in & (t < walk_s)) | (walk_out & (t > t_out))
    swing = np.where(walking, np.radians(20.0) * np.sin(2 * np.pi * 0.9 * t), 0.0)
    axis = np.cross([0.0, 1.0, 0.0], travel)
    for s, sgn in (("l", 1.0), ("r", -1.0)):
        for part in ("knee", "ankle", "heel", "toe"):
            p[f"{part}_{s}"] = _rotate(p[f"{part}_{s}"], p[f"hip_{s}"], axis, sgn * swing)
    lab = _assemble(p) + (pos[:, None] * travel)[:, None, :]

    target = np.array([0.0, 0.9, 0.0])
    eye = _camera(view, 3.5, 1.0, target)
    seq = _render(
        lab, t, eye, target, fps=fps, width=width, height=height, noise=noise,
        drop_frames=drop_frames, occlude=occlude, rng=np.random.default_rng(seed),
    )  # fmt: skip
    truth = Truth(
        "squat",
        view,
        tuple(
            RepTruth(
                i,
                s[0],
                s[1],
                s[3],
                tuple(sorted(fl[i])),
                float(knee[tl.rep == i].min()),
                _hold_in_band(tl, knee, i, -1.0),
            )
            for i, s in enumerate(tl.spans)
        ),
    )
    return seq, truth


# -- glute bridge -----------------------------------------------------------------------------
B_TRUNK, B_THIGH, B_SHIN = 0.50, 0.43, 0.42
B_ANKLE_Z = 0.84  # feet on the floor this far from the shoulders (m), knees bent


def _bridge_points(alpha: np.ndarray, ankle_z: np.ndarray) -> dict[str, np.ndarray]:
    """Shoulders on the floor at z = 0; the trunk pivots up by ``alpha`` (rad); feet fixed."""
    n = alpha.shape[0]
    zero = np.zeros(n)
    sh = np.stack([zero, zero + 0.10, zero], -1)
    hip = sh + B_TRUNK * np.stack([zero, np.sin(alpha), np.cos(alpha)], -1)
    ankle = np.stack([zero, zero + 0.08, ankle_z], -1)
    knee = _ik(hip, ankle, B_THIGH, B_SHIN, np.array([0.0, 1.0, 0.0]))
    return {"shoulder": sh, "hip": hip, "knee": knee, "ankle": ankle}


def _line_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Signed shoulder-hip-knee angle in the (z, y) plane, as ``signed_line_angle`` reads it."""
    u, v = a - b, c - b
    cos = np.sum(u * v, -1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    inner = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    y_line = a[:, 1] + (c[:, 1] - a[:, 1]) * (b[:, 2] - a[:, 2]) / (c[:, 2] - a[:, 2])
    return np.where(b[:, 1] > y_line, 360.0 - inner, inner)


_B_ALPHA = np.radians(np.linspace(0.0, 55.0, 400))
_b = _bridge_points(_B_ALPHA, np.full(400, B_ANKLE_Z))
_B_LINE = _line_deg(_b["shoulder"], _b["hip"], _b["knee"])
BRIDGE_REST_DEG = float(_B_LINE[0])


def bridge(
    reps: int = 5,
    view: str = "side",
    faults: dict[int, list[str]] | None = None,
    fps: float = 30.0,
    rest_s: float = 1.0,
    lead_in_s: float = 1.5,
    tail_s: float = 1.5,
    noise: float = 0.003,
    drop_frames: float = 0.0,
    occlude: tuple[tuple[float, float, tuple[int, ...]], ...] = (),
    seed: int = 0,
    hold_s: float = 3.0,
    rise_s: float = 1.0,
    lower_s: float = 1.0,
    settle_in: bool = False,
    get_up: bool = False,
    width: int = 1280,
    height: int = 720,
    eye: tuple[float, float, float] = (-3.0, 0.6, 0.45),
    stretch_legs: bool = False,
) -> tuple[PoseSequence, Truth]:
    """A glute bridge set, lying on the back side-on to a camera at the person's right
    (``eye``: the camera's place, metres: x toward their right, y up, z toward their feet).

    Clean reps reach a straight shoulder-hip-knee line (180 deg) and hold ``hold_s``;
    ``hips_low`` tops out at 150, ``overarch`` at 205, ``short_hold`` holds 0.4 s.
    ``settle_in`` starts with the legs straight and draws the feet in; ``stretch_legs`` first
    slides the feet out until the legs lie straight and draws them back in (4 s, no rep);
    ``get_up`` sits up and leaves after the set.
    """
    if view != "side":
        raise ValueError("bridge supports view='side' only")
    fl = _check_faults(faults, BRIDGE_FAULTS, reps)
    settle = 2.0 if settle_in else 4.0 if stretch_legs else 0.0
    up_s = 1.5 if get_up else 0.0
    moves = [(rise_s, 0.4 if "short_hold" in f else hold_s, lower_s) for f in fl]
    tl = _timeline(fps, lead_in_s + settle, moves, rest_s, tail_s + up_s + (1.0 if get_up else 0))
    t = tl.t
    top = np.array([150.0 if "hips_low" in f else 205.0 if "overarch" in f else 180.0 for f in fl])
    line = tl.channel(BRIDGE_REST_DEG, top)
    alpha = np.interp(line, _B_LINE, _B_ALPHA)
    straight = 0.10 + B_THIGH + B_SHIN + 0.4  # legs out flat
    ankle_z = np.full(len(t), B_ANKLE_Z)
    if settle_in:  # (without, this read the first frame with the legs straight)
        ankle_z = np.interp(t, [0.0, 0.3, settle, settle + 0.01], [straight, straight, B_ANKLE_Z, B_ANKLE_Z])
    if stretch_legs:  # out over a second from lead_in_s, lie straight a second, back in over one
        a = lead_in_s
        out = [B_ANKLE_Z, B_ANKLE_Z, straight, straight, B_ANKLE_Z]
        ankle_z = np.interp(t, [0.0, a, a + 1, a + 2, a + 3], out)
    j = _bridge_points(alpha, ankle_z)
    n = len(t)
    p: dict[str, np.ndarray] = {}
    for s, sgn in (("l", 1.0), ("r", -1.0)):
        off = np.array([sgn, 0.0, 0.0])
        p[f"shoulder_{s}"] = j["shoulder"] + 0.18 * off
        p[f"elbow_{s}"] = j["shoulder"] + 0.20 * off + [0.0, -0.02, 0.27]
        p[f"wrist_{s}"] = j["shoulder"] + 0.21 * off + [0.0, -0.03, 0.52]
        p[f"hip_{s}"] = j["hip"] + 0.10 * off
        p[f"knee_{s}"] = j["knee"] + 0.11 * off
        p[f"ankle_{s}"] = j["ankle"] + 0.12 * off
        p[f"heel_{s}"] = j["ankle"] + 0.12 * off + [0.0, -0.06, -0.04]
        p[f"toe_{s}"] = j["ankle"] + 0.12 * off + [0.0, -0.06, 0.15]
    p["head"] = np.tile([0.0, 0.12, -0.25], (n, 1))
    p["face"] = np.tile([0.0, 1.0, 0.0], (n, 1))
    p["crown"] = np.tile([0.0, 0.0, -1.0], (n, 1))
    lab = _assemble(p)
    absent = None
    if get_up:  # sit up (upper body pivots about the hips), then leave the frame
        t_up = t[-1] - 1.0 - up_s
        beta = np.radians(85.0) * _ease((t - t_up) / up_s)
        hip_mid = (lab[:, L.LEFT_HIP] + lab[:, L.RIGHT_HIP]) / 2
        lab[:, _UPPER] = _rotate(lab[:, _UPPER], hip_mid, [1.0, 0.0, 0.0], beta)
        absent = t > t[-1] - 1.0
    target = np.array([0.0, 0.25, 0.45])
    seq = _render(
        lab, t, np.array(eye), target, fps=fps, width=width, height=height, noise=noise,
        drop_frames=drop_frames, occlude=occlude, rng=np.random.default_rng(seed), absent=absent,
    )  # fmt: skip
    truth = Truth(
        "bridge",
        view,
        tuple(
            RepTruth(
                i,
                s[0],
                s[1],
                s[3],
                tuple(sorted(fl[i])),
                float(top[i]),
                _hold_in_band(tl, line, i),
            )
            for i, s in enumerate(tl.spans)
        ),
    )
    return seq, truth


# -- side-lying clamshell ---------------------------------------------------------------------
C_THIGH, C_SHIN, C_GAP = 0.43, 0.42, 0.10  # C_GAP: hips, knees and feet stacked this far apart
_C_HIP = np.array([0.5, 0.10, 0.0])
_C_THIGH_DIR = np.array([np.cos(np.radians(60)), 0.0, np.sin(np.radians(60))])  # hips flexed
_C_KNEE = _C_HIP + C_THIGH * _C_THIGH_DIR
_C_ANKLE = _C_KNEE + C_SHIN * np.array([0.5, 0.0, -0.866])  # feet in line with the hips
_UP = np.array([0.0, 1.0, 0.0])


def _top_knee(phi: np.ndarray, lift: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top (left) hip, knee and ankle: the knee turns by ``phi`` (rad) about the hip-ankle axis;
    ``lift`` raises the top ankle (m)."""
    n = phi.shape[0]
    hip = np.tile(_C_HIP + C_GAP * _UP, (n, 1))
    ankle = np.tile(_C_ANKLE + C_GAP * _UP, (n, 1)) + lift[:, None] * _UP
    knee0 = _ik(hip, ankle, C_THIGH, C_SHIN, np.array([0.0, 0.0, 1.0]))
    knee = _rotate(knee0, hip, _unit(hip - ankle), phi)
    return hip, knee, ankle


def _opening_3d(top_hip: np.ndarray, top_knee: np.ndarray) -> np.ndarray:
    """Angle (deg) between the top thigh and the bottom thigh in 3D: the true opening. (The
    picture overstates it: the thighs point toward the camera, hips flexed 60 deg.)"""
    v = _unit(top_knee - top_hip)
    return np.degrees(np.arccos(np.clip(v @ _C_THIGH_DIR, -1.0, 1.0)))


_C_PHI = np.radians(np.linspace(0.0, 100.0, 400))
_C_OPEN = _opening_3d(*_top_knee(_C_PHI, np.zeros(400))[:2])
_C_PHI, _C_OPEN = _C_PHI[: _C_OPEN.argmax() + 1], _C_OPEN[: _C_OPEN.argmax() + 1]  # rising part


def clamshell(
    reps: int = 5,
    view: str = "front",
    faults: dict[int, list[str]] | None = None,
    sides: tuple[str, ...] = ("left",),
    fps: float = 30.0,
    rest_s: float = 1.0,
    lead_in_s: float = 1.5,
    tail_s: float = 1.5,
    noise: float = 0.003,
    drop_frames: float = 0.0,
    occlude: tuple[tuple[float, float, tuple[int, ...]], ...] = (),
    seed: int = 0,
    opening_deg: float = 50.0,
    hold_s: float = 1.0,
    turn_s: float = 2.0,
    get_up: bool = False,
    camera: str = "level",
    width: int = 1280,
    height: int = 720,
) -> tuple[PoseSequence, Truth]:
    """Clamshells lying on the side, facing a camera in front, ``reps`` per working side.

    ``camera``: "level" (at hip height, 2.8 m away) or "above" (2.4 m up, looking down on the
    hips at about 60 deg).

    ``sides`` are the working (top) legs in order; between sides the person turns over out of
    detection for ``turn_s``. ``faults`` keys count across all reps (side by side). Faults:
    ``small_opening`` (20 deg), ``feet_apart`` (ankle gap 1.1 thigh lengths at the top),
    ``pelvis_roll`` (hip axis turns 40 deg back), ``short_hold`` (0.3 s instead of ``hold_s``).
    """
    if view != "front":
        raise ValueError("clamshell supports view='front' only")
    fl_all = _check_faults(faults, CLAMSHELL_FAULTS, reps * len(sides))
    rng = np.random.default_rng(seed)
    seqs: list[PoseSequence] = []
    truth: list[RepTruth] = []
    offset = 0.0
    for k, side in enumerate(sides):
        if side not in ("left", "right"):
            raise ValueError("sides must be 'left' or 'right'")
        fl = fl_all[k * reps : (k + 1) * reps]
        up_s = 1.5 if get_up and k == len(sides) - 1 else 0.0
        moves = [(1.0, 0.3 if "short_hold" in f else hold_s, 1.0) for f in fl]
        tl = _timeline(fps, lead_in_s, moves, rest_s, tail_s + up_s + (1.0 if up_s else 0.0))
        t = tl.t
        top = np.array([20.0 if "small_opening" in f else opening_deg for f in fl])
        opening = tl.channel(0.0, top)
        lift = tl.channel(0.0, [1.1 * C_THIGH - C_GAP if "feet_apart" in f else 0.0 for f in fl])
        roll = np.radians(tl.channel(0.0, [40.0 if "pelvis_roll" in f else 0.0 for f in fl]))
        phi = np.interp(opening, _C_OPEN, _C_PHI)
        n = len(t)

        def tile(v, n=n):  # type: ignore[no-untyped-def]
            return np.tile(np.asarray(v, np.float64), (n, 1))

        p: dict[str, np.ndarray] = {
            "hip_r": tile(_C_HIP), "knee_r": tile(_C_KNEE), "ankle_r": tile(_C_ANKLE),
            "shoulder_r": tile([0.0, 0.08, 0.0]), "shoulder_l": tile([0.0, 0.42, 0.0]),
            "head": tile([-0.25, 0.25, 0.0]), "face": tile([0.0, 0.0, 1.0]),
            "crown": tile([-1.0, 0.0, 0.0]),
        }  # fmt: skip
        p["hip_l"], p["knee_l"], p["ankle_l"] = _top_knee(phi, lift)
        for s in ("l", "r"):
            p[f"heel_{s}"] = p[f"ankle_{s}"] + [-0.02, 0.0, -0.06]
            p[f"toe_{s}"] = p[f"ankle_{s}"] + [0.15, 0.0, 0.05]
            p[f"elbow_{s}"] = p[f"shoulder_{s}"] + [0.10, -0.05, 0.25]
            p[f"wrist_{s}"] = p[f"elbow_{s}"] + [0.10, 0.0, 0.20]
        # Pelvis roll: the top hip and leg turn back (away from the camera) about the body axis.
        pivot = p["hip_r"]
        for part in ("hip", "knee", "ankle", "heel", "toe"):
            p[f"{part}_l"] = _rotate(p[f"{part}_l"], pivot, [-1.0, 0.0, 0.0], roll)
        lab = _assemble(p)
        absent = None
        if up_s:
            t_up = t[-1] - 1.0 - up_s
            beta = np.radians(80.0) * _ease((t - t_up) / up_s)
            hip_mid = (lab[:, L.LEFT_HIP] + lab[:, L.RIGHT_HIP]) / 2
            lab[:, _UPPER] = _rotate(lab[:, _UPPER], hip_mid, [0.0, 0.0, -1.0], beta)
            absent = t > t[-1] - 1.0
        target = np.array([0.6, 0.2, 0.0])
        eye = np.array([0.6, 0.5, 2.8]) if camera == "level" else np.array([0.6, 2.4, 1.3])
        if side == "right":  # mirror: lying on the left side, head to the image right
            lab[..., 0] *= -1
            lab = lab[:, _swap_lr()]
            target[0] *= -1
            eye[0] *= -1
        seq = _render(
            lab, t + offset, eye, target, fps=fps, width=width, height=height, noise=noise,
            drop_frames=drop_frames, occlude=occlude, rng=rng, absent=absent,
        )  # fmt: skip
        # The hold is judged on the true (3D) opening, as formcheck counts it.
        seen = _angle_between(
            lab[:, L.LEFT_KNEE] - lab[:, L.LEFT_HIP], lab[:, L.RIGHT_KNEE] - lab[:, L.RIGHT_HIP]
        )
        for i, sp in enumerate(tl.spans):
            truth.append(
                RepTruth(
                    len(truth),
                    sp[0] + offset,
                    sp[1] + offset,
                    sp[3] + offset,
                    tuple(sorted(fl[i])),
                    float(top[i]),
                    _hold_in_band(tl, seen, i),
                    side,
                )
            )
        seqs.append(seq)
        offset += t[-1] + 1.0 / fps
        if k < len(sides) - 1:  # turning over: nobody detected
            gap_t = offset + np.arange(round(turn_s * fps)) / fps
            seqs.append(_missing(gap_t, fps, width, height))
            offset = gap_t[-1] + 1.0 / fps
    return _concat(seqs), Truth("clamshell", view, tuple(truth))


def _concat(seqs: list[PoseSequence]) -> PoseSequence:
    """One sequence of several in a row (same fps and picture size)."""
    first = seqs[0]
    return PoseSequence(
        np.concatenate([s.image for s in seqs]),
        np.concatenate([s.world for s in seqs]),
        np.concatenate([s.t_ms for s in seqs]),
        first.fps,
        first.width,
        first.height,
    )


def _angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    cos = np.sum(u * v, -1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _swap_lr() -> list[int]:
    perm = list(range(N_LANDMARKS))
    for m in L:
        for a, b in (("LEFT", "RIGHT"), ("RIGHT", "LEFT")):
            if a in m.name:
                perm[m] = int(L[m.name.replace(a, b)])
    return perm


def _missing(t: np.ndarray, fps: float, width: int, height: int) -> PoseSequence:
    nan = np.full((len(t), N_LANDMARKS, 4), np.nan)
    return PoseSequence(nan, nan.copy(), np.round(t * 1000).astype(np.int64), fps, width, height)


def missing(seq: PoseSequence, t0_s: float, t1_s: float) -> PoseSequence:
    """A copy of ``seq`` with nobody detected between ``t0_s`` and ``t1_s``."""
    gone = (seq.t_ms >= t0_s * 1000) & (seq.t_ms < t1_s * 1000)
    image, world = seq.image.copy(), seq.world.copy()
    image[gone] = np.nan
    world[gone] = np.nan
    return PoseSequence(image, world, seq.t_ms.copy(), seq.fps, seq.width, seq.height)


# -- standing hip abduction -------------------------------------------------------------------
HIP_ABDUCTION_FAULTS = ("trunk_lean", "knee_bent", "short_hold")
A_FOOT_HALF = 0.05  # feet together: ankles this far either side of the midline (m)


def _legs_angle(p: dict[str, np.ndarray]) -> np.ndarray:
    """Signed angle (deg) between the legs' hip-to-ankle lines in the frontal (x, y) plane:
    positive when the feet are further apart than the hips."""
    out = []
    for s, sgn in (("l", 1.0), ("r", -1.0)):
        v = p[f"ankle_{s}"] - p[f"hip_{s}"]
        out.append(np.degrees(np.arctan2(sgn * v[:, 0], -v[:, 1])))
    return out[0] + out[1]


def hip_abduction(
    reps: int = 5,
    view: str = "front",
    faults: dict[int, list[str]] | None = None,
    sides: tuple[str, ...] = ("left",),
    alternate: bool = False,
    fps: float = 30.0,
    rest_s: float = 1.0,
    lead_in_s: float = 1.5,
    tail_s: float = 1.5,
    noise: float = 0.003,
    drop_frames: float = 0.0,
    occlude: tuple[tuple[float, float, tuple[int, ...]], ...] = (),
    seed: int = 0,
    abduction_deg: float = 40.0,
    hold_s: float = 2.0,
    raise_s: float = 1.0,
    lower_s: float = 1.0,
    width: int = 1280,
    height: int = 720,
) -> tuple[PoseSequence, Truth]:
    """Standing hip abduction, feet together, facing a camera in front (or at ``view``).

    ``reps`` per working leg in ``sides``, one side after the other, or taking turns with
    ``alternate``; ``faults`` keys count across all reps in the order done. The working leg
    turns out about the hip by ``abduction_deg`` and holds ``hold_s``. Faults: ``trunk_lean``
    (the upper body leans 20 deg toward the standing side at the top), ``knee_bent`` (the knee
    bends 45 deg, the shin going back), ``short_hold`` (0.3 s). ``key_deg`` is the angle between
    the legs at the top.
    """
    for side in sides:
        if side not in ("left", "right"):
            raise ValueError("sides must be 'left' or 'right'")
    order = [s for _ in range(reps) for s in sides] if alternate else [s for s in sides for _ in range(reps)]
    n = len(order)
    fl = _check_faults(faults, HIP_ABDUCTION_FAULTS, n)
    moves = [(raise_s, 0.3 if "short_hold" in f else hold_s, lower_s) for f in fl]
    tl = _timeline(fps, lead_in_s, moves, rest_s, tail_s)
    t = tl.t
    abd = np.radians(tl.channel(0.0, abduction_deg))
    lean = np.radians(tl.channel(0.0, [20.0 if "trunk_lean" in f else 0.0 for f in fl]))
    bend = np.radians(tl.channel(0.0, [45.0 if "knee_bent" in f else 0.0 for f in fl]))
    # Which leg works at each moment (the last rep's, between reps).
    ends = np.array([s[3] for s in tl.spans])
    cur = np.clip(np.searchsorted(ends, t, side="left"), 0, n - 1)
    working = np.array(order)[cur]
    zero = np.zeros_like(t)

    def pt(x, y, z):  # type: ignore[no-untyped-def]
        return np.stack(np.broadcast_arrays(x, y, z), axis=-1).astype(np.float64)

    ankle_y, hip_y = 0.08, 0.08 + SHIN + THIGH
    sh_y = hip_y + TRUNK
    p: dict[str, np.ndarray] = {}
    for s, sgn in (("l", 1.0), ("r", -1.0)):
        ax = sgn * A_FOOT_HALF
        hip = pt(sgn * HIP_HALF, hip_y, zero)
        frac = SHIN / (SHIN + THIGH)
        p[f"hip_{s}"] = hip
        p[f"ankle_{s}"] = pt(ax, ankle_y, zero)
        p[f"knee_{s}"] = pt(ax + (sgn * HIP_HALF - ax) * frac, ankle_y + SHIN, zero)
        p[f"heel_{s}"] = pt(ax, ankle_y - 0.06, zero - 0.05)
        p[f"toe_{s}"] = pt(ax, ankle_y - 0.07, zero + 0.15)
        p[f"shoulder_{s}"] = pt(sgn * SHOULDER_HALF, sh_y, zero)
        p[f"elbow_{s}"] = pt(sgn * (SHOULDER_HALF + 0.03), sh_y - 0.28, zero)
        p[f"wrist_{s}"] = pt(sgn * (SHOULDER_HALF + 0.04), sh_y - 0.53, zero)
        mine = working == ("left" if s == "l" else "right")
        # The working knee bends (shin back), then the whole leg turns out about the hip.
        for part in ("ankle", "heel", "toe"):
            bent = _rotate(p[f"{part}_{s}"], p[f"knee_{s}"], [1.0, 0.0, 0.0], bend)
            p[f"{part}_{s}"] = np.where(mine[:, None], bent, p[f"{part}_{s}"])
        for part in ("knee", "ankle", "heel", "toe"):
            p[f"{part}_{s}"] = np.where(
                mine[:, None], _rotate(p[f"{part}_{s}"], hip, [0.0, 0.0, 1.0], sgn * abd), p[f"{part}_{s}"]
            )
    p["head"] = pt(0.0, sh_y + 0.25, zero)
    p["face"] = pt(0.0, 0.0, 1.0 + zero)
    p["crown"] = pt(0.0, 1.0 + zero, 0.0)
    lab = _assemble(p)
    # Trunk lean: the upper body turns about the middle of the hips toward the standing side.
    hip_mid = (lab[:, L.LEFT_HIP] + lab[:, L.RIGHT_HIP]) / 2
    toward = np.where(working == "left", 1.0, -1.0)  # +z rotation tips the trunk to the right
    lab[:, _UPPER] = _rotate(lab[:, _UPPER], hip_mid, [0.0, 0.0, 1.0], toward * lean)
    target = np.array([0.0, 0.9, 0.0])
    eye = _camera(view, 3.5, 1.0, target)
    seq = _render(
        lab, t, eye, target, fps=fps, width=width, height=height, noise=noise,
        drop_frames=drop_frames, occlude=occlude, rng=np.random.default_rng(seed),
    )  # fmt: skip
    spread = _legs_angle(
        {f"{part}_{s}": lab[:, L[f"{side}_{part.upper()}"]] for side, s in (("LEFT", "l"), ("RIGHT", "r"))
         for part in ("hip", "ankle")}
    )  # fmt: skip
    truth = Truth(
        "hip_abduction",
        view,
        tuple(
            RepTruth(
                i,
                sp[0],
                sp[1],
                sp[3],
                tuple(sorted(fl[i])),
                float(spread[tl.rep == i].max()),
                _hold_in_band(tl, spread, i),
                order[i],
            )
            for i, sp in enumerate(tl.spans)
        ),
    )
    return seq, truth


# -- side-lying leg raise ---------------------------------------------------------------------
SIDE_LEG_RAISE_FAULTS = ("low_lift", "knee_bent", "pelvis_roll")
R_HIP_GAP, R_LEG = 0.30, 0.85  # top hip above the bottom one; hip to ankle, straight (m)
_R_HIP = np.array([0.5, 0.10, 0.0])  # the bottom hip (lying on the right side)


def _rise_deg(hip: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Angle (deg) of the hip-to-ankle line above level (lab x, y: along the body, up)."""
    v = ankle - hip
    return np.degrees(np.arctan2(v[:, 1], np.abs(v[:, 0])))


def side_leg_raise(
    reps: int = 5,
    view: str = "front",
    faults: dict[int, list[str]] | None = None,
    sides: tuple[str, ...] = ("left",),
    fps: float = 30.0,
    rest_s: float = 1.0,
    lead_in_s: float = 1.5,
    tail_s: float = 1.5,
    noise: float = 0.003,
    seed: int = 0,
    lift_deg: float = 30.0,
    hold_s: float = 1.0,
    turn_s: float = 2.0,
    camera: str = "level",
    width: int = 1280,
    height: int = 720,
) -> tuple[PoseSequence, Truth]:
    """Side-lying leg raises facing a camera in front (or at ``view``: "oblique" turns the camera
    toward the feet), at hip height or, with ``camera="above"``, looking down on the hips;
    ``reps`` per working (top) leg in ``sides``; between sides the person turns over out of
    detection for ``turn_s``.

    The bottom knee is bent forward and the top foot rests on the floor beyond it, the top leg
    sloping down 25 deg; a rep lifts it ``lift_deg`` about the top hip and holds ``hold_s``.
    Faults (``faults`` keys count across all reps): ``low_lift`` (a 14 deg lift, staying 11 deg
    below hip height), ``knee_bent`` (the top knee bends 45 deg at the top, the shin
    going back),
    ``pelvis_roll`` (the top hip and leg roll back 40 deg). ``key_deg`` is the top leg's rise
    above level at the top.
    """
    if view not in _AZIMUTH:
        raise ValueError(f"view must be one of {sorted(_AZIMUTH)}, got {view!r}")
    fl_all = _check_faults(faults, SIDE_LEG_RAISE_FAULTS, reps * len(sides))
    rng = np.random.default_rng(seed)
    seqs: list[PoseSequence] = []
    truth: list[RepTruth] = []
    offset = 0.0
    for k, side in enumerate(sides):
        if side not in ("left", "right"):
            raise ValueError("sides must be 'left' or 'right'")
        fl = fl_all[k * reps : (k + 1) * reps]
        tl = _timeline(fps, lead_in_s, [(1.0, hold_s, 1.0)] * len(fl), rest_s, tail_s)
        t = tl.t
        n = len(t)

        def tile(v, n=n):  # type: ignore[no-untyped-def]
            return np.tile(np.asarray(v, np.float64), (n, 1))

        top_hip = tile(_R_HIP + np.array([0.0, R_HIP_GAP, 0.0]))
        rest = np.arcsin((0.04 - top_hip[0, 1]) / R_LEG)  # the top foot on the floor
        lift = np.radians(tl.channel(0.0, [14.0 if "low_lift" in f else lift_deg for f in fl]))
        bend = np.radians(tl.channel(0.0, [45.0 if "knee_bent" in f else 0.0 for f in fl]))
        roll = np.radians(tl.channel(0.0, [40.0 if "pelvis_roll" in f else 0.0 for f in fl]))
        a = rest + lift
        direction = np.stack([np.cos(a), np.sin(a), np.zeros(n)], axis=-1)
        knee_l = top_hip + THIGH * direction
        ankle_l = knee_l + SHIN * direction
        # A bent knee: the shin folds back (away from the camera), in the leg's own plane of
        # flexion, across the plane the leg rises in.
        across = np.stack([-np.sin(a), np.cos(a), np.zeros(n)], axis=-1)
        ankle_l = _rotate(ankle_l, knee_l, across, bend)
        p: dict[str, np.ndarray] = {
            "hip_r": tile(_R_HIP), "hip_l": top_hip, "knee_l": knee_l, "ankle_l": ankle_l,
            "knee_r": tile(_R_HIP + np.array([0.30, 0.0, 0.30])),
            "ankle_r": tile(_R_HIP + np.array([0.60, 0.0, 0.0])),
            "shoulder_r": tile([0.0, 0.10, 0.0]), "shoulder_l": tile([0.0, 0.42, 0.0]),
            "head": tile([-0.25, 0.25, 0.0]), "face": tile([0.0, 0.0, 1.0]),
            "crown": tile([-1.0, 0.0, 0.0]),
        }  # fmt: skip
        for s in ("l", "r"):
            p[f"heel_{s}"] = p[f"ankle_{s}"] + [0.0, 0.0, -0.06]
            p[f"toe_{s}"] = p[f"ankle_{s}"] + [0.05, 0.0, 0.15]
            p[f"elbow_{s}"] = p[f"shoulder_{s}"] + [0.10, -0.05, 0.25]
            p[f"wrist_{s}"] = p[f"elbow_{s}"] + [0.10, 0.0, 0.20]
        for part in ("hip", "knee", "ankle", "heel", "toe"):  # pelvis roll: the top side turns back
            p[f"{part}_l"] = _rotate(p[f"{part}_l"], p["hip_r"], [-1.0, 0.0, 0.0], roll)
        lab = _assemble(p)
        rise = _rise_deg(lab[:, L.LEFT_HIP], lab[:, L.LEFT_ANKLE])
        target = np.array([0.6, 0.2, 0.0])
        az = np.radians(_AZIMUTH[view])
        up, away = (0.2, 3.0) if camera == "level" else (2.2, 1.3)  # "above": looking down ~60 deg
        eye = target + np.array([away * np.sin(az), up, away * np.cos(az)])
        if side == "right":  # mirror: lying on the left side, head to the image right
            lab[..., 0] *= -1
            lab = lab[:, _swap_lr()]
            target[0] *= -1
            eye[0] *= -1
        seq = _render(
            lab, t + offset, eye, target, fps=fps, width=width, height=height, noise=noise,
            drop_frames=0.0, occlude=(), rng=rng,
        )  # fmt: skip
        seqs.append(seq)
        for i, sp in enumerate(tl.spans):
            m = tl.rep == i
            start, peak, end = sp[0] + offset, sp[1] + offset, sp[3] + offset
            top, hold = float(rise[m].max()), _hold_in_band(tl, rise, i)
            truth.append(RepTruth(len(truth), start, peak, end, tuple(sorted(fl[i])), top, hold, side))
        offset += t[-1] + 1.0 / fps
        if k < len(sides) - 1:  # turning over: nobody detected
            gap_t = offset + np.arange(round(turn_s * fps)) / fps
            seqs.append(_missing(gap_t, fps, width, height))
            offset = gap_t[-1] + 1.0 / fps
    return _concat(seqs), Truth("side_leg_raise", view, tuple(truth))


# -- hip hinge --------------------------------------------------------------------------------
HIP_HINGE_FAULTS = ("squatting", "shallow", "narrow_stance")
H_FOOT_HALF = 0.13  # 000: feet slightly wider than hip-width apart (ankles this far from the midline, m)
H_FOOT_HALF_NARROW = 0.035  # narrow_stance: feet together, 7 cm apart (0.19 shoulder widths; limit 0.4)


def hip_hinge(
    reps: int = 5,
    view: str = "side",
    faults: dict[int, list[str]] | None = None,
    fps: float = 30.0,
    rest_s: float = 1.0,
    lead_in_s: float = 1.5,
    tail_s: float = 1.5,
    noise: float = 0.003,
    drop_frames: float = 0.0,
    occlude: tuple[tuple[float, float, tuple[int, ...]], ...] = (),
    seed: int = 0,
    hinge_deg: float = 80.0,
    down_s: float = 1.5,
    up_s: float = 1.2,
    half_way: bool = False,
    single_leg: str | None = None,
    camera_height: float = 1.0,
    width: int = 1280,
    height: int = 720,
    stagger_m: float = 0.0,
    chest_turn_deg: float = 0.0,
    foot_half_m: float = H_FOOT_HALF,
    azimuth_deg: float | None = None,
) -> tuple[PoseSequence, Truth]:
    """Hip hinge (000), seen from ``view``: the trunk turns forward about the hips to
    ``hinge_deg`` from vertical while the hips go back and the knees bend softly (20 deg).

    Faults: ``squatting`` (the knees bend to 85 deg, thighs toward horizontal, trunk to 70 deg)
    and ``shallow`` (the trunk only to 40 deg, with either), and ``narrow_stance`` (feet together,
    7 cm apart; clip-wide, so every rep must name it). ``half_way``: between reps the
    trunk comes back only to 35 deg, as 000 describes ("raise your body halfway back up"),
    standing after the last.
    ``single_leg``: the standing leg of a single-leg hinge ("left" or "right"); the free leg
    swings back in line with the trunk (truth ``side`` is the standing leg). ``key_deg`` is the
    trunk's greatest lean from vertical. ``stagger_m``: the left foot that far ahead of the
    right; ``chest_turn_deg``: the shoulders and arms turned left about the vertical;
    ``foot_half_m``: the ankles this far either side of the midline (without narrow_stance);
    ``azimuth_deg``: the camera this far round the body instead of the view's usual angle.
    """
    if single_leg not in (None, "left", "right"):
        raise ValueError("single_leg must be None, 'left' or 'right'")
    fl = _check_faults(faults, HIP_HINGE_FAULTS, reps)
    narrow = ["narrow_stance" in f for f in fl]
    if any(narrow) and not all(narrow):
        raise ValueError("narrow_stance is clip-wide: name it on every rep")
    foot_half = H_FOOT_HALF_NARROW if all(narrow) else foot_half_m
    tl = _timeline(fps, lead_in_s, [(down_s, 0.2, up_s)] * reps, rest_s, tail_s)
    t = tl.t
    squat = ["squatting" in f for f in fl]
    top = [35.0 if half_way and i < reps - 1 else 3.0 for i in range(reps)]
    peak = [40.0 if "shallow" in f else 70.0 if s else hinge_deg for s, f in zip(squat, fl, strict=True)]
    lean = tl.channel(3.0, peak, top)
    # Knee flexion shared between the shin leaning forward and the thigh leaning back.
    flex = tl.channel(5.0, [95.0 if s else 20.0 for s in squat], [15.0 if tp > 3.0 else 5.0 for tp in top])
    shin_lean = np.radians(np.where(flex > 40.0, 0.35 * flex, 0.25 * flex))
    thigh_lean = np.radians(flex) - shin_lean
    th = np.radians(lean)
    zero = np.zeros_like(t)

    def pt(x, y, z):  # type: ignore[no-untyped-def]
        return np.stack(np.broadcast_arrays(x, y, z), axis=-1).astype(np.float64)

    ankle_y = 0.08
    ky, kz = ankle_y + SHIN * np.cos(shin_lean), SHIN * np.sin(shin_lean)
    hy, hz = ky + THIGH * np.cos(thigh_lean), kz - THIGH * np.sin(thigh_lean)
    sy, sz = hy + TRUNK * np.cos(th), hz + TRUNK * np.sin(th)
    p: dict[str, np.ndarray] = {}
    for s, sgn in (("l", 1.0), ("r", -1.0)):
        ax = sgn * foot_half
        p[f"ankle_{s}"] = pt(ax, ankle_y, zero)
        p[f"heel_{s}"] = pt(ax, ankle_y - 0.06, zero - 0.05)
        p[f"toe_{s}"] = pt(ax, ankle_y - 0.07, zero + 0.15)
        p[f"knee_{s}"] = pt(ax + (sgn * HIP_HALF - ax) * 0.5, ky, kz)
        p[f"hip_{s}"] = pt(sgn * HIP_HALF, hy, hz)
        p[f"shoulder_{s}"] = pt(sgn * SHOULDER_HALF, sy, sz)
        p[f"elbow_{s}"] = pt(sgn * (SHOULDER_HALF - 0.02), sy - 0.28, sz)  # arms hang
        p[f"wrist_{s}"] = pt(sgn * (SHOULDER_HALF - 0.04), sy - 0.53, sz)
        if single_leg is not None and s != single_leg[0]:
            # The free leg: straight, swung back in line with the trunk from standing.
            down = pt(zero, -np.cos(th), -np.sin(th))
            hip = p[f"hip_{s}"]
            p[f"knee_{s}"] = hip + THIGH * down
            p[f"ankle_{s}"] = hip + (THIGH + SHIN) * down
            p[f"heel_{s}"] = p[f"ankle_{s}"] + pt(zero, -0.06 * np.sin(th), -0.06 * np.cos(th))
            p[f"toe_{s}"] = p[f"ankle_{s}"] + pt(zero, -0.15 * np.cos(th), -0.15 * np.sin(th))
    p["head"] = pt(0.0, sy + 0.25 * np.cos(th), sz + 0.25 * np.sin(th))
    p["face"] = pt(0.0, -np.sin(th), np.cos(th))
    p["crown"] = pt(0.0, np.cos(th), np.sin(th))
    for part in ("ankle", "heel", "toe"):  # lab +z is forward
        p[f"{part}_l"] = p[f"{part}_l"] + np.array([0.0, 0.0, stagger_m / 2])
        p[f"{part}_r"] = p[f"{part}_r"] - np.array([0.0, 0.0, stagger_m / 2])
    if chest_turn_deg:
        pivot, turn = 0.5 * (p["hip_l"] + p["hip_r"]), np.full(len(t), np.radians(chest_turn_deg))
        for part in ("shoulder", "elbow", "wrist"):
            for k in "lr":
                p[f"{part}_{k}"] = _rotate(p[f"{part}_{k}"], pivot, [0.0, 1.0, 0.0], turn)
    lab = _assemble(p)
    target = np.array([0.0, 0.9, 0.0])
    eye = _camera(view, 3.5, camera_height, target, azimuth_deg=azimuth_deg)
    seq = _render(
        lab, t, eye, target, fps=fps, width=width, height=height, noise=noise,
        drop_frames=drop_frames, occlude=occlude, rng=np.random.default_rng(seed),
    )  # fmt: skip
    truth = Truth(
        "hip_hinge",
        view,
        tuple(
            RepTruth(
                i, sp[0], sp[1], sp[3], tuple(sorted(fl[i])), float(lean[tl.rep == i].max()),
                _hold_in_band(tl, lean, i), single_leg,
            )
            for i, sp in enumerate(tl.spans)
        ),
    )  # fmt: skip
    return seq, truth


# -- marching bridge --------------------------------------------------------------------------
MARCHING_BRIDGE_FAULTS = ("hips_drop",)


def marching_bridge(
    steps: int = 6,
    faults: dict[int, list[str]] | None = None,
    fps: float = 30.0,
    lead_in_s: float = 2.5,
    rest_s: float = 0.5,
    tail_s: float = 1.5,
    noise: float = 0.003,
    seed: int = 0,
    lift_m: float = 0.10,
    width: int = 1280,
    height: int = 720,
) -> tuple[PoseSequence, Truth]:
    """A marching bridge side-on to a camera at the person's right: the hips rise into a
    bridge (0.5-1.5 s), then the feet lift ``lift_m`` in turn, left first, ``steps`` in all,
    and the hips come down at the end. ``hips_drop`` sinks the hips during that step: the
    shoulder-to-hip line falls 15 deg (13 cm of hip height). ``key_deg`` is the foot's lift (m)."""
    fl = _check_faults(faults, MARCHING_BRIDGE_FAULTS, steps)
    tl = _timeline(fps, lead_in_s, [(0.5, 0.3, 0.5)] * steps, rest_s, tail_s)
    t = tl.t
    order = ["left" if i % 2 == 0 else "right" for i in range(steps)]
    rise = _ease((t - 0.5) / 1.0) * (1.0 - _ease((t - (t[-1] - 1.0)) / 0.8))
    drop = np.radians(tl.channel(0.0, [15.0 if "hips_drop" in f else 0.0 for f in fl]))
    a_rest, a_top = np.interp([BRIDGE_REST_DEG, 180.0], _B_LINE, _B_ALPHA)
    alpha = a_rest + (a_top - a_rest) * rise - drop
    lift = tl.channel(0.0, lift_m)
    cur = np.clip(np.searchsorted(np.array([s[3] for s in tl.spans]), t, side="left"), 0, steps - 1)
    working = np.array(order)[cur]
    j = _bridge_points(alpha, np.full(len(t), B_ANKLE_Z))
    n = len(t)
    p: dict[str, np.ndarray] = {}
    for s, sgn, name in (("l", 1.0, "left"), ("r", -1.0, "right")):
        off = np.array([sgn, 0.0, 0.0])
        up = np.where(working == name, lift, 0.0)
        hip = j["hip"] + 0.10 * off
        ankle = j["ankle"] + 0.12 * off + up[:, None] * _UP
        knee = _ik(hip, ankle, B_THIGH, B_SHIN, np.array([0.0, 1.0, 0.0]))
        p[f"shoulder_{s}"] = j["shoulder"] + 0.18 * off
        p[f"elbow_{s}"] = j["shoulder"] + 0.20 * off + [0.0, -0.02, 0.27]
        p[f"wrist_{s}"] = j["shoulder"] + 0.21 * off + [0.0, -0.03, 0.52]
        p[f"hip_{s}"], p[f"knee_{s}"], p[f"ankle_{s}"] = hip, knee, ankle
        p[f"heel_{s}"] = ankle + np.array([0.0, -0.06, -0.04])
        p[f"toe_{s}"] = ankle + np.array([0.0, -0.06, 0.15])
    p["head"] = np.tile([0.0, 0.12, -0.25], (n, 1))
    p["face"] = np.tile([0.0, 1.0, 0.0], (n, 1))
    p["crown"] = np.tile([0.0, 0.0, -1.0], (n, 1))
    lab = _assemble(p)
    target, eye = np.array([0.0, 0.25, 0.45]), np.array([-3.0, 0.6, 0.45])
    seq = _render(
        lab, t, eye, target, fps=fps, width=width, height=height, noise=noise,
        drop_frames=0.0, occlude=(), rng=np.random.default_rng(seed),
    )  # fmt: skip
    reps = tuple(
        RepTruth(i, sp[0], sp[1], sp[3], tuple(sorted(fl[i])), lift_m, 0.3, order[i])
        for i, sp in enumerate(tl.spans)
    )
    return seq, Truth("marching_bridge", "side", reps)


# -- banded side walk -------------------------------------------------------------------------
LATERAL_WALK_FAULTS = ("feet_together",)


def lateral_walk(
    steps: tuple[str, ...] = ("right",) * 4 + ("left",) * 4,
    faults: dict[int, list[str]] | None = None,
    fps: float = 30.0,
    lead_in_s: float = 1.5,
    rest_s: float = 0.5,
    tail_s: float = 1.5,
    noise: float = 0.003,
    seed: int = 0,
    stance_m: float = 0.40,
    step_m: float = 0.40,
    width: int = 1280,
    height: int = 720,
) -> tuple[PoseSequence, Truth]:
    """Side steps facing a camera in front, feet ``stance_m`` apart (000: shoulder width). Each
    step, toward the person's right or left as ``steps`` says, takes the lead foot out
    ``step_m`` (0.5 s), then brings the trailing foot after it (0.5 s). ``feet_together``: the
    trailing foot lands beside the lead one (5 cm apart), and the next step starts from there.
    ``key_deg`` is the widest stance (m)."""
    fl = _check_faults(faults, LATERAL_WALK_FAULTS, len(steps))
    tl = _timeline(fps, lead_in_s, [(0.5, 0.0, 0.5)] * len(steps), rest_s, tail_s)
    t = tl.t
    # Feet positions along the person's left (+x in the lab): each step moves the lead foot out
    # during its first half and the trailing foot in during its second.
    left_x = np.full(len(t), stance_m / 2)
    right_x = np.full(len(t), -stance_m / 2)
    pos = {"left": stance_m / 2, "right": -stance_m / 2}
    widest = []
    for i, (go, sp) in enumerate(zip(steps, tl.spans, strict=True)):
        sign = 1.0 if go == "left" else -1.0
        lead, trail = go, "right" if go == "left" else "left"
        out_to = pos[lead] + sign * step_m
        gap_after = 0.05 if "feet_together" in fl[i] else stance_m
        in_to = out_to - sign * gap_after
        widest.append(abs(out_to - pos[trail]))
        u_out = _ease((t - sp[0]) / (sp[1] - sp[0]))
        u_in = _ease((t - sp[2]) / (sp[3] - sp[2]))
        for foot, frm, to, u in ((lead, pos[lead], out_to, u_out), (trail, pos[trail], in_to, u_in)):
            arr = left_x if foot == "left" else right_x
            m = t >= sp[0]
            arr[m] = frm + (to - frm) * u[m]
        pos[lead], pos[trail] = out_to, in_to
    zero = np.zeros_like(t)

    def pt(x, y, z):  # type: ignore[no-untyped-def]
        return np.stack(np.broadcast_arrays(x, y, z), axis=-1).astype(np.float64)

    hip_x = (left_x + right_x) / 2
    ankle_y, hip_y = 0.08, 0.08 + SHIN + THIGH
    sh_y = hip_y + TRUNK
    p: dict[str, np.ndarray] = {}
    for s, sgn, ax in (("l", 1.0, left_x), ("r", -1.0, right_x)):
        hx = hip_x + sgn * HIP_HALF
        p[f"hip_{s}"] = pt(hx, hip_y, zero)
        p[f"ankle_{s}"] = pt(ax, ankle_y, zero)
        frac = SHIN / (SHIN + THIGH)
        p[f"knee_{s}"] = pt(ax + (hx - ax) * frac, ankle_y + SHIN, zero)
        p[f"heel_{s}"] = pt(ax, ankle_y - 0.06, zero - 0.05)
        p[f"toe_{s}"] = pt(ax, ankle_y - 0.07, zero + 0.15)
        p[f"shoulder_{s}"] = pt(hip_x + sgn * SHOULDER_HALF, sh_y, zero)
        p[f"elbow_{s}"] = pt(hip_x + sgn * (SHOULDER_HALF + 0.03), sh_y - 0.28, zero)
        p[f"wrist_{s}"] = pt(hip_x + sgn * (SHOULDER_HALF + 0.04), sh_y - 0.53, zero)
    p["head"] = pt(hip_x, sh_y + 0.25, zero)
    p["face"] = pt(zero, zero, 1.0 + zero)
    p["crown"] = pt(zero, 1.0 + zero, zero)
    lab = _assemble(p)
    target = np.array([0.0, 0.9, 0.0])
    seq = _render(
        lab, t, _camera("front", 4.0, 1.0, target), target, fps=fps, width=width, height=height,
        noise=noise, drop_frames=0.0, occlude=(), rng=np.random.default_rng(seed),
    )  # fmt: skip
    reps = tuple(
        RepTruth(i, sp[0], sp[1], sp[3], tuple(sorted(fl[i])), widest[i], 0.0, steps[i])
        for i, sp in enumerate(tl.spans)
    )
    return seq, Truth("lateral_walk", "front", reps)


# -- on hands and knees: donkey kick, fire hydrant ----------------------------------------------
DONKEY_KICK_FAULTS = ("start_position", "low_back_arch")
FIRE_HYDRANT_FAULTS = ("start_position", "hip_shift")
Q_HIP_Y = 0.05 + THIGH  # knees on the floor, thighs hanging straight down
Q_SHOULDER_Y = 0.05 + 0.53  # hands on the floor, arms straight down
Q_TRUNK = 0.52  # hips to shoulders along the floor (m)


def all_fours_pose(n: int, reach: np.ndarray | float = 0.0) -> dict[str, np.ndarray]:
    """Lab points (name -> (n, 3)) of a person still on hands and knees, facing lab +z with the
    left side toward +x: knees under the hips, hands under the shoulders, or ``reach`` metres
    ahead of them (per frame or fixed)."""
    zero = np.zeros(n)
    reach = zero + reach

    def pt(x, y, z):  # type: ignore[no-untyped-def]
        return np.stack(np.broadcast_arrays(x, y, z), axis=-1).astype(np.float64)

    p: dict[str, np.ndarray] = {}
    for s, sgn in (("l", 1.0), ("r", -1.0)):
        p[f"hip_{s}"] = pt(sgn * HIP_HALF, Q_HIP_Y, zero)
        p[f"knee_{s}"] = pt(sgn * HIP_HALF, 0.05, zero)
        p[f"ankle_{s}"] = pt(sgn * HIP_HALF, 0.07, zero - SHIN)
        p[f"heel_{s}"] = pt(sgn * HIP_HALF, 0.05, zero - SHIN - 0.06)
        p[f"toe_{s}"] = pt(sgn * HIP_HALF, 0.02, zero - SHIN + 0.05)
        p[f"shoulder_{s}"] = pt(sgn * SHOULDER_HALF, Q_SHOULDER_Y, zero + Q_TRUNK)
        p[f"elbow_{s}"] = pt(sgn * SHOULDER_HALF, Q_SHOULDER_Y - 0.26, Q_TRUNK + reach / 2)
        p[f"wrist_{s}"] = pt(sgn * SHOULDER_HALF, 0.05, Q_TRUNK + reach)
    p["head"] = pt(0.0, Q_SHOULDER_Y + 0.08, zero + Q_TRUNK + 0.25)
    p["face"] = pt(0.0, -0.6 + zero, 1.0)
    p["crown"] = pt(0.0, 0.6 + zero, 1.0)
    return p


def _all_fours(
    exercise: str,
    allowed: tuple[str, ...],
    reps: int,
    view: str,
    faults: dict[int, list[str]] | None,
    sides: tuple[str, ...],
    alternate: bool,
    lift_deg: float,
    fault_lift_deg: float | None,
    fps: float,
    rest_s: float,
    lead_in_s: float,
    tail_s: float,
    noise: float,
    drop_frames: float,
    seed: int,
    width: int,
    height: int,
) -> tuple[PoseSequence, Truth]:
    """A person on hands and knees (facing lab +z, left +x) lifting one thigh per rep: back
    along the body about the hip's left-right axis (``donkey_kick``) or out to the side about
    its fore-and-aft axis (``fire_hydrant``), the knee bent at 90 deg throughout."""
    for side in sides:
        if side not in ("left", "right"):
            raise ValueError("sides must be 'left' or 'right'")
    order = [s for _ in range(reps) for s in sides] if alternate else [s for s in sides for _ in range(reps)]
    n = len(order)
    fl = _check_faults(faults, allowed, n)
    tl = _timeline(fps, lead_in_s, [(0.8, 0.6, 0.8)] * n, rest_s, tail_s)
    t = tl.t
    high = [fault_lift_deg if fault_lift_deg is not None and "low_back_arch" in f else lift_deg for f in fl]
    lift = np.radians(tl.channel(0.0, high))
    shift = tl.channel(0.0, [0.16 if "hip_shift" in f else 0.0 for f in fl])  # m toward the standing knee
    ends = np.array([s[3] for s in tl.spans])
    cur = np.clip(np.searchsorted(ends, t, side="left"), 0, n - 1)
    working = np.array(order)[cur]
    # Hands too far forward (0.7 m ahead of the shoulders: 53 deg) through a faulty rep and the
    # rest before it.
    reach = np.array([0.7 if "start_position" in fl[i] else 0.0 for i in range(n)])[cur]
    p = all_fours_pose(len(t), reach)
    for s, sgn in (("l", 1.0), ("r", -1.0)):
        mine = working == ("left" if s == "l" else "right")
        hip = p[f"hip_{s}"]
        if exercise == "donkey_kick":
            axis, ang = [1.0, 0.0, 0.0], lift
        else:
            axis, ang = [0.0, 0.0, 1.0], sgn * lift
        for part in ("knee", "ankle", "heel", "toe"):
            p[f"{part}_{s}"] = np.where(
                mine[:, None], _rotate(p[f"{part}_{s}"], hip, axis, ang), p[f"{part}_{s}"]
            )
    # A shift of the weight: all but the hands and the standing leg's knee and shin slides toward
    # the standing side.
    way = np.where(working == "left", -1.0, 1.0)  # the standing leg's side (lab x)
    for key in list(p):
        if key.startswith(("wrist", "face", "crown")):
            continue
        stand = np.where(working == "left", key.endswith("_r"), key.endswith("_l"))
        keep = stand & key.startswith(("knee", "ankle", "heel", "toe"))
        moved = p[key].copy()
        moved[:, 0] += way * shift
        p[key] = np.where(keep[:, None], p[key], moved)
    lab = _assemble(p)
    target = np.array([0.0, 0.35, 0.1])
    eye = _camera(view, 2.2, 0.6, target)  # framed as a phone on the floor nearby would
    seq = _render(
        lab, t, eye, target, fps=fps, width=width, height=height, noise=noise,
        drop_frames=drop_frames, occlude=(), rng=np.random.default_rng(seed),
    )  # fmt: skip
    key = np.degrees(lift)
    truth = Truth(
        exercise,
        view,
        tuple(
            RepTruth(i, sp[0], sp[1], sp[3], tuple(sorted(fl[i])), float(key[tl.rep == i].max()),
                     _hold_in_band(tl, key, i), order[i])
            for i, sp in enumerate(tl.spans)
        ),
    )  # fmt: skip
    return seq, truth


def donkey_kick(
    reps: int = 5,
    view: str = "side",
    faults: dict[int, list[str]] | None = None,
    sides: tuple[str, ...] = ("left",),
    alternate: bool = False,
    kick_deg: float = 95.0,
    fps: float = 30.0,
    rest_s: float = 1.0,
    lead_in_s: float = 1.5,
    tail_s: float = 1.5,
    noise: float = 0.003,
    drop_frames: float = 0.0,
    seed: int = 0,
    width: int = 1280,
    height: int = 720,
) -> tuple[PoseSequence, Truth]:
    """Donkey kicks on hands and knees, filmed from the side (or ``view``): the working thigh
    swings back to ``kick_deg`` from hanging (95: about in line with the back) and returns.
    Faults: ``low_back_arch`` (kicked to 150 deg, 55 above the line of the body),
    ``start_position`` (hands 0.7 m ahead of the shoulders). ``key_deg``: the top kick angle."""
    return _all_fours(
        "donkey_kick", DONKEY_KICK_FAULTS, reps, view, faults, sides, alternate, kick_deg, 150.0,
        fps, rest_s, lead_in_s, tail_s, noise, drop_frames, seed, width, height,
    )  # fmt: skip


def fire_hydrant(
    reps: int = 5,
    view: str = "front",
    faults: dict[int, list[str]] | None = None,
    sides: tuple[str, ...] = ("left",),
    alternate: bool = False,
    lift_deg: float = 60.0,
    fps: float = 30.0,
    rest_s: float = 1.0,
    lead_in_s: float = 1.5,
    tail_s: float = 1.5,
    noise: float = 0.003,
    drop_frames: float = 0.0,
    seed: int = 0,
    width: int = 1280,
    height: int = 720,
) -> tuple[PoseSequence, Truth]:
    """Fire hydrants on hands and knees, filmed from in front (or ``view``): the bent knee lifts
    out to the side to ``lift_deg`` from hanging and returns. Faults: ``hip_shift`` (the body
    slides 0.16 m, 0.8 hip widths, toward the standing knee at the top), ``start_position``
    (hands 0.7 m ahead of the shoulders). ``key_deg``: the top lift angle."""
    return _all_fours(
        "fire_hydrant", FIRE_HYDRANT_FAULTS, reps, view, faults, sides, alternate, lift_deg, None,
        fps, rest_s, lead_in_s, tail_s, noise, drop_frames, seed, width, height,
    )  # fmt: skip


# -- lunges -----------------------------------------------------------------------------------
LUNGE_FAULTS = ("shallow", "knee_past_toes", "trunk_lean", "knee_caving", "straight_leg_bent", "short_hold")
L_ANKLE_Y = 0.08  # ankle height above the floor standing (m)
L_SIDE_HALF = 0.45  # a side lunge's ankles this far either side of the middle (2.5 shoulder widths)


def _knee_gap(knee_deg: np.ndarray) -> np.ndarray:
    """Hip-to-ankle distance (m) of a leg whose knee is at ``knee_deg``."""
    return np.sqrt(THIGH**2 + SHIN**2 - 2 * THIGH * SHIN * np.cos(np.radians(knee_deg)))


def lunge(
    reps: int = 4,
    kind: str = "reverse",
    view: str = "side",
    faults: dict[int, list[str]] | None = None,
    sides: tuple[str, ...] = ("left",),
    alternate: bool = False,
    depth_knee_deg: float = 88.0,
    fps: float = 30.0,
    rest_s: float = 1.0,
    lead_in_s: float = 1.5,
    tail_s: float = 1.5,
    noise: float = 0.003,
    drop_frames: float = 0.0,
    seed: int = 0,
    descent_s: float = 1.2,
    hold_s: float = 1.5,
    ascent_s: float = 1.0,
    camera_height: float = 1.0,
    width: int = 1280,
    height: int = 720,
    azimuth_deg: float | None = None,
    shin_deg: float = 6.0,
) -> tuple[PoseSequence, Truth]:
    """A lunge set seen from ``view``: ``kind`` "reverse" (the other foot steps back and its knee
    drops toward the floor) or "side" (feet 2.5 shoulder widths apart, one knee bends, the other
    leg stays straight).

    ``reps`` per working leg in ``sides`` (one side after the other, or taking turns with
    ``alternate``); ``faults`` keys count across all reps in the order done. The working knee
    bends to ``depth_knee_deg`` and holds ``hold_s``. Faults: ``shallow`` (the knee to 120 deg),
    ``knee_past_toes`` (the front shin 40 deg forward), ``trunk_lean`` (the torso 60 deg forward),
    ``knee_caving`` (the working knee 0.4 shin lengths inside its ankle), ``straight_leg_bent``
    (side lunge: the other knee bends 50 deg), ``short_hold`` (0.2 s). ``key_deg`` is the working
    knee's smallest angle. ``azimuth_deg``: the camera's angle round from the front, in place
    of the view's own. ``camera_height`` (m; the camera looks at 0.8 m from 3.8 m away, so 2.1
    m looks down 19 deg). ``shin_deg``: the front shin's lean forward of vertical at the bottom
    (a clean rep's).
    """
    if kind not in ("reverse", "side"):
        raise ValueError("kind must be 'reverse' or 'side'")
    order = [s for _ in range(reps) for s in sides] if alternate else [s for s in sides for _ in range(reps)]
    n = len(order)
    fl = _check_faults(faults, LUNGE_FAULTS, n)
    moves = [(descent_s, 0.2 if "short_hold" in f else hold_s, ascent_s) for f in fl]
    tl = _timeline(fps, lead_in_s, moves, rest_s, tail_s)
    t = tl.t
    u = tl.u  # 0 standing .. 1 at the bottom

    def per(code: str, bad: float, good: float) -> np.ndarray:
        return np.array([bad if code in f else good for f in fl])

    knee = tl.channel(STAND_KNEE, per("shallow", 120.0, depth_knee_deg))
    shin = tl.channel(2.0, per("knee_past_toes", 40.0, shin_deg))  # front shin forward of vertical
    trunk = np.radians(tl.channel(3.0, per("trunk_lean", 60.0, 12.0 if kind == "reverse" else 30.0)))
    # Caving: the working knee toward the middle, from where it is (over the foot in a side lunge,
    # where it points out over the toes).
    cave = tl.channel(0.0, per("knee_caving", (0.4 if kind == "reverse" else 0.75) * SHIN, 0.0))
    other_bend = tl.channel(180.0 - STAND_KNEE, per("straight_leg_bent", 50.0, 180.0 - STAND_KNEE))
    ends = np.array([s[3] for s in tl.spans])
    cur = np.clip(np.searchsorted(ends, t, side="left"), 0, n - 1)
    w_sgn = np.where(np.array(order)[cur] == "left", 1.0, -1.0)  # working leg's side (+x: left)
    zero = np.zeros_like(t)

    def pt(x, y, z):  # type: ignore[no-untyped-def]
        return np.stack(np.broadcast_arrays(x, y, z), axis=-1).astype(np.float64)

    if kind == "reverse":
        # The front ankle stays put; the hips sit over a front shin leaning ``shin`` forward.
        ths, tht = np.radians(shin), np.radians(180.0 - knee - shin)
        w_ankle = pt(w_sgn * HIP_HALF, L_ANKLE_Y, zero)
        w_knee = w_ankle + pt(0.0, SHIN * np.cos(ths), SHIN * np.sin(ths))
        pelvis = w_knee + pt(-w_sgn * HIP_HALF, THIGH * np.cos(tht), -THIGH * np.sin(tht))
        # The other foot steps back as far as its knee, bent 20 deg more than the front one,
        # lets it reach (its heel lifting).
        o_y = L_ANKLE_Y + 0.07 * u
        reach = _knee_gap(np.minimum(knee + 20.0, 180.0)) ** 2 - (pelvis[:, 1] - o_y) ** 2
        o_ankle = pt(-w_sgn * HIP_HALF, o_y, pelvis[:, 2] - np.sqrt(np.maximum(reach, 0.0)))
        hint = w_hint = pt(zero, zero, 1.0 + zero)
    else:
        # Feet wide; the pelvis sits back and where the working leg (knee at ``knee``) and the
        # other leg (straight, or bent for the fault) both reach their ankles.
        c = L_SIDE_HALF - HIP_HALF  # pelvis positions that put each hip over its ankle
        pz = -0.25 * u
        d_w = np.sqrt(np.maximum(_knee_gap(knee) ** 2 - pz**2, 1e-6))
        d_o = np.sqrt(np.maximum(_knee_gap(180.0 - other_bend) ** 2 - pz**2, 1e-6))
        big = 2 * c
        a = (d_w**2 - d_o**2 + big**2) / (2 * big)  # from the working side toward the other
        px = w_sgn * (c - a)
        py = L_ANKLE_Y + np.sqrt(np.maximum(d_w**2 - a**2, 0.0))
        pelvis = pt(px, py, pz)
        w_ankle = pt(w_sgn * L_SIDE_HALF, L_ANKLE_Y, zero)
        o_ankle = pt(-w_sgn * L_SIDE_HALF, L_ANKLE_Y, zero)
        hint = pt(zero, zero, 1.0 + zero)
        w_hint = pt(w_sgn * 0.5, zero, 1.0 + zero)  # the working knee out over the foot
        w_knee = None
    w_hip = pelvis + pt(w_sgn * HIP_HALF, zero, zero)
    o_hip = pelvis - pt(w_sgn * HIP_HALF, zero, zero)
    if w_knee is None:
        w_knee = _ik(w_hip, w_ankle, THIGH, SHIN, w_hint)
    w_knee = w_knee - pt(w_sgn * cave, zero, zero)  # caving: toward the middle
    o_knee = _ik(o_hip, o_ankle, THIGH, SHIN, hint)
    p: dict[str, np.ndarray] = {}
    legs = {"w": (w_hip, w_knee, w_ankle), "o": (o_hip, o_knee, o_ankle)}
    for s, sgn in (("l", 1.0), ("r", -1.0)):
        mine = (w_sgn == sgn)[:, None]
        hip, kn, an = (np.where(mine, legs["w"][i], legs["o"][i]) for i in range(3))
        p[f"hip_{s}"], p[f"knee_{s}"], p[f"ankle_{s}"] = hip, kn, an
        p[f"heel_{s}"] = an + pt(zero, -0.06, -0.05 + zero)
        p[f"toe_{s}"] = an + pt(zero, -0.07, 0.15 + zero)
    sy = pelvis[:, 1] + TRUNK * np.cos(trunk)
    sz = pelvis[:, 2] + TRUNK * np.sin(trunk)
    for s, sgn in (("l", 1.0), ("r", -1.0)):
        p[f"shoulder_{s}"] = pt(pelvis[:, 0] + sgn * SHOULDER_HALF, sy, sz)
        p[f"elbow_{s}"] = pt(pelvis[:, 0] + sgn * (SHOULDER_HALF + 0.03), sy - 0.28, sz)
        p[f"wrist_{s}"] = pt(pelvis[:, 0] + sgn * (SHOULDER_HALF + 0.04), sy - 0.53, sz)
    p["head"] = pt(pelvis[:, 0], sy + 0.25 * np.cos(trunk), sz + 0.25 * np.sin(trunk))
    p["face"] = pt(zero, -np.sin(trunk / 2), np.cos(trunk / 2))
    p["crown"] = pt(zero, np.cos(trunk / 2), np.sin(trunk / 2))
    lab = _assemble(p)
    target = np.array([0.0, 0.8, 0.0])
    eye = _camera(view, 3.8, camera_height, target, azimuth_deg)
    seq = _render(
        lab, t, eye, target, fps=fps, width=width, height=height, noise=noise,
        drop_frames=drop_frames, occlude=(), rng=np.random.default_rng(seed),
    )  # fmt: skip
    truth = Truth(
        "lunge",
        view,
        tuple(
            RepTruth(
                i,
                sp[0],
                sp[1],
                sp[3],
                tuple(sorted(fl[i])),
                float(knee[tl.rep == i].min()),
                _hold_in_band(tl, -knee, i),
                order[i],
            )
            for i, sp in enumerate(tl.spans)
        ),
    )
    return seq, truth


# -- held stretches (hold mode) ---------------------------------------------------------------
HIP_FLEXOR_STRETCH_FAULTS = ("trunk_lean", "front_knee")
DOUBLE_HIP_ROTATION_FAULTS = ("shoulders_lift",)


def _hold_plan(
    holds: tuple[tuple[str, float], ...],
    breaks: tuple[tuple[int, float, float], ...],
    fps: float,
    lead_in_s: float,
    rest_s: float,
    step_s: float,
    start_in_hold: bool,
    end_in_hold: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[tuple[float, float, float]]]:
    """Times, how far into the position (``u``: 0 out, 1 in), the side and the hold index per
    frame for a set of holds; and per hold its (start, end, seconds at u = 1).

    ``breaks``: (hold index, seconds into the hold, seconds out) — the person steps out of the
    position (``step_s`` each way) and back into it, the hold going on. The seconds held count
    while the body is still in the position, not on the steps in and out.
    """
    keys: list[tuple[float, float]] = []  # (time, u)
    spans: list[tuple[float, float, float]] = []
    owner: list[tuple[float, float, int]] = []  # (from, to, hold index)
    t = 0.0
    for i, (_, secs) in enumerate(holds):
        first, last = i == 0 and start_in_hold, i == len(holds) - 1 and end_in_hold
        if not first:
            keys += [(t, 0.0), (t + (lead_in_s if i == 0 else rest_s), 0.0)]
            t += (lead_in_s if i == 0 else rest_s) + step_s
        t0 = t
        keys.append((t, 1.0))
        paused = 0.0  # time out of the position in this hold's earlier breaks
        for _, at, out in sorted((b for b in breaks if b[0] == i), key=lambda b: b[1]):
            tb = t0 + at + paused  # ``at`` seconds in the position after the hold began
            keys += [(tb, 1.0), (tb + step_s, 0.0), (tb + step_s + out, 0.0), (tb + 2 * step_s + out, 1.0)]
            paused += 2 * step_s + out
        pauses = sum(2 * step_s + out for (j, _, out) in breaks if j == i)
        t_end = t0 + secs + pauses
        keys.append((t_end, 1.0))
        spans.append((t0, t_end, secs))
        owner.append((t0 - step_s - rest_s / 2, t_end + step_s + rest_s / 2, i))
        t = t_end
        if not last:
            keys.append((t + step_s, 0.0))
            t += step_s
    t += 0.0 if end_in_hold else 1.0
    keys.append((t, keys[-1][1]))
    times = np.arange(round(t * fps)) / fps
    kt, ku = np.array([k[0] for k in keys]), np.array([k[1] for k in keys])
    u = np.interp(times, kt, ku)
    idx = np.zeros(len(times), int)
    for a, _, i in owner:
        idx[times >= a] = i
    side = np.array([holds[i][0] for i in idx])
    # The time held: still in the position (u = 1), as formcheck's timer runs; the steps into
    # and out of it are not held, though the position is reached part of the way through them.
    step = 1.0 / fps
    held = u >= 1.0 - 1e-9
    spans = [(a, b, float(np.sum((idx == i) & held) * step)) for i, (a, b, _) in enumerate(spans)]
    return times, u, side, idx, spans


def _stretch_truth(exercise, view, holds, spans, fl, key) -> Truth:  # type: ignore[no-untyped-def]
    return Truth(exercise, view, tuple(
        RepTruth(i, a, (a + b) / 2, b, tuple(sorted(fl[i])), key[i], float(secs), holds[i][0])
        for i, (a, b, secs) in enumerate(spans)
    ))  # fmt: skip


def _mirror_frames(lab: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Frames where ``right`` is True mirrored across x = 0, left and right swapped: the same
    pose on the other side."""
    out = lab.copy()
    m = lab[right].copy()
    m[..., 0] *= -1
    out[right] = m[:, _swap_lr()]
    return out


def hip_flexor_stretch(
    holds: tuple[tuple[str, float], ...] = (("left", 20.0), ("right", 20.0)),
    view: str = "side",
    faults: dict[int, list[str]] | None = None,
    breaks: tuple[tuple[int, float, float], ...] = (),
    start_in_hold: bool = False,
    end_in_hold: bool = False,
    fps: float = 30.0,
    lead_in_s: float = 1.5,
    rest_s: float = 5.0,
    step_s: float = 0.5,
    noise: float = 0.003,
    seed: int = 0,
    hip_forward_deg: float = 20.0,
    front_knee_deg: float = 90.0,
    width: int = 1280,
    height: int = 720,
) -> tuple[PoseSequence, Truth]:
    """Kneeling hip flexor stretches, facing +z, a camera at ``view`` (side: at the right).

    Each hold in ``holds`` is (kneeling leg, seconds in the position): from kneeling on both
    knees the front foot steps forward (``step_s``) to a front knee of ``front_knee_deg``, the
    kneeling thigh ``hip_forward_deg`` forward of vertical, torso upright; held; and back.
    ``breaks`` step out of the position in a hold and back (see :func:`_hold_plan`). Faults per
    hold: ``trunk_lean`` (torso 30 deg forward), ``front_knee`` (front knee at 130 deg).
    ``key_deg`` is the front knee's angle; ``hold_s`` the seconds held still in the position.
    """
    if view not in _AZIMUTH:
        raise ValueError(f"view must be one of {sorted(_AZIMUTH)}, got {view!r}")
    fl = _check_faults(faults, HIP_FLEXOR_STRETCH_FAULTS, len(holds))
    t, u, side, idx, spans = _hold_plan(
        holds, breaks, fps, lead_in_s, rest_s, step_s, start_in_hold, end_in_hold
    )
    n = len(t)
    kappa = np.array([130.0 if "front_knee" in f else front_knee_deg for f in fl])[idx]
    lean = np.radians(np.array([30.0 if "trunk_lean" in f else 0.0 for f in fl])[idx]) * u
    phi = np.radians(hip_forward_deg) * u
    # The kneeling (left) leg: knee on the floor, shin along it, thigh up and forward.
    knee_l = np.tile([0.10, 0.05, 0.0], (n, 1))
    ankle_l = knee_l + np.array([0.0, 0.03, -SHIN])
    hip_l = knee_l + THIGH * np.stack([np.zeros(n), np.cos(phi), np.sin(phi)], -1)
    hip_r = hip_l + np.array([-2 * HIP_HALF, 0.0, 0.0])
    # The front (right) leg: its ankle on the floor ahead, where the knee angle is kappa.
    reach = np.sqrt(THIGH**2 + SHIN**2 - 2 * THIGH * SHIN * np.cos(np.radians(kappa)))
    drop = hip_r[:, 1] - 0.08
    ahead = np.sqrt(np.maximum(reach**2 - drop**2, 0.0))
    ankle_front = np.stack([hip_r[:, 0], np.full(n, 0.08), hip_r[:, 2] + ahead], -1)
    knee_front = _ik(hip_r, ankle_front, THIGH, SHIN, np.array([0.0, 1.0, 1.0]))
    beside = np.array([-2 * HIP_HALF, 0.0, 0.0])
    knee_back, ankle_back = knee_l + beside, ankle_l + beside
    lift = np.sin(np.pi * u)[:, None]
    w = u[:, None]
    knee_r = knee_back + (knee_front - knee_back) * w + np.array([0.0, 0.10, 0.0]) * lift
    ankle_r = ankle_back + (ankle_front - ankle_back) * w + np.array([0.0, 0.20, 0.0]) * lift
    mid = (hip_l + hip_r) / 2
    trunk = np.stack([np.zeros(n), np.cos(lean), np.sin(lean)], -1)
    sh_mid = mid + TRUNK * trunk
    p: dict[str, np.ndarray] = {
        "hip_l": hip_l, "hip_r": hip_r, "knee_l": knee_l, "knee_r": knee_r, "ankle_l": ankle_l,
        "ankle_r": ankle_r, "head": sh_mid + 0.25 * trunk, "face": np.tile([0.0, 0.0, 1.0], (n, 1)),
        "crown": trunk,
    }  # fmt: skip
    for s, sgn in (("l", 1.0), ("r", -1.0)):
        p[f"shoulder_{s}"] = sh_mid + np.array([sgn * SHOULDER_HALF, 0.0, 0.0])
        p[f"elbow_{s}"] = p[f"shoulder_{s}"] + np.array([0.0, -0.28, 0.03])
        p[f"wrist_{s}"] = p[f"elbow_{s}"] + np.array([0.0, -0.25, 0.08])
    p["heel_l"], p["toe_l"] = ankle_l + np.array([0.0, 0.02, 0.04]), ankle_l + np.array([0.0, -0.04, -0.15])
    p["heel_r"] = ankle_r + ([0.0, 0.02, 0.04] + (np.array([0.0, -0.06, -0.05]) - [0.0, 0.02, 0.04]) * w)
    p["toe_r"] = ankle_r + ([0.0, -0.04, -0.15] + (np.array([0.0, -0.06, 0.15]) - [0.0, -0.04, -0.15]) * w)
    lab = _mirror_frames(_assemble(p), side == "right")
    target = np.array([0.0, 0.55, 0.2])
    eye = _camera(view, 3.2, 0.6, target)
    seq = _render(
        lab, t, eye, target, fps=fps, width=width, height=height, noise=noise, drop_frames=0.0,
        occlude=(), rng=np.random.default_rng(seed),
    )  # fmt: skip
    key = [130.0 if "front_knee" in f else front_knee_deg for f in fl]
    return seq, _stretch_truth("hip_flexor_stretch", view, holds, spans, fl, key)


def sitting_knees_up(
    lean_deg: float = 0.0,
    cam_height: float = 1.3,
    cam_pitch: float = 32.0,
    secs: float = 14.0,
    fps: float = 30.0,
    seed: int = 0,
) -> PoseSequence:
    """Someone sitting on the floor facing a camera at their feet, knees up toward it (thighs
    50 deg up, feet flat), the trunk upright leaning ``lean_deg`` toward the camera, held still:
    what a camera set up for the double hip rotation sees before the person lies down. Not the
    exercise: no hold may be timed (the knees point at the camera, which measured about an
    upright body reads as lowered 170-180 deg)."""
    n = int(secs * fps)
    t = np.arange(n) / fps
    lean = np.radians(lean_deg)
    trunk = np.array([0.0, np.cos(lean), np.sin(lean)])  # up, leaning toward the camera (+z)
    thigh = THIGH * np.array([0.0, np.sin(np.radians(50)), np.cos(np.radians(50))])
    p: dict[str, np.ndarray] = {}
    for s, x in (("l", 1.0), ("r", -1.0)):
        hip = np.tile([x * HIP_HALF, 0.10, 0.0], (n, 1))
        knee = hip + thigh
        rise = knee[0, 1] - 0.08
        ankle = np.tile([x * HIP_HALF, 0.08, knee[0, 2] + np.sqrt(SHIN**2 - rise**2)], (n, 1))
        shoulder = np.array([x * SHOULDER_HALF, 0.10, 0.0]) + TRUNK * trunk
        elbow = shoulder + np.array([x * 0.05, -0.27, 0.05])
        p.update({
            f"hip_{s}": hip, f"knee_{s}": knee, f"ankle_{s}": ankle,
            f"heel_{s}": ankle + np.array([0.0, -0.06, -0.05]),
            f"toe_{s}": ankle + np.array([0.0, -0.06, 0.15]),
            f"shoulder_{s}": np.tile(shoulder, (n, 1)), f"elbow_{s}": np.tile(elbow, (n, 1)),
            f"wrist_{s}": np.tile(elbow + np.array([x * 0.02, -0.05, 0.25]), (n, 1)),
        })  # fmt: skip
    p["head"] = np.tile(np.array([0.0, 0.10, 0.0]) + (TRUNK + 0.25) * trunk, (n, 1))
    p["face"] = np.tile([0.0, 0.0, 1.0], (n, 1))
    p["crown"] = np.tile(trunk, (n, 1))
    eye, target = np.array([0.0, cam_height, 2.0]), np.array([0.0, cam_height, -2.0])
    target[1] -= np.tan(np.radians(cam_pitch)) * 4.0
    return _render(_assemble(p), t, eye, target, fps=fps, width=1280, height=720, noise=0.003,
                   drop_frames=0.0, occlude=(), rng=np.random.default_rng(seed))


def double_hip_rotation(
    holds: tuple[tuple[str, float], ...] = (("left", 30.0), ("right", 30.0)),
    view: str = "front",
    faults: dict[int, list[str]] | None = None,
    breaks: tuple[tuple[int, float, float], ...] = (),
    start_in_hold: bool = False,
    end_in_hold: bool = False,
    fps: float = 30.0,
    lead_in_s: float = 1.5,
    rest_s: float = 5.0,
    step_s: float = 1.0,
    noise: float = 0.003,
    seed: int = 0,
    drop_deg: float = 60.0,
    width: int = 1280,
    height: int = 720,
    cam_height: float = 1.3,
    cam_back: float = 2.0,
    cam_pitch: float = 15.0,
) -> tuple[PoseSequence, Truth]:
    """Double hip rotations lying on the back, feet toward +z; ``view`` "front" is a camera at
    the feet, ``cam_back`` metres beyond the hips and ``cam_height`` up (chest height: the
    lowered knees do not stand between it and the shoulders, as they do from 0.9 m), looking
    along the body ``cam_pitch`` degrees down; "side" one beside the person (at their right).

    Each hold in ``holds`` is (the side the knees go to, seconds there): from knees up, both
    knees (and the pelvis) turn ``drop_deg`` about the body's length in ``step_s``, stay, and
    come back up. Fault: ``shoulders_lift`` (the trunk rolls 30 deg after the knees, on the
    shoulder on their side: the other shoulder lifts).
    ``key_deg`` is the knees' lowering; ``hold_s`` the seconds held still in the position.
    """
    if view not in ("front", "side"):
        raise ValueError("double_hip_rotation supports view='front' (from the feet) or 'side'")
    fl = _check_faults(faults, DOUBLE_HIP_ROTATION_FAULTS, len(holds))
    t, u, side, idx, spans = _hold_plan(
        holds, breaks, fps, lead_in_s, rest_s, step_s, start_in_hold, end_in_hold
    )
    n = len(t)
    sgn = np.where(side == "left", -1.0, 1.0)  # about +z: -angle turns up (+y) toward the left (+x)
    rho = np.radians(drop_deg) * u * sgn
    sigma = np.radians(np.array([30.0 if "shoulders_lift" in f else 0.0 for f in fl])[idx]) * u * sgn

    def tile(v):  # type: ignore[no-untyped-def]
        return np.tile(np.asarray(v, np.float64), (n, 1))

    p: dict[str, np.ndarray] = {}
    for s, x in (("l", 1.0), ("r", -1.0)):
        hip = tile([x * HIP_HALF, 0.10, 0.0])
        knee = hip + THIGH * np.array([0.0, np.sin(np.radians(50)), np.cos(np.radians(50))])
        dy = knee[0, 1] - 0.08
        ankle = np.tile([x * HIP_HALF, 0.08, knee[0, 2] + np.sqrt(SHIN**2 - dy**2)], (n, 1))
        p.update({f"hip_{s}": hip, f"knee_{s}": knee, f"ankle_{s}": ankle,
                  f"heel_{s}": ankle + np.array([0.0, -0.06, -0.05]),
                  f"toe_{s}": ankle + np.array([0.0, -0.06, 0.15])})
        p[f"shoulder_{s}"] = tile([x * SHOULDER_HALF, 0.10, -TRUNK])
        p[f"elbow_{s}"] = p[f"shoulder_{s}"] + np.array([x * 0.05, -0.02, 0.27])
        p[f"wrist_{s}"] = p[f"elbow_{s}"] + np.array([x * 0.02, -0.01, 0.25])
    p["head"] = tile([0.0, 0.12, -TRUNK - 0.25])
    p["face"] = tile([0.0, 1.0, 0.0])
    p["crown"] = tile([0.0, 0.0, -1.0])
    lab = _assemble(p)
    parts = ("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX")
    legs = [int(L[f"{sd}_{j}"]) for sd in ("LEFT", "RIGHT") for j in parts]
    lab[:, legs] = _rotate(lab[:, legs], np.tile([0.0, 0.10, 0.0], (n, 1)), [0.0, 0.0, 1.0], rho)
    upper = _UPPER
    # The trunk rolls on the shoulder on the knees' side, which stays on the floor; the other lifts.
    pivot = np.stack([-sgn * SHOULDER_HALF, np.full(n, 0.10), np.full(n, -TRUNK)], axis=1)
    lab[:, upper] = _rotate(lab[:, upper], pivot, [0.0, 0.0, 1.0], sigma)
    # From the front, 15 deg down puts the feet at the picture's bottom edge (by default). The
    # checker takes the camera's up for the room's, and its lying angle (hips to shoulders from
    # the camera's vertical, at least 45) reads 90 less the pitch, less about 10 more with the
    # trunk rolled (the shoulders_lift fault): past about 35 deg down such a hold breaks up.
    if view == "front":
        eye, target = np.array([0.0, cam_height, cam_back]), np.array([0.0, cam_height, cam_back - 4.0])
        target[1] -= np.tan(np.radians(cam_pitch)) * 4.0
    else:
        eye, target = np.array([-3.0, 0.6, -0.2]), np.array([0.0, 0.15, -0.2])
    seq = _render(
        lab, t, eye, target, fps=fps, width=width, height=height, noise=noise, drop_frames=0.0,
        occlude=(), rng=np.random.default_rng(seed),
    )  # fmt: skip
    return seq, _stretch_truth("double_hip_rotation", view, holds, spans, fl, [drop_deg] * len(holds))
