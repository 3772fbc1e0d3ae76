// Values of the alerting tables' columns: times as integer epoch ms, enums checked, JSON columns parsed
// and checked, so a row that does not hold what the schema promises fails loudly instead of spreading.
import { MATCH_OPS, type Matcher } from '../lib/matchers.js';
import type { ActionItem, Labels } from './types.js';

const ACTION_ITEM_STATUSES: readonly ActionItem['status'][] = ['open', 'done'];

/** A time as the tables keep it: integer epoch ms. A non-finite time is a bug, refused before it lands. */
export function epochMs(value: number, what: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a time in epoch ms, got ${value}`);
  return Math.floor(value);
}

export function optionalEpochMs(value: number | null, what: string): number | null {
  return value === null ? null : epochMs(value, what);
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`store: unknown ${what} "${value}" in the database`);
  return value as T;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`store: the ${what} column does not hold JSON: ${text.slice(0, 100)}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseLabels(text: string): Labels {
  const value = parseJson(text, 'labels');
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new Error(`store: the labels column does not hold a label set: ${text.slice(0, 100)}`);
  }
  return value as Labels;
}

export function parseCounters(text: string): Readonly<Record<string, number>> {
  const value = parseJson(text, 'counters');
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'number')) {
    throw new Error(`store: the counters column does not hold numbers by name: ${text.slice(0, 100)}`);
  }
  return value as Record<string, number>;
}

export function parseMatchers(text: string): Matcher[] {
  const value = parseJson(text, 'matchers');
  if (!Array.isArray(value)) throw new Error(`store: the matchers column does not hold a list: ${text.slice(0, 100)}`);
  return value.map((item: unknown) => {
    if (!isRecord(item) || typeof item.label !== 'string' || typeof item.value !== 'string' || typeof item.op !== 'string') {
      throw new Error(`store: the matchers column holds something that is not a matcher: ${text.slice(0, 100)}`);
    }
    return { label: item.label, op: oneOf(item.op, MATCH_OPS, 'matcher op'), value: item.value };
  });
}

export function parseActionItems(text: string): ActionItem[] {
  const value = parseJson(text, 'action_items');
  if (!Array.isArray(value)) throw new Error(`store: the action_items column does not hold a list: ${text.slice(0, 100)}`);
  return value.map((item: unknown) => {
    if (!isRecord(item) || typeof item.title !== 'string' || !(item.owner === null || typeof item.owner === 'string') || typeof item.status !== 'string') {
      throw new Error(`store: the action_items column holds something that is not an action item: ${text.slice(0, 100)}`);
    }
    return { title: item.title, owner: item.owner, status: oneOf(item.status, ACTION_ITEM_STATUSES, 'action item status') };
  });
}

