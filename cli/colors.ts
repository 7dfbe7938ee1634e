/** ANSI colours for people at a terminal; none in a pipe or a file, or with NO_COLOR set. */
export interface Palette {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

export const COLORS: Palette = {
  green: wrap(32, 39),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
};

const same = (s: string) => s;
export const PLAIN: Palette = { green: same, red: same, yellow: same, cyan: same, dim: same, bold: same };

export function paletteFor(stream: NodeJS.WriteStream): Palette {
  return stream.isTTY && !process.env.NO_COLOR ? COLORS : PLAIN;
}
