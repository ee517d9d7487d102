/**
 * Just enough of a CloudFormation YAML reader for the example's tests (no YAML dependency, and the
 * short-form tags `!Ref`, `!Sub`, `!GetAtt` kept as text): the resources of a template by logical
 * id, each with its type, its top-level property names and the text of each property.
 */

/** One resource of a template. */
export interface TemplateResource {
  readonly type: string;
  /** The resource's lines (its logical id line first). */
  readonly text: string;
  /** Top-level property name → the text of its value (the rest of its line and the lines under it). */
  readonly properties: ReadonlyMap<string, string>;
}

const indentOf = (line: string) => line.length - line.trimStart().length;
const isContent = (line: string) => line.trim() !== '' && !line.trimStart().startsWith('#');

/** Splits `lines` at the lines indented by exactly `indent` spaces that are `key:` lines. */
function keyedBlocks(lines: readonly string[], indent: number): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of lines) {
    if (isContent(line) && indentOf(line) === indent) {
      const key = /^\s*([A-Za-z0-9]+):/.exec(line)?.[1];
      if (key === undefined) throw new Error(`not a key line: ${line}`);
      current = [line];
      blocks.set(key, current);
    } else if (current !== undefined) {
      current.push(line);
    }
  }
  // Blank and comment lines before the next key belong to what follows, not to this block.
  for (const block of blocks.values()) {
    while (block.length > 1 && !isContent(block[block.length - 1]!)) block.pop();
  }
  return blocks;
}

/** The resources of a CloudFormation template written in the example's style (two-space indents). */
export function templateResources(template: string): Map<string, TemplateResource> {
  const lines = template.split('\n');
  const start = lines.indexOf('Resources:');
  if (start < 0) throw new Error('the template has no Resources section');
  const end = lines.findIndex((line, i) => i > start && isContent(line) && indentOf(line) === 0);
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const result = new Map<string, TemplateResource>();
  for (const [id, block] of keyedBlocks(section, 2)) {
    const fields = keyedBlocks(block.slice(1), 4);
    const type = /^\s*Type:\s*(\S+)/.exec(fields.get('Type')?.[0] ?? '')?.[1];
    if (type === undefined) throw new Error(`resource ${id} has no Type`);
    const properties = new Map<string, string>();
    for (const [name, propertyLines] of keyedBlocks(fields.get('Properties')?.slice(1) ?? [], 6)) {
      const [first = '', ...rest] = propertyLines;
      properties.set(name, [first.slice(first.indexOf(':') + 1).trim(), ...rest].join('\n').trim());
    }
    result.set(id, { type, text: block.join('\n'), properties });
  }
  return result;
}

/** The one resource of `type` in `resources` (throws when there is none or several). */
export function onlyResource(resources: ReadonlyMap<string, TemplateResource>, type: string): TemplateResource {
  const found = [...resources.values()].filter((resource) => resource.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}

/** The `- item` entries of a list written one per line (`Action:` lists, `FunctionResponseTypes`). */
export function listItems(text: string, key: string): string[] {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.trimStart().startsWith(`${key}:`));
  if (at < 0) return [];
  const items: string[] = [];
  for (const line of lines.slice(at + 1)) {
    const item = /^\s*-\s+(.+)$/.exec(line)?.[1];
    if (item === undefined) break;
    items.push(item.trim());
  }
  return items;
}

/** The template's parameter `name`: its `AllowedPattern` (unquoted), if any. */
export function allowedPattern(template: string, name: string): string | undefined {
  const lines = template.split('\n');
  const at = lines.indexOf(`  ${name}:`);
  if (at < 0) throw new Error(`no parameter ${name}`);
  for (const line of lines.slice(at + 1)) {
    if (isContent(line) && indentOf(line) <= 2) break;
    const pattern = /^\s*AllowedPattern:\s*'(.*)'\s*$/.exec(line)?.[1];
    if (pattern !== undefined) return pattern.replaceAll("''", "'");
  }
  return undefined;
}
