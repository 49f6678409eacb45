/** O8: the checks on the events of o08-compression.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { expectEachOnce, expectSendsOk } from '../../lib/expect.mjs';

export default {
  id: 'O8',
  file: 'o08-compression.cjs',
  title: 'compression: 4095 B plain, 8 KiB text and 8 KiB random bodies round-trip byte-exact; sysFlag bit 0 kept on the compressed ones',
  deadlineMs: 30_000,
  check(r) {
    const sent = r.all('sent');
    assert.equal(sent.length, 3);
    expectSendsOk(sent, 'O8');
    const compressedSent = Object.fromEntries(sent.map((s) => [s.name, s.sentCompressed]));
    assert.deepEqual(compressedSent, { plain4095: false, text8k: true, random8k: true }, 'precondition: ali-ons compresses bodies ≥ 4096 bytes');
    const recv = r.all('recv');
    expectEachOnce(sent, recv, { label: 'O8' });
    for (const m of recv) {
      const s = sent.find((x) => x.keys === m.keys);
      assert.equal(m.bodyLen, s.bodyLen, `${s.name}: body length`);
      assert.equal(m.sysFlag & 1, s.sentCompressed ? 1 : 0, `${s.name}: stored SYSFLAG bit 0 (compressed) must be ${s.sentCompressed ? 1 : 0}, got sysFlag ${m.sysFlag}`);
    }
  },
};
