import { ClipkitError } from "@clipkit/core";

/** Checks a model-relative path: `/`-separated, no leading slash, no `..`. */
export function checkModelPath(path: string): string {
  if (path === "" || path.startsWith("/") || path.includes("\\") || path.split("/").includes("..")) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `model file path must be relative without "..", got "${path}"`,
      {
        details: { argument: "path", path },
      },
    );
  }
  return path;
}
