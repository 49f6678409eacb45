/** `startNamesrv(config)`: the launcher's in-process NameServer alone, its address as `addr`. Always call stop(). */
import type { NamesrvConfig } from '../../src/namesrv/config.js';
import { launch, type InProcessNamesrv } from '../../src/testing/launcher.js';

export interface TestNamesrv extends InProcessNamesrv {
  addr: string;
}

export async function startNamesrv(overrides: Partial<NamesrvConfig> = {}, options: { now?: () => number } = {}): Promise<TestNamesrv> {
  const ns = await launch({ mode: 'in-process-namesrv', namesrv: overrides, now: options.now });
  return { ...ns, addr: ns.namesrvAddr };
}
