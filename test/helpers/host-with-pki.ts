// The built host on a fresh test PKI's SoftHSM tokens, with its certificate list and the CA in PEM:
// the set-up of the tests that make logins with the real host and check them with the relying party.
import { readFileSync } from 'node:fs';
import type { CertificateInfo } from '../../shared/protocol';
import { createTestPki, type TestPki } from '../fixtures/pki';
import { HostProcess } from './host-process';

export interface HostWithPki {
  pki: TestPki;
  host: HostProcess;
  certificates: CertificateInfo[];
  caPem: string;
}

export async function startHostWithPki(): Promise<HostWithPki> {
  const pki = createTestPki();
  const host = new HostProcess({ env: pki.env });
  const { certificates } = await host.call<{ certificates: CertificateInfo[] }>('list-certificates');
  return { pki, host, certificates, caPem: readFileSync(pki.caCertPem, 'utf8') };
}

export async function stopHostWithPki(fixture: HostWithPki | undefined): Promise<void> {
  await fixture?.host.close().catch(() => fixture.host.kill());
  fixture?.pki.cleanup();
}
