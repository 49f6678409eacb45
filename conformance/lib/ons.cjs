'use strict';
/**
 * Shared plumbing for the ali-ons scenarios (one scenario per child process, see run.mjs).
 *
 * - Events go to stdout, one JSON object per line: {"ev":"sent"|"recv"|"error"|...,"t":<ms>,...}; the last
 *   line is {"ev":"done"}. Nothing else is written to stdout (ali-ons' own logging goes to stderr).
 * - Every remoting call ali-ons makes is appended to the file named by $TRACE (one JSON line per request
 *   and per response), so a failure can show what went over the wire. The tap wraps ali-ons' invoke
 *   methods from outside; it observes, it does not change what the client sends.
 * - Each scenario has its own deadline ($DEADLINE_MS); when it passes, the scenario reports a timeout and exits.
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const util = require('node:util');
const { pathToFileURL } = require('node:url');
const ons = require('ali-ons');
const RemotingClient = require('ali-ons/lib/remoting_client');
const MQClientAPI = require('ali-ons/lib/mq_client_api');

const env = {
  namesrv: process.env.NAMESRV,
  broker: process.env.BROKER,
  topic: process.env.TOPIC,
  group: process.env.GROUP,
  suffix: process.env.SUFFIX,
  trace: process.env.TRACE,
  onsAddr: process.env.ONS_ADDR,
  deadlineMs: Number(process.env.DEADLINE_MS || 30000),
};

const started = Date.now();
let finished = false;

function emit(ev, fields) {
  if (finished && ev !== 'done') return;
  process.stdout.write(JSON.stringify({ ev, t: Date.now(), ...fields }) + '\n');
}

function trace(rec) {
  if (!env.trace) return;
  try {
    fs.appendFileSync(env.trace, JSON.stringify({ t: Date.now() - started, ...rec }) + '\n');
  } catch {
    // tracing is best effort
  }
}

/** Ends the scenario: final event, flush stdout, exit (ali-ons keeps the process alive otherwise). */
function finish(code = 0) {
  if (finished) return;
  emit('done', { ms: Date.now() - started, code });
  finished = true;
  const exit = () => process.exit(code);
  process.stdout.write('', exit);
  setTimeout(exit, 500).unref();
}

const deadlineTimer = setTimeout(() => {
  emit('timeout', { afterMs: env.deadlineMs });
  finish(2);
}, env.deadlineMs);
deadlineTimer.unref();

process.on('unhandledRejection', (err) => {
  emit('error', { who: 'process', kind: 'unhandledRejection', ...errInfo(err) });
});
process.on('uncaughtException', (err) => {
  emit('error', { who: 'process', kind: 'uncaughtException', ...errInfo(err) });
  finish(3);
});

function errInfo(err) {
  return {
    name: err && err.name,
    code: err && err.code !== undefined ? err.code : undefined,
    message: String(err && err.message ? err.message : err).slice(0, 500),
  };
}

/** ali-ons logger: info/debug dropped, warn/error to stderr (stdout is reserved for events). */
const logger = {
  info() {},
  debug() {},
  warn(...args) {
    process.stderr.write('[ali-ons warn] ' + util.format(...args) + '\n');
  },
  error(...args) {
    process.stderr.write('[ali-ons error] ' + util.format(...args.map((a) => (a instanceof Error ? a.stack : a))) + '\n');
  },
};

/** The common client options of real-clients.md §5.3. */
function options(extra = {}) {
  const o = {
    httpclient: {},
    // Several NameServers (Java's 'a;b') are a list for ali-ons.
    nameSrv: env.namesrv && env.namesrv.includes(';') ? env.namesrv.split(';') : env.namesrv,
    rebalanceInterval: 1000,
    persistConsumerOffsetInterval: 1000,
    heartbeatBrokerInterval: 5000,
    pollNameServerInteval: 5000,
    logger,
    ...extra,
  };
  if (o.nameSrv === undefined) delete o.nameSrv;
  return o;
}

// ---- wire tap ----------------------------------------------------------------------------------------

const pullListeners = [];
/** Calls fn(record) after every PULL_MESSAGE ali-ons completes (decoded result included). */
function onPull(fn) {
  pullListeners.push(fn);
}

const requestListeners = [];
/** Calls fn({code, addr, ext, ok, resCode}) after every request ali-ons sent (ext as sent, signature fields included). */
function onRequest(fn) {
  requestListeners.push(fn);
}

function summarizeCommand(cmd) {
  const out = { code: cmd.code };
  if (cmd.remark) out.remark = String(cmd.remark).slice(0, 300);
  if (cmd.extFields && Object.keys(cmd.extFields).length) out.ext = cmd.extFields;
  if (cmd.body && cmd.body.length) {
    out.bodyLen = cmd.body.length;
    if (cmd.code !== 11 && cmd.body.length <= 2048 && (cmd.body[0] === 0x7b || cmd.body[0] === 0x5b)) {
      out.body = cmd.body.toString('utf8');
    }
  }
  return out;
}

const origInvoke = RemotingClient.prototype.invoke;
RemotingClient.prototype.invoke = async function tappedInvoke(addr, command, timeout) {
  const t0 = Date.now();
  const to = addr || 'namesrv';
  trace({ dir: 'req', to, opaque: command.opaque, code: command.code, header: command.customHeader || undefined, bodyLen: command.body ? command.body.length : 0, body: command.code === 34 && command.body ? command.body.toString('utf8') : undefined });
  try {
    const res = await origInvoke.call(this, addr, command, timeout);
    trace({ dir: 'res', from: to, opaque: command.opaque, reqCode: command.code, ms: Date.now() - t0, ...summarizeCommand(res) });
    for (const fn of requestListeners) fn({ code: command.code, addr: to, ext: command.extFields, ok: true, resCode: res.code });
    return res;
  } catch (err) {
    trace({ dir: 'fail', to, opaque: command.opaque, reqCode: command.code, ms: Date.now() - t0, error: String(err && err.message) });
    for (const fn of requestListeners) fn({ code: command.code, addr: to, ext: command.extFields, ok: false });
    throw err;
  }
};

const origOneway = RemotingClient.prototype.invokeOneway;
RemotingClient.prototype.invokeOneway = async function tappedOneway(addr, command) {
  trace({ dir: 'req', oneway: true, to: addr || 'namesrv', opaque: command.opaque, code: command.code, header: command.customHeader || undefined });
  try {
    return await origOneway.call(this, addr, command);
  } finally {
    for (const fn of requestListeners) fn({ code: command.code, addr: addr || 'namesrv', ext: command.extFields, ok: true });
  }
};

const origPull = MQClientAPI.prototype.pullMessage;
MQClientAPI.prototype.pullMessage = async function tappedPull(brokerAddr, header, timeoutMillis) {
  const t0 = Date.now();
  const req = { topic: header.topic, queueId: header.queueId, queueOffset: header.queueOffset, sysFlag: header.sysFlag, commitOffset: header.commitOffset, subscription: header.subscription, suspendTimeoutMillis: header.suspendTimeoutMillis };
  let result;
  let error;
  try {
    result = await origPull.call(this, brokerAddr, header, timeoutMillis);
    return result;
  } catch (err) {
    error = err;
    throw err;
  } finally {
    const rec = {
      ...req,
      clientId: this._clientConfig ? this._clientConfig.clientId : undefined,
      t0,
      t1: Date.now(),
      ms: Date.now() - t0,
      status: result ? result.pullStatus : 'ERROR',
      error: error ? String(error.message).slice(0, 300) : undefined,
      errorCode: error ? error.code : undefined,
      nextBeginOffset: result ? result.nextBeginOffset : undefined,
      minOffset: result ? result.minOffset : undefined,
      maxOffset: result ? result.maxOffset : undefined,
      msgs: result
        ? result.msgFoundList.map((m) => ({ queueOffset: m.queueOffset, tags: m.properties.TAGS, msgId: m.msgId, reconsumeTimes: m.reconsumeTimes, topic: m.topic }))
        : [],
    };
    trace({ dir: 'pull', ...rec });
    for (const fn of pullListeners) fn(rec);
  }
};

// ---- clients -----------------------------------------------------------------------------------------

const clients = [];

async function producer(extra = {}, who = 'producer') {
  const p = new ons.Producer(options({ producerGroup: `PID_${env.group}`, ...extra }));
  p.on('error', (err) => emit('error', { who, ...errInfo(err) }));
  markClosing(p, who);
  clients.push(p);
  await p.ready();
  return p;
}

/** A push consumer; `who` names it in events (and is its instanceName unless given). */
function consumer(extra = {}, who = 'consumer') {
  const c = new ons.Consumer(options({ consumerGroup: env.group, instanceName: who, ...extra }));
  c.on('error', (err) => emit('error', { who, ...errInfo(err) }));
  markClosing(c, who);
  clients.push(c);
  return c;
}

/**
 * Emits `closing` when a client starts to close. ali-ons closes its sockets while a scheduled rebalance
 * may still be reading offsets; the harness forgives that client's own socket-closed errors after this
 * event, and only those.
 */
function markClosing(client, who) {
  const close = client.close.bind(client);
  client.close = async (...args) => {
    emit('closing', { who });
    return close(...args);
  };
}

/** The main-topic queue ids a consumer currently owns (ali-ons' process queue table). */
function ownedQueues(c, topic = env.topic) {
  const ids = [];
  for (const { messageQueue } of c._processQueueTable.values()) {
    if (messageQueue.topic === topic) ids.push(Number(messageQueue.queueId));
  }
  return ids.sort((a, b) => a - b);
}

function sha(buf) {
  return crypto.createHash('sha256').update(buf || Buffer.alloc(0)).digest('hex');
}

/** What a send produced, as an event payload. */
function sentInfo(res, msg, extra = {}) {
  return {
    sendStatus: res.sendStatus,
    msgId: res.msgId,
    queueId: Number(res.messageQueue.queueId),
    queueOffset: res.queueOffset,
    brokerName: res.messageQueue.brokerName,
    tags: msg.properties.TAGS,
    keys: msg.properties.KEYS,
    props: userProps(msg.properties),
    bodyLen: msg.body ? msg.body.length : 0,
    ...extra,
  };
}

/** User properties only (the conformance scenarios prefix theirs with "u_"). */
function userProps(props) {
  const out = {};
  for (const [k, v] of Object.entries(props || {})) if (k.startsWith('u_')) out[k] = v;
  return out;
}

/** What a consumed message looked like, as an event payload. */
function recvInfo(msg, extra = {}) {
  return {
    msgId: msg.msgId,
    topic: msg.topic,
    queueId: Number(msg.queueId),
    queueOffset: msg.queueOffset,
    reconsumeTimes: msg.reconsumeTimes,
    originMessageId: msg.originMessageId,
    tags: msg.properties.TAGS,
    keys: msg.properties.KEYS,
    props: userProps(msg.properties),
    sysFlag: msg.sysFlag,
    bodyLen: msg.body ? msg.body.length : 0,
    bodySha: sha(msg.body),
    body: msg.body && msg.body.length <= 200 ? msg.body.toString('utf8') : undefined,
    bornTimestamp: msg.bornTimestamp,
    storeTimestamp: msg.storeTimestamp,
    storeHost: msg.storeHost,
    ...extra,
  };
}

/** A message with tags, keys and user properties (u_idx, u_color, u_run). */
function message(topic, tags, body, { keys, idx, extraProps } = {}) {
  const m = new ons.Message(topic, tags, body);
  if (keys) m.keys = keys;
  if (idx !== undefined) m.properties.u_idx = String(idx);
  m.properties.u_run = env.suffix;
  for (const [k, v] of Object.entries(extraProps || {})) m.properties[k] = v;
  return m;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 20 ms; resolves true when it holds, false after `ms`. */
async function waitFor(cond, ms) {
  const end = Date.now() + ms;
  for (;;) {
    if (cond()) return true;
    if (Date.now() > end) return false;
    await sleep(20);
  }
}

/** Apogee's admin client (lib/admin.mjs, our own codec) for checks of server state. */
async function admin() {
  const mod = await import(pathToFileURL(path.join(__dirname, 'admin.mjs')).href);
  return new mod.Admin();
}

/** Which queue index ali-ons picks for a sharding key (md5 → uint32 BE → mod #queues). */
function shardIndex(key, queues = 4) {
  return crypto.createHash('md5').update(key).digest().readUInt32BE() % queues;
}

// ---- commands from the harness (startScenario({ stdin: true }) in scenario.mjs) ----------------------

const commandWaiters = [];
const commandsSeen = [];
let stdinOpen = false;
function listenStdin() {
  if (stdinOpen) return;
  stdinOpen = true;
  let buf = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      let cmd;
      try {
        cmd = JSON.parse(line);
      } catch {
        emit('note', { what: 'unparsable command from the harness', line: line.slice(0, 200) });
        continue;
      }
      commandsSeen.push(cmd);
      emit('command', { cmd: cmd.cmd });
      for (const w of commandWaiters.splice(0)) w(cmd);
    }
  });
  process.stdin.on('error', () => {});
}

/** Whether the harness has sent the command named `name` (a JSON line {"cmd": name, ...} on stdin). */
function hasCommand(name) {
  listenStdin();
  return commandsSeen.some((c) => c.cmd === name);
}

/** Resolves with the harness' command `name` once it arrives (or at once if it already did), null after `ms`. */
function waitCommand(name, ms) {
  listenStdin();
  const seen = commandsSeen.find((c) => c.cmd === name);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), ms);
    const w = (cmd) => {
      if (cmd.cmd === name) {
        clearTimeout(t);
        resolve(cmd);
      } else commandWaiters.push(w);
    };
    commandWaiters.push(w);
  });
}

/** Runs a scenario body; an exception becomes an error event and a non-zero exit. */
function run(main) {
  emit('start', { topic: env.topic, group: env.group, namesrv: env.namesrv, broker: env.broker });
  Promise.resolve()
    .then(main)
    .then(
      () => finish(0),
      (err) => {
        emit('error', { who: 'scenario', ...errInfo(err), stack: String(err && err.stack).slice(0, 1500) });
        finish(1);
      },
    );
}

module.exports = {
  ons,
  env,
  emit,
  finish,
  run,
  trace,
  options,
  producer,
  consumer,
  ownedQueues,
  message,
  sentInfo,
  recvInfo,
  userProps,
  sha,
  sleep,
  waitFor,
  onPull,
  onRequest,
  admin,
  shardIndex,
  errInfo,
  logger,
  hasCommand,
  waitCommand,
};
