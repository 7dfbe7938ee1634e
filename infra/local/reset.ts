/** `npm start -- --reset`: wipes the data dir for a clean slate, after a confirmation (or --yes). */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';

/** Returns whether to go on starting the hub (false: the user said no, or it was refused). */
export async function resetDataDir(dataDir: string, opts: { yes: boolean; log: (line: string) => void }): Promise<boolean> {
  if (!existsSync(dataDir) || readdirSync(dataDir).length === 0) {
    opts.log(`devhub: ${dataDir} is empty already; nothing to reset.`);
    return true;
  }
  const pid = runningPid(dataDir);
  if (pid !== undefined) {
    opts.log(`devhub: cannot reset ${dataDir}: a hub is running on it (pid ${pid}). Stop it first.`);
    return false;
  }
  if (!opts.yes && !(await confirm(`Delete ${dataDir} (devices, keys, messages, routes, logs)? [y/N] `))) {
    opts.log('devhub: reset cancelled; nothing was deleted.');
    return false;
  }
  // The dir itself may be a mount or a symlink the user chose: empty it rather than remove it.
  for (const entry of readdirSync(dataDir)) rmSync(join(dataDir, entry), { recursive: true, force: true });
  opts.log(`devhub: ${dataDir} reset.`);
  return true;
}

function runningPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'devhub.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Reads one answer from stdin (a terminal or a pipe); end of input means no. */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await Promise.race([rl.question(question), new Promise<string>((r) => rl.once('close', () => r('')))]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
