#!/usr/bin/env node
import '../dist/src/cli/mqbroker.js';
