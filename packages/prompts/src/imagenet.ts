import type { ClassSpec } from "./build.js";
import { imagenetClassNames } from "./data.js";

/**
 * The 1000 ImageNet classes as {@link ClassSpec}s with unique labels: a name used by two class
 * indices gets its index appended to the label (`"missile [657]"`, `"missile [744]"`) while the
 * prompt text still says just "missile". Position `i` is ImageNet class `i`.
 */
export const imagenetClasses: readonly ClassSpec[] = Object.freeze(
  imagenetClassNames.map((name, index) => {
    const repeated = imagenetClassNames.indexOf(name) !== imagenetClassNames.lastIndexOf(name);
    return Object.freeze(
      repeated ? { label: `${name} [${index}]`, names: Object.freeze([name]) } : { label: name },
    );
  }),
);
