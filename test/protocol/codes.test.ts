import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCode, isKnownRequestCode, requestCodeName } from '../../src/protocol/request-code.js';
import { ResponseCode, isKnownResponseCode, responseCodeName } from '../../src/protocol/response-code.js';
import { WIRE_FILES, readFrames } from '../helpers/fixtures.js';

test('request codes of the spec have their Java values', () => {
  assert.equal(RequestCode.SEND_MESSAGE, 10);
  assert.equal(RequestCode.PULL_MESSAGE, 11);
  assert.equal(RequestCode.SEND_MESSAGE_V2, 310);
  assert.equal(RequestCode.SEND_BATCH_MESSAGE, 320);
  assert.equal(RequestCode.HEART_BEAT, 34);
  assert.equal(RequestCode.GET_ROUTEINFO_BY_TOPIC, 105);
  assert.equal(RequestCode.GET_ROUTEINTO_BY_TOPIC, 105);
  assert.equal(RequestCode.QUERY_DATA_VERSION, 322);
  assert.equal(RequestCode.ADD_WRITE_PERM_OF_BROKER, 327);
  const namesrv = [100, 101, 102, 103, 104, 105, 106, 205, 206, 216, 219, 224, 304, 311, 312, 313, 318, 319, 322, 327];
  const broker = [10, 11, 12, 14, 15, 17, 21, 25, 26, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 41, 42, 43, 45, 46,
    200, 201, 202, 203, 204, 207, 208, 215, 222, 223, 300, 301, 303, 305, 306, 307, 308, 309, 310, 314, 315, 316, 317,
    320, 321, 50, 51, 52, 53];
  const brokerToClient = [39, 40, 220, 221, 307, 309];
  for (const code of [...namesrv, ...broker, ...brokerToClient]) {
    assert.ok(isKnownRequestCode(code), `request code ${code}`);
    assert.doesNotMatch(requestCodeName(code), /UNKNOWN/);
  }
});

test('request code names: unique values except the GET_ROUTEINTO alias, reverse lookup prefers the 4.9 name', () => {
  const byValue = new Map<number, string[]>();
  for (const [name, code] of Object.entries(RequestCode)) byValue.set(code, [...(byValue.get(code) ?? []), name]);
  for (const [code, names] of byValue) {
    if (code === 105) assert.deepEqual(names.sort(), ['GET_ROUTEINFO_BY_TOPIC', 'GET_ROUTEINTO_BY_TOPIC']);
    else assert.equal(names.length, 1, `${code}: ${names.join(', ')}`);
  }
  for (const [name, code] of Object.entries(RequestCode)) {
    if (name !== 'GET_ROUTEINTO_BY_TOPIC') assert.equal(requestCodeName(code), name);
  }
  assert.equal(requestCodeName(105), 'GET_ROUTEINFO_BY_TOPIC');
  assert.equal(requestCodeName(999), 'UNKNOWN(999)');
  assert.equal(isKnownRequestCode(999), false);
});

test('response codes', () => {
  const expected: Record<string, number> = {
    SUCCESS: 0, SYSTEM_ERROR: 1, SYSTEM_BUSY: 2, REQUEST_CODE_NOT_SUPPORTED: 3, TRANSACTION_FAILED: 4,
    FLUSH_DISK_TIMEOUT: 10, SLAVE_NOT_AVAILABLE: 11, FLUSH_SLAVE_TIMEOUT: 12, MESSAGE_ILLEGAL: 13,
    SERVICE_NOT_AVAILABLE: 14, VERSION_NOT_SUPPORTED: 15, NO_PERMISSION: 16, TOPIC_NOT_EXIST: 17,
    TOPIC_EXIST_ALREADY: 18, PULL_NOT_FOUND: 19, PULL_RETRY_IMMEDIATELY: 20, PULL_OFFSET_MOVED: 21,
    QUERY_NOT_FOUND: 22, SUBSCRIPTION_PARSE_FAILED: 23, SUBSCRIPTION_NOT_EXIST: 24, SUBSCRIPTION_NOT_LATEST: 25,
    SUBSCRIPTION_GROUP_NOT_EXIST: 26, FILTER_DATA_NOT_EXIST: 27, FILTER_DATA_NOT_LATEST: 28,
    TRANSACTION_SHOULD_COMMIT: 200, TRANSACTION_SHOULD_ROLLBACK: 201, TRANSACTION_STATE_UNKNOW: 202,
    TRANSACTION_STATE_GROUP_WRONG: 203, NO_BUYER_ID: 204, NOT_IN_CURRENT_UNIT: 205, CONSUMER_NOT_ONLINE: 206,
    CONSUME_MSG_TIMEOUT: 207, NO_MESSAGE: 208, UPDATE_AND_CREATE_ACL_CONFIG_FAILED: 209,
    DELETE_ACL_CONFIG_FAILED: 210, UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED: 211, FLOW_CONTROL: 215,
  };
  assert.deepEqual({ ...ResponseCode }, expected);
  for (const [name, code] of Object.entries(expected)) assert.equal(responseCodeName(code), name);
  assert.equal(responseCodeName(99), 'UNKNOWN(99)');
  assert.equal(isKnownResponseCode(17), true);
  assert.equal(isKnownResponseCode(99), false);
});

test('every code in the recorded traffic is known', () => {
  for (const file of WIRE_FILES) {
    for (const frame of readFrames(file)) {
      if (frame.isResponse) {
        assert.ok(isKnownResponseCode(frame.code), `${file}: response code ${frame.code}`);
        if (frame.requestCode !== undefined) assert.ok(isKnownRequestCode(frame.requestCode));
      } else {
        assert.ok(isKnownRequestCode(frame.code), `${file}: request code ${frame.code}`);
      }
    }
  }
});
