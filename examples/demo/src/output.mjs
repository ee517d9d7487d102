// What the demo prints: section headers, indented lines, values. Plain text, so that it reads the
// same in a terminal, a CI log and the README.
import { inspect } from 'node:util';

/** Writes one line (indented by `indent` spaces). */
export function say(text = '', indent = 0) {
  const pad = ' '.repeat(indent);
  process.stdout.write(
    `${text
      .split('\n')
      .map((l) => (l ? pad + l : l))
      .join('\n')}\n`,
  );
}

/** A numbered section header, e.g. `section('2', 'producer ...')`. */
export function section(number, title) {
  const text = `${number}. ${title}`;
  say();
  say(text);
  say('-'.repeat(text.length));
}

/** A value as Node prints it: `{ this_is: 'test record' }`. */
export function show(value) {
  return inspect(value, { depth: 8, breakLength: 100, compact: 3, colors: false });
}

/** `label: value`, the value printed as by {@link show} unless it is a string. */
export function field(label, value, indent = 2) {
  say(`${label}: ${typeof value === 'string' ? value : show(value)}`, indent);
}

/** Pretty JSON, indented. */
export function json(value, indent = 2) {
  say(JSON.stringify(value, null, 2), indent);
}
