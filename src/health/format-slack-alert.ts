/**
 * A health alert as a Slack incoming-webhook message: one sentence naming the provider, the event, the
 * signal, its value and threshold, so it reads where people look. Pure; Slack's `mrkdwn` text only, no
 * blocks, so any Slack-compatible receiver (Mattermost, Rocket.Chat) takes it too.
 */
import type { HealthAlert } from './health-alert.ts';

const SIGNAL_NAMES: Record<string, string> = {
  error_rate: 'error rate',
  rate_limit_rate: '429 rate',
  server_error_rate: '5xx rate',
  retry_exhaustion_rate: 'retry exhaustion',
  p99_latency: 'P99 latency',
  fast_trip: 'consecutive failures',
  probe_failed: 'a failed probe',
  manual: 'an operator',
};

const EVENT_WORDS: Record<HealthAlert['event'], string> = {
  threshold_crossed: 'crossed a threshold',
  tripped: 'tripped',
  probing: 'is being probed',
  recovered: 'recovered',
  drained: 'was drained',
  restored: 'was restored',
};

const ICONS: Record<HealthAlert['event'], string> = {
  threshold_crossed: ':warning:',
  tripped: ':red_circle:',
  probing: ':large_blue_circle:',
  recovered: ':large_green_circle:',
  drained: ':no_entry:',
  restored: ':white_check_mark:',
};

export function formatSlackAlert(alert: HealthAlert): { text: string } {
  const signal = alert.signal ? (SIGNAL_NAMES[alert.signal] ?? alert.signal.replaceAll('_', ' ')) : null;
  let text = `${ICONS[alert.event]} *${alert.provider}* ${EVENT_WORDS[alert.event]}`;
  if (signal)
    text +=
      alert.event === 'recovered' ? ` after ${signal}` : alert.signal === 'manual' ? ` by ${signal}` : ` on ${signal}`;
  if (alert.value !== null && alert.threshold !== null) {
    text += `: ${formatValue(alert, alert.value)} against a threshold of ${formatValue(alert, alert.threshold)}`;
    if (alert.window) text += alert.window === 'consecutive' ? ' failures in a row' : ` (${alert.window} window)`;
  }
  text += `. Now ${alert.state}, at ${new Date(alert.at).toISOString()}.`;
  return { text };
}

function formatValue(alert: HealthAlert, value: number): string {
  if (alert.signal === 'p99_latency')
    return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
  if (alert.window === 'consecutive') return String(value);
  return `${(value * 100).toFixed(1)} %`;
}
