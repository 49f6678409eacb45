#!/usr/bin/env node
import '../dist/src/cli/mqadmin.js';
