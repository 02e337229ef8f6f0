/**
 * Turns raw runs into the figures of the report: pooled latency percentiles, "added" = subject minus direct,
 * CPU per request, memory per stream; then the targets with PASS/MISS, and the markdown tables.
 */

import { median, round, type Summary, summarize } from '../lib/stats.ts';
import type { LoadRun } from './load.ts';
import type { StreamPhase } from './measure.ts';
import type { StreamResult } from './stream-client.ts';

export type SubjectId =
  | 'direct'
  | 'hono-floor'
  | 'switchyard-memory'
  | 'switchyard-redis'
  | 'switchyard-limits'
  | 'switchyard-stream-internally';

export const SUBJECT_LABELS: Record<SubjectId, string> = {
  direct: 'direct (upstream)',
  'hono-floor': 'Hono floor',
  'switchyard-memory': 'Switchyard (memory store)',
  'switchyard-redis': 'Switchyard (Redis store)',
  'switchyard-limits': 'Switchyard (memory, RPM/TPM/concurrency budgets on)',
  'switchyard-stream-internally': 'Switchyard (memory, streamInternally always) [diagnostic]',
};

export interface StreamPhaseRun extends StreamPhase {
  idleRss: number;
}

export interface RawSubject {
  oneCaller: LoadRun[];
  underLoad: LoadRun[];
  peakRss: number;
  sequentialStreams: StreamResult[];
  phases: Map<number, StreamPhaseRun[]>;
}

export interface LoadFigures {
  connections: number;
  requests: number;
  failures: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  addedMs: { p50: number; p99: number } | null;
  cpuMsPerRequest: number;
  cpuMsPerRequestByRound: number[];
  requestsPerSecondByRound: number[];
}

export interface StreamFigures {
  streams: number;
  rounds: number;
  /** Streams whose figures are pooled here (for N concurrent: those started inside the window). */
  measuredStreams: number;
  failures: number;
  firstError?: string;
  ttftMs: { p50: number; p99: number };
  addedTtftMs: { p50: number; p99: number } | null;
  gapMs: { p10: number; p50: number; p90: number } | null;
  /** Share of gaps under half the set interval (chunks delivered together). */
  bunchedShare: number | null;
  idleRssMb: number | null;
  rssMb: number | null;
  /** (RSS at N streams − idle RSS) scaled to 1,000 streams, median over rounds. */
  mbPer1000Streams: number | null;
  cpuMsPerStream: number | null;
  /** Subject CPU over the window as a share of one core (median over rounds): near 100% = saturated. */
  subjectCorePercent: number | null;
}

/** A subject using this much of its core is saturated: its latencies are queueing, not path cost. */
export const SATURATED_CORE_PERCENT = 90;

export interface SubjectFigures {
  id: SubjectId;
  label: string;
  oneCaller: LoadFigures;
  underLoad: LoadFigures;
  peakRssMb: number;
  streaming: StreamFigures[];
}

const MB = 1024 * 1024;

function loadFigures(runs: LoadRun[], direct: LoadRun[] | undefined, isDirect: boolean): LoadFigures {
  const latencies = runs.flatMap((run) => run.latenciesMs);
  const own = summarize(latencies);
  const base = direct && !isDirect ? summarize(direct.flatMap((run) => run.latenciesMs)) : undefined;
  const requests = runs.reduce((sum, run) => sum + run.requests, 0);
  const cpu = runs.reduce((sum, run) => sum + run.cpuMs, 0);
  const elapsed = runs.reduce((sum, run) => sum + run.elapsedSeconds, 0);
  return {
    connections: runs[0]?.connections ?? 0,
    requests,
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    requestsPerSecond: requests / elapsed,
    latencyMs: { p50: own.p50, p99: own.p99 },
    addedMs: base ? { p50: own.p50 - base.p50, p99: own.p99 - base.p99 } : null,
    cpuMsPerRequest: cpu / requests,
    cpuMsPerRequestByRound: runs.map((run) => run.cpuMs / run.requests),
    requestsPerSecondByRound: runs.map((run) => run.requestsPerSecond),
  };
}

function ttftSummary(results: StreamResult[]): Summary {
  return summarize(results.filter((result) => result.ok).map((result) => result.ttftMs));
}

function streamFigures(
  streams: number,
  phases: StreamPhaseRun[] | undefined,
  sequential: StreamResult[] | undefined,
  direct: RawSubject | undefined,
  intervalMs: number,
  isDirectFigures = false,
): StreamFigures {
  const results = sequential ?? (phases ?? []).flatMap((phase) => phase.results);
  const own = ttftSummary(results);
  const baseResults = direct
    ? sequential
      ? direct.sequentialStreams
      : (direct.phases.get(streams) ?? []).flatMap((phase) => phase.results)
    : undefined;
  const base = baseResults ? ttftSummary(baseResults) : undefined;
  const failed = sequential
    ? sequential.filter((result) => !result.ok)
    : (phases ?? []).flatMap((phase) => phase.failed);
  const figures: StreamFigures = {
    streams,
    rounds: phases?.length ?? 1,
    measuredStreams: results.filter((result) => result.ok).length,
    failures: failed.length,
    ...(failed[0]?.error ? { firstError: failed[0].error } : {}),
    ttftMs: { p50: own.p50, p99: own.p99 },
    addedTtftMs: base ? { p50: own.p50 - base.p50, p99: own.p99 - base.p99 } : null,
    gapMs: null,
    bunchedShare: null,
    idleRssMb: null,
    rssMb: null,
    mbPer1000Streams: null,
    cpuMsPerStream: null,
    subjectCorePercent: null,
  };
  if (sequential || !phases?.length) return figures;
  const gaps = results.filter((result) => result.ok).flatMap((result) => result.gapsMs);
  const gapSummary = summarize(gaps);
  figures.gapMs = { p10: gapSummary.p10, p50: gapSummary.p50, p90: gapSummary.p90 };
  figures.bunchedShare = gaps.length ? gaps.filter((gap) => gap < intervalMs / 2).length / gaps.length : null;
  figures.cpuMsPerStream = median(phases.map((phase) => phase.windowCpuMs / phase.endedInWindow));
  figures.subjectCorePercent = median(phases.map((phase) => (phase.windowCpuMs / phase.windowMs) * 100));
  // Direct's process is the upstream every subject shares: its RSS says nothing about one subject.
  if (isDirectFigures) return figures;
  figures.idleRssMb = median(phases.map((phase) => phase.idleRss)) / MB;
  figures.rssMb = median(phases.map((phase) => phase.peakRss)) / MB;
  figures.mbPer1000Streams =
    median(phases.map((phase) => ((phase.peakRss - phase.idleRss) / phase.streams) * 1000)) / MB;
  return figures;
}

export function computeFigures(
  raw: ReadonlyMap<SubjectId, RawSubject>,
  streamCounts: readonly number[],
  intervalMs: number,
): SubjectFigures[] {
  const direct = raw.get('direct');
  const out: SubjectFigures[] = [];
  for (const [id, subject] of raw) {
    const isDirect = id === 'direct';
    const baseline = isDirect ? undefined : direct;
    out.push({
      id,
      label: SUBJECT_LABELS[id],
      oneCaller: loadFigures(subject.oneCaller, direct?.oneCaller, isDirect),
      underLoad: loadFigures(subject.underLoad, direct?.underLoad, isDirect),
      peakRssMb: subject.peakRss / MB,
      streaming: [
        streamFigures(1, undefined, subject.sequentialStreams, baseline, intervalMs, isDirect),
        ...streamCounts.map((count) =>
          streamFigures(count, subject.phases.get(count), undefined, baseline, intervalMs, isDirect),
        ),
      ],
    });
  }
  return out;
}

export interface TargetResult {
  target: string;
  subject: SubjectId;
  measured: string;
  limit: string;
  /** null when a figure is missing (subject not run). */
  pass: boolean | null;
  value: number | null;
}

function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return round(value, digits).toFixed(digits);
}

/** Says when a figure was taken with a saturated subject or floor (then it reflects CPU, not the path). */
function saturationNote(subject: StreamFigures | undefined, floor: StreamFigures | undefined): string {
  const saturated = [
    subject?.subjectCorePercent != null && subject.subjectCorePercent >= SATURATED_CORE_PERCENT
      ? `subject at ${fmt(subject.subjectCorePercent, 0)}% of its core`
      : '',
    floor?.subjectCorePercent != null && floor.subjectCorePercent >= SATURATED_CORE_PERCENT
      ? `floor at ${fmt(floor.subjectCorePercent, 0)}% of its core`
      : '',
  ].filter(Boolean);
  return saturated.length ? ` (saturated: ${saturated.join(', ')})` : '';
}

/**
 * The targets of the passthrough issue, each a comparison with the floor measured in the same run: CPU per
 * JSON request ≤ 1.2× floor; added p50 for one caller ≤ floor + 0.1 ms; added TTFT p50 at 200 streams ≤
 * floor + 1 ms; CPU per stream at 200 streams ≤ 1.2× floor; idle RSS ≤ 1.2× floor; memory per live stream
 * (RSS growth per 1,000 streams) ≤ 1.2× floor.
 */
export function evaluateTargets(figures: SubjectFigures[], memoryStreams: number): TargetResult[] {
  const floor = figures.find((figure) => figure.id === 'hono-floor');
  const results: TargetResult[] = [];
  const at = (figure: SubjectFigures, streams: number) => figure.streaming.find((phase) => phase.streams === streams);
  for (const id of ['switchyard-memory', 'switchyard-redis'] as const) {
    const subject = figures.find((figure) => figure.id === id);
    const ratio = (
      target: string,
      value: (figure: SubjectFigures) => number | null | undefined,
      unit: string,
      note = '',
    ): TargetResult => {
      const mine = subject ? (value(subject) ?? Number.NaN) : Number.NaN;
      const theirs = floor ? (value(floor) ?? Number.NaN) : Number.NaN;
      const r = mine / theirs;
      const measurable = Number.isFinite(r) && theirs > 0 && mine > 0;
      return {
        target,
        subject: id,
        measured: measurable
          ? `${fmt(mine)} ${unit} vs floor ${fmt(theirs)} ${unit} = ${fmt(r, 2)}×${note}`
          : 'not measured',
        limit: '≤ 1.20× floor',
        pass: measurable ? r <= 1.2 : null,
        value: measurable ? r : null,
      };
    };
    const delta = (
      target: string,
      value: (figure: SubjectFigures) => number | null | undefined,
      limitMs: number,
      note = '',
    ): TargetResult => {
      const mine = subject ? (value(subject) ?? Number.NaN) : Number.NaN;
      const theirs = floor ? (value(floor) ?? Number.NaN) : Number.NaN;
      const d = mine - theirs;
      return {
        target,
        subject: id,
        measured: Number.isFinite(d)
          ? `${fmt(mine)} ms vs floor ${fmt(theirs)} ms = floor + ${fmt(d)} ms${note}`
          : 'not measured',
        limit: `≤ floor + ${fmt(limitMs)} ms`,
        pass: Number.isFinite(d) ? d <= limitMs : null,
        value: Number.isFinite(d) ? d : null,
      };
    };
    const saturation200 = subject && floor ? saturationNote(at(subject, 200), at(floor, 200)) : '';
    const saturationN = subject && floor ? saturationNote(at(subject, memoryStreams), at(floor, memoryStreams)) : '';
    results.push(ratio('CPU per JSON request', (figure) => figure.underLoad.cpuMsPerRequest, 'ms'));
    results.push(delta('added p50, one caller', (figure) => figure.oneCaller.addedMs?.p50, 0.1));
    results.push(
      delta('added TTFT p50 at 200 streams', (figure) => at(figure, 200)?.addedTtftMs?.p50, 1, saturation200),
    );
    results.push(
      ratio('CPU per stream at 200 streams', (figure) => at(figure, 200)?.cpuMsPerStream, 'ms', saturation200),
    );
    results.push(ratio('idle RSS (after the JSON rounds)', (figure) => at(figure, 200)?.idleRssMb, 'MB'));
    results.push(
      ratio(
        `memory per live stream (RSS growth per 1,000, at ${memoryStreams})`,
        (figure) => at(figure, memoryStreams)?.mbPer1000Streams,
        'MB',
        saturationN,
      ),
    );
  }
  results.push(limiterTarget(figures));
  return results;
}

/**
 * What client-side rate limits cost (issue 11: ≤ 5 % CPU per request): the same gateway with RPM, TPM and
 * maxConcurrency budgets on the key (set far above the load, so every request goes through every check and
 * none is held back) against none configured, in the same run.
 */
function limiterTarget(figures: SubjectFigures[]): TargetResult {
  const on = figures.find((figure) => figure.id === 'switchyard-limits')?.underLoad.cpuMsPerRequest;
  const off = figures.find((figure) => figure.id === 'switchyard-memory')?.underLoad.cpuMsPerRequest;
  const ratio = on !== undefined && off !== undefined && off > 0 ? on / off : Number.NaN;
  const measurable = Number.isFinite(ratio);
  return {
    target: 'limiter CPU per JSON request (budgets on vs none)',
    subject: 'switchyard-limits',
    measured: measurable
      ? `${fmt(on)} ms vs ${fmt(off)} ms without = ${fmt(ratio, 3)}× (${signed((ratio - 1) * 100, 1)} %)`
      : 'not measured',
    limit: '≤ 1.05× without',
    pass: measurable ? ratio <= 1.05 : null,
    value: measurable ? ratio : null,
  };
}

function corePercent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return `${fmt(value, 0)}%${value >= SATURATED_CORE_PERCENT ? ' (saturated)' : ''}`;
}

function pair(a: number | undefined, b: number | undefined, digits = 3): string {
  return `${fmt(a, digits)} / ${fmt(b, digits)}`;
}

function signed(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return `${value >= 0 ? '+' : ''}${fmt(value, digits)}`;
}

export function markdownReport(
  figures: SubjectFigures[],
  targets: TargetResult[],
  stream: { ttfbMs: number; intervalMs: number; chunks: number },
  connections: number,
): string {
  const lines: string[] = [];
  lines.push(`### JSON requests (added = subject − direct; latencies pooled over all rounds)`);
  lines.push('');
  lines.push(
    '1 caller = one connection, requests back to back. CPU ms / req = subject utime+stime over the loaded runs ÷ requests completed. Peak RSS = VmHWM after the JSON rounds.',
  );
  lines.push('');
  lines.push(
    `| Subject | req/s (${connections} conn) | 1 caller p50 / p99 ms | added p50 / p99, 1 caller ms | ${connections} conn p50 / p99 ms | added p50 / p99, ${connections} conn ms | CPU ms / req | peak RSS MB | failed |`,
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const figure of figures) {
    const one = figure.oneCaller;
    const load = figure.underLoad;
    lines.push(
      `| ${figure.label} | ${fmt(load.requestsPerSecond, 0)} | ${pair(one.latencyMs.p50, one.latencyMs.p99)} | ${one.addedMs ? `${signed(one.addedMs.p50)} / ${signed(one.addedMs.p99)}` : '—'} | ${pair(load.latencyMs.p50, load.latencyMs.p99)} | ${load.addedMs ? `${signed(load.addedMs.p50)} / ${signed(load.addedMs.p99)}` : '—'} | ${fmt(load.cpuMsPerRequest)} | ${fmt(figure.peakRssMb, 1)} | ${one.failures + load.failures} |`,
    );
  }
  lines.push('');
  lines.push(
    `### Streams (N kept open in a closed loop; upstream: first chunk after ${stream.ttfbMs} ms, then one every ${stream.intervalMs} ms, ${stream.chunks} in all)`,
  );
  lines.push('');
  lines.push(
    'TTFT = request written → first content chunk read. Gaps = arrival gaps between content chunks at the client (bunched = under half the interval). ' +
      'RSS idle → at N: medians over rounds; MB per 1,000 streams = (RSS at N − idle RSS) / N × 1,000 (not shown for direct: its process is the upstream all subjects share). ' +
      `Subject core = the subject's CPU during the window as a share of one core; from ${SATURATED_CORE_PERCENT}% it is saturated and its TTFT and gaps are queueing.`,
  );
  lines.push('');
  lines.push(
    '| Subject | streams | TTFT p50 / p99 ms | added TTFT p50 ms | gap p50 / p10 ms | bunched gaps | RSS idle → at N MB | MB per 1,000 streams | CPU ms / stream | subject core | failed |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const figure of figures) {
    for (const phase of figure.streaming) {
      const streams = phase.streams === 1 ? '1 (sequential)' : String(phase.streams);
      const gaps = phase.gapMs ? pair(phase.gapMs.p50, phase.gapMs.p10, 1) : '—';
      const bunched = phase.bunchedShare === null ? '—' : `${fmt(phase.bunchedShare * 100, 1)}%`;
      const rss = phase.rssMb === null ? '—' : `${fmt(phase.idleRssMb, 1)} → ${fmt(phase.rssMb, 1)}`;
      lines.push(
        `| ${figure.label} | ${streams} | ${pair(phase.ttftMs.p50, phase.ttftMs.p99)} | ${phase.addedTtftMs ? signed(phase.addedTtftMs.p50) : '—'} | ${gaps} | ${bunched} | ${rss} | ${fmt(phase.mbPer1000Streams, 1)} | ${fmt(phase.cpuMsPerStream, 2)} | ${corePercent(phase.subjectCorePercent)} | ${phase.failures} |`,
      );
    }
  }
  lines.push('');
  lines.push('### Targets');
  lines.push('');
  lines.push('| Target | Subject | Measured | Limit | Result |');
  lines.push('|---|---|---|---|---|');
  for (const target of targets) {
    const result = target.pass === null ? 'NOT MEASURED' : target.pass ? 'PASS' : '**MISS**';
    lines.push(
      `| ${target.target} | ${SUBJECT_LABELS[target.subject]} | ${target.measured} | ${target.limit} | ${result} |`,
    );
  }
  return lines.join('\n');
}
