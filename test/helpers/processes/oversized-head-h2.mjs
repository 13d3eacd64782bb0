// An HTTP/2 server (TLS, HTTP/1.1 allowed too) whose every answer has a 100 KiB header: more than an HTTP/2 header
// block may carry, so node:http2 cannot send the head; it resets the stream and closes the session.
// Run in a process of its own by startServerProcess: on Node 20 that failure now and then corrupts node:http2's
// heap ("corrupted size vs. prev_size in fastbins", then abort), which in the vitest worker ended a whole file.
import { createSecureServer } from 'node:http2';

process.once('message', ({ key, cert }) => {
  const server = createSecureServer({ key, cert, allowHTTP1: true }, (_req, res) => {
    res.on('error', () => {});
    res.writeHead(200, { 'x-big': 'x'.repeat(100 * 1024) });
    res.end('ok');
  });
  server.on('session', (session) => session.on('error', () => {}));
  server.on('sessionError', () => {});
  server.on('stream', (stream) => stream.on('error', () => {}));
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
});
// The test that started it is gone: so is it.
process.once('disconnect', () => process.exit(0));
