"""Trains clipkit's emoji CLIP with symmetric InfoNCE. One command, seeded:

    nice /usr/bin/python3 tools/train/train.py --data tools/data/out --out tools/train/out

Writes weights.pt (best checkpoint by twemoji validation top-1), vocab.json, metrics.json, log.txt.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clip_bpe import ClipBpe  # noqa: E402
from data import build_vocab, caption, load_dataset, tokenize  # noqa: E402
from evaluate import class_embeddings, embed_images, normalize_pixels, retrieval_metrics, zeroshot_metrics  # noqa: E402
from model import EmojiClip, symmetric_info_nce  # noqa: E402
from templates import TRAIN_TEMPLATES, eval_template_sets  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--out", required=True)
p.add_argument("--reference", default="/work/shared/reference")
p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
p.add_argument("--steps", type=int, default=6000)
p.add_argument("--minutes", type=float, default=5.0, help="stop training after this wall time")
p.add_argument("--batch", type=int, default=512)
p.add_argument("--lr", type=float, default=2e-3)
p.add_argument("--eval-every", type=int, default=500)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--aug", choices=["basic", "strong"], default="basic",
               help="strong: wider geometry, saturation jitter, drawn outlines (line-art styles)")
p.add_argument("--weight-decay", type=float, default=0.05)
p.add_argument("--smoke", action="store_true", help="tiny CPU run: subset of validation, bare labels only")
args = p.parse_args()

os.makedirs(args.out, exist_ok=True)
log_file = open(os.path.join(args.out, "log.txt"), "w")


def log(*parts):
    line = " ".join(str(x) for x in parts)
    print(line, flush=True)
    log_file.write(line + "\n")
    log_file.flush()


random.seed(args.seed)
np.random.seed(args.seed)
torch.manual_seed(args.seed)
dev = torch.device(args.device)
t0 = time.time()

here = os.path.dirname(os.path.abspath(__file__))
bpe_path = os.path.join(args.reference, "bpe_simple_vocab_16e6.txt.gz")
if not os.path.exists(bpe_path):
    bpe_path = os.path.join(here, "bpe_simple_vocab_16e6.txt.gz")
bpe = ClipBpe(bpe_path)
ref_prompts = os.path.join(args.reference, "prompts")
if not os.path.isdir(ref_prompts):
    ref_prompts = here
index, images = load_dataset(args.data)
entries = index["entries"]
train_idx = [i for i, e in enumerate(entries) if e["role"] == "train"]
assert not any(entries[i]["unseen"] for i in train_idx), "unseen concept in training data"
train_concepts = sorted({entries[i]["concept"] for i in train_idx})
by_concept = {c: [] for c in train_concepts}
for i in train_idx:
    by_concept[entries[i]["concept"]].append(i)
log(f"train images {len(train_idx)}, concepts {len(train_concepts)}, device {dev}")

train_texts = [t.format(caption(c)) for c in train_concepts for t in TRAIN_TEMPLATES]
vocab_ids, remap = build_vocab(bpe, train_texts)
log(f"reduced vocabulary: {len(vocab_ids)} CLIP ids (+1 unknown row)")
TRAIN_LEN = 32
train_tokens = tokenize(bpe, train_texts, TRAIN_LEN).view(len(train_concepts), len(TRAIN_TEMPLATES), TRAIN_LEN).to(dev)
concept_images = [torch.tensor(by_concept[c]) for c in train_concepts]

images = images.to(dev)
model = EmojiClip(remap, len(vocab_ids) + 1).to(dev)
n_params = sum(p.numel() for p in model.parameters())
log(f"parameters: {n_params} (image {sum(p.numel() for p in model.visual.parameters())}, text {sum(p.numel() for p in model.text.parameters())})")

decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "pos" not in n]
no_decay = [p for n, p in model.named_parameters() if p.ndim < 2 or "pos" in n]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.98))
warmup = 200


def lr_at(step):
    if step < warmup:
        return args.lr * (step + 1) / warmup
    return args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, args.steps - warmup))))


def outline(x):
    """Draws dark outlines around shapes and along strong inner edges, imitating line-art emoji
    styles (OpenMoji-like) from filled ones."""
    gray = x.mean(dim=1, keepdim=True)
    ink = (gray < 0.97).float()
    grown = F.max_pool2d(ink, 3, stride=1, padding=1)
    kx = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]], device=x.device).view(1, 1, 3, 3)
    padded = F.pad(gray, (1, 1, 1, 1), mode="replicate")  # zero padding would draw a frame
    gx = F.conv2d(padded, kx)
    gy = F.conv2d(padded, kx.transpose(2, 3))
    edges = ((gx.abs() + gy.abs()) > 0.6).float()
    line = torch.clamp(grown - ink + edges, 0, 1)
    return x * (1 - line) + 0.1 * line


def augment(u8):
    """Random scale/rotation/shift with white fill, mild brightness/contrast, sometimes low detail.
    No flips or hue changes: direction and colour carry meaning in emoji names."""
    strong = args.aug == "strong"
    x = u8.float() / 255.0
    b = x.shape[0]
    rot = 15 if strong else 12
    ang = (torch.rand(b, device=dev) - 0.5) * (2 * math.pi * rot / 360)
    scale = (0.65 + 0.45 * torch.rand(b, device=dev)) if strong else (0.8 + 0.3 * torch.rand(b, device=dev))
    shift = (torch.rand(b, 2, device=dev) - 0.5) * (0.3 if strong else 0.2)
    cos, sin = torch.cos(ang) / scale, torch.sin(ang) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    x = 1 - F.grid_sample(1 - x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if strong:
        lines = torch.rand(b, device=dev) < 0.3
        if lines.any():
            x[lines] = outline(x[lines])
        gray = x.mean(dim=1, keepdim=True)
        sat = 1 + (torch.rand(b, 1, 1, 1, device=dev) - 0.5) * 0.6
        x = gray + (x - gray) * sat
    low = torch.rand(b, device=dev) < (0.3 if strong else 0.2)
    if low.any():
        small = F.interpolate(x[low], size=(32, 32), mode="bilinear", antialias=True, align_corners=False)
        x[low] = F.interpolate(small, size=x.shape[-2:], mode="bilinear", align_corners=False)
    bright = 1 + (torch.rand(b, 1, 1, 1, device=dev) - 0.5) * 0.2
    contrast = 1 + (torch.rand(b, 1, 1, 1, device=dev) - 0.5) * 0.2
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = ((x - mean) * contrast + mean) * bright
    x = x.clamp(0, 1)
    return normalize_pixels((x * 255).round())


def sample_batch(order, pos):
    n = len(train_concepts)
    b = min(args.batch, n)
    if pos + b > n:
        order[:] = torch.randperm(n).tolist()
        pos = 0
    cs = order[pos : pos + b]
    img_idx = torch.stack([concept_images[c][torch.randint(len(concept_images[c]), (1,))][0] for c in cs]).to(dev)
    tmpl = torch.randint(len(TRAIN_TEMPLATES), (b,), device=dev)
    ids = train_tokens[torch.tensor(cs, device=dev), tmpl].clone()
    # Token dropout to the unknown row (id 0 after remap) teaches the tower to cope with words it
    # never saw — the unseen concepts' words often are such.
    word = (ids != 49406) & (ids != 49407)
    drop = word & (torch.rand(ids.shape, device=dev) < 0.08)
    ids[drop] = 0  # CLIP id 0 ('!') is never in a training caption, so it maps to the unknown row
    return img_idx, ids, pos + b


assert remap[0].item() == 0, "CLIP id 0 must be outside the reduced vocabulary"


def split_eval(role, template_sets, unseen_only=False, max_images=None):
    idx = [i for i, e in enumerate(entries) if e["role"] == role and (e["unseen"] or not unseen_only)]
    if max_images:
        idx = idx[:max_images]
    concepts = [entries[i]["concept"] for i in idx]
    classes = sorted(set(concepts))
    labels = torch.tensor([classes.index(c) for c in concepts], device=dev)
    model.eval()
    img = embed_images(model, images[torch.tensor(idx, device=dev)])
    out = {}
    for name, temps in template_sets.items():
        cls = class_embeddings(model, bpe, classes, temps, dev)
        out[name] = zeroshot_metrics(img, labels, cls)
    if not unseen_only:
        bare = class_embeddings(model, bpe, concepts, ["{}"], dev)
        out["retrieval"] = retrieval_metrics(img, bare, torch.arange(len(idx), device=dev))
    model.train()
    return out


order, pos = torch.randperm(len(train_concepts)).tolist(), 0
best, best_step = -1.0, -1
weights_path = os.path.join(args.out, "weights.pt")
use_amp = dev.type == "cuda"
step = 0
t_train = time.time()
for step in range(args.steps):
    for g in opt.param_groups:
        g["lr"] = lr_at(step)
    img_idx, ids, pos = sample_batch(order, pos)
    with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=use_amp):
        img = F.normalize(model.visual(augment(images[img_idx])).float(), dim=-1)
        txt = F.normalize(model.text(ids).float(), dim=-1)
        loss = symmetric_info_nce(img, txt, model.logit_scale)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    with torch.no_grad():
        model.logit_scale.clamp_(0, math.log(100))
    last = step == args.steps - 1 or (time.time() - t_train) / 60 > args.minutes
    if step % 100 == 0:
        log(f"step {step} loss {loss.item():.4f} scale {model.logit_scale.exp().item():.1f} lr {lr_at(step):.2e} t {time.time() - t0:.0f}s")
    if (step + 1) % args.eval_every == 0 or last:
        m = split_eval("validation", {"bare label": ["{}"]}, max_images=300 if args.smoke else None)
        acc = m["bare label"]["top1"]
        log(f"eval step {step + 1}: twemoji top1 {acc:.4f} top5 {m['bare label']['top5']:.4f}")
        if acc > best:
            best, best_step = acc, step + 1
            torch.save(model.state_dict(), weights_path)
    if last:
        break
train_minutes = (time.time() - t_train) / 60
log(f"trained {step + 1} steps in {train_minutes:.1f} min; best twemoji top1 {best:.4f} at step {best_step}")

model.load_state_dict(torch.load(weights_path, map_location=dev))
sets = eval_template_sets(ref_prompts) if not args.smoke else {"bare label": ["{}"]}
metrics = {
    "steps": step + 1,
    "best_step": best_step,
    "train_minutes": round(train_minutes, 2),
    "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu",
    "torch": torch.__version__,
    "parameters": n_params,
    "vocab": len(vocab_ids),
    "train_images": len(train_idx),
    "train_concepts": len(train_concepts),
    "logit_scale": model.logit_scale.exp().item(),
    "args": vars(args),
}
for role, style in (("validation", "twemoji"), ("test", "openmoji")):
    mi = 300 if args.smoke else None
    metrics[style] = split_eval(role, sets, max_images=mi)
    metrics[f"{style}_unseen"] = split_eval(role, sets, unseen_only=True, max_images=mi)
    for name in sets:
        log(f"{style:9s} {name:18s} all top1 {metrics[style][name]['top1']:.4f} top5 {metrics[style][name]['top5']:.4f} | unseen top1 {metrics[style + '_unseen'][name]['top1']:.4f} ({metrics[style + '_unseen'][name]['classes']} classes)")
    log(f"{style} retrieval {metrics[style]['retrieval']}")
with open(os.path.join(args.out, "metrics.json"), "w") as f:
    json.dump(metrics, f, indent=1)
with open(os.path.join(args.out, "vocab.json"), "w") as f:
    json.dump(vocab_ids, f)
log(f"done in {time.time() - t0:.0f}s")
