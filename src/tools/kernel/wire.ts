/**
 * The Jupyter messaging protocol's wire format (version 5.3): how one message is
 * split into ZeroMQ frames and signed with HMAC-SHA256.
 * See https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol
 */
import { createHmac, randomUUID } from 'crypto';

/** The frame separating ZeroMQ routing identities from the signed message parts. */
export const WIRE_DELIMITER = '<IDS|MSG>';

/** Version of the messaging protocol this client speaks. */
export const PROTOCOL_VERSION = '5.3';

/** The header every Jupyter message carries. */
export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** A decoded Jupyter message (content is kept as parsed JSON). */
export interface JupyterMessage<C = Record<string, unknown>> {
  /** ZeroMQ routing prefix (empty for messages received on a DEALER socket). */
  identities: Buffer[];
  header: MessageHeader;
  /** Header of the request this message answers, or `{}`. */
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  /** Extra binary buffers after the content frame. */
  buffers: Buffer[];
}

/** Creates a fresh message header for `msgType` in `session`. */
export function makeHeader(msgType: string, session: string, username = 'vaelab'): MessageHeader {
  return {
    msg_id: randomUUID(),
    msg_type: msgType,
    session,
    username,
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}

/**
 * HMAC-SHA256 signature (lower-case hex) of the four signed parts, as Jupyter computes it.
 * An empty key disables signing and yields an empty signature.
 */
export function signParts(key: string, parts: ReadonlyArray<Buffer | string>): string {
  if (key === '') return '';
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

/** Encodes a message into ZeroMQ frames: identities, delimiter, signature, header, parent, metadata, content, buffers. */
export function encodeMessage(
  key: string,
  message: Pick<JupyterMessage, 'header' | 'parent_header' | 'metadata' | 'content'> & Partial<Pick<JupyterMessage, 'identities' | 'buffers'>>,
): Buffer[] {
  const signed = [message.header, message.parent_header, message.metadata, message.content].map((part) => Buffer.from(JSON.stringify(part), 'utf8'));
  return [...(message.identities ?? []), Buffer.from(WIRE_DELIMITER), Buffer.from(signParts(key, signed)), ...signed, ...(message.buffers ?? [])];
}

/**
 * Decodes ZeroMQ frames into a message and checks its signature.
 * Throws an Error when the delimiter is missing, parts are missing, JSON is invalid or the signature is wrong.
 */
export function decodeMessage(key: string, frames: ReadonlyArray<Buffer>): JupyterMessage {
  const delimiter = Buffer.from(WIRE_DELIMITER);
  const at = frames.findIndex((frame) => frame.equals(delimiter));
  if (at < 0) throw new Error(`Jupyter message has no "${WIRE_DELIMITER}" delimiter frame (got ${frames.length} frames)`);
  if (frames.length < at + 6) {
    throw new Error(`Jupyter message is truncated: expected signature + 4 parts after the delimiter, got ${frames.length - at - 1}`);
  }
  const signature = frames[at + 1].toString('utf8');
  const signed = frames.slice(at + 2, at + 6);
  const expected = signParts(key, signed);
  if (signature !== expected) {
    throw new Error(`Jupyter message has a bad HMAC signature (got "${signature.slice(0, 16)}…", expected "${expected.slice(0, 16)}…")`);
  }
  const [header, parent, metadata, content] = signed.map((part, i) => {
    try {
      return JSON.parse(part.toString('utf8')) as unknown;
    } catch (err) {
      const which = ['header', 'parent_header', 'metadata', 'content'][i];
      throw new Error(`Jupyter message ${which} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  });
  return {
    identities: frames.slice(0, at),
    header: header as MessageHeader,
    parent_header: (parent ?? {}) as Partial<MessageHeader>,
    metadata: (metadata ?? {}) as Record<string, unknown>,
    content: (content ?? {}) as Record<string, unknown>,
    buffers: frames.slice(at + 6),
  };
}
