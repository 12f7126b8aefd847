// The cold-start floor: a bare Node process that answers one native frame and leaves when stdin closes.
// It does the least any host must do: start Node, read one framed request, write one framed reply.
let buffered = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32LE(0)) {
    const length = buffered.readUInt32LE(0);
    const request = JSON.parse(buffered.subarray(4, 4 + length).toString('utf8'));
    buffered = buffered.subarray(4 + length);
    const body = Buffer.from(JSON.stringify({ id: request.id, ok: true, result: { protocol: 1, version: '0.0.0', modules: [] } }));
    const header = Buffer.alloc(4);
    header.writeUInt32LE(body.length, 0);
    process.stdout.write(Buffer.concat([header, body]));
  }
});
