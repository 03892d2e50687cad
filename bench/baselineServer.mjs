// The comparison baseline: the stock y-websocket server (@y/websocket-server 0.1.1, the last on yjs 13),
// in-memory, exactly as its own bin sets it up. Prints the same "listening" line as Tandem.
// The bench reads its event-loop delay (what Tandem exposes at /metrics) by sending SIGUSR2: the server
// prints one JSON line with the p99 since the previous signal and resets the histogram.
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setupWSConnection } from '@y/websocket-server/utils';
import { WebSocketServer } from 'ws';

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
process.on('SIGUSR2', () => {
  console.log(JSON.stringify({ msg: 'eventLoopLag', p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 }));
  loopDelay.reset();
});

const server = http.createServer((_request, response) => {
  response.writeHead(200);
  response.end('ok');
});
const wss = new WebSocketServer({ noServer: true });
wss.on('connection', setupWSConnection);
server.on('upgrade', (request, socket, head) => wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)));
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${server.address().port}` }));
});
