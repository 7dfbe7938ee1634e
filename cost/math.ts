/** Small arithmetic helpers of the cost model. Pure. */
import type { Tier } from './types';

/**
 * The price of `quantity` units under volume tiers, each tier's `price` being per `per` units
 * (e.g. per 1,000,000 requests). Tiers are cumulative: `upTo` is where the band ends.
 */
export function tieredCost(quantity: number, tiers: readonly Tier[], per = 1): number {
  if (!(quantity > 0)) return 0;
  let cost = 0;
  let from = 0;
  for (const tier of tiers) {
    const to = tier.upTo ?? Infinity;
    if (quantity <= from) break;
    const inBand = Math.min(quantity, to) - from;
    if (inBand > 0) cost += (inBand / per) * tier.price;
    from = to;
  }
  if (quantity > from) throw new Error('price tiers must end with an open tier (upTo: null)');
  return cost;
}

/** The number of `unit`-sized chunks a payload of `bytes` is metered as (at least one). */
export function meteredUnits(bytes: number, unit: number): number {
  return Math.max(1, Math.ceil(bytes / unit));
}

/** Bytes of `n` raw bytes once base64-encoded. */
export function base64Bytes(n: number): number {
  return 4 * Math.ceil(n / 3);
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export const MILLION = 1_000_000;
export const GIB = 1024 ** 3;

/** "$1.00/M" style rate text for a single price or the first tier of a tiered one. */
export function rateText(price: number, per: string): string {
  return `$${trimPrice(price)}/${per}`;
}

/** Effective rate of a tiered charge, e.g. "$0.95/M (tiered)". */
export function effectiveRateText(cost: number, quantity: number, per: number, perLabel: string, tiers: readonly Tier[]): string {
  const first = tiers[0];
  if (quantity <= 0 || first === undefined) return first ? rateText(first.price, perLabel) : '-';
  const effective = (cost / quantity) * per;
  const tiered = first.upTo !== null && quantity > first.upTo;
  return `${rateText(effective, perLabel)}${tiered ? ' (tiered)' : ''}`;
}

function trimPrice(p: number): string {
  if (p >= 1) return p.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  if (p >= 0.01) return p.toFixed(3).replace(/0$/, '');
  return p.toPrecision(3);
}
