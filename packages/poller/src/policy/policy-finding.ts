/** One finding of the policy linter. */
export interface PolicyFinding {
  /** `error`: the consumer cannot read, or AWS refuses the policy. `warning`: risky, or "cannot tell". */
  readonly severity: 'error' | 'warning';
  /** Stable code, e.g. MISSING_ACTION, BAD_PRINCIPAL, BAD_TYPE, CANNOT_TELL. */
  readonly code: string;
  readonly message: string;
  /** JSON path of the element at fault, e.g. `Statement[0].Principal.AWS`; `$` for the whole document. */
  readonly path: string;
  /** Index of the statement at fault, when there is one. */
  readonly statement?: number;
}

/** Collects findings. */
export class Findings {
  readonly list: PolicyFinding[] = [];

  error(code: string, path: string, message: string, statement?: number): void {
    this.add('error', code, path, message, statement);
  }

  warn(code: string, path: string, message: string, statement?: number): void {
    this.add('warning', code, path, message, statement);
  }

  private add(severity: PolicyFinding['severity'], code: string, path: string, message: string, statement?: number) {
    this.list.push({ severity, code, message, path, ...(statement === undefined ? {} : { statement }) });
  }
}
