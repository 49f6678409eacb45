/** Host addresses: `ip:port` text, and IP text a record cannot hold. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecord } from '../../src/codec/message-record.js';
import { parseHostAddress } from '../../src/codec/host-address.js';
import { exampleFields } from './record-fields.js';

test('host parsing', () => {
  assert.deepEqual(parseHostAddress('127.0.0.1:10911'), { ip: '127.0.0.1', port: 10911 });
  assert.deepEqual(parseHostAddress('[::1]:80'), { ip: '::1', port: 80 });
  assert.throws(() => encodeRecord(exampleFields({ bornHost: { ip: 'not-an-ip', port: 1 } })));
  assert.throws(() => encodeRecord(exampleFields({ topic: 'x'.repeat(128) })));
});
