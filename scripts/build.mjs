// Bundles every Lambda handler, the CLI and the local stack with esbuild (CommonJS, Node 20+).
// One bundle per function keeps deploy artifacts small and cold starts short.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const functions = readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
const localEntries = readdirSync(join(root, 'infra/local')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  keepNames: true,
};

await Promise.all([
  build({
    ...common,
    entryPoints: functions.map((f) => join(root, 'functions', f)),
    outdir: join(root, 'dist/functions'),
    minify: true,
    // middy is ESM-only; esbuild converts it into the CommonJS bundle.
    mainFields: ['module', 'main'],
  }),
  build({ ...common, entryPoints: [join(root, 'cli/main.ts')], outfile: join(root, 'dist/cli.js'), external: ['esbuild'] }),
  build({ ...common, entryPoints: [join(root, 'bench/run.ts')], outfile: join(root, 'dist/bench/run.js'), packages: 'external' }),
  build({ ...common, entryPoints: [join(root, 'bench/soak/main.ts')], outfile: join(root, 'dist/bench/soak.js'), packages: 'external' }),
  build({
    ...common,
    entryPoints: [join(root, 'bench/deviceCacheMemory.ts')],
    outfile: join(root, 'dist/bench/deviceCacheMemory.js'),
    packages: 'external',
  }),
  build({
    ...common,
    entryPoints: [join(root, 'bench/functionWorker.ts')],
    outfile: join(root, 'dist/bench/functionWorker.js'),
    packages: 'external',
  }),
  // The web console (served by functions/console.ts): one script and one stylesheet for browsers.
  build({
    entryPoints: { app: join(root, 'console/src/main.ts') },
    outdir: join(root, 'dist/console'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  }).then(() => {
    mkdirSync(join(root, 'dist/console'), { recursive: true });
    copyFileSync(join(root, 'console/index.html'), join(root, 'dist/console/index.html'));
  }),
  build({
    ...common,
    entryPoints: localEntries.map((f) => join(root, 'infra/local', f)),
    outdir: join(root, 'dist/local'),
    // Emulators and the framework are run from node_modules, not bundled.
    packages: 'external',
  }),
]);
