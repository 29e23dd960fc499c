"""Caption templates: which ones train, and the held-out ones evaluation uses."""
import json
import os

# Training augmentation. None of the evaluation templates below is in this list (exact strings).
TRAIN_TEMPLATES = [
    "{}",
    "a {}",
    "{} emoji",
    "an emoji of {}",
    "the {} emoji",
    "{} icon",
    "an icon of {}",
    "a {} sticker",
    "clip art of {}",
    "{} symbol",
    "a small picture of {}",
    "a flat illustration of {}",
]

# Held out of training: CLIP's classic single prompt, an emoji-domain ensemble and the 80
# OpenAI ImageNet templates.
PHOTO_TEMPLATE = ["a photo of a {}."]

# The emoji pack of @clipkit/prompts (packages/prompts/src/packs.ts), copied so Python needs no Node.
EMOJI_ENSEMBLE = [
    "an emoji of a {}.",
    "a {} emoji.",
    "an emoji icon of a {}.",
    "a cartoon emoji of a {}.",
]

ROOT = os.path.dirname(os.path.abspath(__file__))


def openai_80(reference_dir):
    with open(os.path.join(reference_dir, "imagenet_templates.json")) as f:
        return json.load(f)["openai_imagenet_80"]


def eval_template_sets(reference_dir):
    sets = {
        "bare label": ["{}"],
        "a photo of a {}.": PHOTO_TEMPLATE,
        "emoji ensemble": EMOJI_ENSEMBLE,
        "openai 80": openai_80(reference_dir),
    }
    for name, temps in sets.items():
        if name != "bare label":
            assert not set(temps) & set(TRAIN_TEMPLATES), name
    return sets
