import type { IncomingMessage } from 'node:http';
import { readBody, RequestError, utf8 } from '../http/read-body.js';

/** API bodies are small: a triage change or a note. */
const API_BODY_LIMITS = { maxBytes: 1 << 20, maxDecoded: 4 << 20 };

export type JsonObject = { readonly [k: string]: unknown };

/**
 * The request body as a JSON object whose keys are all in `allowed`; RequestError 400/413/415 otherwise,
 * naming what is wrong (the body is not JSON, not an object, has a field the endpoint does not know).
 */
export async function readJsonBody(req: IncomingMessage, allowed: readonly string[]): Promise<JsonObject> {
  const type = String(req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json' && type !== '') {
    req.resume();
    throw new RequestError(415, `content-type '${type}' is not supported here: send application/json`);
  }
  const text = utf8(await readBody(req, API_BODY_LIMITS));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RequestError(400, `the body is not JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RequestError(400, 'the body must be a JSON object');
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new RequestError(400, `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (allowed: ${allowed.join(', ')})`);
  return value as JsonObject;
}

/** A field that must be one of `choices` when present. */
export function choiceField<T extends string>(body: JsonObject, name: string, choices: readonly T[]): T | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) throw new RequestError(400, `'${name}': ${JSON.stringify(v)} is not one of ${choices.join(', ')}`);
  return v as T;
}

/** A text field (trimmed, 1 to `max` characters) when present; null too when `nullable`. */
export function textField(body: JsonObject, name: string, max: number, nullable: boolean): string | null | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (v === null && nullable) return null;
  if (typeof v !== 'string' || v.trim() === '') throw new RequestError(400, `'${name}' must be a non-empty string${nullable ? ' or null' : ''}`);
  if (v.length > max) throw new RequestError(400, `'${name}' is ${v.length} characters long; at most ${max}`);
  return v.trim();
}
