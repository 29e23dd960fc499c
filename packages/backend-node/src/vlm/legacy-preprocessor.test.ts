import { readFileSync } from "node:fs";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCaptioner } from "./load.js";

// A captioner folder whose preprocessor_config.json is the legacy ViTFeatureExtractor form
// (`"size": 224`, no mean/std). transformers reads it as a 224×224 squash with mean = std = 0.5;
// clipkit used to read it as "shortest edge, keep aspect" and failed with INVALID_ARGUMENT
// ("output size depends on the input image").

const capDir = fileURLToPath(new URL("../../../../fixtures/models/tiny-captioner/", import.meta.url));
const side = (
  JSON.parse(readFileSync(join(capDir, "config.json"), "utf8")) as { encoder: { image_size: number } }
).encoder.image_size;
const image = join(capDir, "images", "red-circle-white.png");

async function folderWith(preprocessor: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clipkit-legacy-vit-"));
  await cp(capDir, dir, { recursive: true });
  await writeFile(join(dir, "preprocessor_config.json"), JSON.stringify(preprocessor));
  return dir;
}

describe("captioner with a legacy ViTFeatureExtractor preprocessor_config.json", () => {
  const dirs: string[] = [];
  beforeAll(async () => {
    dirs.push(
      await folderWith({ feature_extractor_type: "ViTFeatureExtractor", size: side, do_resize: true }),
      // What transformers resolves the legacy file to, written out in full.
      await folderWith({
        image_processor_type: "ViTImageProcessor",
        size: { height: side, width: side },
        resample: 2,
        image_mean: [0.5, 0.5, 0.5],
        image_std: [0.5, 0.5, 0.5],
        do_rescale: true,
        do_normalize: true,
      }),
    );
  });
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("captions, and exactly as the explicit ViTImageProcessor config does", async () => {
    const [legacy, explicit] = await Promise.all(
      dirs.map((d) => loadCaptioner(d, { backend: { intraOpThreads: 1 } })),
    );
    try {
      const [a] = await legacy!.caption([image, image], { maxNewTokens: 8 });
      const [b] = await explicit!.caption([image, image], { maxNewTokens: 8 });
      expect(a!.tokens.length).toBeGreaterThan(0);
      expect(a!.tokens).toEqual(b!.tokens);
    } finally {
      await Promise.all([legacy?.release(), explicit?.release()]);
    }
  });
});
