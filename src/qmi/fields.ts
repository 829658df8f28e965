// Typed reads of decoded fields, for the helpers that turn a generic decode into a domain value.
import type { FieldValue, Fields } from './schema.js';

export function numberField(fields: Fields, name: string): number | undefined {
  const value = fields[name];
  return typeof value === 'number' ? value : undefined;
}

/** An enum field: its name when the table knows the number, else the number. */
export function enumField(fields: Fields, name: string): string | number | undefined {
  const value = fields[name];
  return typeof value === 'number' || typeof value === 'string' ? value : undefined;
}

export function stringField(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' ? value : undefined;
}

export function structField(fields: Fields, name: string): Record<string, FieldValue> | undefined {
  const value = fields[name];
  if (typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value)) return undefined;
  return value;
}
