/**
 * mqadmin — NameServer: KV configuration and the NameServers' own configuration. Names, flags and
 * output follow Apache RocketMQ 4.x's tools/command/namesrv *Command classes.
 */
import { type Command, need, out, pad } from './command.js';

/** `-n a;b` as Apache's Get/UpdateNamesrvConfigCommand split it: the NameServers to act on. */
const namesrvList = (o: Record<string, unknown>): string[] | undefined =>
  typeof o.namesrvAddr === 'string' ? o.namesrvAddr.trim().split(';').filter((s) => s !== '') : undefined;

export const NAMESRV_COMMANDS: Record<string, Command> = {
  updateKvConfig: {
    desc: 'Create or update KV config.',
    options: {
      namespace: { type: 'string', short: 's', desc: 'set the namespace', required: true },
      key: { type: 'string', short: 'k', desc: 'set the key name', required: true },
      value: { type: 'string', short: 'v', desc: 'set the key value', required: true },
    },
    async run(admin, o) {
      await admin.putKVConfig(need(o, 'namespace', 's'), need(o, 'key', 'k'), need(o, 'value', 'v'));
      out('create or update kv config to namespace success.');
    },
  },
  deleteKvConfig: {
    desc: 'Delete KV config.',
    options: {
      namespace: { type: 'string', short: 's', desc: 'set the namespace', required: true },
      key: { type: 'string', short: 'k', desc: 'set the key name', required: true },
    },
    async run(admin, o) {
      await admin.deleteKVConfig(need(o, 'namespace', 's'), need(o, 'key', 'k'));
      out('delete kv config from namespace success.');
    },
  },
  getNamesrvConfig: {
    desc: 'Get configs of name server.',
    options: {},
    async run(admin, o) {
      for (const [server, config] of await admin.namesrvConfig(namesrvList(o))) {
        out(`============${server}============`);
        for (const [k, v] of config) out(`${pad(k, 50)}=  ${v}`);
      }
    },
  },
  updateNamesrvConfig: {
    desc: 'Update configs of name server.',
    options: {
      key: { type: 'string', short: 'k', desc: 'config key', required: true },
      value: { type: 'string', short: 'v', desc: 'config value', required: true },
    },
    async run(admin, o) {
      const [key, value] = [need(o, 'key', 'k'), need(o, 'value', 'v')];
      const servers = namesrvList(o);
      await admin.updateNamesrvConfig({ [key]: value }, servers);
      // Java prints the server list as a List's toString ("[a, b]"), or nothing when none was given.
      out(`update name server config success!${servers ? `[${servers.join(', ')}]` : ''}`);
      out(`${key} : ${value}`);
    },
  },
};
