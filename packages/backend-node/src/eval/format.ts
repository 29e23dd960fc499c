/**
 * Readable tables of evaluation reports (the CLI's default output; `--json` prints the reports).
 */
import type { RetrievalReport, ZeroShotReport } from "./evaluate.js";

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "),
    )
    .join("\n");
}

/** A zero-shot report as a metric / value / chance table. */
export function formatZeroShot(report: ZeroShotReport): string {
  const m = report.metrics;
  const rows: string[][] = [["metric", "value", "chance"]];
  for (const k of Object.keys(m.topK).map(Number))
    rows.push([`top-${k}`, pct(m.topK[k]!), pct(m.chance.topK[k]!)]);
  rows.push(["mean per-class recall", pct(m.meanPerClassRecall), pct(m.chance.meanPerClassRecall)]);
  const templates =
    report.templates.length <= 3
      ? report.templates.map((t) => JSON.stringify(t)).join(", ")
      : `${report.templates.length} templates`;
  return `zero-shot on ${report.manifest}: ${m.images} images, ${m.classes} classes, ${templates}\n${table(rows)}\n`;
}

/** A retrieval report as a recall@k table for both directions. */
export function formatRetrieval(report: RetrievalReport): string {
  const m = report.metrics;
  const rows: string[][] = [["recall", "text→image", "chance", "image→text", "chance"]];
  for (const k of Object.keys(m.textToImage).map(Number)) {
    rows.push([
      `R@${k}`,
      pct(m.textToImage[k]!),
      pct(m.chance.textToImage[k]!),
      pct(m.imageToText[k]!),
      pct(m.chance.imageToText[k]!),
    ]);
  }
  return `retrieval on ${report.manifest}: ${m.images} images, ${m.captions} captions\n${table(rows)}\n`;
}
