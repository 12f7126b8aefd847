// The list-certificates floor: a bare Node process that, for each framed request, walks every
// PKCS#11 token of the modules in TOKENSIGN_PKCS11_MODULES and reads each certificate's value,
// id and label, then answers one frame. No X.509 parsing: the least a listing can do.
import { createRequire } from 'node:module';
import { delimiter } from 'node:path';

const require = createRequire(import.meta.url);
let modules = null;

function load() {
  const pkcs11js = require('pkcs11js');
  return (process.env.TOKENSIGN_PKCS11_MODULES ?? '').split(delimiter).filter(Boolean).map((path) => {
    const lib = new pkcs11js.PKCS11();
    lib.load(path);
    lib.C_Initialize();
    return { lib, pkcs11js };
  });
}

function listCertificates() {
  modules ??= load();
  const certificates = [];
  for (const { lib, pkcs11js } of modules) {
    for (const slot of lib.C_GetSlotList(true)) {
      // SoftHSM always shows one empty, uninitialized token: it has nothing to list.
      if (!(lib.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED)) continue;
      const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      try {
        lib.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }]);
        const handles = lib.C_FindObjects(session, 1000);
        lib.C_FindObjectsFinal(session);
        for (const handle of handles) {
          const [value, id, label] = lib.C_GetAttributeValue(session, handle, [
            { type: pkcs11js.CKA_VALUE },
            { type: pkcs11js.CKA_ID },
            { type: pkcs11js.CKA_LABEL },
          ]);
          certificates.push({ der: value.value.toString('base64'), id: id.value.toString('hex'), label: label.value.toString() });
        }
      } finally {
        lib.C_CloseSession(session);
      }
    }
  }
  return certificates;
}

let buffered = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32LE(0)) {
    const length = buffered.readUInt32LE(0);
    const request = JSON.parse(buffered.subarray(4, 4 + length).toString('utf8'));
    buffered = buffered.subarray(4 + length);
    const body = Buffer.from(JSON.stringify({ id: request.id, ok: true, result: { certificates: listCertificates() } }));
    const header = Buffer.alloc(4);
    header.writeUInt32LE(body.length, 0);
    process.stdout.write(Buffer.concat([header, body]));
  }
});
