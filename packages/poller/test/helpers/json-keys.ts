/**
 * Finds keys that occur twice in one object of a JSON text. `JSON.parse` keeps the last of them
 * silently, but log stores such as Elasticsearch reject the whole line, so the log tests read the raw
 * text with this small tokenizer instead.
 */

/** A key found twice in one object: its path (`$` is the top level) and the key. */
export interface DuplicateKey {
  readonly path: string;
  readonly key: string;
}

/**
 * The duplicate keys of every object in `text` (a single JSON value). Throws a SyntaxError on text
 * that is not JSON, so that a malformed log line fails the test too.
 */
export function duplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  let i = 0;

  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${i} of ${JSON.stringify(text.slice(0, 200))}`);
  };
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const readString = (): string => {
    if (text[i] !== '"') fail('expected a string');
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const readValue = (path: string): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      const keys = new Set<string>();
      skipSpace();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipSpace();
        const key = readString();
        if (keys.has(key)) found.push({ path, key });
        keys.add(key);
        skipSpace();
        if (text[i++] !== ':') fail('expected ":"');
        readValue(`${path}.${key}`);
        skipSpace();
        const next = text[i++];
        if (next === '}') return;
        if (next !== ',') fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        readValue(`${path}[${index}]`);
        skipSpace();
        const next = text[i++];
        if (next === ']') return;
        if (next !== ',') fail('expected "," or "]"');
      }
    }
    if (c === '"') {
      readString();
      return;
    }
    const literal = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!literal) fail('expected a JSON value');
    i += literal![0].length;
  };

  readValue('$');
  skipSpace();
  if (i !== text.length) fail('trailing text');
  return found;
}

/** The lines of `lines` that repeat a key in one object, each with its duplicates (for a readable failure). */
export function linesWithDuplicateKeys(lines: readonly string[]): { line: string; duplicates: DuplicateKey[] }[] {
  return lines
    .map((line) => ({ line, duplicates: duplicateKeys(line) }))
    .filter((entry) => entry.duplicates.length > 0);
}

/** Lines given to {@link checkLogLine} that repeat a key in one object (or are not JSON), since the last {@link takeBadLogLines}. */
const badLogLines: string[] = [];

/** Checks one log line; a line that repeats a key (or is not JSON) is kept for {@link takeBadLogLines}. */
export function checkLogLine(line: string): void {
  try {
    if (duplicateKeys(line).length > 0) badLogLines.push(line);
  } catch {
    badLogLines.push(line);
  }
}

/**
 * The lines {@link checkLogLine} kept since the last call; clears the list. The project's setup file
 * checks it after every test, so every test that logs through a memoryLogger checks its lines' shape.
 */
export function takeBadLogLines(): string[] {
  return badLogLines.splice(0);
}
