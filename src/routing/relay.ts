/**
 * Passes a committed stream on, bounded by the idle timeout. Past the commit point the gateway never switches
 * provider: a failure is recorded and re-thrown for the HTTP layer to end the stream with an error event.
 */
import type { Clock } from '../clock.ts';
import type { HealthMonitor } from '../health/types.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { CommittedStream } from './attempt.ts';
import { toFailure } from './attempt-errors.ts';
import { type AttemptTarget, reportAttempt } from './attempt-outcome.ts';
import { reasonCode } from './classify.ts';

export interface RelayContext {
  clock: Clock;
  health: HealthMonitor;
  logger: Logger;
  target: AttemptTarget;
  attemptStart: number;
  firstByteMs: number;
  /** The stream is over, however it ended (the attempt's client-side limits permit is released here). */
  onEnd?: () => void;
}

export async function* relay<T>(stream: CommittedStream<T>, context: RelayContext): AsyncGenerator<T, void, undefined> {
  const { clock, health, target, attemptStart, firstByteMs } = context;
  let finished = false;
  try {
    for (const chunk of stream.buffered) yield chunk;
    for (;;) {
      const next = await stream.watch.next(stream.iterator);
      if (next.done) break;
      yield next.value;
    }
    finished = true;
    reportAttempt(health, target, { firstByteMs, latencyMs: clock.now() - attemptStart, at: clock.now() });
  } catch (error) {
    if (stream.clientSignal.aborted) return; // the client left
    const failure = toFailure(error, target.provider, stream.signal);
    reportAttempt(health, target, {
      failure,
      firstByteMs,
      latencyMs: clock.now() - attemptStart,
      retriesExhausted: true,
      afterCommit: true,
      at: clock.now(),
    });
    context.logger.log('warn', 'stream_failed_after_commit', {
      provider: target.provider,
      model: target.model,
      reason: reasonCode(failure),
    });
    throw failure;
  } finally {
    stream.watch.stop();
    if (!finished) {
      stream.controller.abort();
      void stream.iterator.return?.();
    }
    context.onEnd?.();
  }
}
