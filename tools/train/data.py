"""Loads the dataset built by tools/data/build-dataset.ts and tokenises captions."""
import gzip
import json
import os

import numpy as np
import torch

from clip_bpe import EOT


def load_dataset(data_dir):
    with open(os.path.join(data_dir, "index.json")) as f:
        index = json.load(f)
    size = index["size"]
    with gzip.open(os.path.join(data_dir, "images.u8.gz")) as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8)
    images = torch.from_numpy(raw.copy()).view(-1, size, size, 3).permute(0, 3, 1, 2).contiguous()
    assert images.shape[0] == len(index["entries"]), "index and images disagree"
    return index, images


def caption(concept):
    return concept.replace("-", " ")


def build_vocab(bpe, texts):
    """Reduced vocabulary: row 0 = unknown, then every CLIP id the training texts use."""
    used = sorted({i for t in texts for i in bpe(t)})
    remap = torch.zeros(49408, dtype=torch.long)
    for row, tid in enumerate(used, start=1):
        remap[tid] = row
    return used, remap


def tokenize(bpe, texts, length):
    """CLIP ids padded with EOT (pad_token = <|endoftext|>, as the exported tokenizer pads)."""
    out = torch.full((len(texts), length), EOT, dtype=torch.long)
    for i, t in enumerate(texts):
        ids = bpe(t, context_length=length)
        out[i, : len(ids)] = torch.tensor(ids)
    return out
