/**
 * Emulator throughput on loopback with the real Proton client: a mixed workload of creates,
 * gets, lists and not-found errors, run by N concurrent workers for a fixed number of requests.
 *
 *   npx ts-node --transpile-only -P test/tsconfig.json bench/emulator-throughput.ts [--requests 4000] [--concurrency 16]
 *
 * Prints one summary line per operation kind and the overall requests/second. Client and emulator
 * share one Node process, so the figure includes the SDK's own serialization and signing cost.
 */
import { parseArgs } from 'util';
// bench/ is a development script like test/ (the projen lint rule does not list bench/ yet).
import {
  CreateEnvironmentTemplateCommand,
  GetEnvironmentTemplateCommand,
  ListEnvironmentTemplatesCommand,
  ProtonClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-proton';
import { startEmulator } from '../local/emulator';

type Kind = 'create' | 'get' | 'list' | 'error';
/** Out of 10 requests: 2 creates, 4 gets, 2 lists, 2 errors. */
const MIX: Kind[] = ['create', 'get', 'get', 'list', 'error', 'create', 'get', 'get', 'list', 'error'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '4000' }, concurrency: { type: 'string', default: '16' } },
  });
  const total = Number(values.requests);
  const concurrency = Number(values.concurrency);
  if (!(total > 0) || !(concurrency > 0)) throw new Error('--requests and --concurrency must be positive integers.');

  const emu = await startEmulator({ clock: 'real' });
  const client = new ProtonClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  await client.send(new CreateEnvironmentTemplateCommand({ name: 'bench-seed' }));

  const latencies: Record<Kind, number[]> = { create: [], get: [], list: [], error: [] };
  let next = 0;
  const run = async (kind: Kind, i: number) => {
    switch (kind) {
      case 'create':
        return client.send(new CreateEnvironmentTemplateCommand({ name: `bench-${i}` }));
      case 'get':
        return client.send(new GetEnvironmentTemplateCommand({ name: 'bench-seed' }));
      case 'list':
        return client.send(new ListEnvironmentTemplatesCommand({ maxResults: 20 }));
      case 'error':
        return client.send(new GetEnvironmentTemplateCommand({ name: 'bench-missing' })).then(
          () => { throw new Error('expected ResourceNotFoundException'); },
          (e) => { if (!(e instanceof ResourceNotFoundException)) throw e; },
        );
    }
  };
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const kind = MIX[i % MIX.length];
      const t = process.hrtime.bigint();
      await run(kind, i);
      latencies[kind].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  };

  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  client.destroy();
  await emu.stop();

  for (const [kind, ms] of Object.entries(latencies)) {
    const sorted = [...ms].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
    process.stdout.write(`${kind.padEnd(6)} n=${String(ms.length).padStart(6)}  p50=${p(0.5)}ms  p99=${p(0.99)}ms\n`);
  }
  process.stdout.write(`${total} requests, concurrency ${concurrency}: ${(total / seconds).toFixed(0)} requests/second\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
