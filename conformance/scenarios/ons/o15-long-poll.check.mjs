/** O15: the checks on the events of o15-long-poll.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { j, short, expectEachOnce } from '../../lib/expect.mjs';

export default {
  id: 'O15',
  file: 'o15-long-poll.cjs',
  title: 'long polling: idle pulls are held for the 2 s cap (no busy loop, numeric offsets); a message sent mid-poll is delivered in < 1 s',
  deadlineMs: 40_000,
  check(r, ctx) {
    const summary = r.one('pull-summary');
    const pulls = r.all('pull');
    const idle = pulls.filter((p) => p.inIdleWindow);
    for (let q = 0; q < 4; q++) {
      const n = summary.idleCount[q] ?? 0;
      assert.ok(n >= 1 && n <= 4, `queue ${q}: ${n} pulls completed within the ${summary.idleWindowMs} ms idle window; with pulls held ≈ 2 s (longPollingMaxMs) expect 1–4 (a busy loop shows hundreds; 0 means holds exceed the cap); ${summary.pulls} pulls in all`);
    }
    const cap = Number(ctx.brokerProps.longPollingMaxMs);
    const offCap = idle.filter((p) => p.ms < cap - 100 || p.ms > cap + 300);
    assert.equal(offCap.length, 0, `idle pulls must be held for the broker's cap longPollingMaxMs=${cap} ms (ali-ons asks suspendTimeoutMillis 15000), i.e. answered ${cap - 100}–${cap + 300} ms after the request: ${short(offCap.map((p) => ({ queueId: p.queueId, ms: p.ms, status: p.status })))}`);
    const notFound = idle.filter((p) => p.status !== 'NO_NEW_MSG');
    assert.equal(notFound.length, 0, `idle pulls must end PULL_NOT_FOUND: ${short(notFound.map((p) => ({ queueId: p.queueId, status: p.status, error: p.error })))}`);
    const nan = pulls.filter((p) => p.status !== 'ERROR' && ![p.nextBeginOffset, p.minOffset, p.maxOffset].every((v) => typeof v === 'number'));
    assert.equal(nan.length, 0, `pull answers without numeric nextBeginOffset/minOffset/maxOffset (ali-ons turns them into NaN): ${short(nan)}`);
    const s = r.one('sent');
    assert.ok(s.parked, `precondition: the message is sent while all 4 queues have a pull parked ≥ 500 ms (parked: ${j(s.parkedFor)})`);
    const lat = r.one('latency').ms;
    assert.ok(lat !== null, 'the message sent mid-poll was delivered');
    assert.ok(lat < 1000, `a message sent while a pull is parked must wake it: delivered after ${lat} ms (expected < 1000 ms)`);
    expectEachOnce([s], r.all('recv'), { label: 'O15' });
  },
};
