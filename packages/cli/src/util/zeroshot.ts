import { buildZeroShotHead, type TextEmbedder, type ZeroShotHead } from "@clipkit/core";
import { buildPrompts } from "@clipkit/prompts";
import { readLabels } from "./labels.js";
import { commandProgress, createProgress, type ProgressContext, shouldShowProgress } from "./progress.js";
import { templatesFromFlags } from "./templates.js";

/** The flags that describe a zero-shot head's classes. */
export const HEAD_FLAGS = {
  labels: { type: "string", multiple: true },
  "labels-file": { type: "string" },
  templates: { type: "string", multiple: true },
} as const;

/** Usage lines for {@link HEAD_FLAGS}. */
export const HEAD_FLAGS_USAGE = `  --labels a,b,c      class labels (repeatable), or a built-in class list: imagenet (1000
                      classes), cifar10, cifar100, food101, pets, … (@clipkit/prompts)
  --labels-file F     one label per line (# comments and blank lines skipped; no duplicates)
  --templates T       template set: photo (default), imagenet80, imagenet7, bare, a pack
                      (satellite, aerial, sketch, painting, cartoon, emoji, icon, xray, ct, mri,
                      ultrasound, histopathology, infrared, microscopy, document, render3d,
                      low-quality, …), a dataset id (eurosat, …), or a literal "a photo of a {}."
                      (repeatable; sets are combined)`;

/** Builds a head from `--labels/--labels-file/--templates`, with a progress bar for big heads. */
export async function buildHeadFromFlags(
  embedder: TextEmbedder,
  values: {
    labels?: string[] | undefined;
    "labels-file"?: string | undefined;
    templates?: string[] | undefined;
  },
  ctx: ProgressContext,
): Promise<{ head: ZeroShotHead; templates: string[] }> {
  const labels = await readLabels(values.labels, values["labels-file"]);
  const templates = templatesFromFlags(values.templates);
  const classes = buildPrompts(labels, templates);
  const texts = classes.reduce((n, c) => n + c.prompts.length, 0);
  const progress = commandProgress(ctx, "prompts", () =>
    createProgress({
      stream: ctx.stderr,
      label: "prompts",
      enabled: shouldShowProgress(ctx.stderr, texts, 256),
    }),
  );
  try {
    const head = await buildZeroShotHead(embedder, classes, { onProgress: (d, t) => progress.update(d, t) });
    return { head, templates };
  } finally {
    progress.finish();
  }
}
