"""Procedural identities: what a synthetic person looks like, drawn in an aligned face space.

A face is rendered in a canonical, aligned square (``FACE_PX`` pixels, the face centred, eyes
level) the way face-swap tools work internally; :mod:`.scene` then warps it into the frame with
the head's pose. Drawing here depends only on the identity's :class:`Look` and the frame's
:class:`Expression`, so a manipulation can render one person's face with another's expression.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FACE_PX = 128  # side of the aligned face square
_SHIFT = 4  # cv2 fixed-point bits: sub-pixel, anti-aliased drawing
_ONE = 1 << _SHIFT


@dataclass(frozen=True)
class Look:
    """An identity's fixed appearance (colours are RGB in 0..255)."""

    skin: tuple[float, float, float]
    skin_texture: np.ndarray  # (FACE_PX, FACE_PX) multiplicative texture around 1.0
    face_w: float  # half-width of the face ellipse, in FACE_PX units
    face_h: float
    jaw: float  # 0 round .. 1 pointed chin
    eye_y: float
    eye_dx: float
    eye_size: float
    iris: tuple[float, float, float]
    brow: tuple[float, float, float]
    brow_thick: float
    brow_arch: float
    nose_len: float
    nose_w: float
    mouth_w: float
    mouth_y: float
    lip: tuple[float, float, float]
    lip_thick: float
    hair: tuple[float, float, float]
    hair_style: int  # 0 short, 1 long, 2 bald, 3 tall
    background: tuple[tuple[float, float, float], tuple[float, float, float]]
    pitch_hz: float  # the voice: base pitch
    formant_scale: float  # and vocal-tract scale (1.0 ≈ adult male)
    speech_rate: float  # syllables per second


@dataclass(frozen=True)
class Expression:
    """One frame's facial state: 0..1 mouth opening and eyelid closure, brow raise, gaze."""

    mouth: float = 0.0
    blink: float = 0.0
    brow: float = 0.0
    yaw: float = 0.0  # -1..1: inner features shift sideways, a cue of head turn


SKIN_TONES = ((255, 224, 196), (241, 194, 160), (224, 172, 128), (198, 134, 96),
              (160, 102, 66), (120, 76, 48), (88, 56, 38))
HAIR_COLOURS = ((30, 24, 20), (70, 48, 30), (120, 84, 50), (190, 150, 90), (140, 60, 30),
                (110, 110, 110), (20, 20, 24))
IRIS_COLOURS = ((60, 40, 25), (90, 60, 30), (60, 100, 140), (70, 110, 70), (40, 30, 20))


def random_look(rng: np.random.Generator, *, female: bool | None = None,
                tone: int | None = None) -> Look:
    """Draw a new identity. ``female`` sets the voice range; ``tone`` picks a skin tone index.

    Example:
        >>> look = random_look(np.random.default_rng(0), female=True)
        >>> 150 <= look.pitch_hz <= 260 and look.skin_texture.shape == (FACE_PX, FACE_PX)
        True
    """
    female = bool(rng.integers(2)) if female is None else female
    tone_index = int(rng.integers(len(SKIN_TONES))) if tone is None else tone
    skin = np.array(SKIN_TONES[tone_index], float) * rng.uniform(0.93, 1.05, 3)
    hair = np.array(HAIR_COLOURS[int(rng.integers(len(HAIR_COLOURS)))], float)
    # MTCNN, like people, finds a face by its contrast with the scene: keep the wall's
    # brightness away from the skin's
    bg_a, bg_b = (_contrasting(rng, skin) for _ in range(2))
    return Look(
        skin=tuple(np.clip(skin, 0, 255)), skin_texture=_texture(rng),
        face_w=rng.uniform(0.30, 0.36), face_h=rng.uniform(0.40, 0.46), jaw=rng.uniform(0, 1),
        eye_y=rng.uniform(-0.10, -0.04), eye_dx=rng.uniform(0.12, 0.155),
        eye_size=rng.uniform(0.045, 0.062),
        iris=IRIS_COLOURS[int(rng.integers(len(IRIS_COLOURS)))],
        brow=tuple(np.minimum(hair * rng.uniform(0.7, 1.0), skin * 0.45)),
        brow_thick=rng.uniform(0.015, 0.03),
        brow_arch=rng.uniform(0.0, 0.03), nose_len=rng.uniform(0.12, 0.18),
        nose_w=rng.uniform(0.04, 0.07), mouth_w=rng.uniform(0.09, 0.13),
        mouth_y=rng.uniform(0.19, 0.24),
        lip=tuple(np.clip(skin * np.array([0.85, 0.55, 0.55]) * rng.uniform(0.85, 1.1), 0, 255)),
        lip_thick=rng.uniform(0.012, 0.025), hair=tuple(hair), hair_style=int(rng.integers(4)),
        background=(tuple(bg_a), tuple(bg_b)),
        pitch_hz=rng.uniform(165, 250) if female else rng.uniform(90, 145),
        formant_scale=rng.uniform(1.12, 1.22) if female else rng.uniform(0.95, 1.05),
        speech_rate=rng.uniform(3.6, 5.2))


def _luminance(rgb) -> float:
    return float(np.dot(rgb, (0.299, 0.587, 0.114)))


def _contrasting(rng: np.random.Generator, skin: np.ndarray) -> np.ndarray:
    """A random colour whose brightness differs from the skin's by at least 60 levels."""
    while True:
        colour = rng.uniform(30, 235, 3)
        if abs(_luminance(colour) - _luminance(skin)) >= 60:
            return colour


def _texture(rng: np.random.Generator) -> np.ndarray:
    """Skin texture: pores (fine noise), blotches (coarse noise) and a few moles."""
    fine = cv2.GaussianBlur(rng.standard_normal((FACE_PX, FACE_PX)), (0, 0), 0.8)
    coarse = cv2.GaussianBlur(rng.standard_normal((FACE_PX, FACE_PX)), (0, 0), 6)
    texture = 1 + 0.02 * fine / (fine.std() + 1e-6) + 0.05 * coarse / (coarse.std() + 1e-6)
    for _ in range(int(rng.integers(0, 4))):
        x, y = rng.uniform(0.25, 0.75, 2) * FACE_PX
        cv2.circle(texture, (int(x), int(y)), int(rng.integers(1, 3)), 0.75, -1, cv2.LINE_AA)
    return texture.astype(np.float32)


def _pt(u: float, v: float) -> tuple[int, int]:
    """Face-space (u, v in FACE_PX units from the centre) to fixed-point pixel coordinates."""
    return int(round((0.5 + u) * FACE_PX * _ONE)), int(round((0.5 + v) * FACE_PX * _ONE))


def _ax(a: float, b: float) -> tuple[int, int]:
    return max(1, int(round(a * FACE_PX * _ONE))), max(1, int(round(b * FACE_PX * _ONE)))


def _ellipse(img, centre, axes, colour, angle=0.0, start=0, end=360, thickness=-1):
    cv2.ellipse(img, _pt(*centre), _ax(*axes), angle, start, end, colour, thickness,
                cv2.LINE_AA, _SHIFT)


def face_mask(look: Look) -> np.ndarray:
    """Float mask (FACE_PX²) of the head (face and ears), soft-edged, for warping into a frame.

    Example:
        >>> m = face_mask(random_look(np.random.default_rng(1)))
        >>> float(m.max()), m.shape
        (1.0, (128, 128))
    """
    mask = np.zeros((FACE_PX, FACE_PX), np.float32)
    _head_shape(mask, look, 1.0)
    _hair(mask, look, 1.0, behind=True)
    return np.clip(cv2.GaussianBlur(mask, (0, 0), 0.7), 0, 1)


def inner_mask(look: Look, *, feather: float, lower_only: bool = False) -> np.ndarray:
    """The inner face (brows to chin) a face swap replaces, or the lower face a lip-sync does.

    ``feather`` is the blur sigma in pixels: large for soft blends, small for hard seams.

    Example:
        >>> m = inner_mask(random_look(np.random.default_rng(2)), feather=3)
        >>> 0 < float(m.mean()) < 0.5
        True
    """
    mask = np.zeros((FACE_PX, FACE_PX), np.float32)
    if lower_only:
        centre, axes = (0, look.mouth_y), (look.face_w * 0.62, look.face_h * 0.32)
    else:
        centre, axes = (0, 0.07), (look.face_w * 0.8, look.face_h * 0.66)
    _ellipse(mask, centre, axes, 1.0)
    return cv2.GaussianBlur(mask, (0, 0), max(feather, 0.3))


def _head_shape(img, look: Look, colour) -> None:
    _ellipse(img, (0, 0), (look.face_w, look.face_h), colour)
    # chin: a narrower ellipse lower down makes the jaw pointed or square
    _ellipse(img, (0, look.face_h * 0.45), (look.face_w * (0.85 - 0.3 * look.jaw),
                                            look.face_h * 0.62), colour)
    for side in (-1, 1):
        _ellipse(img, (side * look.face_w * 0.98, -0.01), (0.035, 0.07), colour)


def _hair(img, look: Look, colour, *, behind: bool) -> None:
    if look.hair_style == 2:
        return
    top = -look.face_h * 0.55
    if behind and look.hair_style == 1:
        _ellipse(img, (0, 0.02), (look.face_w * 1.22, look.face_h * 1.05), colour)
    if not behind:
        height = 0.20 if look.hair_style == 3 else 0.13
        _ellipse(img, (0, top), (look.face_w * 1.05, height), colour, start=180, end=360)
        _ellipse(img, (0, top), (look.face_w * 1.05, 0.05), colour)


def render_face(look: Look, expr: Expression, *, hair: bool = True) -> np.ndarray:
    """The identity's face in aligned face space with the given expression: float32 RGB 0..255.

    ``hair=False`` leaves the hair out, as the inner face a face swap transfers has none.

    Pixels outside :func:`face_mask` are undefined (the scene composites with that mask).

    Example:
        >>> look = random_look(np.random.default_rng(3))
        >>> render_face(look, Expression(mouth=0.8)).shape
        (128, 128, 3)
    """
    img = np.zeros((FACE_PX, FACE_PX, 3), np.float32)
    if hair:
        _hair(img, look, look.hair, behind=True)
    _head_shape(img, look, look.skin)
    # shading: a soft darker band at the cheeks, a highlight on the forehead
    x = expr.yaw * 0.03  # inner features move with the head turn; the outline barely does
    img *= (_shading(look, x) * look.skin_texture)[..., None]
    _eyes(img, look, expr, x)
    _brows(img, look, expr, x)
    _nose(img, look, x)
    _mouth(img, look, expr, x)
    if hair:
        _hair(img, look, look.hair, behind=False)
    return img


def _shading(look: Look, x: float) -> np.ndarray:
    """Light from the front: brighter centre, darker rim, eye sockets and the shadow under the
    nose (the dark-light pattern face detectors key on)."""
    lit = np.zeros((FACE_PX, FACE_PX), np.float32)
    _ellipse(lit, (0, -0.05), (look.face_w * 0.75, look.face_h * 0.8), 1.0)
    shadow = np.zeros((FACE_PX, FACE_PX), np.float32)
    for side in (-1, 1):
        _ellipse(shadow, (x + side * look.eye_dx, look.eye_y - 0.01),
                 (look.eye_size * 2.1, look.eye_size * 1.6), 1.0)
    _ellipse(shadow, (x, look.eye_y + 0.03 + look.nose_len + 0.012),
             (look.nose_w * 0.8, 0.012), 1.0)
    return ((0.82 + 0.18 * cv2.GaussianBlur(lit, (0, 0), 9))
            * (1 - 0.28 * cv2.GaussianBlur(shadow, (0, 0), 2.5)))


def _eyes(img, look: Look, expr: Expression, x: float) -> None:
    open_ = max(0.05, 1.0 - expr.blink)
    for side in (-1, 1):
        cx, cy = x + side * look.eye_dx, look.eye_y
        w, h = look.eye_size * 1.5, look.eye_size * 0.75
        _ellipse(img, (cx, cy), (w, h * open_), (245, 245, 240))
        if open_ > 0.3:
            iris_x = cx + expr.yaw * 0.012
            _ellipse(img, (iris_x, cy), (h * 0.95, h * min(0.95, open_)), look.iris)
            _ellipse(img, (iris_x, cy), (h * 0.42, h * 0.42 * open_), (12, 12, 14))
            _ellipse(img, (iris_x + h * 0.3, cy - h * 0.3), (h * 0.15, h * 0.15), (250,) * 3)
        lid = tuple(c * 0.72 for c in look.skin)
        _ellipse(img, (cx, cy), (w, h * open_), lid, start=180, end=360, thickness=1)
        if expr.blink > 0.5:  # a closed lid shows as a skin-coloured cover with a lash line
            _ellipse(img, (cx, cy), (w, h), look.skin, start=180, end=360)
            _ellipse(img, (cx, cy + 0.002), (w, h * 0.25), (40, 30, 30), start=0, end=180,
                     thickness=1)


def _brows(img, look: Look, expr: Expression, x: float) -> None:
    lift = 0.02 * expr.brow
    for side in (-1, 1):
        cx, cy = x + side * look.eye_dx, look.eye_y - look.eye_size * 1.6 - lift
        thick = max(1, int(look.brow_thick * FACE_PX * _ONE))
        _ellipse(img, (cx, cy + look.brow_arch), (look.eye_size * 1.9, look.brow_arch + 0.02),
                 look.brow, start=200, end=340, thickness=thick // _ONE + 1)


def _nose(img, look: Look, x: float) -> None:
    dark = tuple(c * 0.78 for c in look.skin)
    top, tip = look.eye_y + 0.03, look.eye_y + 0.03 + look.nose_len
    pts = np.array([_pt(x - 0.012, top), _pt(x - look.nose_w * 0.5, tip),
                    _pt(x + look.nose_w * 0.5, tip), _pt(x + 0.012, top)], np.int32)
    cv2.polylines(img, [pts], False, dark, 1, cv2.LINE_AA, _SHIFT)
    for side in (-1, 1):
        _ellipse(img, (x + side * look.nose_w * 0.3, tip), (0.011, 0.007), (60, 40, 35))


def _mouth(img, look: Look, expr: Expression, x: float) -> None:
    open_h = 0.004 + 0.055 * float(np.clip(expr.mouth, 0, 1))
    centre = (x, look.mouth_y + open_h * 0.3)
    _ellipse(img, centre, (look.mouth_w + look.lip_thick, open_h + look.lip_thick), look.lip)
    _ellipse(img, centre, (look.mouth_w * (1 - 0.2 * expr.mouth), open_h), (55, 20, 25))
    if expr.mouth > 0.35:  # teeth show when the mouth opens
        _ellipse(img, (centre[0], centre[1] - open_h * 0.6),
                 (look.mouth_w * 0.7, open_h * 0.3), (235, 230, 220))
