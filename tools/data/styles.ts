/**
 * The Iconify emoji sets the emoji model is built from, and the role each one plays. The roles are
 * fixed by the issue: five styles train, twemoji selects (validation), openmoji only tests.
 */

/** What a style is used for. Test images are evaluated locally and never redistributed. */
export type StyleRole = "train" | "validation" | "test";

export interface EmojiStyle {
  /** Iconify prefix, also the npm package `@iconify-json/<prefix>`. */
  readonly prefix: string;
  readonly role: StyleRole;
  /** SPDX id as stated in the package's `info.json` (checked at build time). */
  readonly license: string;
  readonly author: string;
}

export const STYLES: readonly EmojiStyle[] = [
  { prefix: "noto", role: "train", license: "Apache-2.0", author: "Google Inc" },
  { prefix: "fluent-emoji-flat", role: "train", license: "MIT", author: "Microsoft Corporation" },
  { prefix: "fluent-emoji", role: "train", license: "MIT", author: "Microsoft Corporation" },
  { prefix: "emojione", role: "train", license: "CC-BY-4.0", author: "Emoji One" },
  { prefix: "fxemoji", role: "train", license: "Apache-2.0", author: "Mozilla" },
  { prefix: "twemoji", role: "validation", license: "CC-BY-4.0", author: "Twitter" },
  { prefix: "openmoji", role: "test", license: "CC-BY-SA-4.0", author: "OpenMoji" },
];
