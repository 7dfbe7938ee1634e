// @bomb.sh/tab ships its types as .d.mts behind package exports, which this repository's
// `moduleResolution: node` cannot see; esbuild resolves the module itself. This is its signature
// (node_modules/@bomb.sh/tab/dist/commander.d.mts), narrowed to what the CLI uses.
declare module '@bomb.sh/tab/commander' {
  import type { Command } from 'commander';
  export default function tab(instance: Command, completionConfig?: { completionCommandName?: string }): unknown;
}
