import { RunnerClock } from '../../local/runner/clock';
import {
  CfnRequest, CREATE_FAILED_PHYSICAL_ID_MARKER, ProviderRuntime, runProviderRequest, UserFunction,
} from '../../local/runner/provider-framework';

/** A user function answering from a script; records the events it got (as the framework sends them). */
function scripted(name: string, answer: (event: any) => { result?: unknown; error?: string }): UserFunction & { events: any[] } {
  const events: any[] = [];
  return {
    functionName: name,
    events,
    invoke: async (event) => {
      events.push(event);
      const { result, error } = answer(event);
      if (error !== undefined) {
        return { payload: JSON.stringify({ errorType: 'Error', errorMessage: error, trace: [`Error: ${error}`, '    at handler (/var/task/index.js:1:1)'] }), functionError: 'Unhandled' };
      }
      return { payload: JSON.stringify(result) ?? 'null' };
    },
  };
}

function testClock(): RunnerClock & { waits: number[] } {
  const waits: number[] = [];
  let elapsed = 0;
  return {
    waits,
    elapsedMs: () => elapsed,
    wait: async (ms) => {
      waits.push(ms);
      elapsed += ms;
    },
  };
}

const request = (overrides: Partial<CfnRequest> = {}): CfnRequest => ({
  RequestType: 'Create',
  ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:framework-onEvent',
  ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=secret',
  StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/S/1',
  RequestId: 'req-1',
  LogicalResourceId: 'Res',
  ResourceType: 'Custom::X',
  ResourceProperties: { ServiceToken: 'arn', Name: 'n' },
  ...overrides,
});

const retry = { intervalSeconds: 10, maxAttempts: 6, backoffRate: 1 };
const cfn = (clock: RunnerClock, serviceTimeoutSeconds = 3600) => ({ clock, serviceTimeoutSeconds });

describe('Provider framework simulation', () => {
  test('Create without a physical id gets the RequestId; Data of onEvent and isComplete merge; polls wait the query interval', async () => {
    let polls = 0;
    const onEvent = scripted('on-event', () => ({ result: { Data: { A: '1', B: 'from-onEvent' } } }));
    const isComplete = scripted('is-complete', () => (++polls < 3 ? { result: { IsComplete: false } } : { result: { IsComplete: true, Data: { B: 'from-isComplete' } } }));
    const clock = testClock();
    const response = await runProviderRequest(request(), { onEvent, isComplete: { fn: isComplete, retry } }, cfn(clock));
    expect(response).toEqual({
      Status: 'SUCCESS',
      Reason: 'SUCCESS',
      StackId: request().StackId,
      RequestId: 'req-1',
      PhysicalResourceId: 'req-1',
      LogicalResourceId: 'Res',
      NoEcho: undefined,
      Data: { A: '1', B: 'from-isComplete' },
    });
    expect(clock.waits).toEqual([10_000, 10_000]);
    expect(isComplete.events).toHaveLength(3);
    // isComplete gets the request merged with the onEvent result, ResponseURL included (as the framework passes it).
    expect(isComplete.events[0]).toMatchObject({ RequestType: 'Create', PhysicalResourceId: 'req-1', Data: { A: '1', B: 'from-onEvent' }, ResponseURL: request().ResponseURL });
  });

  test('Update keeps the old physical id unless the handler returns one (a new one = replacement)', async () => {
    const keep = scripted('on-event', () => ({ result: {} }));
    const update = request({ RequestType: 'Update', PhysicalResourceId: 'old-id', OldResourceProperties: { Name: 'm' } });
    expect((await runProviderRequest(update, { onEvent: keep }, cfn(testClock()))).PhysicalResourceId).toBe('old-id');
    const replace = scripted('on-event', () => ({ result: { PhysicalResourceId: 'new-id' } }));
    expect((await runProviderRequest(update, { onEvent: replace }, cfn(testClock()))).PhysicalResourceId).toBe('new-id');
  });

  test('Delete may not change the physical id', async () => {
    const onEvent = scripted('on-event', () => ({ result: { PhysicalResourceId: 'other' } }));
    const response = await runProviderRequest(request({ RequestType: 'Delete', PhysicalResourceId: 'mine' }), { onEvent }, cfn(testClock()));
    expect(response.Status).toBe('FAILED');
    expect(response.PhysicalResourceId).toBe('mine');
    expect(response.Reason).toBe('Error: DELETE: cannot change the physical resource ID from "mine" to "other" during deletion');
  });

  test('a failed Create answers with the CREATE_FAILED marker, and its Delete succeeds without calling the handler', async () => {
    const onEvent = scripted('my-on-event', () => ({ error: 'Template name is taken' }));
    const provider: ProviderRuntime = { onEvent };
    const response = await runProviderRequest(request(), provider, cfn(testClock()));
    expect(response.Status).toBe('FAILED');
    expect(response.PhysicalResourceId).toBe(CREATE_FAILED_PHYSICAL_ID_MARKER);
    expect(response.Reason).toBe('Template name is taken\n\nLogs: /aws/lambda/my-on-event\n\n    at handler (/var/task/index.js:1:1)');
    const deleted = await runProviderRequest(request({ RequestType: 'Delete', PhysicalResourceId: response.PhysicalResourceId }), provider, cfn(testClock()));
    expect(deleted.Status).toBe('SUCCESS');
    expect(onEvent.events).toHaveLength(1);
  });

  test('isComplete throwing fails the request with its message and the physical id onEvent returned', async () => {
    const onEvent = scripted('on-event', () => ({ result: { PhysicalResourceId: 'tpl-1' } }));
    const isComplete = scripted('is-complete', () => ({ error: 'Registration FAILED: bad schema' }));
    const response = await runProviderRequest(request(), { onEvent, isComplete: { fn: isComplete, retry } }, cfn(testClock()));
    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'tpl-1' });
    expect(response.Reason.split('\n')[0]).toBe('Registration FAILED: bad schema');
  });

  test('never complete: MaxAttempts retries, then "Operation timed out" with the physical id', async () => {
    const onEvent = scripted('on-event', () => ({ result: { PhysicalResourceId: 'env-1' } }));
    const isComplete = scripted('is-complete', () => ({ result: { IsComplete: false } }));
    const clock = testClock();
    const response = await runProviderRequest(request(), { onEvent, isComplete: { fn: isComplete, retry } }, cfn(clock));
    expect(response).toMatchObject({ Status: 'FAILED', Reason: 'Operation timed out', PhysicalResourceId: 'env-1' });
    expect(isComplete.events).toHaveLength(7);
    expect(clock.elapsedMs()).toBe(60_000);
  });

  test('Data with IsComplete false is an error', async () => {
    const onEvent = scripted('on-event', () => ({ result: {} }));
    const isComplete = scripted('is-complete', () => ({ result: { IsComplete: false, Data: { X: '1' } } }));
    const response = await runProviderRequest(request(), { onEvent, isComplete: { fn: isComplete, retry } }, cfn(testClock()));
    expect(response).toMatchObject({ Status: 'FAILED', Reason: 'Error: "Data" is not allowed if "IsComplete" is "False"', PhysicalResourceId: 'req-1' });
  });

  test('CloudFormation gives up after the ServiceTimeout when the waiter outlives it', async () => {
    const onEvent = scripted('on-event', () => ({ result: { PhysicalResourceId: 'env-1' } }));
    const isComplete = scripted('is-complete', () => ({ result: { IsComplete: false } }));
    const clock = testClock();
    const response = await runProviderRequest(request(), { onEvent, isComplete: { fn: isComplete, retry } }, cfn(clock, 25));
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe('CloudFormation did not receive a response from your Custom Resource. Please check your logs for requestId [req-1].');
    expect(clock.elapsedMs()).toBe(25_000);
    expect(isComplete.events).toHaveLength(3);
  });
});
