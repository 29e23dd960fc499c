"""CLIP_benchmark-style metrics computed in PyTorch (the reference the TypeScript eval reproduces)."""
import torch
import torch.nn.functional as F

from data import caption, tokenize

MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(1, 3, 1, 1)
STD = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(1, 3, 1, 1)


def normalize_pixels(u8):
    x = u8.float() / 255.0
    return (x - MEAN.to(x.device)) / STD.to(x.device)


@torch.no_grad()
def embed_images(model, images_u8, batch=512):
    out = []
    for i in range(0, images_u8.shape[0], batch):
        out.append(model.encode_image(normalize_pixels(images_u8[i : i + batch])).float())
    return torch.cat(out)


@torch.no_grad()
def class_embeddings(model, bpe, concepts, templates, device, batch=4096):
    """open_clip's zero-shot weights: per class, normalise each template's embedding, average, renormalise."""
    texts = [t.format(caption(c)) for c in concepts for t in templates]
    ids = tokenize(bpe, texts, 77).to(device)
    embs = []
    for i in range(0, ids.shape[0], batch):
        embs.append(model.encode_text(ids[i : i + batch]).float())
    e = torch.cat(embs).view(len(concepts), len(templates), -1)
    return F.normalize(F.normalize(e, dim=-1).mean(dim=1), dim=-1)


def zeroshot_metrics(img_emb, labels, cls_emb):
    """labels: class index per image. Returns top-1, top-5 and mean per-class recall (fractions)."""
    logits = img_emb @ cls_emb.t()
    k = min(5, cls_emb.shape[0])
    top = logits.topk(k, dim=1).indices
    hit1 = top[:, 0] == labels
    hit5 = (top == labels[:, None]).any(dim=1)
    classes = labels.unique()
    per_class = torch.stack([hit1[labels == c].float().mean() for c in classes])
    return {
        "top1": hit1.float().mean().item(),
        "top5": hit5.float().mean().item(),
        "mean_per_class_recall": per_class.mean().item(),
        "classes": int(cls_emb.shape[0]),
        "images": int(img_emb.shape[0]),
        "chance_top1": 1.0 / cls_emb.shape[0],
    }


def retrieval_metrics(img_emb, txt_emb, txt_to_img):
    """txt_to_img: image index of each caption. Recall@k both ways (an image counts as found by any of
    its captions)."""
    sim = txt_emb @ img_emb.t()
    res = {}
    for k in (1, 5, 10):
        kk = min(k, img_emb.shape[0])
        t2i = (sim.topk(kk, dim=1).indices == txt_to_img[:, None]).any(dim=1).float().mean().item()
        kt = min(k, txt_emb.shape[0])
        top_txt = sim.t().topk(kt, dim=1).indices  # image → caption indices
        i2t = (txt_to_img[top_txt] == torch.arange(img_emb.shape[0], device=sim.device)[:, None]).any(dim=1)
        res[f"t2i_r{k}"] = t2i
        res[f"i2t_r{k}"] = i2t.float().mean().item()
    return res
