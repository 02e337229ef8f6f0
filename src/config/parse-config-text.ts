/**
 * A config file's text → plain data, with bounds: size, nesting depth (which also catches a YAML alias that
 * contains itself) and YAML alias expansion. Parse errors say where (line and column) and what kind of error,
 * never the offending text: YAML's code frame and JSON's "Unexpected token ... "<source>"" would quote
 * whatever is on that line, and that is often an `apiKey:`.
 */
import { parseDocument } from 'yaml';
import { MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, MAX_YAML_ALIASES } from './bounds.ts';
import { ConfigError } from './config-error.ts';

export function parseConfigText(text: string, path: string): unknown {
  // UTF-16 length ≥ UTF-8 bytes / 3, so this bounds the bytes too without encoding the whole text.
  if (text.length > MAX_CONFIG_BYTES) throw new ConfigError(`${path}: larger than ${MAX_CONFIG_BYTES} bytes`);
  const value = /\.json$/i.test(path) ? parseJson(text, path) : parseYaml(text, path);
  if (depthExceeds(value, MAX_CONFIG_DEPTH)) {
    throw new ConfigError(`${path}: nested deeper than ${MAX_CONFIG_DEPTH} levels (or an alias refers to itself)`);
  }
  return value;
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const where = /\(line (\d+) column (\d+)\)/.exec(message);
    const position = /at position (\d+)/.exec(message);
    const at = where ? ` at line ${where[1]}, column ${where[2]}` : position ? ` at position ${position[1]}` : '';
    const kind = /Unexpected end/.test(message) ? ' (unexpected end of input)' : '';
    throw new ConfigError(`${path}: not valid JSON${at}${kind}`);
  }
}

function parseYaml(text: string, path: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = document.errors[0];
  if (first) {
    const at = first.linePos ? ` at line ${first.linePos[0].line}, column ${first.linePos[0].col}` : '';
    const what =
      first.code === 'RESOURCE_EXHAUSTION' ? 'nested too deeply' : first.message.split(' at line ')[0]!.split(':')[0];
    throw new ConfigError(`${path}: not valid YAML${at}: ${what} (${first.code})`);
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    const excessive = error instanceof Error && /alias count/i.test(error.message);
    throw new ConfigError(
      excessive
        ? `${path}: YAML aliases expand to more than ${MAX_YAML_ALIASES} nodes`
        : `${path}: not valid YAML: an alias has no anchor before it`,
    );
  }
}

/** Iterative, so neither a 100,000-deep document nor a cycle can overflow the stack. */
function depthExceeds(root: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return false;
}
