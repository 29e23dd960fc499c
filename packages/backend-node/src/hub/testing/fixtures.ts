/** Fake repos over the committed fixture folders, shared by the hub tests (Node and browser). */
import { fileURLToPath } from "node:url";
import { MODELS_DIR } from "../../model/fixtures.js";
import { type FakeRepo, fakeCommit } from "./hub-server.js";

export const EMOJI_DIR = fileURLToPath(new URL("../../../../model-emoji/model", import.meta.url));

export const COMMITS = {
  clip: fakeCommit("tiny-clip"),
  siglip: fakeCommit("tiny-siglip"),
  emoji: fakeCommit("emoji"),
  captioner: fakeCommit("tiny-captioner"),
};

export const TOKEN = "hf_test_secret_token_0123456789";

/** `clipkit/tiny-clip` (main → tiny-clip, tag v1 → tiny-siglip), the emoji model, a captioner, a gated copy. */
export const FAKE_REPOS: Record<string, FakeRepo> = {
  "clipkit/tiny-clip": {
    refs: { main: COMMITS.clip, v1: COMMITS.siglip },
    commits: { [COMMITS.clip]: `${MODELS_DIR}tiny-clip`, [COMMITS.siglip]: `${MODELS_DIR}tiny-siglip` },
  },
  "clipkit/emoji": { refs: { main: COMMITS.emoji }, commits: { [COMMITS.emoji]: EMOJI_DIR } },
  "clipkit/captioner": {
    refs: { main: COMMITS.captioner },
    commits: { [COMMITS.captioner]: `${MODELS_DIR}tiny-captioner` },
  },
  "clipkit/gated": {
    refs: { main: COMMITS.clip },
    commits: { [COMMITS.clip]: `${MODELS_DIR}tiny-clip` },
    token: TOKEN,
  },
};
