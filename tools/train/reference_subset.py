"""PyTorch reference numbers for a committed evaluation subset, which the TypeScript tests must
reproduce through clipkit (tokenizer, preprocessing, onnxruntime):

    /usr/bin/python3 tools/train/reference_subset.py --run tools/train/out-run1 \
        --manifest packages/model-emoji/eval/twemoji-sample/manifest.jsonl
"""
import argparse
import base64
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from clip_bpe import ClipBpe  # noqa: E402
from evaluate import class_embeddings, normalize_pixels, retrieval_metrics, zeroshot_metrics  # noqa: E402
from model import EmojiClip  # noqa: E402
from templates import EMOJI_ENSEMBLE, PHOTO_TEMPLATE  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--run", required=True)
p.add_argument("--manifest", required=True)
p.add_argument("--bpe", default="/work/shared/reference/bpe_simple_vocab_16e6.txt.gz")
args = p.parse_args()

state = torch.load(os.path.join(args.run, "weights.pt"), map_location="cpu")
vocab = json.load(open(os.path.join(args.run, "vocab.json")))
model = EmojiClip(state["text.remap"], len(vocab) + 1)
model.load_state_dict(state)
model.eval()
bpe = ClipBpe(args.bpe)

base = os.path.dirname(os.path.abspath(args.manifest))
items = [json.loads(line) for line in open(args.manifest) if line.strip()]
# The images are already 64×64 RGB, so CLIPImageProcessor's resize and crop are identities.
pixels = torch.stack([torch.from_numpy(np.asarray(Image.open(os.path.join(base, it["image"])).convert("RGB")).copy()).permute(2, 0, 1) for it in items])
assert pixels.shape[-1] == 64 and pixels.shape[-2] == 64
labels = []
for it in items:
    if it["label"] not in labels:
        labels.append(it["label"])
concepts = [l.replace(" ", "-") for l in labels]  # class_embeddings captions concepts by dash→space
truth = torch.tensor([labels.index(it["label"]) for it in items])
with torch.no_grad():
    img = model.encode_image(normalize_pixels(pixels))
    out = {"generator": "tools/train/reference_subset.py (PyTorch fp32)", "manifest": os.path.basename(args.manifest), "zeroshot": {}}
    for name, temps in (("bare", ["{}"]), ("photo", PHOTO_TEMPLATE), ("emoji", EMOJI_ENSEMBLE)):
        cls = class_embeddings(model, bpe, concepts, temps, "cpu")
        out["zeroshot"][name] = {"templates": temps, **zeroshot_metrics(img, truth, cls)}
    caps = class_embeddings(model, bpe, [it["captions"][0].replace(" ", "-") for it in items], ["{}"], "cpu")
    out["retrieval"] = retrieval_metrics(img, caps, torch.arange(len(items)))
    # Unnormalised tower outputs of the first three items, for embedding parity.
    raw_img = model.visual(normalize_pixels(pixels[:3]))
    ids = [bpe(it["label"]) for it in items[:3]]
    out["embeddings"] = [
        {"image": it["image"], "text": it["label"], "ids": i,
         "image_embed": base64.b64encode(raw_img[k].numpy().astype("<f4").tobytes()).decode(),
         "text_embed": base64.b64encode(model.text(torch.tensor([i]))[0].numpy().astype("<f4").tobytes()).decode()}
        for k, (it, i) in enumerate(zip(items[:3], ids))
    ]
with open(os.path.join(base, "reference.json"), "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps({k: {m: v[m] for m in ("top1", "top5", "mean_per_class_recall")} for k, v in out["zeroshot"].items()}), out["retrieval"])
