#!/usr/bin/env node
/**
 * `cdk-proton`: the command this package ships (`npx cdk-proton ...`).
 *
 *   cdk-proton render --bundle <dir> --spec <spec.yaml> [--instance <name>] [--environment-name <name>]
 *                     [--service-name <name>] [--environment-output Key=Value ...] [--component-output Key=Value ...]
 *                     [--environment-account-id <id>] [--out <dir>]
 *
 * prints each CloudFormation file of the bundle rendered for the spec (see TemplateBundle.render),
 * or with --out writes them under <dir> (`<instance>/<path>` for instance files) for `cfn-lint`.
 * Problems are printed with their file and line, and the exit code is 1 (2 for a usage error).
 */
import * as fs from 'fs';
import * as path from 'path';
import { RenderedTemplateFile, TemplateBundle, TemplateBundleRenderOptions } from '../constructs/template-bundle';

const USAGE = `Usage: cdk-proton render --bundle <dir> --spec <spec.yaml> [--instance <name>] [--environment-name <name>]
                         [--service-name <name>] [--environment-output Key=Value ...] [--component-output Key=Value ...]
                         [--environment-account-id <id>] [--out <dir>]

Renders the CloudFormation (Jinja) files of a Proton template bundle for a spec, as Proton renders them
when it deploys, and prints them (or writes them under --out, e.g. for cfn-lint).`;

class UsageError extends Error {}

interface Parsed {
  readonly bundle: string;
  readonly out?: string;
  readonly options: TemplateBundleRenderOptions;
}

function parseArgs(args: string[]): Parsed {
  const [command, ...rest] = args;
  if (command !== 'render') throw new UsageError(command === undefined ? 'No command given.' : `Unknown command '${command}'.`);
  const single: { [flag: string]: string } = {};
  const pairs: { [flag: string]: { [key: string]: string } } = { '--environment-output': {}, '--component-output': {} };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value.`);
    i++;
    if (flag in pairs) {
      const eq = value.indexOf('=');
      if (eq <= 0) throw new UsageError(`${flag} takes Key=Value, got '${value}'.`);
      pairs[flag][value.slice(0, eq)] = value.slice(eq + 1);
    } else if (['--bundle', '--spec', '--instance', '--environment-name', '--service-name', '--environment-account-id', '--out'].includes(flag)) {
      single[flag] = value;
    } else {
      throw new UsageError(`Unknown option '${flag}'.`);
    }
  }
  if (!single['--bundle'] || !single['--spec']) throw new UsageError('render needs --bundle and --spec.');
  const spec = fs.readFileSync(single['--spec'], 'utf8');
  const environmentOutputs = pairs['--environment-output'];
  const componentOutputs = pairs['--component-output'];
  return {
    bundle: single['--bundle'],
    out: single['--out'],
    options: {
      spec,
      instanceName: single['--instance'],
      environmentName: single['--environment-name'],
      serviceName: single['--service-name'],
      environmentAccountId: single['--environment-account-id'],
      environmentOutputs: Object.keys(environmentOutputs).length > 0 ? environmentOutputs : undefined,
      componentOutputs: Object.keys(componentOutputs).length > 0 ? componentOutputs : undefined,
    },
  };
}

function header(file: RenderedTemplateFile): string {
  return `# ${file.path}${file.instanceName ? ` (instance ${file.instanceName})` : ''}`;
}

/** Runs the command; returns the exit code. */
export function main(args: string[], out: (text: string) => void, err: (text: string) => void): number {
  let parsed: Parsed;
  try {
    parsed = parseArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) {
      err(`${(e as Error).message}\n`);
      return 1;
    }
    err(`${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const files = TemplateBundle.fromDirectory(parsed.bundle).render(parsed.options);
    for (const file of files) {
      if (parsed.out) {
        const target = path.join(parsed.out, file.instanceName ?? '', file.path);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, file.content);
        out(`${target}\n`);
      } else {
        out(`${header(file)}\n${file.content}${file.content.endsWith('\n') ? '' : '\n'}`);
      }
    }
    return 0;
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), (t) => process.stdout.write(t), (t) => process.stderr.write(t));
}
