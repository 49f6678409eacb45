/** How a node's command line is wrapped: as is on loopback, or inside its host's network namespace. */
import type { NodeSpec } from './topology.js';

export type Wrap = (argv: string[], node: NodeSpec) => string[];

export const noWrap: Wrap = (argv) => argv;
