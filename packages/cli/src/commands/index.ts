import type { Command } from "../command.js";
import { askCommand } from "./ask.js";
import { cacheCommand } from "./cache.js";
import { captionCommand } from "./caption.js";
import { classifyCommand } from "./classify.js";
import { downloadCommand } from "./download.js";
import { embedCommand } from "./embed.js";
import { evalCommand } from "./eval.js";
import { headCommand } from "./head.js";
import { indexImagesCommand } from "./index-images.js";
import { indexTextsCommand } from "./index-texts.js";
import { searchCommand } from "./search.js";
import { serveCommand } from "./serve.js";

/** Every sub-command, in `--help` order. Add one import and one entry per command file. */
export const commands: readonly Command[] = [
  classifyCommand,
  headCommand,
  captionCommand,
  askCommand,
  evalCommand,
  indexImagesCommand,
  indexTextsCommand,
  searchCommand,
  downloadCommand,
  cacheCommand,
  embedCommand,
  serveCommand,
];
