/**
 * The local Lambda function itself (local/runner/lambda-container.ts): execution environments,
 * the timeout, and virtual time. A small handler written to a temporary directory plays the
 * function.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { virtualClock } from '../../local/runner/clock';
import { FunctionLogLine, LambdaContainer, LambdaFunctionConfig } from '../../local/runner/lambda-container';

const HANDLER = `
let invocations = 0;
exports.handler = async (event) => {
  invocations += 1;
  const started = Date.now();
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  return { id: event.id, invocations, sleptMs: Date.now() - started, random: Math.random() };
};
`;

let codeDirectory: string;
const containers: LambdaContainer[] = [];

beforeAll(() => {
  codeDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-container-'));
  fs.writeFileSync(path.join(codeDirectory, 'index.js'), HANDLER);
});
afterAll(() => fs.rmSync(codeDirectory, { recursive: true, force: true }));
afterEach(() => containers.splice(0).forEach((c) => c.stop()));

function container(timeoutSeconds: number, log: FunctionLogLine[] = []): LambdaContainer {
  const config: LambdaFunctionConfig = {
    functionName: 'fn',
    functionArn: 'arn:aws:lambda:us-east-1:111111111111:function:fn',
    codeDirectory,
    handler: 'index.handler',
    timeoutSeconds,
    memorySize: 128,
    environment: { PATH: process.env.PATH ?? '', _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: codeDirectory },
  };
  const created = new LambdaContainer(config, (line) => log.push(line));
  containers.push(created);
  return created;
}

const payload = (result: { payload: string }) => JSON.parse(result.payload);

test('an invocation that timed out never leaks into the next one: each gets its own result, the next in a fresh environment', async () => {
  const fn = container(1);
  const timedOut = await fn.invoke({ id: 'first', sleepMs: 5_000 });
  expect(timedOut.functionError).toBe('Unhandled');
  expect(payload(timedOut)).toEqual({
    errorType: 'Sandbox.Timedout',
    errorMessage: expect.stringMatching(/^\S+ [0-9a-f-]{36} Task timed out after 1\.00 seconds$/),
  });
  // Invoked right away, before the killed environment's exit could be seen.
  const second = await fn.invoke({ id: 'second' });
  expect(second.functionError).toBeUndefined();
  expect(payload(second)).toMatchObject({ id: 'second', invocations: 1 });
  const third = await fn.invoke({ id: 'third' });
  expect(payload(third)).toMatchObject({ id: 'third', invocations: 2 });
}, 30_000);

test('concurrent invocations run in environments of their own; a free environment is reused', async () => {
  const log: FunctionLogLine[] = [];
  const fn = container(10, log);
  const results = await Promise.all([fn.invoke({ id: 'a', sleepMs: 200 }), fn.invoke({ id: 'b', sleepMs: 200 })]);
  expect(results.map((r) => payload(r))).toEqual([
    expect.objectContaining({ id: 'a', invocations: 1 }),
    expect.objectContaining({ id: 'b', invocations: 1 }),
  ]);
  expect(payload(await fn.invoke({ id: 'c' }))).toMatchObject({ id: 'c', invocations: 2 });
  expect(log.filter((l) => l.line.startsWith('START RequestId:'))).toHaveLength(3);
}, 30_000);

test('on virtual time, the function\'s timers and Date follow the runner\'s clock, its timeout too, and its random numbers are seeded', async () => {
  const advanced: number[] = [];
  const clock = virtualClock({ advance: (ms) => advanced.push(ms) }, { seed: 7 });
  const fn = container(10);
  const startedAt = Date.now();
  const slept = payload(await fn.invoke({ id: 'v', sleepMs: 7_000 }, clock));
  expect(slept).toMatchObject({ id: 'v', sleptMs: 7_000 });
  expect(clock.elapsedMs()).toBe(7_000);
  expect(advanced).toEqual([7_000]);

  const timedOut = await fn.invoke({ id: 'w', sleepMs: 60_000 }, clock);
  expect(payload(timedOut)).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/Task timed out after 10\.00 seconds$/) });
  expect(clock.elapsedMs()).toBe(17_000);
  // Two virtual minutes took a moment of real time.
  expect(Date.now() - startedAt).toBeLessThan(20_000);

  // The same seed gives the first environment of the function the same random numbers.
  const again = container(10);
  const replay = payload(await again.invoke({ id: 'v', sleepMs: 7_000 }, virtualClock({ advance: () => undefined }, { seed: 7 })));
  expect(replay.random).toBe(slept.random);
  const otherSeed = payload(await container(10).invoke({ id: 'v' }, virtualClock({ advance: () => undefined }, { seed: 8 })));
  expect(otherSeed.random).not.toBe(slept.random);
}, 30_000);
