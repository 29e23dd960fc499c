"""Writes a ViT-B/32-shaped CLIP (random seeded weights, real sizes) for the benchmarks, on demand.

    cd <repo> && nice /work/venv/bin/python tools/bench-models/clip_b32.py [--out bench/.models/clip-b32] [--no-combined]

transformers' `CLIPModel` with openai/clip-vit-base-patch32's configuration (12+12 layers, widths
512/768, patch 32, 224 px, 77 tokens, projection 512) and seeded random weights, exported with the
TorchScript exporter in the transformers.js hub layout (`onnx/vision_model.onnx` ≈ 351 MB,
`onnx/text_model.onnx` ≈ 254 MB, and the combined `onnx/model.onnx` unless `--no-combined`), plus
config, tokenizer (openai/CLIP's full BPE vocabulary from /work/shared/reference) and processor
files written by transformers' `save_pretrained`. The folder is git-ignored and never committed
(about 1.2 GB); `bench/` scripts call this when it is missing. Re-running with the same seed
writes the same weights.
"""

import argparse
import json
import os
import shutil
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures", "clip"))
from hub_export import export_graph, folder_size, guard_torchvision, write_json  # noqa: E402
from tokenizers_hf import clip_tokenizer  # noqa: E402

NAME = "clipkit/bench-clip-vit-b32"
# openai/clip-vit-base-patch32's merges: the 49152-line BPE file minus its header and the 256+2 specials.
MERGES = 49152 - 256 - 2
LOGIT_SCALE = 4.6052  # ln 100, where trained CLIP scales sit


class TextTower(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        out = self.model.get_text_features(input_ids=input_ids, attention_mask=attention_mask)
        return out.pooler_output, out.last_hidden_state


class VisionTower(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        out = self.model.get_image_features(pixel_values=pixel_values)
        return out.pooler_output, out.last_hidden_state


class Combined(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, pixel_values, attention_mask):
        o = self.model(input_ids=input_ids, pixel_values=pixel_values, attention_mask=attention_mask)
        return o.logits_per_image, o.logits_per_text, o.text_embeds, o.image_embeds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(HERE, "..", "..", "bench", ".models", "clip-b32"))
    parser.add_argument("--no-combined", action="store_true", help="skip onnx/model.onnx (both towers in one graph)")
    parser.add_argument("--seed", type=int, default=32)
    args = parser.parse_args()
    guard_torchvision()
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel

    folder = os.path.abspath(args.out)
    tmp = folder + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "onnx"))
    started = time.time()
    torch.set_grad_enabled(False)

    tok = clip_tokenizer(MERGES)
    tok.save_pretrained(tmp)
    text_cfg = {"vocab_size": len(tok), "hidden_size": 512, "intermediate_size": 2048, "num_attention_heads": 8,
                "num_hidden_layers": 12, "max_position_embeddings": 77, "bos_token_id": tok.bos_token_id,
                "eos_token_id": tok.eos_token_id, "pad_token_id": tok.pad_token_id}
    vision_cfg = {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12,
                  "num_hidden_layers": 12, "image_size": 224, "patch_size": 32}
    config = CLIPConfig(text_config=text_cfg, vision_config=vision_cfg, projection_dim=512)
    config._name_or_path = NAME
    torch.manual_seed(args.seed)
    model = CLIPModel(config).eval()
    model.logit_scale.fill_(LOGIT_SCALE)
    model.config.architectures = ["CLIPModel"]
    model.config.save_pretrained(tmp)
    path = os.path.join(tmp, "config.json")
    with open(path) as f:
        write_json(path, {"_name_or_path": NAME, **json.load(f)}, indent=2)
    processor = CLIPImageProcessorPil(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224})
    processor.save_pretrained(tmp)
    path = os.path.join(tmp, "preprocessor_config.json")
    with open(path) as f:
        write_json(path, {**json.load(f), "image_processor_type": "CLIPImageProcessor"}, indent=2)

    od = os.path.join(tmp, "onnx")
    ids = torch.tensor([tok("a photo of a cat").input_ids])
    mask = torch.ones_like(ids)
    px = torch.zeros(1, 3, 224, 224)
    seq = {0: "batch_size", 1: "sequence_length"}
    export_graph(TextTower(model), (ids, mask), f"{od}/text_model.onnx", ["input_ids", "attention_mask"],
                 ["text_embeds", "last_hidden_state"],
                 {"input_ids": seq, "attention_mask": seq, "text_embeds": {0: "batch_size"}, "last_hidden_state": seq})
    print(f"text_model.onnx {os.path.getsize(f'{od}/text_model.onnx') / 1e6:.0f} MB", flush=True)
    export_graph(VisionTower(model), (px,), f"{od}/vision_model.onnx", ["pixel_values"],
                 ["image_embeds", "last_hidden_state"],
                 {"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"},
                  "last_hidden_state": {0: "batch_size"}})
    print(f"vision_model.onnx {os.path.getsize(f'{od}/vision_model.onnx') / 1e6:.0f} MB", flush=True)
    if not args.no_combined:
        axes = {"input_ids": seq, "attention_mask": seq, "pixel_values": {0: "image_batch_size"},
                "logits_per_image": {0: "image_batch_size", 1: "text_batch_size"},
                "logits_per_text": {0: "text_batch_size", 1: "image_batch_size"},
                "text_embeds": {0: "text_batch_size"}, "image_embeds": {0: "image_batch_size"}}
        export_graph(Combined(model), (ids, px, mask), f"{od}/model.onnx", ["input_ids", "pixel_values", "attention_mask"],
                     ["logits_per_image", "logits_per_text", "text_embeds", "image_embeds"], axes)
    shutil.rmtree(folder, ignore_errors=True)
    os.rename(tmp, folder)
    print(f"{folder}: {folder_size(folder) / 1e6:.0f} MB in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
