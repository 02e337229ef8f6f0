/**
 * Alerts: one per incident and signal, as a structured log line and a webhook POST (loopback server),
 * deduplicated across instances; webhook trouble is logged, never thrown.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { HealthAlert } from '../../src/health/health-alert.ts';
import type { BackgroundHealthMonitor, HealthMonitorOptions } from '../../src/health/health-monitor.ts';
import { ManualClock } from '../support/manual-clock.ts';
import {
  type Backend,
  captureLogs,
  memoryKit,
  outcome,
  redisKit,
  type StoreKit,
  serverError,
  testMonitor,
} from './helpers.ts';

type Mode = 'ok' | 'fail' | 'hang';

class WebhookReceiver {
  readonly received: HealthAlert[] = [];
  readonly contentTypes: string[] = [];
  mode: Mode = 'ok';
  private server: Server | undefined;
  private readonly hanging: ServerResponse[] = [];

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.contentTypes.push(String(req.headers['content-type']));
        this.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as HealthAlert);
        if (this.mode === 'hang') {
          this.hanging.push(res);
          return;
        }
        res.writeHead(this.mode === 'ok' ? 204 : 500).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  url(path = '/hook'): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}${path}`;
  }

  events(): string[] {
    return this.received.map((a) => `${a.event}:${a.signal ?? ''}`);
  }

  reset(): void {
    this.received.length = 0;
    this.mode = 'ok';
    for (const res of this.hanging.splice(0)) res.destroy();
  }

  async stop(): Promise<void> {
    this.reset();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

for (const kit of [memoryKit, redisKit] satisfies StoreKit[]) {
  describe(`health alerts on the ${kit.name} store`, () => {
    const hook = new WebhookReceiver();
    let backend: Backend;
    let clock: ManualClock;
    const monitors: BackgroundHealthMonitor[] = [];
    const open = (options: HealthMonitorOptions = {}) => {
      const monitor = testMonitor(backend.store(), clock, { webhookUrl: hook.url(), ...options });
      monitors.push(monitor);
      return monitor;
    };
    const fail = (m: BackgroundHealthMonitor, n = 5, extra = {}) => {
      for (let i = 0; i < n; i++) m.record(outcome(clock, { ...serverError, ...extra }));
    };

    before(() => hook.start());
    after(() => hook.stop());
    beforeEach(async () => {
      hook.reset();
      backend = await kit.open();
      clock = new ManualClock();
    });
    afterEach(async () => {
      for (const m of monitors.splice(0)) await m.close();
      await backend.cleanup();
    });

    it('alerts once per incident: crossing, trip, probing, recovery — not per request or per re-trip', async () => {
      const logs = captureLogs();
      const monitor = open({ logger: logs.logger });
      fail(monitor);
      await monitor.tick();
      assert.deepEqual(hook.events(), ['threshold_crossed:fast_trip', 'tripped:fast_trip']);
      const [crossed, tripped] = hook.received;
      const incident = `openai@${clock.now()}`;
      assert.deepEqual(tripped, {
        event: 'tripped',
        provider: 'openai',
        signal: 'fast_trip',
        value: 5,
        threshold: 5,
        window: 'consecutive',
        state: 'tripped',
        at: clock.now(),
        incident,
      });
      assert.equal(crossed?.incident, incident);
      assert.equal(hook.contentTypes[0], 'application/json');

      // The incident goes on: failures keep coming, probes fail, probing restarts. No new alert kinds → no posts.
      for (let round = 0; round < 3; round++) {
        fail(monitor, 10);
        await monitor.tick();
        clock.advance(300_000);
        await monitor.tick();
        assert.equal(monitor.get('openai').state, 'probing');
        // A provider still down fails every probe: two in a row re-trip it.
        monitor.record(outcome(clock, { ...serverError, probe: true }));
        monitor.record(outcome(clock, { ...serverError, probe: true }));
        await monitor.tick();
        assert.equal(monitor.get('openai').state, 'tripped');
      }
      assert.deepEqual(hook.events(), [
        'threshold_crossed:fast_trip',
        'tripped:fast_trip',
        'probing:fast_trip',
        'tripped:probe_failed',
      ]);

      clock.advance(300_000);
      await monitor.tick();
      for (let i = 0; i < 5; i++) monitor.record(outcome(clock, { probe: true }));
      clock.advance(15_000);
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'healthy');
      assert.deepEqual(hook.events().slice(4), ['recovered:fast_trip']);
      assert.equal(hook.received[4]?.incident, incident);

      // A new incident alerts again.
      fail(monitor);
      await monitor.tick();
      assert.deepEqual(hook.events().slice(5), ['threshold_crossed:fast_trip', 'tripped:fast_trip']);
      assert.notEqual(hook.received[6]?.incident, incident);

      assert.equal(logs.events('tripped').length, 3, 'log lines follow the same dedupe');
      const line = logs.events('tripped')[0];
      assert.equal(line?.component, 'health');
      assert.equal(line?.level, 'warn');
      assert.equal(line?.provider, 'openai');
    });

    it('sends one alert for two instances racing to trip the same provider', async () => {
      const a = open();
      const b = open();
      fail(a);
      fail(b);
      await Promise.all([a.tick(), b.tick()]);
      await Promise.all([a.tick(), b.tick()]);
      assert.deepEqual(hook.events(), ['threshold_crossed:fast_trip', 'tripped:fast_trip']);
    });

    it('alerts on operator drain and restore', async () => {
      const monitor = open();
      await monitor.drain('gemini');
      await monitor.restore('gemini');
      await monitor.tick();
      assert.deepEqual(hook.events(), ['drained:manual', 'restored:manual']);
      assert.equal(hook.received[0]?.state, 'drained');
      assert.equal(hook.received[1]?.state, 'healthy');
    });
  });
}

describe('health alert webhook failures', () => {
  const hook = new WebhookReceiver();
  before(() => hook.start());
  after(() => hook.stop());
  beforeEach(() => hook.reset());

  it('logs a failing webhook without throwing, and never logs its URL', async () => {
    hook.mode = 'fail';
    const clock = new ManualClock();
    const logs = captureLogs();
    const store = (await memoryKit.open()).store();
    const monitor = testMonitor(store, clock, {
      logger: logs.logger,
      webhookUrl: hook.url('/hook?token=hook-secret-123'),
    });
    for (let i = 0; i < 5; i++) monitor.record(outcome(clock, serverError));
    await monitor.tick();
    assert.equal(monitor.get('openai').state, 'tripped');
    const failures = logs.events('webhook_failed');
    assert.equal(failures.length, 2);
    assert.equal(failures[0]?.status, 500);
    assert.ok(!JSON.stringify(logs.entries).includes('hook-secret-123'));
    await monitor.close();
  });

  it('times out a webhook that does not answer', async () => {
    hook.mode = 'hang';
    const clock = new ManualClock();
    const logs = captureLogs();
    const store = (await memoryKit.open()).store();
    const monitor = testMonitor(store, clock, { logger: logs.logger, webhookUrl: hook.url(), webhookTimeoutMs: 100 });
    for (let i = 0; i < 5; i++) monitor.record(outcome(clock, serverError));
    const start = performance.now();
    await monitor.tick();
    assert.ok(performance.now() - start < 1000);
    const failures = logs.events('webhook_failed');
    assert.equal(failures.length, 2);
    assert.match(String(failures[0]?.error), /timed out after 100 ms/);
    await monitor.close();
  });

  it('logs an unreachable webhook', async () => {
    const clock = new ManualClock();
    const logs = captureLogs();
    const store = (await memoryKit.open()).store();
    const monitor = testMonitor(store, clock, {
      logger: logs.logger,
      webhookUrl: 'http://127.0.0.1:1/hook?token=abc-secret',
    });
    for (let i = 0; i < 5; i++) monitor.record(outcome(clock, serverError));
    await monitor.tick();
    assert.equal(logs.events('webhook_failed').length, 2);
    assert.ok(!JSON.stringify(logs.entries).includes('abc-secret'));
    await monitor.close();
  });
});
