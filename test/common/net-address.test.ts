import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { localIPv4Address } from '../../src/common/net-address.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo =>
  ({ address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: `${address}/24` }) as NetworkInterfaceInfo;

test("localIPv4Address follows Java's RemotingUtil.getLocalAddress order", () => {
  assert.equal(localIPv4Address({ lo: [v4('127.0.0.1', true)], eth0: [v4('10.0.0.5')], eth1: [v4('172.16.0.9')] }), '10.0.0.5', 'the first outside 127.0 / 192.168');
  assert.equal(localIPv4Address({ lo: [v4('127.0.0.1', true)], eth0: [v4('192.168.1.4')], eth1: [v4('10.0.0.5')] }), '10.0.0.5', '192.168 only as a last resort');
  assert.equal(localIPv4Address({ lo: [v4('127.0.0.1', true)], eth0: [v4('192.168.1.4')] }), '192.168.1.4', 'else the last IPv4');
  assert.equal(localIPv4Address({ lo: [v4('127.0.0.1', true)] }), '127.0.0.1');
  assert.equal(localIPv4Address({}), '127.0.0.1');
});
