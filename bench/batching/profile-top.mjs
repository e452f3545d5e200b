// `node bench/batching/profile-top.mjs <dir> [count]`: the top self-time frames of the V8 CPU profiles
// in <dir> (main threads; module loading left out, so a short run shows its steady state).
// Top self-time frames of V8 CPU profiles (main threads), leaving out module loading (tsx, esm hooks).
import { readdirSync, readFileSync } from 'node:fs';

const dir = process.argv[2];
const LOADER = /esm\/|cjs\/|bootstrap\/realm|register-|lexer|node:fs|node:path|internal\/url:15|modules\//;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && f.includes('.0.0'))) {
  const p = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const loading = new Map();
  const isLoading = (id) => {
    if (loading.has(id)) return loading.get(id);
    const n = byId.get(id);
    const f = n.callFrame;
    const v =
      LOADER.test(f.url) ||
      f.functionName === 'compileSourceTextModule' ||
      (parent.has(id) && isLoading(parent.get(id)));
    loading.set(id, v);
    return v;
  };
  const self = new Map();
  let busy = 0;
  for (const s of p.samples) {
    const f = byId.get(s).callFrame;
    if (f.functionName === '(idle)' || isLoading(s)) continue;
    busy++;
    const name = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`;
    self.set(name, (self.get(name) ?? 0) + 1);
  }
  console.log(`\n== ${file}: ${busy} busy samples outside module loading`);
  for (const [n, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, +(process.argv[3] ?? 15)))
    console.log(`${((100 * c) / busy).toFixed(1).padStart(5)}% ${n}`);
}
