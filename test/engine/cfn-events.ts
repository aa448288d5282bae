/**
 * Realistic CloudFormation custom-resource events, as the Provider framework hands them to the
 * user handlers, and the environment that points the handler at an emulator.
 */
import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';
import type { Emulator } from '../../local/emulator';

export const STACK_ID = 'arn:aws:cloudformation:us-east-1:111111111111:stack/ProtonStack/6f1c2a10-0000-11ef-8000-0a1b2c3d4e5f';
export const SERVICE_TOKEN = 'arn:aws:lambda:us-east-1:111111111111:function:ProtonStack-ProtonProviderframeworkonEvent';
/** The framework replaces the ResponseURL before calling user handlers; a real one must never be logged. */
export const RESPONSE_URL = 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/secret-presigned?X-Amz-Signature=CANARY-RESPONSE-URL';

let requestCounter = 0;
function newRequestId(): string {
  requestCounter += 1;
  return `0f3e7c2a-1b2c-4d5e-8f90-${String(requestCounter).padStart(12, '0')}`;
}

interface Common {
  readonly resourceType: string;
  readonly logicalId: string;
  readonly requestId?: string;
  readonly stackId?: string;
}

function base(c: Common) {
  return {
    ServiceToken: SERVICE_TOKEN,
    ResponseURL: RESPONSE_URL,
    StackId: c.stackId ?? STACK_ID,
    RequestId: c.requestId ?? newRequestId(),
    LogicalResourceId: c.logicalId,
    ResourceType: c.resourceType,
  };
}

export function createEvent(c: Common, props: object): CloudFormationCustomResourceCreateEvent {
  return { ...base(c), RequestType: 'Create', ResourceProperties: { ServiceToken: SERVICE_TOKEN, ...props } };
}

export function updateEvent(c: Common, physicalId: string, oldProps: object, props: object): CloudFormationCustomResourceUpdateEvent {
  return {
    ...base(c),
    RequestType: 'Update',
    PhysicalResourceId: physicalId,
    ResourceProperties: { ServiceToken: SERVICE_TOKEN, ...props },
    OldResourceProperties: { ServiceToken: SERVICE_TOKEN, ...oldProps },
  };
}

export function deleteEvent(c: Common, physicalId: string, props: object): CloudFormationCustomResourceDeleteEvent {
  return { ...base(c), RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: { ServiceToken: SERVICE_TOKEN, ...props } };
}

const HANDLER_ENV = ['AWS_ENDPOINT_URL_PROTON', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const;

/** Points the handler's SDK client at `emu` (the standard endpoint variable); returns a restore function. */
export function handlerEnvironment(emu: Pick<Emulator, 'endpoint'>): () => void {
  const saved = Object.fromEntries(HANDLER_ENV.map((k) => [k, process.env[k]]));
  process.env.AWS_ENDPOINT_URL_PROTON = emu.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'x';
  process.env.AWS_REGION = 'us-east-1';
  return () => {
    for (const k of HANDLER_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  };
}
