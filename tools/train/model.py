"""The two towers of clipkit's emoji CLIP: a small ResNet image tower and a CLIP-style causal
transformer text tower over a reduced slice of CLIP's BPE vocabulary."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.skip = None
        if stride != 1 or cin != cout:
            self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (x if self.skip is None else self.skip(x)))


class ImageTower(nn.Module):
    def __init__(self, widths=(32, 64, 128, 192), blocks=(2, 2, 2, 1), embed_dim=128):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 2, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        layers, cin = [], widths[0]
        for i, (w, n) in enumerate(zip(widths, blocks)):
            for j in range(n):
                layers.append(BasicBlock(cin, w, 2 if (j == 0 and i > 0) else 1))
                cin = w
        self.layers = nn.Sequential(*layers)
        self.proj = nn.Linear(cin, embed_dim, bias=False)

    def forward(self, pixel_values):
        x = self.layers(self.stem(pixel_values))
        return self.proj(x.mean(dim=(2, 3)))


class TextBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class TextTower(nn.Module):
    """Takes real CLIP token ids; `remap` (a buffer) folds them onto the reduced vocabulary, with
    every id outside it sent to row 0 (unknown)."""

    def __init__(self, remap, vocab_size, d=128, layers=4, heads=4, context=77, embed_dim=128):
        super().__init__()
        self.register_buffer("remap", remap.long(), persistent=True)
        self.tok = nn.Embedding(vocab_size, d)
        self.pos = nn.Parameter(torch.randn(context, d) * 0.01)
        self.blocks = nn.ModuleList([TextBlock(d, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.proj = nn.Linear(d, embed_dim, bias=False)
        nn.init.normal_(self.tok.weight, std=0.02)

    def forward(self, input_ids):
        n = input_ids.shape[1]
        x = self.tok(self.remap[input_ids]) + self.pos[:n]
        # Causal mask as in CLIP: the EOT token sees the whole caption, padding after it is ignored.
        mask = torch.full((n, n), float("-inf"), device=input_ids.device).triu(1)
        for b in self.blocks:
            x = b(x, mask)
        x = self.ln(x)
        # EOT (49407) is the largest id, as HF CLIP assumes; int32 because ONNX ArgMax lacks int64.
        eot = input_ids.to(torch.int32).argmax(dim=-1)
        return self.proj(x[torch.arange(x.shape[0], device=x.device), eot])


class EmojiClip(nn.Module):
    def __init__(self, remap, vocab_size, embed_dim=128):
        super().__init__()
        self.visual = ImageTower(embed_dim=embed_dim)
        self.text = TextTower(remap, vocab_size, embed_dim=embed_dim)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def encode_image(self, pixel_values):
        return F.normalize(self.visual(pixel_values), dim=-1)

    def encode_text(self, input_ids):
        return F.normalize(self.text(input_ids), dim=-1)


def symmetric_info_nce(img, txt, logit_scale):
    """CLIP's loss: cross-entropy over image→text and text→image logits, averaged."""
    logits = logit_scale.exp().clamp(max=100) * img @ txt.t()
    target = torch.arange(img.shape[0], device=img.device)
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)) / 2
