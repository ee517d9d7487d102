export { entrySize as eventBridgeEntrySize, type SizedEntryFields } from './entry-size.js';
export type {
  CallFailure,
  EntryFailure,
  EntryFailureInfo,
  FailureDecider,
  FailurePlan,
  FailureRule,
  PutEventsEntryErrorCode,
  RequestEntryView,
} from './failures.js';
export {
  type DeliveredEvent,
  type EventBridgeServer,
  type EventBridgeServerOptions,
  type ReceivedCall,
  type ReceivedEvent,
  startEventBridgeServer,
  toDeliveredEvent,
} from './server.js';
