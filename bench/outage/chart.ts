/**
 * The outage chart, as a hand-written SVG (no chart library): one column per second of the incident, phases
 * as background bands, and four panels sharing the time axis:
 *
 * 1. who served the client requests (stacked shares: OpenAI, Anthropic, Gemini, client-visible errors);
 *    under it, OpenAI's shared health state (healthy / tripped / probing);
 * 2. error rates against the `error_rate` threshold, on a square-root scale so that 3 % and 5 % are apart
 *    and 100 % still fits: what OpenAI answered, what the health windows saw, what clients saw;
 * 3. client latency per second (P50, P99) on a log scale, with the direct-to-mock baseline;
 * 4. upstream requests per client request (amplification).
 */
import type { Analysis, SecondRow } from './analyze.ts';
import type { Scenario } from './scenario.ts';

export interface ChartInput {
  scenario: Scenario;
  analysis: Analysis;
  errorRateThreshold: { above: number; minSamples: number };
  baselineP50: number | null;
  title: string;
  /** Lines under the title. */
  subtitle: string[];
  /** Lines under the chart (the headline figures). */
  footer: string[];
}

const WIDTH = 1100;
const LEFT = 70;
const RIGHT = 28;
const PLOT_W = WIDTH - LEFT - RIGHT;

const COLORS = {
  openai: '#10a37f',
  anthropic: '#d97757',
  gemini: '#4a7fe0',
  error: '#d62728',
  healthy: '#9bd3a8',
  tripped: '#d62728',
  probing: '#f2a33a',
  drained: '#888888',
  health: '#5b3a96',
  upstream: '#7f7f7f',
  grid: '#e3e3e3',
  text: '#222222',
  muted: '#666666',
  band: ['#f7f7f7', '#ffffff'],
};

interface Panel {
  top: number;
  height: number;
}

export function renderChart(input: ChartInput): string {
  const { analysis, scenario } = input;
  const rows = analysis.rows;
  const seconds = Math.max(1, rows.length);
  const x = (t: number) => LEFT + (t / seconds) * PLOT_W;

  const bandTop = 40 + 16 * input.subtitle.length;
  const share: Panel = { top: bandTop + 80, height: 190 };
  const strip: Panel = { top: share.top + share.height + 8, height: 16 };
  const errors: Panel = { top: strip.top + strip.height + 62, height: 170 };
  const latency: Panel = { top: errors.top + errors.height + 62, height: 120 };
  const amplification: Panel = { top: latency.top + latency.height + 62, height: 80 };
  const height = amplification.top + amplification.height + 56 + 17 * input.footer.length;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12" fill="${COLORS.text}">`,
  );
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  out.push(text(LEFT, 26, input.title, { size: 17, weight: 'bold' }));
  for (const [index, line] of input.subtitle.entries()) {
    out.push(text(LEFT, 45 + 16 * index, line, { size: 12, fill: COLORS.muted }));
  }

  // Phase bands behind every panel, with their names above the first one.
  const lastPanelBottom = amplification.top + amplification.height;
  scenario.phases.forEach((phase, index) => {
    const from = phase.startMs / 1000;
    const to =
      index === scenario.phases.length - 1 ? seconds : Math.min(seconds, (phase.startMs + phase.durationMs) / 1000);
    if (from >= seconds) return;
    out.push(
      `<rect x="${f(x(from))}" y="${bandTop}" width="${f(x(to) - x(from))}" height="${f(lastPanelBottom - bandTop)}" fill="${COLORS.band[index % 2]}"/>`,
    );
    if (index > 0)
      out.push(
        `<line x1="${f(x(from))}" x2="${f(x(from))}" y1="${bandTop}" y2="${lastPanelBottom}" stroke="#bbbbbb" stroke-dasharray="3 3"/>`,
      );
    out.push(...wrapLabel(phase.short, x(from) + 4, bandTop + 14, x(to) - x(from) - 8));
  });

  out.push(...sharePanel(share, rows, x));
  out.push(...stateStrip(strip, analysis, x, seconds));
  out.push(...errorPanel(errors, rows, x, input.errorRateThreshold));
  out.push(...latencyPanel(latency, rows, x, input.baselineP50));
  out.push(...amplificationPanel(amplification, rows, x));
  out.push(...timeAxis(amplification, x, seconds, scenario.mode === 'quick' ? 10 : 30));
  out.push(
    text(LEFT + PLOT_W / 2, amplification.top + amplification.height + 36, 'seconds since the start of the incident', {
      anchor: 'middle',
      fill: COLORS.muted,
    }),
  );
  for (const [index, line] of input.footer.entries()) {
    out.push(text(LEFT, amplification.top + amplification.height + 62 + 17 * index, line, { size: 12 }));
  }
  out.push('</svg>');
  return out.join('\n');
}

function sharePanel(panel: Panel, rows: readonly SecondRow[], x: (t: number) => number): string[] {
  const out: string[] = [];
  const y = (fraction: number) => panel.top + panel.height * (1 - fraction);
  out.push(...frame(panel, 'Who served the client requests (share per second)'));
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(gridLine(y(tick)));
    out.push(
      text(LEFT - 6, y(tick) + 4, `${Math.round(tick * 100)} %`, { anchor: 'end', fill: COLORS.muted, size: 11 }),
    );
  }
  const layers: Array<{ color: string; value: (row: SecondRow) => number }> = [
    { color: COLORS.openai, value: (row) => row.served.openai },
    { color: COLORS.anthropic, value: (row) => row.served.anthropic },
    { color: COLORS.gemini, value: (row) => row.served.gemini },
    { color: COLORS.error, value: (row) => row.clientErrors },
  ];
  const below = rows.map(() => 0);
  for (const layer of layers) {
    const top = rows.map((row, i) => below[i]! + (row.sent ? layer.value(row) / row.sent : 0));
    if (top.every((value, i) => value === below[i])) continue;
    const upper: string[] = [];
    const lower: string[] = [];
    rows.forEach((row, i) => {
      upper.push(`${f(x(row.t))},${f(y(top[i]!))}`, `${f(x(row.t + 1))},${f(y(top[i]!))}`);
      lower.push(`${f(x(row.t))},${f(y(below[i]!))}`, `${f(x(row.t + 1))},${f(y(below[i]!))}`);
    });
    out.push(
      `<polygon points="${[...upper, ...lower.reverse()].join(' ')}" fill="${layer.color}" fill-opacity="0.85" stroke="none"/>`,
    );
    for (const [i, value] of top.entries()) below[i] = value;
  }
  out.push(
    ...legend(panel, [
      { label: 'OpenAI', color: COLORS.openai, kind: 'box' },
      { label: 'Anthropic', color: COLORS.anthropic, kind: 'box' },
      { label: 'Gemini', color: COLORS.gemini, kind: 'box' },
      { label: 'client-visible error', color: COLORS.error, kind: 'box' },
    ]),
  );
  return out;
}

function stateStrip(panel: Panel, analysis: Analysis, x: (t: number) => number, seconds: number): string[] {
  const out: string[] = [];
  out.push(text(LEFT - 6, panel.top + 12, 'OpenAI', { anchor: 'end', size: 11, fill: COLORS.muted }));
  for (const interval of analysis.openaiStates) {
    const from = Math.max(0, interval.fromMs / 1000);
    const to = Math.min(seconds, interval.toMs / 1000);
    if (to <= from) continue;
    const color =
      COLORS[
        interval.state === 'tripped' || interval.state === 'probing' || interval.state === 'drained'
          ? interval.state
          : 'healthy'
      ];
    out.push(
      `<rect x="${f(x(from))}" y="${panel.top}" width="${f(Math.max(0.8, x(to) - x(from)))}" height="${panel.height}" fill="${color}"><title>${escapeXml(`${interval.state}${interval.reason ? ` (${interval.reason})` : ''} from ${from.toFixed(1)} s`)}</title></rect>`,
    );
    // Inside a long enough tripped stretch: why, and the cool-down before probing (it doubles per failed probe).
    if (interval.state === 'tripped') {
      const cooldown = interval.cooldownMs === null ? '' : `, cool-down ${interval.cooldownMs / 1000} s`;
      const candidates = [
        `tripped: ${interval.reason ?? '?'}${cooldown}`,
        `${interval.reason ?? 'tripped'}${cooldown}`,
        cooldown.slice(2),
      ];
      const label = candidates.find((candidate) => candidate && candidate.length * 5.6 + 8 <= x(to) - x(from));
      if (label) out.push(text(x(from) + 4, panel.top + 12, label, { size: 10, fill: '#ffffff', weight: 'bold' }));
    }
  }
  let lx = LEFT;
  const ly = panel.top + panel.height + 15;
  out.push(text(lx, ly, 'OpenAI health state (shared):', { size: 11, fill: COLORS.muted }));
  lx += 172;
  for (const [label, color] of [
    ['healthy', COLORS.healthy],
    ['tripped', COLORS.tripped],
    ['probing', COLORS.probing],
  ] as const) {
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="10" fill="${color}"/>`);
    out.push(text(lx + 16, ly, label, { size: 11 }));
    lx += 16 + label.length * 6.5 + 14;
  }
  return out;
}

/** Square-root scale: 0 → bottom, 1 → top; 3 % and 5 % are a visible distance apart. */
function sqrtY(panel: Panel): (rate: number) => number {
  return (rate) => panel.top + panel.height * (1 - Math.sqrt(Math.min(1, Math.max(0, rate))));
}

function errorPanel(
  panel: Panel,
  rows: readonly SecondRow[],
  x: (t: number) => number,
  errorRate: { above: number; minSamples: number },
): string[] {
  const threshold = errorRate.above;
  const out: string[] = [];
  const y = sqrtY(panel);
  out.push(...frame(panel, 'OpenAI error rate against the error_rate threshold (square-root scale)'));
  for (const tick of [0, 0.01, 0.03, 0.1, 0.25, 0.5, 1]) {
    out.push(gridLine(y(tick)));
    out.push(text(LEFT - 6, y(tick) + 4, `${tick * 100} %`, { anchor: 'end', fill: COLORS.muted, size: 11 }));
  }
  // What OpenAI answered: one dot per second that sent it anything.
  for (const row of rows) {
    if (row.upstream.openai === 0) continue;
    const rate = row.openaiFailed / row.upstream.openai;
    out.push(
      `<circle cx="${f(x(row.t + 0.5))}" cy="${f(y(rate))}" r="1.8" fill="${COLORS.upstream}" fill-opacity="0.75"/>`,
    );
  }
  // Thresholds are only evaluated while OpenAI is healthy; elsewhere the same window is drawn faint.
  out.push(
    stepLine(
      rows,
      x,
      (row) =>
        row.evaluatedErrorRate === null || row.evaluatedWhileHealthy !== null ? null : y(row.evaluatedErrorRate),
      COLORS.health,
      2,
      0.3,
    ),
  );
  out.push(
    stepLine(
      rows,
      x,
      (row) => (row.evaluatedWhileHealthy === null ? null : y(row.evaluatedWhileHealthy)),
      COLORS.health,
      2,
    ),
  );
  out.push(stepLine(rows, x, (row) => (row.sent ? y(row.clientErrors / row.sent) : null), COLORS.error, 1.6));
  out.push(
    `<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${f(y(threshold))}" y2="${f(y(threshold))}" stroke="#000000" stroke-width="1.3" stroke-dasharray="6 4"/>`,
  );
  out.push(
    text(LEFT + PLOT_W - 4, y(threshold) - 4, `error_rate threshold ${(threshold * 100).toFixed(0)} % (1-min window)`, {
      anchor: 'end',
      size: 11,
      weight: 'bold',
    }),
  );
  out.push(
    ...legend(panel, [
      { label: 'OpenAI answers failing, per second', color: COLORS.upstream, kind: 'dot' },
      {
        label: `1-min error rate as evaluated (≥ ${errorRate.minSamples} requests; faint: not healthy, not evaluated)`,
        color: COLORS.health,
        kind: 'line',
      },
      { label: 'client-visible errors', color: COLORS.error, kind: 'line' },
    ]),
  );
  return out;
}

function latencyPanel(
  panel: Panel,
  rows: readonly SecondRow[],
  x: (t: number) => number,
  baseline: number | null,
): string[] {
  const out: string[] = [];
  const max = Math.max(100, ...rows.map((row) => row.latencyP99 ?? 0));
  const decades = Math.max(2, Math.ceil(Math.log10(max)));
  const y = (ms: number) => panel.top + panel.height * (1 - Math.log10(Math.max(1, ms)) / decades);
  out.push(...frame(panel, 'Client latency per second (log scale)'));
  for (let d = 0; d <= decades; d++) {
    const ms = 10 ** d;
    out.push(gridLine(y(ms)));
    out.push(
      text(LEFT - 6, y(ms) + 4, ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`, {
        anchor: 'end',
        fill: COLORS.muted,
        size: 11,
      }),
    );
  }
  if (baseline !== null) {
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${f(y(baseline))}" y2="${f(y(baseline))}" stroke="#000000" stroke-dasharray="2 3"/>`,
    );
  }
  out.push(stepLine(rows, x, (row) => (row.latencyP99 === null ? null : y(row.latencyP99)), '#c26b00', 1.4));
  out.push(stepLine(rows, x, (row) => (row.latencyP50 === null ? null : y(row.latencyP50)), '#1f5fa8', 1.6));
  out.push(
    ...legend(panel, [
      { label: 'P50', color: '#1f5fa8', kind: 'line' },
      { label: 'P99', color: '#c26b00', kind: 'line' },
      {
        label: `direct to the mock, P50 ${baseline === null ? '?' : baseline.toFixed(1)} ms`,
        color: '#000000',
        kind: 'dash',
      },
    ]),
  );
  return out;
}

function amplificationPanel(panel: Panel, rows: readonly SecondRow[], x: (t: number) => number): string[] {
  const out: string[] = [];
  const ratio = (row: SecondRow) =>
    row.sent ? (row.upstream.openai + row.upstream.anthropic + row.upstream.gemini) / row.sent : null;
  const max = Math.max(2, Math.ceil(Math.max(...rows.map((row) => ratio(row) ?? 0))));
  const y = (value: number) => panel.top + panel.height * (1 - value / max);
  out.push(...frame(panel, 'Upstream requests per client request (amplification)'));
  for (let tick = 0; tick <= max; tick++) {
    out.push(gridLine(y(tick)));
    out.push(text(LEFT - 6, y(tick) + 4, `${tick}×`, { anchor: 'end', fill: COLORS.muted, size: 11 }));
  }
  out.push(
    stepLine(
      rows,
      x,
      (row) => {
        const value = ratio(row);
        return value === null ? null : y(value);
      },
      '#444444',
      1.5,
    ),
  );
  return out;
}

function timeAxis(panel: Panel, x: (t: number) => number, seconds: number, step: number): string[] {
  const out: string[] = [];
  const bottom = panel.top + panel.height;
  for (let t = 0; t <= seconds; t += step) {
    out.push(`<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${bottom}" y2="${bottom + 5}" stroke="#888888"/>`);
    out.push(text(x(t), bottom + 18, String(t), { anchor: 'middle', size: 11, fill: COLORS.muted }));
  }
  return out;
}

function frame(panel: Panel, title: string): string[] {
  return [
    text(LEFT, panel.top - 22, title, { size: 13, weight: 'bold' }),
    `<rect x="${LEFT}" y="${panel.top}" width="${PLOT_W}" height="${panel.height}" fill="none" stroke="#bbbbbb"/>`,
  ];
}

function gridLine(y: number): string {
  return `<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${f(y)}" y2="${f(y)}" stroke="${COLORS.grid}" stroke-width="1"/>`;
}

/** A step line over the seconds; `null` breaks it. */
function stepLine(
  rows: readonly SecondRow[],
  x: (t: number) => number,
  y: (row: SecondRow) => number | null,
  color: string,
  width: number,
  opacity = 1,
): string {
  const parts: string[] = [];
  let open = false;
  for (const row of rows) {
    const value = y(row);
    if (value === null) {
      open = false;
      continue;
    }
    parts.push(`${open ? 'L' : 'M'}${f(x(row.t))},${f(value)} L${f(x(row.t + 1))},${f(value)}`);
    open = true;
  }
  if (parts.length === 0) return '';
  return `<path d="${parts.join(' ')}" fill="none" stroke="${color}" stroke-width="${width}" stroke-linejoin="round"${opacity < 1 ? ` stroke-opacity="${opacity}"` : ''}/>`;
}

function legend(
  panel: Panel,
  items: Array<{ label: string; color: string; kind: 'box' | 'line' | 'dot' | 'dash' }>,
): string[] {
  const out: string[] = [];
  const widths = items.map((item) => 22 + item.label.length * 6.2 + 14);
  let lx = LEFT;
  const ly = panel.top - 6;
  items.forEach((item, index) => {
    if (item.kind === 'box') out.push(`<rect x="${f(lx)}" y="${ly - 9}" width="14" height="10" fill="${item.color}"/>`);
    if (item.kind === 'line')
      out.push(
        `<line x1="${f(lx)}" x2="${f(lx + 16)}" y1="${ly - 4}" y2="${ly - 4}" stroke="${item.color}" stroke-width="2.2"/>`,
      );
    if (item.kind === 'dash')
      out.push(
        `<line x1="${f(lx)}" x2="${f(lx + 16)}" y1="${ly - 4}" y2="${ly - 4}" stroke="${item.color}" stroke-dasharray="2 3"/>`,
      );
    if (item.kind === 'dot') out.push(`<circle cx="${f(lx + 7)}" cy="${ly - 4}" r="2.6" fill="${item.color}"/>`);
    out.push(text(lx + 20, ly, item.label, { size: 11 }));
    lx += widths[index]!;
  });
  return out;
}

/** Phase names, on two lines when the band is narrow. */
function wrapLabel(label: string, x: number, y: number, width: number): string[] {
  const charWidth = 6.1;
  if (label.length * charWidth <= width) return [text(x, y, label, { size: 11, weight: 'bold' })];
  const words = label.split(' ');
  const lines: string[] = [''];
  for (const word of words) {
    const current = lines[lines.length - 1]!;
    if (current && (current.length + 1 + word.length) * charWidth > width && lines.length < 3) lines.push(word);
    else lines[lines.length - 1] = current ? `${current} ${word}` : word;
  }
  return lines.map((line, index) =>
    text(x, y + index * 13, line, { size: 11, weight: index === 0 ? 'bold' : 'normal' }),
  );
}

function text(
  x: number,
  y: number,
  content: string,
  options: { size?: number; weight?: string; anchor?: string; fill?: string } = {},
): string {
  const attributes = [
    `x="${f(x)}"`,
    `y="${f(y)}"`,
    options.size ? `font-size="${options.size}"` : '',
    options.weight ? `font-weight="${options.weight}"` : '',
    options.anchor ? `text-anchor="${options.anchor}"` : '',
    options.fill ? `fill="${options.fill}"` : '',
  ].filter(Boolean);
  return `<text ${attributes.join(' ')}>${escapeXml(content)}</text>`;
}

function f(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
