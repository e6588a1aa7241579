const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const log = (line = ''): void => void process.stdout.write(`${line}\n`);
export const fmt = (n: number): string => int.format(n);
/** Items per second. */
export const rate = (items: number, ms: number): string => fmt((items * 1000) / ms);
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const ms = (value: number): string => value.toFixed(value < 10 ? 2 : 1);
export const times = (x: number): string => `${x.toFixed(x < 10 ? 2 : 1)}x`;
