import { GetEnvironmentTemplateCommand, UpdateEnvironmentTemplateCommand } from '@aws-sdk/client-proton';
import { emulatorFixture, protonClient } from './helpers';
import { EmulatorClock } from '../../local/emulator/core/clock';
import { notFound } from '../../local/emulator/core/errors';
import type { OperationTable, RequestContext } from '../../local/emulator/core/runtime';
import { EmulatorScheduler } from '../../local/emulator/core/scheduler';

const START = Date.UTC(2026, 0, 1);

/**
 * A stand-in resource: UpdateEnvironmentTemplate schedules a "transition" after
 * `registrationMs` that stamps the template, honouring failNextDeployment and setOutputs.
 */
const templates = new Map<string, { displayName?: string; lastModifiedAt: number }>();
const describe_ = (name: string) => {
  const t = templates.get(name);
  if (!t) throw notFound(`The environment template '${name}' does not exist.`);
  return {
    environmentTemplate: {
      name,
      arn: `arn:aws:proton:us-east-1:111111111111:environment-template/${name}`,
      createdAt: START / 1000,
      lastModifiedAt: t.lastModifiedAt,
      ...(t.displayName ? { displayName: t.displayName } : {}),
    },
  };
};
const operations: OperationTable = {
  GetEnvironmentTemplate: (input: { name: string }) => describe_(input.name),
  UpdateEnvironmentTemplate: (input: { name: string }, ctx: RequestContext) => {
    templates.set(input.name, { displayName: 'updating', lastModifiedAt: ctx.nowSeconds() });
    const { runtime } = ctx;
    runtime.scheduler.after(runtime.scenario.durations.registrationMs, `template ${input.name} settles`, () => {
      const failure = runtime.scenario.consumeDeploymentFailure(`environment-template/${input.name}`);
      const outputs = runtime.scenario.outputOverrides(`environment-template/${input.name}`);
      templates.set(input.name, {
        displayName: failure ?? outputs?.displayName ?? 'settled',
        lastModifiedAt: runtime.clock.nowMs() / 1000,
      });
    });
    return describe_(input.name);
  },
};

const fixture = emulatorFixture({ operations, partial: true, durations: { registrationMs: 4_000 } });

beforeEach(() => {
  fixture.emu.control.resetCallCounts();
  fixture.emu.control.setRateLimit(undefined);
});

describe('injected faults (applied before the operation; the SDK retries what AWS would)', () => {
  test('throttle: the SDK retries and succeeds; every attempt is counted', async () => {
    templates.set('t1', { lastModifiedAt: 1 });
    fixture.emu.control.injectFault('GetEnvironmentTemplate', { kind: 'throttle', count: 2 });
    const out = await protonClient(fixture.emu).send(new GetEnvironmentTemplateCommand({ name: 't1' }));
    expect(out.$metadata.attempts).toBe(3);
    expect(out.environmentTemplate?.name).toBe('t1');
    expect(fixture.emu.control.callCounts()).toEqual({ GetEnvironmentTemplate: 3 });
  });

  test('throttle beyond the retry budget surfaces ThrottlingException (429) and changes nothing', async () => {
    templates.set('t2', { lastModifiedAt: 1 });
    fixture.emu.control.injectFault('UpdateEnvironmentTemplate', { kind: 'throttle', count: 1 });
    const err = await protonClient(fixture.emu, { maxAttempts: 1 })
      .send(new UpdateEnvironmentTemplateCommand({ name: 't2' }))
      .catch((e) => e);
    expect(err).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });
    expect(templates.get('t2')).toEqual({ lastModifiedAt: 1 });
    expect(fixture.emu.control.dump().pendingTransitions).toEqual([]);
  });

  test('internal: InternalServerException (500) is retried by the SDK', async () => {
    templates.set('t3', { lastModifiedAt: 1 });
    fixture.emu.control.injectFault('GetEnvironmentTemplate', { kind: 'internal', count: 1 });
    const out = await protonClient(fixture.emu).send(new GetEnvironmentTemplateCommand({ name: 't3' }));
    expect(out.$metadata.attempts).toBe(2);

    fixture.emu.control.injectFault('GetEnvironmentTemplate', { kind: 'internal', count: 1 });
    const err = await protonClient(fixture.emu, { maxAttempts: 1 }).send(new GetEnvironmentTemplateCommand({ name: 't3' })).catch((e) => e);
    expect(err).toMatchObject({
      name: 'InternalServerException',
      message: 'An internal error occurred (injected fault).',
      $metadata: { httpStatusCode: 500 },
    });
    expect(fixture.emu.control.callCounts()).toEqual({ GetEnvironmentTemplate: 3 });
  });

  test('reset: the connection is destroyed; the SDK retries the transient network error', async () => {
    templates.set('t4', { lastModifiedAt: 1 });
    fixture.emu.control.injectFault('GetEnvironmentTemplate', { kind: 'reset', count: 1 });
    const err = await protonClient(fixture.emu, { maxAttempts: 1 }).send(new GetEnvironmentTemplateCommand({ name: 't4' })).catch((e) => e);
    expect(err.message).toMatch(/socket hang up/);
    expect(err.$metadata.httpStatusCode).toBeUndefined();

    fixture.emu.control.injectFault('GetEnvironmentTemplate', { kind: 'reset', count: 1 });
    const out = await protonClient(fixture.emu).send(new GetEnvironmentTemplateCommand({ name: 't4' }));
    expect(out.$metadata.attempts).toBe(2);
    expect(fixture.emu.control.callCounts()).toEqual({ GetEnvironmentTemplate: 3 });
  });

  test('lost-response: the operation takes effect, then the connection is destroyed; the SDK retries it', async () => {
    templates.set('t7', { lastModifiedAt: 1 });
    fixture.emu.control.injectFault('UpdateEnvironmentTemplate', { kind: 'lost-response', count: 1 });
    const err = await protonClient(fixture.emu, { maxAttempts: 1 }).send(new UpdateEnvironmentTemplateCommand({ name: 't7' })).catch((e) => e);
    expect(err.message).toMatch(/socket hang up/);
    expect(err.$metadata.httpStatusCode).toBeUndefined();
    // Applied although the client saw a network error.
    expect(templates.get('t7')).toEqual({ displayName: 'updating', lastModifiedAt: START / 1000 });

    fixture.emu.control.injectFault('UpdateEnvironmentTemplate', { kind: 'lost-response', count: 1 });
    const out = await protonClient(fixture.emu).send(new UpdateEnvironmentTemplateCommand({ name: 't7' }));
    expect(out.$metadata.attempts).toBe(2);
    expect(fixture.emu.control.callCounts()).toEqual({ UpdateEnvironmentTemplate: 3 });
    // Each of the three calls ran the operation and scheduled its transition.
    expect(fixture.emu.control.dump().pendingTransitions).toHaveLength(3);
    fixture.emu.control.advance(4_000);
    expect(fixture.emu.control.dump().pendingTransitions).toEqual([]);
    expect(templates.get('t7')?.displayName).toBe('settled');
  });

  test('hang: no answer until the client gives up', async () => {
    templates.set('t5', { lastModifiedAt: 1 });
    fixture.emu.control.injectFault('GetEnvironmentTemplate', { kind: 'hang', count: 1 });
    const err = await protonClient(fixture.emu, { maxAttempts: 1, requestTimeout: 200 })
      .send(new GetEnvironmentTemplateCommand({ name: 't5' }))
      .catch((e) => e);
    expect(err.name).toBe('TimeoutError');
    const out = await protonClient(fixture.emu, { maxAttempts: 1 }).send(new GetEnvironmentTemplateCommand({ name: 't5' }));
    expect(out.environmentTemplate?.name).toBe('t5');
  });

  test('faults are per operation and consumed in order', async () => {
    templates.set('t6', { lastModifiedAt: 1 });
    fixture.emu.control.injectFault('UpdateEnvironmentTemplate', { kind: 'throttle', count: 1 });
    expect(fixture.emu.control.dump().pendingFaults).toEqual({ UpdateEnvironmentTemplate: ['throttle'] });
    const out = await protonClient(fixture.emu, { maxAttempts: 1 }).send(new GetEnvironmentTemplateCommand({ name: 't6' }));
    expect(out.$metadata.attempts).toBe(1);
    expect(fixture.emu.control.dump().pendingFaults).toEqual({ UpdateEnvironmentTemplate: ['throttle'] });
    expect(() => fixture.emu.control.injectFault('GetEnvironmentTemplate', { kind: 'explode' as never })).toThrow(
      "Unknown fault kind 'explode'; allowed: throttle, internal, hang, reset, lost-response, crash.",
    );
    expect(() => fixture.emu.control.injectFault('GetEnviroment', { kind: 'throttle' })).toThrow(
      "Cannot inject a fault into 'GetEnviroment': not an operation of the Proton model (e.g. 'GetEnvironment').",
    );
    fixture.emu.control.injectFault('UpdateEnvironmentTemplate', { kind: 'internal' });
    const client = protonClient(fixture.emu, { maxAttempts: 1 });
    await expect(client.send(new UpdateEnvironmentTemplateCommand({ name: 't6' }))).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(client.send(new UpdateEnvironmentTemplateCommand({ name: 't6' }))).rejects.toMatchObject({ name: 'InternalServerException' });
  });
});

describe('faults for convergence tests: crash, targeted faults, random faults, held requests', () => {
  test('crash: the operation takes effect and the request is held, marked as a crash, with the caller\'s port; the client never hears back', async () => {
    templates.set('k1', { lastModifiedAt: 1 });
    const now = (fixture.emu.control.dump().clock as { nowMs: number }).nowMs;
    fixture.emu.control.injectFault('UpdateEnvironmentTemplate', { kind: 'crash', count: 1 });
    const sent = protonClient(fixture.emu, { maxAttempts: 1, requestTimeout: 300 }).send(new UpdateEnvironmentTemplateCommand({ name: 'k1' })).catch((e) => e);
    await waitUntil(() => fixture.emu.control.heldRequests().length === 1);
    const [held] = fixture.emu.control.heldRequests();
    expect(held).toEqual({ operation: 'UpdateEnvironmentTemplate', kind: 'crash', remotePort: expect.any(Number) });
    expect(held.remotePort).toBeGreaterThan(0);
    // Applied although nobody answered.
    expect(templates.get('k1')).toEqual({ displayName: 'updating', lastModifiedAt: now / 1000 });
    expect((await sent).name).toBe('TimeoutError');
    await waitUntil(() => fixture.emu.control.heldRequests().length === 0);
    expect(fixture.emu.control.callCounts()).toEqual({ UpdateEnvironmentTemplate: 1 });
  });

  test('a targeted fault hits only the calls whose body contains its text', async () => {
    templates.set('m1', { lastModifiedAt: 1 });
    templates.set('m2', { lastModifiedAt: 1 });
    fixture.emu.control.injectFault('GetEnvironmentTemplate', { kind: 'internal', count: 1, match: '"m2"' });
    expect(fixture.emu.control.dump().pendingFaults).toEqual({ GetEnvironmentTemplate: ['internal ("m2")'] });
    const client = protonClient(fixture.emu, { maxAttempts: 1 });
    await expect(client.send(new GetEnvironmentTemplateCommand({ name: 'm1' }))).resolves.toBeDefined();
    await expect(client.send(new GetEnvironmentTemplateCommand({ name: 'm2' }))).rejects.toMatchObject({ name: 'InternalServerException' });
    await expect(client.send(new GetEnvironmentTemplateCommand({ name: 'm2' }))).resolves.toBeDefined();
    expect(fixture.emu.control.dump().pendingFaults).toEqual({});
    expect(() => fixture.emu.control.injectFault('GetEnvironmentTemplate', { kind: 'internal', match: '' })).toThrow('Fault match must be a non-empty string, got "".');
  });

  test('random faults follow their seed: the same requests get the same faults', async () => {
    templates.set('r9', { lastModifiedAt: 1 });
    const outcomes = async () => {
      fixture.emu.control.setChaos({ probability: 0.5, kinds: ['internal', 'throttle'], seed: 42 });
      const client = protonClient(fixture.emu, { maxAttempts: 1 });
      const seen: string[] = [];
      for (let i = 0; i < 12; i++) {
        seen.push(await client.send(new GetEnvironmentTemplateCommand({ name: 'r9' })).then(() => 'ok', (e) => e.name));
      }
      fixture.emu.control.setChaos(undefined);
      return seen;
    };
    const first = await outcomes();
    expect(await outcomes()).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', 'InternalServerException', 'ThrottlingException']));
    fixture.emu.control.setChaos({ probability: 1, kinds: ['internal'], seed: 1, operations: 'mutating' });
    await expect(protonClient(fixture.emu, { maxAttempts: 1 }).send(new GetEnvironmentTemplateCommand({ name: 'r9' }))).resolves.toBeDefined();
    await expect(protonClient(fixture.emu, { maxAttempts: 1 }).send(new UpdateEnvironmentTemplateCommand({ name: 'r9' }))).rejects.toMatchObject({
      name: 'InternalServerException',
    });
    fixture.emu.control.setChaos(undefined);
    expect(() => fixture.emu.control.setChaos({ probability: 2, kinds: ['internal'], seed: 1 })).toThrow('Chaos probability must be within 0..1, got 2.');
    expect(() => fixture.emu.control.setChaos({ probability: 0.1, kinds: [], seed: 1 })).toThrow('Chaos needs at least one fault kind.');
  });

  test('the transitions applied are journaled with when they were scheduled and due', async () => {
    const t0 = (fixture.emu.control.dump().clock as { nowMs: number }).nowMs;
    const before = fixture.emu.control.transitions().length;
    await protonClient(fixture.emu).send(new UpdateEnvironmentTemplateCommand({ name: 'j1' }));
    fixture.emu.control.advance(4_000);
    expect(fixture.emu.control.transitions().slice(before).filter((t) => t.label.includes('j1'))).toEqual([{ label: 'template j1 settles', scheduledAtMs: t0, dueMs: t0 + 4_000 }]);
  });
});

/** Polls `condition` on the event loop (the emulator answers on it) until it holds. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolveTick) => setTimeout(resolveTick, 5));
  expect(condition()).toBe(true);
}

describe('rate limit (token bucket on the virtual clock)', () => {
  test('burst requests pass, the next is throttled until the clock moves', async () => {
    templates.set('r1', { lastModifiedAt: 1 });
    const client = protonClient(fixture.emu, { maxAttempts: 1 });
    fixture.emu.control.setRateLimit({ requestsPerSecond: 2, burst: 2 });
    await client.send(new GetEnvironmentTemplateCommand({ name: 'r1' }));
    await client.send(new GetEnvironmentTemplateCommand({ name: 'r1' }));
    await expect(client.send(new GetEnvironmentTemplateCommand({ name: 'r1' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
    });
    fixture.emu.control.advance(499);
    await expect(client.send(new GetEnvironmentTemplateCommand({ name: 'r1' }))).rejects.toMatchObject({ name: 'ThrottlingException' });
    fixture.emu.control.advance(1);
    await expect(client.send(new GetEnvironmentTemplateCommand({ name: 'r1' }))).resolves.toBeDefined();
    expect(fixture.emu.control.callCounts()).toEqual({ GetEnvironmentTemplate: 5 });
    expect(() => fixture.emu.control.setRateLimit({ requestsPerSecond: 0, burst: 1 })).toThrow(
      'A rate limit needs requestsPerSecond > 0 and burst >= 1, got {"requestsPerSecond":0,"burst":1}.',
    );
  });
});

describe('clock, scheduled transitions and scenario controls', () => {
  test('a transition applies when its due time is reached, stamped with its due time', async () => {
    const client = protonClient(fixture.emu);
    const t0 = (fixture.emu.control.dump().clock as { nowMs: number }).nowMs;
    await client.send(new UpdateEnvironmentTemplateCommand({ name: 'c1' }));
    expect(fixture.emu.control.dump().pendingTransitions).toEqual([{ dueMs: t0 + 4_000, label: 'template c1 settles' }]);
    fixture.emu.control.advance(3_999);
    expect((await client.send(new GetEnvironmentTemplateCommand({ name: 'c1' }))).environmentTemplate?.displayName).toBe('updating');
    fixture.emu.control.advance(10_000);
    const settled = (await client.send(new GetEnvironmentTemplateCommand({ name: 'c1' }))).environmentTemplate;
    expect(settled?.displayName).toBe('settled');
    expect(settled?.lastModifiedAt).toEqual(new Date(t0 + 4_000));
    expect(fixture.emu.control.dump().pendingTransitions).toEqual([]);
  });

  test('failNextDeployment and setOutputs are consumed by the resource', async () => {
    const client = protonClient(fixture.emu);
    fixture.emu.control.failNextDeployment('environment-template/c2', 'stack failed');
    fixture.emu.control.setOutputs('environment-template/c2', { displayName: 'from outputs' });
    expect(fixture.emu.control.dump().scenario).toMatchObject({
      pendingDeploymentFailures: { 'environment-template/c2': ['stack failed'] },
      outputOverrides: { 'environment-template/c2': { displayName: 'from outputs' } },
    });
    await client.send(new UpdateEnvironmentTemplateCommand({ name: 'c2' }));
    fixture.emu.control.advance(4_000);
    expect((await client.send(new GetEnvironmentTemplateCommand({ name: 'c2' }))).environmentTemplate?.displayName).toBe('stack failed');
    await client.send(new UpdateEnvironmentTemplateCommand({ name: 'c2' }));
    fixture.emu.control.advance(4_000);
    expect((await client.send(new GetEnvironmentTemplateCommand({ name: 'c2' }))).environmentTemplate?.displayName).toBe('from outputs');
  });

  test('setDurations changes later transitions and rejects unknown or negative durations', async () => {
    fixture.emu.control.setDurations({ registrationMs: 10 });
    await protonClient(fixture.emu).send(new UpdateEnvironmentTemplateCommand({ name: 'c3' }));
    fixture.emu.control.advance(10);
    expect(templates.get('c3')?.displayName).toBe('settled');
    fixture.emu.control.setDurations({ registrationMs: 4_000 });
    expect(() => fixture.emu.control.setDurations({ deployMs: 1 } as never)).toThrow(
      "Unknown duration 'deployMs'; allowed: registrationMs, deploymentMs, deletionMs, cancellationMs, serviceMs.",
    );
    expect(() => fixture.emu.control.setDurations({ deploymentMs: -1 })).toThrow("Duration 'deploymentMs' must be a number of milliseconds >= 0, got -1.");
    expect(() => fixture.emu.control.advance(-5)).toThrow('advance(ms) needs a finite number of milliseconds >= 0, got -5.');
  });
});

describe('scheduler (unit)', () => {
  test('runs due tasks in due order (ties in scheduling order), including tasks scheduled by tasks', () => {
    const clock = new EmulatorClock('manual', 1_000);
    const scheduler = new EmulatorScheduler(clock);
    const log: string[] = [];
    scheduler.after(300, 'c', () => log.push(`c@${clock.nowMs()}`));
    scheduler.after(100, 'a', () => {
      log.push(`a@${clock.nowMs()}`);
      scheduler.after(50, 'a2', () => log.push(`a2@${clock.nowMs()}`));
    });
    scheduler.after(100, 'b', () => log.push(`b@${clock.nowMs()}`));
    clock.advance(200);
    expect(log).toEqual(['a@1100', 'b@1100', 'a2@1150']);
    expect(clock.nowMs()).toBe(1_200);
    expect(scheduler.pending()).toEqual([{ dueMs: 1_300, label: 'c' }]);
    clock.advance(100);
    expect(log).toEqual(['a@1100', 'b@1100', 'a2@1150', 'c@1300']);
  });

  test('a real clock follows wall time plus advances', () => {
    const clock = new EmulatorClock('real');
    const before = Date.now();
    clock.advance(60_000);
    expect(clock.nowMs()).toBeGreaterThanOrEqual(before + 60_000);
  });
});

describe('HTTP control API', () => {
  async function call(method: string, route: string, body?: unknown) {
    const res = await fetch(`${fixture.emu.endpoint}/_emulator/${route}`, {
      method,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  test('drives the same state as the programmatic control', async () => {
    templates.set('h1', { lastModifiedAt: 1 });
    const nowBefore = (fixture.emu.control.dump().clock as { nowMs: number }).nowMs;
    expect(await call('POST', 'advance', { ms: 1_000 })).toEqual({ status: 200, body: {} });
    expect((fixture.emu.control.dump().clock as { nowMs: number }).nowMs).toBe(nowBefore + 1_000);

    expect(await call('POST', 'faults', { operation: 'GetEnvironmentTemplate', kind: 'throttle', count: 1 })).toEqual({ status: 200, body: {} });
    await expect(protonClient(fixture.emu, { maxAttempts: 1 }).send(new GetEnvironmentTemplateCommand({ name: 'h1' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(await call('GET', 'call-counts')).toEqual({ status: 200, body: { GetEnvironmentTemplate: 1 } });
    expect(await call('POST', 'reset-call-counts')).toEqual({ status: 200, body: {} });
    expect(await call('GET', 'call-counts')).toEqual({ status: 200, body: {} });

    expect(await call('POST', 'rate-limit', { requestsPerSecond: 1, burst: 3 })).toEqual({ status: 200, body: {} });
    expect((await call('GET', 'dump')).body.rateLimit).toEqual({ requestsPerSecond: 1, burst: 3 });
    expect(await call('POST', 'rate-limit', {})).toEqual({ status: 200, body: {} });
    expect((await call('GET', 'dump')).body.rateLimit).toBeNull();

    expect(await call('POST', 'chaos', { probability: 0.25, kinds: ['reset'], seed: 3, operations: 'mutating' })).toEqual({ status: 200, body: {} });
    expect((await call('GET', 'dump')).body.chaos).toEqual({ probability: 0.25, kinds: ['reset'], seed: 3, operations: 'mutating' });
    expect(await call('POST', 'chaos', {})).toEqual({ status: 200, body: {} });
    expect((await call('GET', 'dump')).body.chaos).toBeNull();
    expect(await call('GET', 'held-requests')).toEqual({ status: 200, body: [] });
    expect((await call('GET', 'transitions')).body).toEqual(fixture.emu.control.transitions());

    expect(await call('POST', 'fail-next-deletion', { targetKey: 'environment/dev', message: 'nope' })).toEqual({ status: 200, body: {} });
    expect((await call('GET', 'dump')).body.scenario.pendingDeletionFailures).toEqual({ 'environment/dev': ['nope'] });
    expect(fixture.emu.control.dump().scenario).toMatchObject({ pendingDeletionFailures: { 'environment/dev': ['nope'] } });
  });

  test('PUT objects stores bytes in the S3 store', async () => {
    const res = await fetch(`${fixture.emu.endpoint}/_emulator/objects/ctl-bucket/a/b.txt`, { method: 'PUT', body: 'hello' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ etag: '5d41402abc4b2a76b9719d911017c592' });
    expect((fixture.emu.control.dump().s3 as Record<string, unknown>)['ctl-bucket']).toEqual([
      { key: 'a/b.txt', size: 5, etag: '5d41402abc4b2a76b9719d911017c592' },
    ]);
  });

  test('bad requests say what is wrong', async () => {
    expect(await call('POST', 'advance', { ms: 'soon' })).toEqual({ status: 400, body: { error: "Member 'ms' must be a number, got \"soon\"." } });
    expect(await call('POST', 'advance', '[1]')).toEqual({ status: 400, body: { error: 'The request body must be a JSON object.' } });
    const unknown = await call('POST', 'teleport', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/^No control route POST \/_emulator\/teleport; routes: POST advance, /);
  });
});
