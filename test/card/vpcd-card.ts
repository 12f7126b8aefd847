// A card "inserted" into vsmartcard's vpcd reader: vpcd (loaded by pcscd) listens on TCP 35963,
// and a virtual card is whatever connects there. Frames both ways are a 2-byte big-endian length,
// then one control byte (0 power off, 1 power on, 2 reset, 4 ATR request) or an APDU; the card
// answers the ATR request and every APDU. Closing the connection pulls the card out.
import { connect, type Socket } from 'node:net';
import type { PivApplet } from './piv-applet';

export const VPCD_PORT = 35963;

/** 3B 89 80 01 + "Tokensign" as historical bytes + TCK: T=0 and T=1, no card-specific meaning to any driver. */
const ATR = (() => {
  const body = Buffer.concat([Buffer.from([0x89, 0x80, 0x01]), Buffer.from('Tokensign', 'ascii')]);
  const tck = body.reduce((x, b) => x ^ b, 0);
  return Buffer.concat([Buffer.from([0x3b]), body, Buffer.from([tck])]);
})();

/** One virtual card in the vpcd reader, for as long as its connection lasts. */
export class VpcdCard {
  private socket: Socket | undefined;
  private pending: Buffer = Buffer.alloc(0);
  /** The applet the next reset or power-on switches to (a swap pcscd sees only as a reset). */
  private swapTo: PivApplet | undefined;
  private atrRequests = 0;
  private atrWaiters: Array<() => void> = [];

  /**
   * `atrDelayMs`: the card answers pcscd's ATR request that much later, as a card still powering up
   * does (pcscd lists it as present only once it has the ATR).
   */
  constructor(
    public applet: PivApplet,
    private readonly options: { atrDelayMs?: number } = {},
  ) {}

  /** Connects to vpcd (retrying while pcscd starts); resolves once connected. */
  async insert(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        this.socket = await connectOnce();
        break;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`vpcd did not accept the card on 127.0.0.1:${VPCD_PORT}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    // Without it each APDU waits ~40 ms for Nagle's algorithm.
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => {});
  }

  /** Pulls the card out: the connection closes (pcscd then reports the reader empty). */
  async remove(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      socket.destroy();
    });
    this.applet.reset();
    this.pending = Buffer.alloc(0);
  }

  /**
   * Resolves once pcscd has asked for the card's ATR (it lists the card as present once it has it:
   * at once, or after atrDelayMs).
   */
  whenSeen(): Promise<void> {
    if (this.atrRequests > 0) return Promise.resolve();
    return new Promise((resolve) => this.atrWaiters.push(resolve));
  }

  get inserted(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  /**
   * Another card takes this one's place in the reader without the connection closing: all PC/SC
   * sees of it is the next reset (as when a card is swapped between two polls of the reader and
   * another program resets it).
   */
  swapOnNextReset(other: PivApplet): void {
    this.swapTo = other;
  }

  private onData(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 2) {
      const length = this.pending.readUInt16BE(0);
      if (this.pending.length < 2 + length) return;
      const frame = this.pending.subarray(2, 2 + length);
      this.pending = this.pending.subarray(2 + length);
      this.onFrame(Buffer.from(frame));
    }
  }

  private onFrame(frame: Buffer): void {
    if (frame.length === 1) {
      const control = frame[0];
      if (control === 4) {
        const delay = this.options.atrDelayMs ?? 0;
        if (delay > 0) setTimeout(() => this.send(ATR), delay);
        else this.send(ATR);
        this.atrRequests++;
        for (const wake of this.atrWaiters.splice(0)) wake();
      }
      else if (control === 0 || control === 1 || control === 2) {
        if (this.swapTo && control !== 0) {
          this.applet = this.swapTo;
          this.swapTo = undefined;
        }
        this.applet.reset();
      }
      return;
    }
    this.send(this.applet.transmit(frame));
  }

  private send(data: Buffer): void {
    const header = Buffer.alloc(2);
    header.writeUInt16BE(data.length, 0);
    this.socket?.write(Buffer.concat([header, data]));
  }
}

function connectOnce(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: VPCD_PORT });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e) => {
      socket.destroy();
      reject(e);
    });
  });
}
