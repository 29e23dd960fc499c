/**
 * onnxruntime prints its own warnings straight to the process's stderr (in colour) while loading
 * many hub exports. clipkit sessions default to errors only; this runs a session load in a child
 * process (the log bypasses Node's streams) on a graph that makes onnxruntime warn.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const model = fileURLToPath(
  new URL("../../../../fixtures/models/ort-log/unused-initializer.onnx", import.meta.url),
);
const create = fileURLToPath(new URL("./create.ts", import.meta.url));

function loadInChild(options: string): Promise<{ stdout: string; stderr: string }> {
  const code = `
    import { readFileSync } from "node:fs";
    import { createSession } from ${JSON.stringify(create)};
    const s = await createSession(new Uint8Array(readFileSync(${JSON.stringify(model)})), ${options});
    console.log("loaded", s.inputs.map((i) => i.name).join(","));
    await s.release();`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "--conditions=@clipkit/source", "--input-type=module", "-e", code],
      { cwd: fileURLToPath(new URL("../..", import.meta.url)), encoding: "utf8", timeout: 60_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}

describe("onnxruntime log severity", () => {
  it("keeps onnxruntime's load-time warnings off stderr by default", async () => {
    const quiet = await loadInChild("{}");
    expect(quiet.stdout).toBe("loaded x\n");
    expect(quiet.stderr).toBe("");
  });

  it("still shows them at logSeverityLevel 2 (the fixture does make onnxruntime warn)", async () => {
    const loud = await loadInChild("{ logSeverityLevel: 2 }");
    expect(loud.stdout).toBe("loaded x\n");
    expect(loud.stderr).toMatch(/\[W:onnxruntime.*Removing initializer 'unused_weight'/);
  });
});
