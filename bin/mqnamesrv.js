#!/usr/bin/env node
import '../dist/src/cli/mqnamesrv.js';
