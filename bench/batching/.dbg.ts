import { createServer } from 'node:http';
import { Agent, setGlobalDispatcher } from 'undici';
import { createWirepackFetch } from './wirepack-client.ts';
import { createWirepackListener } from './wirepack-server.ts';

setGlobalDispatcher(new Agent({ connections: 6 }));
const server = createServer(createWirepackListener());
const chunksIn: Buffer[] = [];
const chunksOut: Buffer[] = [];
server.on('connection', (s) => {
  s.on('data', (d: Buffer) => chunksIn.push(d));
  const w = s.write.bind(s);
  (s as any).write = (d: any, ...rest: any[]) => {
    chunksOut.push(Buffer.from(d));
    return w(d, ...rest);
  };
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;
const f = createWirepackFetch(`http://127.0.0.1:${port}`);
const n = Number(process.argv[2] ?? 3);
for (let round = 0; round < 2; round++) {
  chunksIn.length = 0;
  chunksOut.length = 0;
  await Promise.all(
    Array.from({ length: n }, (_, i) => f(`http://127.0.0.1:${port}/api/users/${i}`).then((r) => r.json())),
  );
  const inb = Buffer.concat(chunksIn),
    outb = Buffer.concat(chunksOut);
  console.log('round', round, 'in', inb.length, 'out', outb.length, 'writes', chunksOut.length);
  if (round === 1) {
    console.log(inb.toString('latin1').replace(/[^\x20-\x7e\r\n]/g, '.'));
    console.log('-----');
    console.log(outb.toString('latin1').replace(/[^\x20-\x7e\r\n]/g, '.'));
  }
}
process.exit(0);
