/**
 * Loads a captioning/VQA folder into a {@link VlmModel} through the family registry: the first
 * family that recognises the folder (config.json's `model_type`/`architectures` and its ONNX
 * files) loads it.
 */
import type { ModelFiles } from "../backend/session.js";
import { ClipkitError } from "../errors.js";
import { VLM_FAMILIES } from "./families.js";
import type { VlmFamily, VlmFolder, VlmModel } from "./family.js";
import { openVlmFolder } from "./folder.js";
import type { VlmLoadOptions } from "./options.js";

/**
 * The family of `folder`, or `MODEL_LAYOUT_UNSUPPORTED` listing every supported family.
 * `families` defaults to the built-in registry.
 */
export async function detectVlmFamily(
  folder: VlmFolder,
  families: readonly VlmFamily[] = VLM_FAMILIES,
): Promise<VlmFamily> {
  for (const family of families) if (await family.matches(folder)) return family;
  const model = folder.modelType === undefined ? "" : ` (model_type "${folder.modelType}")`;
  return unsupported(folder.files, model, families, folder.modelType);
}

function unsupported(
  files: ModelFiles,
  what: string,
  families: readonly VlmFamily[],
  modelType?: string,
): never {
  throw new ClipkitError(
    "MODEL_LAYOUT_UNSUPPORTED",
    `${files.location}${what}: not a supported captioning/VQA model folder; supported families:\n${families
      .map((f) => `  - ${f.summary}`)
      .join("\n")}`,
    {
      details: {
        file: files.location,
        modelType,
        supported: families.map((f) => f.name),
      },
    },
  );
}

/**
 * Loads the folder in `options.files`, detecting its family. Fails with
 * `MODEL_LAYOUT_UNSUPPORTED`, `MODEL_FILE_MISSING`, `MODEL_CONFIG_INVALID`, `TOKENIZER_INVALID`
 * or `MODEL_TENSOR_MISSING` naming the file at fault; sessions opened before a failure are released.
 */
export async function loadVlmModel(options: VlmLoadOptions): Promise<VlmModel> {
  if (!(await options.files.exists("config.json"))) {
    unsupported(options.files, " (no config.json)", VLM_FAMILIES);
  }
  const folder = await openVlmFolder(options.files, options.dtype);
  const family = await detectVlmFamily(folder);
  return family.load(folder, options);
}
