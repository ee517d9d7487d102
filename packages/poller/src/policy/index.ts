export { type ArnKind, arnKind } from './arn-kinds.js';
export {
  type AccessDeniedExplanation,
  explainAccessDenied,
  type PolicySide,
} from './explain-access-denied.js';
export { eventBusPutPolicy, fanOutConsumerPolicy, streamReadPolicy } from './generate-policy.js';
export {
  type LintStreamPolicyOptions,
  lintConsumerPolicy,
  lintStreamPolicy,
  MAX_CHECKED_PRINCIPALS,
  type PolicyFinding,
} from './lint-policy.js';
export {
  FAN_OUT_CONSUMER_ACTIONS,
  type PolicyDocument,
  type PolicyStatement,
  STREAM_CONSUMER_ACTIONS,
} from './policy-document.js';
