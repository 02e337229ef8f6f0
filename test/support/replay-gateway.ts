/**
 * The gateway in-process with one translated provider pointed at the replay upstream, and the official
 * `openai` client on it: what every recorded-fixture test starts from. `play` queues a recorded answer.
 */
import OpenAI from 'openai';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { type FixtureProvider, type ReplayUpstream, readFixture, startReplayUpstream } from './replay-upstream.ts';

export interface ReplayGateway {
  h: Harness;
  replay: ReplayUpstream;
  client: OpenAI;
  /** Queues the fixture `name` (`.json` or `.chunks.txt`) as the upstream's next answer. */
  play(name: string, kind: 'json' | 'chunks'): void;
  close(): Promise<void>;
}

const WIRING = {
  anthropic: { baseUrlVar: 'ANTHROPIC_BASE_URL', without: ['openai', 'gemini'] },
  google: { baseUrlVar: 'GEMINI_BASE_URL', without: ['openai', 'anthropic'] },
} as const;

export async function startReplayGateway(provider: FixtureProvider, configText: string): Promise<ReplayGateway> {
  const { baseUrlVar, without } = WIRING[provider];
  const replay = await startReplayUpstream();
  const h = await startHarness({ env: { [baseUrlVar]: replay.url }, configText, without: [...without] });
  return {
    h,
    replay,
    client: new OpenAI({ apiKey: 'unused', baseURL: h.baseURL, maxRetries: 0 }),
    play: (name, kind) =>
      replay.play({ provider, [kind]: readFixture(provider, `${name}.${kind === 'json' ? 'json' : 'chunks.txt'}`) }),
    async close() {
      await h.close();
      await replay.close();
    },
  };
}
