/**
 * The CommonJS packages the bridge uses, loaded through this one CommonJS module (dist/deps.cjs).
 *
 * When an ES module imports a CommonJS package, Node 20 parses the package's source to find its
 * named exports: for @aws-sdk/client-eventbridge that costs about 40 ms of start-up (a Lambda cold
 * start) and some MB of memory. The ES build imports this module instead, which `require`s the
 * package as a CommonJS program would. Bundlers follow it like any other import.
 *
 * Only the values the bridge uses are listed (add a name here before importing it elsewhere); types
 * are imported from the package itself (`import type`). No TypeScript syntax here: tests load this
 * file through Vite as plain JavaScript.
 * @internal
 */
export { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
