/**
 * CloudFormation-style stack events, and their one-line rendering. Events carry names, types,
 * statuses and reasons only: never properties, outputs or response URLs.
 */
export type ResourceStatus =
  | 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'CREATE_FAILED'
  | 'UPDATE_IN_PROGRESS' | 'UPDATE_COMPLETE' | 'UPDATE_FAILED'
  | 'DELETE_IN_PROGRESS' | 'DELETE_COMPLETE' | 'DELETE_FAILED' | 'DELETE_SKIPPED';

export type StackStatus =
  | 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'CREATE_FAILED'
  | 'ROLLBACK_IN_PROGRESS' | 'ROLLBACK_COMPLETE' | 'ROLLBACK_FAILED'
  | 'UPDATE_IN_PROGRESS' | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' | 'UPDATE_COMPLETE'
  | 'UPDATE_ROLLBACK_IN_PROGRESS' | 'UPDATE_ROLLBACK_FAILED' | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS' | 'UPDATE_ROLLBACK_COMPLETE'
  | 'DELETE_IN_PROGRESS' | 'DELETE_COMPLETE' | 'DELETE_FAILED';

export interface StackEvent {
  /** ISO time on the runner's clock (virtual time advances it against the embedded emulator). */
  readonly timestamp: string;
  readonly stackName: string;
  /** The stack name for stack-level events. */
  readonly logicalId: string;
  readonly resourceType: string;
  readonly status: ResourceStatus | StackStatus;
  readonly physicalId?: string;
  readonly reason?: string;
}

export type EventSink = (event: StackEvent) => void;

/** `12:00:05 | CREATE_COMPLETE      | Custom::ProtonEnvironmentTemplate | Template (reason)` */
export function formatEvent(event: StackEvent): string {
  const time = event.timestamp.slice(11, 19);
  const reason = event.reason ? `  ${firstLine(event.reason)}` : '';
  return `${event.stackName} | ${time} | ${event.status.padEnd(44)} | ${event.resourceType.padEnd(38)} | ${event.logicalId}${reason}`;
}

/** The first line of a reason: the framework reports stack traces, CloudFormation shows them whole. */
export function firstLine(reason: string): string {
  return reason.split('\n')[0];
}
