/** mqadmin — NameServer: KV configuration. */
import { type Command, need, out } from './command.js';

export const NAMESRV_COMMANDS: Record<string, Command> = {
  updateKvConfig: {
    usage: 'updateKvConfig -s <namespace> -k <key> -v <value>',
    options: { namespace: { type: 'string', short: 's' }, key: { type: 'string', short: 'k' }, value: { type: 'string', short: 'v' } },
    async run(admin, o) {
      await admin.putKVConfig(need(o, 'namespace', 's'), need(o, 'key', 'k'), need(o, 'value', 'v'));
      out('create or update kv config to namespace success.');
    },
  },
  deleteKvConfig: {
    usage: 'deleteKvConfig -s <namespace> -k <key>',
    options: { namespace: { type: 'string', short: 's' }, key: { type: 'string', short: 'k' } },
    async run(admin, o) {
      await admin.deleteKVConfig(need(o, 'namespace', 's'), need(o, 'key', 'k'));
      out('delete kv config from namespace success.');
    },
  },
};
