import { createServer } from 'node:http';

/** A loopback webhook receiver in its own process: drains the body, answers 200. */
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send?.((server.address() as { port: number }).port));
