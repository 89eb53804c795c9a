#!/usr/bin/env node
// `kpi` command: runs src/cli.ts through tsx's loader in this same process (signals reach it directly).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
