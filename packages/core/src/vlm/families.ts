/**
 * The registry of VLM families, most specific first: `loadVlmModel` takes the first whose
 * `matches` accepts the folder. A new family is one module under families/ and one entry here.
 */

import { blipFamily } from "./families/blip.js";
import { cocaFamily } from "./families/coca.js";
import { encoderDecoderFamily } from "./families/encoder-decoder.js";
import { florence2Family } from "./families/florence2.js";
import { idefics3Family } from "./families/idefics3.js";
import { llavaFamily } from "./families/llava.js";
import { paligemmaFamily } from "./families/paligemma.js";
import { qwen2vlFamily } from "./families/qwen2-vl.js";
import type { VlmFamily } from "./family.js";

export const VLM_FAMILIES: readonly VlmFamily[] = [
  florence2Family,
  blipFamily,
  cocaFamily,
  qwen2vlFamily,
  idefics3Family,
  paligemmaFamily,
  llavaFamily,
  encoderDecoderFamily,
];
