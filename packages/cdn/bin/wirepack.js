#!/usr/bin/env node
// The installed `wirepack` command. A committed shim, so the bin exists before a build: package
// managers link bins at install time, and a workspace install of an unbuilt dist/ warned.
await import('../dist/cli.js');
