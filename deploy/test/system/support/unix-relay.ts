// Runs inside a network namespace (`ip netns exec <ns> node --import tsx unix-relay.ts SOCKET HOST PORT`):
// forwards every connection on the Unix socket SOCKET (a file, reachable from the test's namespace) to
// HOST:PORT in this namespace. It lets the test talk to a collector that lives behind the cut link.
import { connect, createServer } from 'node:net';

const [socketPath, host, portText] = process.argv.slice(2);
const port = Number(portText);
if (!socketPath || !host || !Number.isInteger(port)) {
  console.error('usage: unix-relay.ts SOCKET HOST PORT');
  process.exit(2);
}
const server = createServer((client) => {
  const upstream = connect(port, host);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  for (const socket of [client, upstream]) {
    socket.on('error', close);
    socket.on('close', close);
  }
  client.pipe(upstream).pipe(client);
});
server.listen(socketPath, () => console.error(`relay ${socketPath} -> ${host}:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
