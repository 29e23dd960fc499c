/** A dependency-free SVG line plot of the few-shot learning curve (mean line, ±1 std band). */

export interface CurveSeries {
  readonly name: string;
  readonly colour: string;
  /** Points in x order: shots, mean and standard deviation of accuracy (0–1). */
  readonly points: readonly { shots: number; mean: number; std: number }[];
}

const W = 680;
const H = 400;
const M = { left: 56, right: 190, top: 24, bottom: 48 };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

/** Shots on a log2 axis with 0 (zero-shot) one step left of 1. */
export function curveSvg(series: readonly CurveSeries[], shots: readonly number[], title: string): string {
  const xs = [0, ...shots];
  const pos = (s: number) => (s === 0 ? 0 : Math.log2(s) + 1);
  const xMax = pos(Math.max(...shots));
  const all = series.flatMap((s) => s.points.flatMap((p) => [p.mean - p.std, p.mean + p.std]));
  const yMin = Math.max(0, Math.floor(Math.min(...all) * 10) / 10);
  const yMax = Math.min(1, Math.ceil(Math.max(...all) * 10) / 10);
  const x = (s: number) => M.left + (pos(s) / xMax) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - ((v - yMin) / (yMax - yMin)) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="16" font-size="13">${esc(title)}</text>`,
  ];
  for (let v = yMin; v <= yMax + 1e-9; v += 0.1) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v * 100)} %</text>`);
  }
  for (const s of xs) {
    out.push(`<line x1="${x(s)}" x2="${x(s)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x(s)}" y="${H - M.bottom + 16}" text-anchor="middle">${s}</text>`);
  }
  out.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" text-anchor="middle">labelled images per class (0 = zero-shot)</text>`,
  );
  out.push(
    `<text transform="translate(14 ${(H - M.bottom + M.top) / 2}) rotate(-90)" text-anchor="middle">top-1 accuracy</text>`,
  );
  series.forEach((s, i) => {
    const upper = s.points.map((p) => `${x(p.shots)},${y(Math.min(yMax, p.mean + p.std))}`);
    const lower = [...s.points].reverse().map((p) => `${x(p.shots)},${y(Math.max(yMin, p.mean - p.std))}`);
    out.push(`<polygon points="${[...upper, ...lower].join(" ")}" fill="${s.colour}" fill-opacity="0.15"/>`);
    out.push(
      `<polyline points="${s.points.map((p) => `${x(p.shots)},${y(p.mean)}`).join(" ")}" fill="none" stroke="${s.colour}" stroke-width="2"/>`,
    );
    for (const p of s.points)
      out.push(`<circle cx="${x(p.shots)}" cy="${y(p.mean)}" r="3" fill="${s.colour}"/>`);
    const ly = M.top + 16 + i * 20;
    out.push(
      `<line x1="${W - M.right + 12}" x2="${W - M.right + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.colour}" stroke-width="2"/>`,
    );
    out.push(`<text x="${W - M.right + 38}" y="${ly}">${esc(s.name)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
