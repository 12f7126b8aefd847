// A PIV card application (NIST SP 800-73-4, the part OpenSC's PIV driver uses): SELECT, GET DATA
// for the discovery object, CHUID and the certificates of slots 9A and 9C, VERIFY with a retry
// counter, GENERAL AUTHENTICATE with RSA-2048 and P-256 keys, command chaining in and response
// chaining (61xx + GET RESPONSE) out. Keys and certificates are the test PKI's, given at test time.
import { constants, createPrivateKey, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import { NIST_CURVES, digestNumber, scalarBytes } from '../../shared/ecdsa';
import { invert, multiply } from '../../shared/gost/gost3410';
import { SW, parseCommand, readTlvs, response, tlv, type CommandApdu } from './apdu';

/** The PIV application identifier (its first 9 bytes are what OpenSC selects). */
const PIV_AID = Buffer.from('a000000308000010000100', 'hex');
const PIV_AID_PREFIX = PIV_AID.subarray(0, 5);
const TAG_CHUID = 0x5fc102;
/** Certificate object tag of each key reference. */
const CERTIFICATE_TAGS: Record<number, number> = { 0x9a: 0x5fc105, 0x9c: 0x5fc10a };
/** GENERAL AUTHENTICATE algorithm identifiers (SP 800-78-4 table 6-2). */
const ALG_RSA_2048 = 0x07;
const ALG_ECC_P256 = 0x11;
const PIN_REFERENCE = 0x80;

export interface PivKeySlot {
  /** 0x9a (authentication) or 0x9c (digital signature). */
  reference: 0x9a | 0x9c;
  /** PKCS#8 or SEC1 PEM of an RSA-2048 or P-256 key. */
  keyPem: string;
  certificateDer: Buffer;
}

export interface PivCardOptions {
  pin: string;
  /** How many wrong PINs lock it (the counter starts there). */
  maxTries?: number;
  /** 16 bytes: the card's GUID in its CHUID, which OpenSC turns into the token's serial number. */
  guid: Buffer;
  keys: PivKeySlot[];
}

/** What the card logs of each command it answered (the tests read it). */
export interface ApduRecord {
  ins: number;
  p1: number;
  p2: number;
  sw: number;
}

interface LoadedKey {
  key: KeyObject;
  algorithm: number;
  certificateDer: Buffer;
}

export class PivApplet {
  readonly log: ApduRecord[] = [];
  /** Completed GENERAL AUTHENTICATE signatures (the tests count them). */
  signatures = 0;
  triesLeft: number;
  readonly maxTries: number;
  private verified = false;
  private chained: Buffer[] = [];
  private pendingResponse: Buffer = Buffer.alloc(0);
  private readonly keys = new Map<number, LoadedKey>();
  private readonly objects = new Map<number, Buffer>();

  constructor(private readonly options: PivCardOptions) {
    this.maxTries = options.maxTries ?? 3;
    this.triesLeft = this.maxTries;
    for (const slot of options.keys) {
      const key = createPrivateKey(slot.keyPem);
      const algorithm = key.asymmetricKeyType === 'rsa' ? ALG_RSA_2048 : ALG_ECC_P256;
      this.keys.set(slot.reference, { key, algorithm, certificateDer: slot.certificateDer });
      // Certificate object: the DER, CertInfo 00 (not compressed), an empty error detection code.
      this.objects.set(CERTIFICATE_TAGS[slot.reference]!, Buffer.concat([tlv(0x70, slot.certificateDer), tlv(0x71, Buffer.from([0])), tlv(0xfe)]));
    }
    const fascn = Buffer.from('d4e739da739ced39ce739d836858210842108421c84210c3eb', 'hex');
    this.objects.set(TAG_CHUID, Buffer.concat([tlv(0x30, fascn), tlv(0x34, options.guid), tlv(0x35, Buffer.from('20991231')), tlv(0x3e), tlv(0xfe)]));
  }

  /** True while the PIN stays verified (until a reset, power-off, or VERIFY with P1 = FF). */
  get pinVerified(): boolean {
    return this.verified;
  }

  /** Power on, off or reset: the security state and any chaining are gone. */
  reset(): void {
    this.verified = false;
    this.chained = [];
    this.pendingResponse = Buffer.alloc(0);
  }

  /** Answers one command APDU. */
  transmit(bytes: Buffer): Buffer {
    const command = parseCommand(bytes);
    const answer = command ? this.dispatch(command) : response(Buffer.alloc(0), SW.WRONG_LENGTH);
    if (command) this.log.push({ ins: command.ins, p1: command.p1, p2: command.p2, sw: answer.readUInt16BE(answer.length - 2) });
    return answer;
  }

  private dispatch(command: CommandApdu): Buffer {
    if ((command.cla & 0xe0) !== 0) return response(Buffer.alloc(0), SW.CLA_NOT_SUPPORTED);
    if (command.ins === 0xc0) return this.nextChunk(command.ne);
    this.pendingResponse = Buffer.alloc(0);
    if (command.cla & 0x10) {
      this.chained.push(command.data);
      return response(Buffer.alloc(0), SW.OK);
    }
    const data = Buffer.concat([...this.chained, command.data]);
    this.chained = [];
    const full = { ...command, data };
    switch (command.ins) {
      case 0xa4:
        return this.select(full);
      case 0xcb:
        return this.getData(full);
      case 0x20:
        return this.verify(full);
      case 0x87:
        return this.generalAuthenticate(full);
      default:
        return response(Buffer.alloc(0), SW.INS_NOT_SUPPORTED);
    }
  }

  /** Sends `data` in chunks of at most Ne bytes: 61xx says how much is left for GET RESPONSE. */
  private reply(data: Buffer, ne: number): Buffer {
    this.pendingResponse = data;
    return this.nextChunk(ne);
  }

  private nextChunk(ne: number): Buffer {
    const size = Math.min(this.pendingResponse.length, ne === 0 ? 256 : ne);
    const chunk = this.pendingResponse.subarray(0, size);
    this.pendingResponse = this.pendingResponse.subarray(size);
    const left = this.pendingResponse.length;
    return response(Buffer.from(chunk), left === 0 ? SW.OK : 0x6100 | Math.min(left, 0xff));
  }

  private select(command: CommandApdu): Buffer {
    if (command.p1 !== 0x04 || command.data.length < 5 || !command.data.subarray(0, 5).equals(PIV_AID_PREFIX)) {
      return response(Buffer.alloc(0), SW.NOT_FOUND);
    }
    const template = tlv(0x61, tlv(0x4f, PIV_AID.subarray(5)), tlv(0x79, tlv(0x4f, PIV_AID_PREFIX)));
    return this.reply(template, command.ne);
  }

  private getData(command: CommandApdu): Buffer {
    if (command.p1 !== 0x3f || command.p2 !== 0xff) return response(Buffer.alloc(0), SW.WRONG_P1P2);
    const tag = readTlvs(command.data).get(0x5c);
    if (!tag) return response(Buffer.alloc(0), SW.WRONG_DATA);
    if (tag.length === 1 && tag[0] === 0x7e) {
      // Discovery object: the PIV AID, and a PIN usage policy of "PIV PIN only".
      return this.reply(tlv(0x7e, tlv(0x4f, PIV_AID), tlv(0x5f2f, Buffer.from([0x40, 0x00]))), command.ne);
    }
    const object = tag.length === 3 ? this.objects.get(tag.readUIntBE(0, 3)) : undefined;
    if (!object) return response(Buffer.alloc(0), SW.NOT_FOUND);
    return this.reply(tlv(0x53, object), command.ne);
  }

  private verify(command: CommandApdu): Buffer {
    if (command.p2 !== PIN_REFERENCE) return response(Buffer.alloc(0), SW.NOT_FOUND);
    if (command.p1 === 0xff) {
      // SP 800-73-4 §3.2.1: VERIFY with P1 = FF resets the PIN's security status.
      this.verified = false;
      return response(Buffer.alloc(0), SW.OK);
    }
    if (this.triesLeft === 0) return response(Buffer.alloc(0), SW.PIN_BLOCKED);
    if (command.data.length === 0) return response(Buffer.alloc(0), this.verified ? SW.OK : 0x63c0 | this.triesLeft);
    const pin = Buffer.alloc(8, 0xff);
    Buffer.from(this.options.pin, 'utf8').copy(pin);
    if (command.data.equals(pin)) {
      this.triesLeft = this.maxTries;
      this.verified = true;
      return response(Buffer.alloc(0), SW.OK);
    }
    this.verified = false;
    this.triesLeft--;
    return response(Buffer.alloc(0), 0x63c0 | this.triesLeft);
  }

  private generalAuthenticate(command: CommandApdu): Buffer {
    const slot = this.keys.get(command.p2);
    if (!slot) return response(Buffer.alloc(0), SW.NOT_FOUND);
    if (command.p1 !== slot.algorithm) return response(Buffer.alloc(0), SW.WRONG_P1P2);
    if (!this.verified) return response(Buffer.alloc(0), SW.SECURITY_NOT_SATISFIED);
    const template = readTlvs(command.data).get(0x7c);
    const input = template ? readTlvs(template).get(0x81) : undefined;
    if (!input) return response(Buffer.alloc(0), SW.WRONG_DATA);
    const signature = slot.algorithm === ALG_RSA_2048 ? rsaRaw(slot.key, input) : ecdsaP256(slot.key, input);
    if (!signature) return response(Buffer.alloc(0), SW.WRONG_DATA);
    this.signatures++;
    return this.reply(tlv(0x7c, tlv(0x82, signature)), command.ne);
  }
}

/** The raw RSA private operation on a block the reader already padded. */
function rsaRaw(key: KeyObject, block: Buffer): Buffer | null {
  if (block.length !== 256) return null;
  return privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, block);
}

/** ECDSA P-256 over a digest, DER-encoded as a PIV card returns it (not constant-time: a test card). */
function ecdsaP256(key: KeyObject, digest: Buffer): Buffer {
  const curve = NIST_CURVES['P-256']!;
  const d = BigInt('0x' + Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url').toString('hex'));
  const e = digestNumber(curve, digest);
  for (;;) {
    const k = (BigInt('0x' + randomBytes(scalarBytes(curve) + 8).toString('hex')) % (curve.q - 1n)) + 1n;
    const point = multiply(curve, k, { x: curve.x, y: curve.y });
    if (!point) continue;
    const r = point.x % curve.q;
    const s = (invert(k, curve.q) * (e + r * d)) % curve.q;
    if (r !== 0n && s !== 0n) return tlv(0x30, derInteger(r), derInteger(s));
  }
}

function derInteger(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const bytes = Buffer.from(hex, 'hex');
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}
