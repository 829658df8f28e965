// The message catalog: the schemas of every message registered so far, by (service, message id), for
// decoding indications and logs. qmi/ knows no service above it: each service module registers its own
// messages when it loads (qmi/messages.ts CTL, dms/, wda/ and wds/messages.ts), so a service's
// messages are here whenever its code is. src/services.ts loads every service for the users that need the
// full set (the emulated modem, frame decoders, the libqmi comparisons).
import type { Fields, MessageSchema } from './schema.js';

/** What a failed response of a service says beyond its QMI error: facts for details, words for the message. */
export interface ErrorDetail {
  readonly details: Readonly<Record<string, unknown>>;
  /** Appended to the error message, e.g. ", call end reason no-service". */
  readonly text: string;
}

export type ErrorDetailDecoder = (fields: Fields) => ErrorDetail | undefined;

const messages = new Map<string, MessageSchema>();
const errorDetails = new Map<number, ErrorDetailDecoder>();

const key = (service: number, id: number) => `${service}:${id}`;

/** Adds schemas to the catalog. The same schema twice is fine; another schema under a taken id is a bug. */
export function registerMessages(schemas: readonly MessageSchema[]): void {
  for (const schema of schemas) {
    const existing = messages.get(key(schema.service, schema.id));
    if (existing && existing !== schema) {
      throw new Error(`QMI message 0x${schema.id.toString(16)} of service ${schema.service} registered twice (${existing.name}, ${schema.name})`);
    }
    messages.set(key(schema.service, schema.id), schema);
  }
}

/** Lets a service name what its failed responses carry (WDS: call end reasons). One decoder per service. */
export function registerErrorDetail(service: number, decoder: ErrorDetailDecoder): void {
  const existing = errorDetails.get(service);
  if (existing && existing !== decoder) throw new Error(`error detail decoder of service ${service} registered twice`);
  errorDetails.set(service, decoder);
}

export function findMessage(service: number, id: number): MessageSchema | undefined {
  return messages.get(key(service, id));
}

/** Every registered schema, in registration order. */
export function registeredMessages(): readonly MessageSchema[] {
  return [...messages.values()];
}

/** The registered service's reading of a failed response's fields, if it has one. */
export function errorDetailOf(service: number, fields: Fields): ErrorDetail | undefined {
  return errorDetails.get(service)?.(fields);
}
