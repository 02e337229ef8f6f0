/**
 * The outage benchmark's tables, in Markdown (printed, and pasted into bench/outage/README.md): the headline figures,
 * one row per phase, and OpenAI's state transitions. Pure formatting.
 */
import type { Analysis, Headline, LatencyStats, PhaseSummary, StateInterval, TripFigures } from './analyze.ts';

export function headlineTable(headline: Headline, phases: readonly PhaseSummary[], baseline: LatencyStats): string {
  const healthy = phases.find((phase) => phase.id === 'healthy');
  const rows: Array<[string, string]> = [
    ['Time to trip: OpenAI 500 on every request', trip(headline.hardFailure)],
    ['Time to trip: 429 storm with Retry-After', trip(headline.rateLimitStorm)],
    [
      'Requests sent to OpenAI while tripped',
      `${headline.sentWhileTripped.total} (${headline.sentWhileTripped.withinOneSecond} within 1 s of a trip: retries already under way, instances adopting the trip; ${headline.sentWhileTripped.later} later)`,
    ],
    ['Requests sent to OpenAI while probing', `${headline.sentWhileProbing} (probes, and retries of failed probes)`],
    [
      'Client-visible errors',
      `${headline.clientErrors} of ${headline.clientRequests} requests (${pct(headline.clientRequests ? headline.clientErrors / headline.clientRequests : 0, 2)})`,
    ],
    [
      'OpenAI back in the 3 % phase',
      back(
        headline.partialFailure.stateAtStart,
        headline.partialFailure.healthyAfterMs,
        `${headline.partialFailure.trips} trip(s) in the phase, ${headline.partialFailure.probeFailures} from failed probes`,
      ),
    ],
    [
      'Time to recover after the heal',
      `${back(headline.recovery.stateAtStart, headline.recovery.healthyAfterMs, '')}; traffic back (≥ 95 % OpenAI for 5 s) after ${headline.recovery.trafficBackAfterS === null ? 'never (within the run)' : `${headline.recovery.trafficBackAfterS} s`}`,
    ],
    [
      'Amplification (upstream requests / client requests)',
      `${ratio(headline.amplification)} over the run (mean x-switchyard-attempts ${ratio(headline.attemptsPerRequest)})`,
    ],
    [
      'Added latency while healthy, P50 / P99',
      healthy
        ? `${ms(healthy.addedP50, true)} / ${ms(healthy.addedP99, true)} over the mock answering directly (P50 ${ms(baseline.p50)}, P99 ${ms(baseline.p99)})`
        : 'n/a',
    ],
  ];
  return table(['Figure', 'Value'], rows);
}

export function phaseTable(phases: readonly PhaseSummary[]): string {
  return table(
    [
      'Phase',
      'Seconds',
      'Client requests',
      'Client errors',
      'Served by OpenAI / Anthropic / Gemini',
      'OpenAI upstream (failed)',
      'To OpenAI while tripped / probing',
      'Amplification',
      'Attempts per request',
      'Latency P50 / P99',
      'Added P50 / P99',
      'OpenAI trips / recoveries',
    ],
    phases.map((phase) => [
      phase.label,
      `${phase.fromS.toFixed(0)}–${phase.toS.toFixed(0)}`,
      String(phase.clientRequests),
      phase.clientErrors === 0
        ? '0'
        : `${phase.clientErrors} (${Object.entries(phase.errorsByStatus)
            .map(([status, n]) => `${n}× ${status}`)
            .join(', ')})`,
      `${share(phase.served.openai, phase.clientRequests)} / ${share(phase.served.anthropic, phase.clientRequests)} / ${share(phase.served.gemini, phase.clientRequests)}`,
      `${phase.upstream.openai} (${phase.openaiFailed})`,
      `${phase.openaiWhileTripped} / ${phase.openaiWhileProbing}`,
      ratio(phase.amplification),
      ratio(phase.attemptsPerRequest),
      `${ms(phase.latency.p50)} / ${ms(phase.latency.p99)}`,
      `${ms(phase.addedP50, true)} / ${ms(phase.addedP99, true)}`,
      `${phase.trips} / ${phase.recoveries}`,
    ]),
  );
}

export function transitionTable(states: readonly StateInterval[], phaseAt: (offsetMs: number) => string): string {
  const rows = states
    .filter((interval) => Number.isFinite(interval.fromMs))
    .map((interval): string[] => [
      `${(interval.fromMs / 1000).toFixed(2)} s`,
      phaseAt(interval.fromMs),
      interval.state,
      interval.reason ?? '',
      `${((interval.toMs - interval.fromMs) / 1000).toFixed(1)} s`,
    ]);
  if (rows.length === 0) return '(OpenAI never left healthy)';
  return table(['At', 'Phase', 'OpenAI state', 'Reason', 'Lasted'], rows);
}

/** Per phase: the gateway's retries at OpenAI and every fallback-reason code its answers carried. */
export function reasonLines(phases: readonly PhaseSummary[]): string {
  return phases
    .map((phase) => {
      const codes = Object.entries(phase.reasons)
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${code} ${n}`)
        .join(', ');
      return `- ${phase.label}: ${phase.openaiRetries} retries at OpenAI; fallback reasons: ${codes || 'none'}`;
    })
    .join('\n');
}

export function fullReport(analysis: Analysis, baseline: LatencyStats, phaseAt: (offsetMs: number) => string): string {
  return [
    headlineTable(analysis.headline, analysis.phases, baseline),
    '',
    phaseTable(analysis.phases),
    '',
    transitionTable(analysis.openaiStates, phaseAt),
    '',
    reasonLines(analysis.phases),
  ].join('\n');
}

function trip(figures: TripFigures): string {
  if (figures.tripAfterMs === null) {
    return figures.stateAtStart === 'healthy'
      ? `did not trip (${figures.failedBeforeTrip} failed OpenAI answers in the phase)`
      : `not measured: OpenAI was already ${figures.stateAtStart} when the phase began`;
  }
  const all =
    figures.allInstancesAfterMs === null
      ? ''
      : `; every instance saw it ≤ ${(figures.allInstancesAfterMs / 1000).toFixed(2)} s`;
  return `${(figures.tripAfterMs / 1000).toFixed(2)} s (${figures.reason ?? '?'})${all}; ${figures.failedBeforeTrip} failed OpenAI answers before the trip`;
}

function back(stateAtStart: string, afterMs: number | null, extra: string): string {
  const when =
    afterMs === null
      ? `OpenAI not healthy again within the phase (was ${stateAtStart})`
      : afterMs === 0
        ? 'healthy from the start'
        : `healthy after ${(afterMs / 1000).toFixed(1)} s`;
  return extra ? `${when}; ${extra}` : when;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function pct(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)} %`;
}

function share(part: number, total: number): string {
  return total ? pct(part / total) : '–';
}

function ratio(value: number | null): string {
  return value === null ? '–' : value.toFixed(3);
}

function ms(value: number | null, signed = false): string {
  if (value === null) return '–';
  const text = Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
  return `${signed && value >= 0 ? '+' : ''}${text} ms`;
}
