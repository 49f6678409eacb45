/** Where a node's metrics endpoint listens: metricsPromExporterPort, or listenPort + 3 by default. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, metricsPortFor } from '../../src/common/config.js';
import { brokerDefaults } from '../../src/broker/config.js';
import { namesrvDefaults } from '../../src/namesrv/config.js';

test('the metrics port: listenPort + 3 by default (10914, 9879), a free port for listenPort 0, else as set', () => {
  assert.equal(metricsPortFor(brokerDefaults().listenPort, brokerDefaults().metricsPromExporterPort), 10914);
  assert.equal(metricsPortFor(namesrvDefaults().listenPort, namesrvDefaults().metricsPromExporterPort), 9879);
  assert.equal(metricsPortFor(0, -1), 0);
  assert.equal(metricsPortFor(10911, 5557), 5557);
  assert.equal(metricsPortFor(10911, 0), 0);
  assert.equal(brokerDefaults().metricsExporterType, 'PROM');
  assert.throws(() => metricsPortFor(65534, -1), (err: Error) => err instanceof ConfigError && /listenPort \+ 3 = 65537, which is no port/.test(err.message));
});
