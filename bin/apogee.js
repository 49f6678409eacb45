#!/usr/bin/env node
import '../dist/src/cli/apogee.js';
