"""Exports trained weights to the Hugging Face / transformers.js layout clipkit loads, plus PyTorch
reference embeddings for the parity test.

    /usr/bin/python3 tools/train/export.py --run tools/train/out-run1 --dest packages/model-emoji/model
"""
import argparse
import json
import math
import os
import shutil
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures", "clip"))
from clip_tokenizer import SimpleTokenizer  # noqa: E402  (the tokenizer.json writer shared with the fixtures)
from model import EmojiClip  # noqa: E402

MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
OPSET = 17


class TextExport(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids):
        return self.m.text(input_ids)


class VisionExport(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        return self.m.visual(pixel_values)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", required=True)
    p.add_argument("--dest", required=True)
    p.add_argument("--bpe", default="/work/shared/reference/bpe_simple_vocab_16e6.txt.gz")
    args = p.parse_args()

    with open(os.path.join(args.run, "vocab.json")) as f:
        vocab_ids = json.load(f)
    state = torch.load(os.path.join(args.run, "weights.pt"), map_location="cpu")
    model = EmojiClip(state["text.remap"], len(vocab_ids) + 1)
    model.load_state_dict(state)
    model.eval()
    scale = float(model.logit_scale.exp())

    shutil.rmtree(args.dest, ignore_errors=True)
    os.makedirs(os.path.join(args.dest, "onnx"))
    tok = SimpleTokenizer(args.bpe, 48894)
    ids = torch.tensor([tok("a red heart", 77) + [tok.eot] * (77 - len(tok("a red heart", 77)))])
    px = torch.zeros(1, 3, 64, 64)
    with torch.no_grad():
        torch.onnx.export(TextExport(model), (ids,), os.path.join(args.dest, "onnx", "text_model.onnx"),
                          input_names=["input_ids"], output_names=["text_embeds"], opset_version=OPSET,
                          dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"}, "text_embeds": {0: "batch_size"}},
                          do_constant_folding=True)
        torch.onnx.export(VisionExport(model), (px,), os.path.join(args.dest, "onnx", "vision_model.onnx"),
                          input_names=["pixel_values"], output_names=["image_embeds"], opset_version=OPSET,
                          dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}},
                          do_constant_folding=True)

    text, vis = model.text, model.visual
    config = {
        "_name_or_path": "clipkit/emoji-clip-64",
        "architectures": ["CLIPModel"],
        "model_type": "clip",
        "projection_dim": int(text.proj.out_features),
        # logit_scale is the trained value (ln of the softmax temperature's inverse);
        # logit_scale_init_value is what training started from, as in HF configs.
        "logit_scale": math.log(scale),
        "logit_scale_init_value": math.log(1 / 0.07),
        "text_config": {
            "model_type": "clip_text_model",
            "hidden_size": int(text.tok.embedding_dim),
            "intermediate_size": 4 * int(text.tok.embedding_dim),
            "num_attention_heads": int(text.blocks[0].attn.num_heads),
            "num_hidden_layers": len(text.blocks),
            "max_position_embeddings": int(text.pos.shape[0]),
            "vocab_size": 49408,
            "bos_token_id": tok.sot,
            "eos_token_id": tok.eot,
            "pad_token_id": tok.eot,
            "clipkit_reduced_vocab_size": len(vocab_ids) + 1,
        },
        "vision_config": {
            "model_type": "clip_vision_model",
            "image_size": 64,
            "num_channels": 3,
            "clipkit_architecture": "resnet (basic blocks 2-2-2-1, widths 32-64-128-192), mean-pooled",
            "hidden_size": int(vis.proj.in_features),
        },
    }
    pre = {
        "crop_size": {"height": 64, "width": 64}, "do_center_crop": True, "do_convert_rgb": True, "do_normalize": True,
        "do_rescale": True, "do_resize": True, "image_mean": MEAN, "image_std": STD,
        "image_processor_type": "CLIPImageProcessor", "feature_extractor_type": "CLIPFeatureExtractor",
        "processor_class": "CLIPProcessor", "resample": 3, "rescale_factor": 1 / 255, "size": {"shortest_edge": 64},
    }

    def write(name, obj, compact=False):
        with open(os.path.join(args.dest, name), "w") as f:
            if compact:
                json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
            else:
                json.dump(obj, f, indent=1)
                f.write("\n")

    write("config.json", config)
    write("preprocessor_config.json", pre)
    write("tokenizer.json", tok.tokenizer_json(), compact=True)
    write("tokenizer_config.json", tok.tokenizer_config(77))
    write("special_tokens_map.json", {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
                                      "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>"})
    print(f"exported to {args.dest}; logit scale {scale:.2f}")


if __name__ == "__main__":
    main()
