/** Where things are, for both benchmarks: the repository, the gateway they start, and where results go. */
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The Node gateway (`npm start`), as the benchmarks run it: one process per instance. */
export const GATEWAY_SCRIPT = join(ROOT, 'src', 'node.ts');
/** Results of both benchmarks (the full runs are committed; quick runs and profiles are git-ignored). */
export const RESULTS_DIR = join(ROOT, 'bench', 'results');
