/**
 * Gathers the operator's report from the monitor's units: every known provider's record, score and
 * windows, and the windows of each of its models. The shaping itself is health-report.ts (pure).
 */
import type { HealthThresholds, WindowOptions } from './health-options.ts';
import type { HealthRecord } from './health-record.ts';
import { type HealthReport, type HealthReportInput, healthReport } from './health-report.ts';
import type { SeriesBuffer } from './series-buffer.ts';
import { providerSeriesId } from './series-id.ts';
import type { StoreStatusView } from './store-status.ts';

export interface ReportSources {
  at: number;
  buffer: SeriesBuffer;
  providers: Iterable<string>;
  recordOf(provider: string): HealthRecord;
  scoreOf(provider: string): number;
  store: StoreStatusView;
  windows: WindowOptions;
  thresholds: HealthThresholds;
}

export function collectReport(sources: ReportSources): HealthReport {
  const { at, buffer } = sources;
  const models = buffer.models();
  const providers: HealthReportInput['providers'] = [...sources.providers].map((provider) => ({
    record: sources.recordOf(provider),
    score: sources.scoreOf(provider),
    ...buffer.windows(providerSeriesId(provider), at),
    models: (models.get(provider) ?? []).map(({ model, id }) => ({ model, ...buffer.windows(id, at) })),
  }));
  return healthReport({
    at,
    store: sources.store,
    windows: sources.windows,
    thresholds: sources.thresholds,
    providers,
  });
}
