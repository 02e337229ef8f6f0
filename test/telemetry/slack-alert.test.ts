/**
 * `health.webhook.format: slack`: the alert webhook posts Slack incoming-webhook messages that read as a
 * sentence with the provider, the signal, the value and the threshold; received by a loopback server.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/parse-config-file.ts';
import { formatSlackAlert } from '../../src/health/format-slack-alert.ts';
import { createMemoryHealthStore } from '../../src/health/memory-store.ts';
import { outcome, rateLimited, serverError, testMonitor } from '../health/helpers.ts';
import { ManualClock } from '../support/manual-clock.ts';

let server: Server;
const bodies: unknown[] = [];
let url = '';

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('Slack alerts', () => {
  it('posts {text} sentences for a trip on consecutive failures and on a rate over its threshold', async () => {
    bodies.length = 0;
    const clock = new ManualClock();
    const monitor = testMonitor(createMemoryHealthStore(), clock, { webhookUrl: url, webhookFormat: 'slack' });
    try {
      for (let i = 0; i < 5; i++) monitor.record(outcome(clock, serverError));
      await monitor.tick();
      const texts = bodies.map((b) => (b as { text: string }).text);
      assert.equal(bodies.length, 2);
      for (const body of bodies) assert.deepEqual(Object.keys(body as object), ['text']);
      assert.match(
        texts[1]!,
        /^:red_circle: \*openai\* tripped on consecutive failures: 5 against a threshold of 5 failures in a row\. Now tripped, at \d{4}-/,
      );

      const other = testMonitor(createMemoryHealthStore(), clock, {
        webhookUrl: url,
        webhookFormat: 'slack',
        thresholds: { fastTrip: { enabled: false } },
      });
      bodies.length = 0;
      for (let i = 0; i < 30; i++)
        other.record(outcome(clock, { provider: 'anthropic', ...(i % 4 === 0 ? rateLimited : {}) }));
      await other.tick();
      const tripped = bodies.map((b) => (b as { text: string }).text).find((t) => t.startsWith(':red_circle:'));
      assert.ok(tripped, 'a trip was posted');
      assert.match(
        tripped,
        /\*anthropic\* tripped on (429 rate|error rate): 26\.7 % against a threshold of (10\.0|5\.0) % \(short window\)/,
      );
      await other.close();
    } finally {
      await monitor.close();
    }
  });

  it('words recoveries and operator actions without numbers', () => {
    assert.equal(
      formatSlackAlert({
        event: 'recovered',
        provider: 'gemini',
        signal: 'error_rate',
        value: null,
        threshold: null,
        window: null,
        state: 'healthy',
        at: Date.UTC(2026, 0, 1),
        incident: null,
      }).text,
      ':large_green_circle: *gemini* recovered after error rate. Now healthy, at 2026-01-01T00:00:00.000Z.',
    );
    assert.equal(
      formatSlackAlert({
        event: 'drained',
        provider: 'openai',
        signal: 'manual',
        value: null,
        threshold: null,
        window: null,
        state: 'drained',
        at: Date.UTC(2026, 0, 1),
        incident: null,
      }).text,
      ':no_entry: *openai* was drained by an operator. Now drained, at 2026-01-01T00:00:00.000Z.',
    );
  });

  it('is chosen with health.webhook.format or SWITCHYARD_ALERT_WEBHOOK_FORMAT, and a wrong value names the field', () => {
    const file = {
      text: 'health:\n  webhook:\n    url: https://hooks.slack.com/services/T/B/X\n    format: slack\n',
      path: 'c.yaml',
    };
    const config = loadConfig({}, file);
    assert.equal(config.health.webhookFormat, 'slack');
    assert.equal(config.health.webhookUrl, 'https://hooks.slack.com/services/T/B/X');
    assert.equal(loadConfig({}).health.webhookFormat, 'json');
    assert.equal(loadConfig({ SWITCHYARD_ALERT_WEBHOOK_FORMAT: 'slack' }).health.webhookFormat, 'slack');
    assert.throws(() => loadConfig({ SWITCHYARD_ALERT_WEBHOOK_FORMAT: 'teams' }), /SWITCHYARD_ALERT_WEBHOOK_FORMAT/);
    assert.throws(
      () => loadConfig({}, { text: 'health:\n  webhook:\n    format: teams\n', path: 'c.yaml' }),
      /health\.webhook\.format/,
    );
  });
});
