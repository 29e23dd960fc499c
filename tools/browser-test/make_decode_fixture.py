"""Writes small PNG/JPEG files in the modes browsers must decode like Pillow, plus Pillow's RGBA.

Run: /usr/bin/python3 tools/browser-test/make_decode_fixture.py
"""

import base64
import json
import os

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "backend-web", "src", "testing", "decode")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(11)

rgb = Image.fromarray(rng.integers(0, 256, (9, 13, 3), dtype=np.uint8), "RGB")
gray = Image.fromarray(rng.integers(0, 256, (8, 5), dtype=np.uint8), "L")
opaque_rgba = Image.fromarray(
    np.concatenate([rng.integers(0, 256, (6, 7, 3), dtype=np.uint8), np.full((6, 7, 1), 255, np.uint8)], axis=2),
    "RGBA",
)
palette = rgb.quantize(colors=7)
# Translucent and fully transparent pixels that keep colour: a canvas would premultiply them away.
alpha = rng.integers(0, 256, (7, 6, 1), dtype=np.uint8)
alpha[0, :3] = 0
translucent = Image.fromarray(np.concatenate([rng.integers(0, 256, (7, 6, 3), dtype=np.uint8), alpha], axis=2), "RGBA")
gray_alpha = Image.fromarray(np.stack([rng.integers(0, 256, (5, 4), dtype=np.uint8), alpha[:5, :4, 0]], axis=2), "LA")

images = {
    "rgb.png": (rgb, {}),
    "gray.png": (gray, {}),
    "opaque-rgba.png": (opaque_rgba, {}),
    "palette.png": (palette, {}),
    "translucent.png": (translucent, {}),
    "gray-alpha.png": (gray_alpha, {}),
    "rgb-q95.jpg": (rgb, {"quality": 95}),
}
golden = {}
for name, (img, params) in images.items():
    path = os.path.join(OUT, name)
    img.save(path, **params)
    decoded = Image.open(path)
    rgba = np.asarray(decoded.convert("RGBA"))
    golden[name] = {
        "mode": decoded.mode,
        "width": decoded.width,
        "height": decoded.height,
        "rgba": base64.b64encode(rgba.tobytes()).decode(),
    }
with open(os.path.join(OUT, "pillow-rgba.json"), "w") as f:
    json.dump(golden, f, indent=1)
    f.write("\n")
