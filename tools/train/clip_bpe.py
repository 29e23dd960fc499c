"""CLIP's byte-level BPE (openai/CLIP simple_tokenizer.py), without ftfy.

Only used on the dataset's captions and prompt templates, which are ASCII, so ftfy's repairs are
no-ops; `check_golden` verifies this port against openai/CLIP's ids for every ASCII golden case.
"""
import html
import json
import os
import re
import sys

# The vocabulary layout is shared with the fixture generators (stdlib only, so Debian's python3 runs it).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "clip"))
from tokenizers_hf import bytes_to_unicode, clip_vocab  # noqa: E402

SOT, EOT = 49406, 49407

# openai/CLIP's pattern with \p{L} -> [^\W\d_] and \p{N} -> \d (identical on ASCII input).
PAT = re.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+""",
    re.IGNORECASE,
)


class ClipBpe:
    def __init__(self, merges_path):
        self.encoder, self.merges = clip_vocab(merges_path)
        self.vocab = list(self.encoder)
        self.byte_encoder = bytes_to_unicode()
        self.ranks = {m: i for i, m in enumerate(self.merges)}
        self.cache = {}

    def _bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        while len(word) > 1:
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            first, second = best
            out, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    out.append(first + second)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            word = tuple(out)
        self.cache[token] = word
        return word

    def encode(self, text):
        text = html.unescape(html.unescape(text)).strip()
        text = re.sub(r"\s+", " ", text).strip().lower()
        ids = []
        for tok in PAT.findall(text):
            tok = "".join(self.byte_encoder[b] for b in tok.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self._bpe(tok))
        return ids

    def __call__(self, text, context_length=77):
        ids = [SOT] + self.encode(text)[: context_length - 2] + [EOT]
        return ids


def check_golden(bpe, golden_path):
    """Returns (checked, mismatches) over the golden cases whose text is plain ASCII."""
    data = json.load(open(golden_path))
    cases = data["cases"] if isinstance(data, dict) and "cases" in data else data
    checked, bad = 0, []
    for case in cases:
        text, ids = case["text"], case["ids"]
        if not text.isascii() or "&" in text or "_" in text:
            continue
        checked += 1
        if bpe(text) != ids:
            bad.append(text)
    return checked, bad


if __name__ == "__main__":
    bpe = ClipBpe(sys.argv[1])
    checked, bad = check_golden(bpe, sys.argv[2])
    print(f"golden: {checked} ASCII cases checked, {len(bad)} mismatches", bad[:5])
