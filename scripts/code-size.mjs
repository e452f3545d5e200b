#!/usr/bin/env node
// Largest source files and functions, by lines, with the TypeScript compiler API (issue 12's measure:
// "the largest source file and function before and after"). Counts non-test TypeScript under each
// given folder's src/ (tests, test helpers and declarations excluded). A function is any function
// declaration, method, accessor, constructor, arrow or function expression, or class; its size is its
// line span, and nested functions are counted on their own too (the outer span includes them).
//
//   node scripts/code-size.mjs                        # the packages and plugins of the repo
//   node scripts/code-size.mjs packages/cdn --top 5   # one package, five of each
//   node scripts/code-size.mjs --json                 # machine-readable
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 5;
if (!Number.isSafeInteger(top) || top < 1)
  throw new TypeError(`--top must be a positive integer, got ${args[topIndex + 1]}`);
const targets = args.filter((arg, index) => !arg.startsWith('--') && index !== topIndex + 1);
const folders =
  targets.length > 0
    ? targets
    : [
        'packages/protocol',
        'packages/manifest',
        'packages/client',
        'packages/server',
        'packages/cdn',
        'plugins/vite',
      ];

const isSource = (path) =>
  path.endsWith('.ts') &&
  !path.endsWith('.d.ts') &&
  !/\.(test|spec|bench|e2e\.test)\.ts$/.test(path) &&
  !/(^|\/)(test-support|testing|test-helpers|__tests__)\//.test(path);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

const nameOf = (node, sourceFile) => {
  if (node.name) return node.name.getText(sourceFile);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  // An arrow or function expression takes the name of what it is assigned to.
  const parent = node.parent;
  if (
    parent &&
    (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
  )
    return parent.name.getText(sourceFile);
  return '(anonymous)';
};

const isFunctionLike = (node) =>
  ts.isFunctionDeclaration(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isConstructorDeclaration(node) ||
  ts.isGetAccessorDeclaration(node) ||
  ts.isSetAccessorDeclaration(node) ||
  ts.isArrowFunction(node) ||
  ts.isFunctionExpression(node) ||
  ts.isClassDeclaration(node);

const report = {};
for (const folder of folders) {
  const src = join(root, folder, 'src');
  const files = [];
  const functions = [];
  for (const path of walk(src)) {
    if (!isSource(relative(src, path))) continue;
    const text = readFileSync(path, 'utf8');
    const sourceFile = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const lines = sourceFile.getLineAndCharacterOfPosition(text.length).line + (text.endsWith('\n') ? 0 : 1);
    const file = relative(root, path);
    files.push({ file, lines });
    const visit = (node) => {
      if (isFunctionLike(node) && (node.body || ts.isClassDeclaration(node))) {
        const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line;
        const end = sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line;
        functions.push({
          name: `${ts.isClassDeclaration(node) ? 'class ' : ''}${nameOf(node, sourceFile)}`,
          file: `${file}:${start + 1}`,
          lines: end - start + 1,
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  files.sort((a, b) => b.lines - a.lines);
  functions.sort((a, b) => b.lines - a.lines);
  report[folder] = {
    files: files.length,
    lines: files.reduce((sum, file) => sum + file.lines, 0),
    largestFiles: files.slice(0, top),
    largestFunctions: functions.filter((fn) => !fn.name.startsWith('class ')).slice(0, top),
    largestClasses: functions.filter((fn) => fn.name.startsWith('class ')).slice(0, top),
  };
}

if (json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  for (const [folder, r] of Object.entries(report)) {
    console.log(`${folder}: ${r.files} source files, ${r.lines} lines`);
    for (const f of r.largestFiles) console.log(`  file      ${String(f.lines).padStart(4)}  ${f.file}`);
    for (const f of r.largestFunctions)
      console.log(`  function  ${String(f.lines).padStart(4)}  ${f.name}  ${f.file}`);
    for (const f of r.largestClasses)
      console.log(`  class     ${String(f.lines).padStart(4)}  ${f.name}  ${f.file}`);
  }
}
