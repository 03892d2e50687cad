// The comparison baseline: the stock y-websocket server (@y/websocket-server 0.1.1, the last on yjs 13),
// in-memory, exactly as its own bin sets it up. Prints the same "listening" line as Tandem.
import http from 'node:http';
import { setupWSConnection } from '@y/websocket-server/utils';
import { WebSocketServer } from 'ws';

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
