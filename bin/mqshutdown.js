#!/usr/bin/env node
import '../dist/src/cli/mqshutdown.js';
