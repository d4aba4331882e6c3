import { createHmac } from 'crypto';
import { decodeMessage, encodeMessage, makeHeader, signParts, WIRE_DELIMITER } from '../src/tools/kernel/wire';

const KEY = 'a0f3c5e1-test-key';

describe('Jupyter wire protocol', () => {
  it('signs the four JSON parts with HMAC-SHA256 over their concatenation, as Jupyter does', () => {
    const parts = ['{"msg_id":"1"}', '{}', '{}', '{"code":"1+1"}'];
    const expected = createHmac('sha256', KEY).update(parts.join('')).digest('hex');
    expect(signParts(KEY, parts)).toBe(expected);
    expect(signParts('', parts)).toBe('');
  });

  it('encodes frames as identities, delimiter, signature, header, parent, metadata, content, buffers', () => {
    const header = makeHeader('execute_request', 'session-1');
    const frames = encodeMessage(KEY, {
      identities: [Buffer.from('peer')],
      header,
      parent_header: {},
      metadata: {},
      content: { code: 'console.log(1)' },
      buffers: [Buffer.from([1, 2, 3])],
    });
    expect(frames.map((f) => f.toString()).slice(0, 2)).toEqual(['peer', WIRE_DELIMITER]);
    expect(JSON.parse(frames[3].toString())).toEqual(header);
    expect(JSON.parse(frames[6].toString())).toEqual({ code: 'console.log(1)' });
    expect(frames[2].toString()).toBe(signParts(KEY, frames.slice(3, 7)));
    expect(frames[7]).toEqual(Buffer.from([1, 2, 3]));
  });

  it('decodes what it encodes, keeping the routing prefix and extra buffers', () => {
    const header = makeHeader('stream', 's');
    const parent = makeHeader('execute_request', 's');
    const frames = encodeMessage(KEY, {
      identities: [Buffer.from('a'), Buffer.from('b')],
      header,
      parent_header: parent,
      metadata: { x: 1 },
      content: { name: 'stdout', text: 'hi\n' },
      buffers: [Buffer.from('raw')],
    });
    const message = decodeMessage(KEY, frames);
    expect(message.identities.map(String)).toEqual(['a', 'b']);
    expect(message.header).toEqual(header);
    expect(message.parent_header.msg_id).toBe(parent.msg_id);
    expect(message.metadata).toEqual({ x: 1 });
    expect(message.content).toEqual({ name: 'stdout', text: 'hi\n' });
    expect(message.buffers.map(String)).toEqual(['raw']);
  });

  it('makes headers with protocol version 5.3 and unique ids', () => {
    const a = makeHeader('kernel_info_request', 's');
    const b = makeHeader('kernel_info_request', 's');
    expect(a.version).toBe('5.3');
    expect(a.msg_id).not.toBe(b.msg_id);
    expect(Number.isNaN(Date.parse(a.date))).toBe(false);
  });

  it('rejects a message whose signature does not match (tampered content or wrong key)', () => {
    const frames = encodeMessage(KEY, { header: makeHeader('status', 's'), parent_header: {}, metadata: {}, content: { execution_state: 'idle' } });
    const tampered = [...frames];
    tampered[5] = Buffer.from('{"execution_state":"busy"}');
    expect(() => decodeMessage(KEY, tampered)).toThrow(/bad HMAC signature/);
    expect(() => decodeMessage('other-key', frames)).toThrow(/bad HMAC signature/);
  });

  it('rejects frames without the delimiter, truncated messages and invalid JSON', () => {
    expect(() => decodeMessage(KEY, [Buffer.from('x')])).toThrow(/delimiter/);
    expect(() => decodeMessage(KEY, [Buffer.from(WIRE_DELIMITER), Buffer.from('sig'), Buffer.from('{}')])).toThrow(/truncated/);
    const parts = ['{', '{}', '{}', '{}'].map((p) => Buffer.from(p));
    const frames = [Buffer.from(WIRE_DELIMITER), Buffer.from(signParts(KEY, parts)), ...parts];
    expect(() => decodeMessage(KEY, frames)).toThrow(/header is not valid JSON/);
  });
});
