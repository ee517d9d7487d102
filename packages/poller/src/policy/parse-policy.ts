/**
 * Checks a policy document against the IAM policy grammar (elements, their JSON types, Effect,
 * action and resource formats) and turns it into typed statements for the access check. Every
 * problem is a finding with the JSON path of the element at fault; nothing here throws on any
 * JSON value.
 */
import { childPath, describeJsonType, quote, ROOT_PATH } from './json-path.js';
import type { Findings } from './policy-finding.js';

/** A principal entry (`Principal` / `NotPrincipal`), with where it is. */
export interface PrincipalEntry {
  readonly value: string;
  readonly path: string;
}

/** The `Principal` or `NotPrincipal` element of a statement. */
export interface ParsedPrincipal {
  readonly not: boolean;
  readonly path: string;
  /** `"*"`, or `{"AWS": "*"}` among its entries: every principal. */
  readonly any: boolean;
  /** The AWS entries other than `"*"` (roles, users, sessions, accounts). */
  readonly aws: readonly PrincipalEntry[];
}

/** `Action`/`NotAction` or `Resource`/`NotResource`. */
export interface ParsedPatterns {
  readonly not: boolean;
  readonly path: string;
  readonly patterns: readonly string[];
}

/** One key test of a Condition: `{ operator: { key: values } }`. */
export interface ParsedCondition {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly (string | number | boolean)[];
  readonly path: string;
}

/** A statement that follows the grammar. */
export interface ParsedStatement {
  readonly index: number;
  readonly path: string;
  readonly effect: 'Allow' | 'Deny';
  readonly principal: ParsedPrincipal;
  readonly actions: ParsedPatterns;
  readonly resources: ParsedPatterns;
  readonly conditions: readonly ParsedCondition[];
}

/** The statements of a document, and whether AWS would accept the document as a whole. */
export interface ParsedPolicy {
  /** False when a finding says AWS would refuse the policy (a wrong type, a missing Effect...). */
  readonly valid: boolean;
  /** The statements that follow the grammar. */
  readonly statements: readonly ParsedStatement[];
  /** How many statements the document holds, valid or not. */
  readonly statementCount: number;
}

const DOCUMENT_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
/** `service:action`, the service a prefix of letters, digits and hyphens, one colon. */
const ACTION_FORMAT = /^[A-Za-z0-9-]+:[^:]+$/;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property of a parsed JSON object (never an inherited one such as `__proto__`). */
function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Parses policy documents, counting the findings that make a statement (or the document) invalid. */
class PolicyParser {
  private invalid = 0;

  constructor(private readonly findings: Findings) {}

  /** A finding that means AWS refuses the policy. */
  private refuse(code: string, path: string, message: string, statement?: number): void {
    this.invalid += 1;
    this.findings.error(code, path, message, statement);
  }

  private badType(path: string, expected: string, value: unknown, statement?: number): void {
    this.refuse('BAD_TYPE', path, `${path} must be ${expected}, not ${describeJsonType(value)}`, statement);
  }

  parse(policy: unknown): ParsedPolicy {
    if (!isObject(policy)) {
      this.refuse(
        'NOT_A_POLICY',
        ROOT_PATH,
        `the file holds ${describeJsonType(policy)}, not a policy document (a JSON object with Version and Statement)`,
      );
      return { valid: false, statements: [], statementCount: 0 };
    }
    for (const key of Object.keys(policy)) {
      if (!DOCUMENT_ELEMENTS.has(key)) {
        this.refuse(
          'UNKNOWN_ELEMENT',
          childPath(ROOT_PATH, key),
          `${quote(key)} is not a policy element (Version, Id, Statement; names are case-sensitive)`,
        );
      }
    }
    this.version(own(policy, 'Version'));
    const id = own(policy, 'Id');
    if (id !== undefined && typeof id !== 'string') this.badType('Id', 'a string', id);

    const statement = own(policy, 'Statement');
    const statements: ParsedStatement[] = [];
    let statementCount = 0;
    if (statement === undefined || (Array.isArray(statement) && statement.length === 0)) {
      this.refuse('NO_STATEMENT', 'Statement', 'the policy has no Statement');
    } else if (Array.isArray(statement)) {
      statementCount = statement.length;
      statement.forEach((item, index) => {
        const parsed = this.statement(item, index, childPath('Statement', index));
        if (parsed) statements.push(parsed);
      });
    } else if (isObject(statement)) {
      statementCount = 1;
      const parsed = this.statement(statement, 0, 'Statement');
      if (parsed) statements.push(parsed);
    } else {
      this.badType('Statement', 'an array of statement objects (or one statement object)', statement);
    }
    return { valid: this.invalid === 0, statements, statementCount };
  }

  private version(version: unknown): void {
    if (version === undefined) {
      this.findings.warn(
        'VERSION',
        'Version',
        'the policy has no Version, so IAM reads it as "2008-10-17" (no policy variables); add "Version": "2012-10-17"',
      );
    } else if (typeof version !== 'string') {
      this.badType('Version', 'the string "2012-10-17"', version);
    } else if (version === '2008-10-17') {
      this.findings.warn('VERSION', 'Version', 'Version is "2008-10-17" (no policy variables); use "2012-10-17"');
    } else if (version !== '2012-10-17') {
      this.refuse('INVALID_VERSION', 'Version', `Version ${quote(version)} is not "2012-10-17" or "2008-10-17"`);
    }
  }

  private statement(item: unknown, index: number, path: string): ParsedStatement | undefined {
    if (!isObject(item)) {
      this.badType(path, 'a statement object', item, index);
      return undefined;
    }
    const before = this.invalid;
    for (const key of Object.keys(item)) {
      if (!STATEMENT_ELEMENTS.has(key)) {
        this.refuse(
          'UNKNOWN_ELEMENT',
          childPath(path, key),
          `${quote(key)} is not a statement element (Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition; names are case-sensitive)`,
          index,
        );
      }
    }
    const sid = own(item, 'Sid');
    if (sid !== undefined && typeof sid !== 'string') this.badType(childPath(path, 'Sid'), 'a string', sid, index);
    const effect = this.effect(item, index, path);
    const principal = this.principal(item, index, path, effect);
    const actions = this.patterns(item, index, path, 'Action', 'NotAction', (action) =>
      action === '*' || ACTION_FORMAT.test(action)
        ? undefined
        : `${quote(action)} is not an action: write "service:Action" (e.g. "kinesis:GetRecords") or "*"`,
    );
    const resources = this.patterns(item, index, path, 'Resource', 'NotResource', (resource) =>
      resource === '*' || resource.startsWith('arn:')
        ? undefined
        : `${quote(resource)} is not a resource: write an ARN (arn:aws:kinesis:<region>:<account>:stream/<name>) or "*"`,
    );
    const conditions = this.conditions(own(item, 'Condition'), index, childPath(path, 'Condition'));
    if (this.invalid !== before || !effect || !principal || !actions || !resources || !conditions) return undefined;
    return { index, path, effect, principal, actions, resources, conditions };
  }

  private effect(item: JsonObject, index: number, path: string): 'Allow' | 'Deny' | undefined {
    const effect = own(item, 'Effect');
    const effectPath = childPath(path, 'Effect');
    if (effect === undefined) {
      this.refuse('MISSING_EFFECT', path, `statement ${index} has no Effect: write "Effect": "Allow" or "Deny"`, index);
      return undefined;
    }
    if (typeof effect !== 'string') {
      this.badType(effectPath, 'the string "Allow" or "Deny"', effect, index);
      return undefined;
    }
    if (effect === 'Allow' || effect === 'Deny') return effect;
    const hint = ['allow', 'deny'].includes(effect.toLowerCase())
      ? ` (Effect is case-sensitive: write "${effect.toLowerCase() === 'allow' ? 'Allow' : 'Deny'}")`
      : '';
    this.refuse('INVALID_EFFECT', effectPath, `Effect ${quote(effect)} is not "Allow" or "Deny"${hint}`, index);
    return undefined;
  }

  /** The one element of a pair (`Action`/`NotAction`...) a statement must have, or undefined. */
  private oneOf(item: JsonObject, index: number, path: string, name: string, notName: string) {
    const value = own(item, name);
    const notValue = own(item, notName);
    if (value !== undefined && notValue !== undefined) {
      this.refuse(
        'CONFLICTING_ELEMENTS',
        path,
        `statement ${index} has both ${name} and ${notName}; a statement takes one of them`,
        index,
      );
      return undefined;
    }
    if (value === undefined && notValue === undefined) return { missing: true as const };
    return notValue === undefined
      ? { missing: false as const, not: false, name, value }
      : { missing: false as const, not: true, name: notName, value: notValue };
  }

  private principal(
    item: JsonObject,
    index: number,
    path: string,
    effect: 'Allow' | 'Deny' | undefined,
  ): ParsedPrincipal | undefined {
    const element = this.oneOf(item, index, path, 'Principal', 'NotPrincipal');
    if (element === undefined) return undefined;
    if (element.missing) {
      this.refuse(
        'MISSING_PRINCIPAL',
        path,
        `statement ${index} has no Principal: a resource-based policy must name who it applies to`,
        index,
      );
      return undefined;
    }
    const elementPath = childPath(path, element.name);
    if (element.not && effect === 'Allow') {
      this.refuse(
        'NOT_PRINCIPAL_WITH_ALLOW',
        elementPath,
        `statement ${index} uses NotPrincipal with "Allow", which AWS does not support (it would grant every other principal, anonymous ones included); name the principals in Principal`,
        index,
      );
    }
    const { value } = element;
    if (value === '*') return { not: element.not, path: elementPath, any: true, aws: [] };
    if (!isObject(value)) {
      this.badType(elementPath, '"*" or an object such as {"AWS": "arn:aws:iam::<account>:role/<name>"}', value, index);
      return undefined;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) {
      this.refuse('EMPTY_LIST', elementPath, `${elementPath} names no principal`, index);
      return undefined;
    }
    let any = false;
    const aws: PrincipalEntry[] = [];
    for (const key of keys) {
      const entryPath = childPath(elementPath, key);
      if (!PRINCIPAL_TYPES.has(key)) {
        this.refuse(
          'UNKNOWN_ELEMENT',
          entryPath,
          `${quote(key)} is not a principal type (AWS, Service, Federated, CanonicalUser; names are case-sensitive)`,
          index,
        );
        continue;
      }
      const entries = this.stringList(own(value, key), entryPath, index);
      if (entries === undefined || key !== 'AWS') continue;
      for (const entry of entries) {
        if (entry.value === '*') {
          any = true;
        } else if (entry.value.includes('*') || entry.value.includes('?')) {
          this.refuse(
            'WILDCARD_IN_PRINCIPAL',
            entry.path,
            `principal ${quote(entry.value)} has a wildcard: IAM takes "*" alone (every principal) but no wildcard in part of an ARN; name the roles, or use "*" with a Condition on aws:PrincipalArn (ArnLike)`,
            index,
          );
        } else {
          aws.push(entry);
        }
      }
    }
    return { not: element.not, path: elementPath, any, aws };
  }

  private patterns(
    item: JsonObject,
    index: number,
    path: string,
    name: 'Action' | 'Resource',
    notName: 'NotAction' | 'NotResource',
    check: (pattern: string) => string | undefined,
  ): ParsedPatterns | undefined {
    const element = this.oneOf(item, index, path, name, notName);
    if (element === undefined) return undefined;
    if (element.missing) {
      this.refuse(
        name === 'Action' ? 'NO_ACTION' : 'NO_RESOURCE',
        path,
        `statement ${index} has no ${name} (or ${notName})`,
        index,
      );
      return undefined;
    }
    const elementPath = childPath(path, element.name);
    const entries = this.stringList(element.value, elementPath, index);
    if (entries === undefined) return undefined;
    let ok = true;
    for (const entry of entries) {
      const problem = check(entry.value);
      if (problem !== undefined) {
        ok = false;
        this.refuse(name === 'Action' ? 'INVALID_ACTION' : 'INVALID_RESOURCE', entry.path, problem, index);
      }
    }
    return ok ? { not: element.not, path: elementPath, patterns: entries.map((e) => e.value) } : undefined;
  }

  /** A string or a non-empty array of strings. */
  private stringList(value: unknown, path: string, index: number): PrincipalEntry[] | undefined {
    if (typeof value === 'string') return [{ value, path }];
    const strings = this.listOf(value, path, index, 'a string or an array of strings', 'a string', isString);
    return strings?.map((element, i) => ({ value: element, path: childPath(path, i) }));
  }

  /**
   * The elements of a non-empty array each of which `isElement` takes, or undefined once what is wrong is
   * refused: not an array (`expected`), an empty one, an element of another type (`element`; every one named).
   */
  private listOf<E>(
    value: unknown,
    path: string,
    index: number,
    expected: string,
    element: string,
    isElement: (value: unknown) => value is E,
  ): E[] | undefined {
    if (!Array.isArray(value)) {
      this.badType(path, expected, value, index);
      return undefined;
    }
    if (value.length === 0) {
      this.refuse('EMPTY_LIST', path, `${path} is an empty array: give at least one value`, index);
      return undefined;
    }
    // Each element read once: what is checked is what is returned.
    const elements: E[] = [];
    let ok = true;
    value.forEach((item: unknown, i) => {
      if (isElement(item)) {
        elements.push(item);
      } else {
        ok = false;
        this.badType(childPath(path, i), element, item, index);
      }
    });
    return ok ? elements : undefined;
  }

  private conditions(condition: unknown, index: number, path: string): ParsedCondition[] | undefined {
    if (condition === undefined) return [];
    if (!isObject(condition)) {
      this.badType(path, 'an object such as {"Bool": {"aws:SecureTransport": "true"}}', condition, index);
      return undefined;
    }
    const parsed: ParsedCondition[] = [];
    let ok = true;
    for (const operator of Object.keys(condition)) {
      const operatorPath = childPath(path, operator);
      const block = own(condition, operator);
      if (!isObject(block)) {
        ok = false;
        this.badType(operatorPath, 'an object of condition keys and their values', block, index);
        continue;
      }
      for (const key of Object.keys(block)) {
        const keyPath = childPath(operatorPath, key);
        const values = this.conditionValues(own(block, key), keyPath, index);
        if (values === undefined) ok = false;
        else parsed.push({ operator, key, values, path: keyPath });
      }
    }
    return ok ? parsed : undefined;
  }

  /** A condition value: a string, number or boolean, or a non-empty array of them. */
  private conditionValues(value: unknown, path: string, index: number): ConditionValue[] | undefined {
    if (isConditionValue(value)) return [value];
    const expected = 'a string, number or boolean, or an array of them';
    return this.listOf(value, path, index, expected, 'a string, number or boolean', isConditionValue);
  }
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

type ConditionValue = string | number | boolean;

/** A scalar a condition may hold: a string, a boolean or a finite number. */
function isConditionValue(value: unknown): value is ConditionValue {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Checks `policy` against the IAM policy grammar; findings go to `findings`. */
export function parsePolicy(policy: unknown, findings: Findings): ParsedPolicy {
  return new PolicyParser(findings).parse(policy);
}
