// The warm-authenticate floor: the PKCS#11 work itself, in-process through pkcs11js, on SoftHSM.
// Per run: open a session, log in, find the private key (invisible before login), sign, log out, close.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Pkcs11Types from 'pkcs11js';
import { authPayload } from '../shared/protocol';

const require = createRequire(import.meta.url);
const pkcs11js = require('pkcs11js') as typeof Pkcs11Types;

export interface Pkcs11FloorKey {
  tokenLabel: string;
  pin: string;
  /** CKA_ID in hex. */
  id: string;
  kind: 'rsa2048' | 'p256';
}

/** One PKCS#11 module loaded in this process, for as long as the floor runs. */
export class Pkcs11Floor {
  private readonly lib: Pkcs11Types.PKCS11;

  constructor(modulePath: string, env: Record<string, string>) {
    // SoftHSM reads SOFTHSM2_CONF at C_Initialize.
    Object.assign(process.env, env);
    this.lib = new pkcs11js.PKCS11();
    this.lib.load(modulePath);
    this.lib.C_Initialize();
  }

  private slotOf(label: string): Buffer {
    for (const slot of this.lib.C_GetSlotList(true)) {
      if (this.lib.C_GetTokenInfo(slot).label.trim() === label) return slot;
    }
    throw new Error(`no token ${label}`);
  }

  /** A function doing one full sign with the given key over an authenticate payload. */
  signer(key: Pkcs11FloorKey, origin: string, challenge: string): () => Buffer {
    const { lib } = this;
    const slot = this.slotOf(key.tokenLabel);
    const payload = Buffer.from(authPayload(origin, challenge));
    const ckaId = Buffer.from(key.id, 'hex');
    const mechanism = key.kind === 'rsa2048' ? { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS } : { mechanism: pkcs11js.CKM_ECDSA };
    const out = Buffer.alloc(key.kind === 'rsa2048' ? 256 : 64);
    return () => {
      const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      try {
        lib.C_Login(session, pkcs11js.CKU_USER, key.pin);
        try {
          lib.C_FindObjectsInit(session, [
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
            { type: pkcs11js.CKA_ID, value: ckaId },
          ]);
          const found = lib.C_FindObjects(session, 1);
          lib.C_FindObjectsFinal(session);
          const handle = found[0];
          if (!handle) throw new Error('private key not found');
          // ECDSA on SoftHSM is raw CKM_ECDSA: the caller hashes, as the host must too.
          const data = key.kind === 'rsa2048' ? payload : createHash('sha256').update(payload).digest();
          lib.C_SignInit(session, mechanism, handle);
          return Buffer.from(lib.C_Sign(session, data, out));
        } finally {
          lib.C_Logout(session);
        }
      } finally {
        lib.C_CloseSession(session);
      }
    };
  }

  close(): void {
    try {
      this.lib.C_Finalize();
    } finally {
      this.lib.close();
    }
  }
}
