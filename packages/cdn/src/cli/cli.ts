#!/usr/bin/env node
// The `wirepack` bin. All logic lives in ./cli-main.ts, which tests call with their own argv and streams.
import { main } from './cli-main.ts';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
