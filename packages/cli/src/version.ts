import pkg from "../package.json" with { type: "json" };

/** The version of `@clipkit/cli`, from its package.json (inlined by the build). */
export const VERSION: string = pkg.version;
