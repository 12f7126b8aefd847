// Store, Certificates and Certificate objects over the certificates the host lists (MAIN world).
import { OID } from '../../shared/oids';
import type { CadesCertificate } from './bridge';
import { CADES_CONSTANTS as C, EMULATED_CSP_NAME } from './constants';
import { argBoolean, argNumber, argString, type CadesRuntime, type ObjectImpl } from './runtime';

export interface CertificateImpl extends ObjectImpl {
  kind: 'Certificate';
  data: CadesCertificate;
}

const FRIENDLY_NAMES: Record<string, string> = {
  [OID.gost2012_256]: 'ГОСТ Р 34.10-2012 256 бит',
  [OID.gost2012_512]: 'ГОСТ Р 34.10-2012 512 бит',
  [OID.rsaEncryption]: 'RSA',
  [OID.ecPublicKey]: 'ECC',
};
/** CAPICOM_EKU_* numbers of the usages it names. */
const EKU_NAMES: Record<string, number> = { [OID.clientAuth]: 2, [OID.smartcardLogon]: 5 };

function collection(rt: CadesRuntime, kind: string, items: () => unknown[]): object {
  return rt.wrap({
    kind,
    get: { Count: () => items().length },
    call: {
      Item: (index: unknown) => {
        const i = argNumber(rt, index, 'Index');
        const list = items();
        if (i < 1 || i > list.length) rt.fail('INVALID_ARGUMENT', `Index ${i}`);
        return list[i - 1];
      },
    },
  });
}

function publicKey(rt: CadesRuntime, c: CadesCertificate): object {
  const algorithm = rt.wrap({ kind: 'OID', get: { Value: () => c.keyAlgorithmOid, FriendlyName: () => FRIENDLY_NAMES[c.keyAlgorithmOid] ?? c.keyAlgorithmName, Name: () => 0 } });
  return rt.wrap({ kind: 'PublicKey', get: { Algorithm: () => algorithm, Length: () => c.keyLength } });
}

function privateKey(rt: CadesRuntime, c: CadesCertificate): object {
  if (!c.hasPrivateKey) rt.fail('NOT_FOUND');
  const gost = c.keyAlgorithmOid.startsWith('1.2.643.');
  const value = (v: unknown) => () => v;
  return rt.wrap({
    kind: 'PrivateKey',
    get: {
      ProviderName: value(EMULATED_CSP_NAME),
      ProviderType: value(c.keyAlgorithmOid === OID.gost2012_512 ? 81 : gost ? 80 : 24),
      ContainerName: value(c.thumbprint),
      UniqueContainerName: value(c.thumbprint),
      KeySpec: value(gost ? C.AT_KEYEXCHANGE : C.AT_SIGNATURE),
      IsHardwareDevice: value(true),
      IsRemovable: value(true),
      IsExportable: value(false),
      IsAccessible: value(true),
      IsProtected: value(true),
    },
  });
}

function extendedKeyUsage(rt: CadesRuntime, c: CadesCertificate): object {
  const ekus = (c.ekus ?? []).map((oid) => rt.wrap({ kind: 'EKU', get: { OID: () => oid, Name: () => EKU_NAMES[oid] ?? C.CAPICOM_EKU_OTHER } }));
  const list = collection(rt, 'EKUs', () => ekus);
  return rt.wrap({ kind: 'ExtendedKeyUsage', get: { IsPresent: () => c.ekus !== null, IsCritical: () => false, EKUs: () => list } });
}

function keyUsage(rt: CadesRuntime, c: CadesCertificate): object {
  const bit = (mask: number) => () => c.keyUsage === -1 || (c.keyUsage & mask) !== 0;
  return rt.wrap({
    kind: 'KeyUsage',
    get: {
      IsPresent: () => c.keyUsage !== -1,
      IsCritical: () => false,
      IsDigitalSignatureEnabled: bit(128),
      IsNonRepudiationEnabled: bit(64),
      IsKeyEnciphermentEnabled: bit(32),
      IsDataEnciphermentEnabled: bit(16),
      IsKeyAgreementEnabled: bit(8),
      IsKeyCertSignEnabled: bit(4),
      IsCRLSignEnabled: bit(2),
    },
  });
}

function info(rt: CadesRuntime, c: CadesCertificate, type: unknown): string {
  switch (argNumber(rt, type, 'InfoType')) {
    case C.CAPICOM_CERT_INFO_SUBJECT_SIMPLE_NAME:
      return c.subjectSimpleName;
    case C.CAPICOM_CERT_INFO_ISSUER_SIMPLE_NAME:
      return c.issuerSimpleName;
    case C.CAPICOM_CERT_INFO_SUBJECT_EMAIL_NAME:
      return c.subjectEmail;
    default:
      return '';
  }
}

export function certificateObject(rt: CadesRuntime, c: CadesCertificate): object {
  const status = rt.wrap({ kind: 'CertificateStatus', get: { Result: () => c.status === 'valid' }, call: { CheckFlag: () => 0 } });
  const impl: CertificateImpl = {
    kind: 'Certificate',
    data: c,
    get: {
      SubjectName: () => c.subjectName,
      IssuerName: () => c.issuerName,
      SerialNumber: () => c.serialNumber,
      Thumbprint: () => c.thumbprint,
      ValidFromDate: () => c.validFrom,
      ValidToDate: () => c.validTo,
      Version: () => 3,
      PrivateKey: () => privateKey(rt, c),
    },
    call: {
      HasPrivateKey: () => c.hasPrivateKey,
      IsValid: () => status,
      GetInfo: (type: unknown) => info(rt, c, type),
      Export: (encoding: unknown) => (argNumber(rt, encoding, 'EncodingType', 0) === C.CADESCOM_ENCODE_BINARY ? atob(c.der) : c.der),
      PublicKey: () => publicKey(rt, c),
      ExtendedKeyUsage: () => extendedKeyUsage(rt, c),
      KeyUsage: () => keyUsage(rt, c),
      BasicConstraints: () => rt.wrap({ kind: 'BasicConstraints', get: { IsPresent: () => false, IsCA: () => false } }),
      FindPrivateKey: () => (c.hasPrivateKey ? undefined : rt.fail('NOT_FOUND')),
    },
  };
  return rt.wrap(impl);
}

function timeOf(rt: CadesRuntime, criteria: unknown): number {
  if (criteria === undefined || criteria === null || criteria === '') return Date.now();
  const time = criteria instanceof Date ? criteria.getTime() : typeof criteria === 'string' || typeof criteria === 'number' ? new Date(criteria).getTime() : NaN;
  return Number.isNaN(time) ? rt.fail('INVALID_ARGUMENT', 'FindValue') : time;
}

function matcher(rt: CadesRuntime, type: number, criteria: unknown): (c: CadesCertificate) => boolean {
  const text = (): string => argString(rt, criteria, 'FindValue').toLowerCase();
  switch (type) {
    case C.CAPICOM_CERTIFICATE_FIND_SHA1_HASH: {
      const sha1 = text().replace(/\s/g, '').toUpperCase();
      return (c) => c.thumbprint === sha1;
    }
    case C.CAPICOM_CERTIFICATE_FIND_SUBJECT_NAME: {
      const part = text();
      return (c) => c.subjectName.toLowerCase().includes(part);
    }
    case C.CAPICOM_CERTIFICATE_FIND_ISSUER_NAME: {
      const part = text();
      return (c) => c.issuerName.toLowerCase().includes(part);
    }
    case C.CAPICOM_CERTIFICATE_FIND_EXTENDED_PROPERTY: {
      const property = argNumber(rt, criteria, 'FindValue');
      return (c) => (property === C.CAPICOM_PROPID_KEY_PROV_INFO ? c.hasPrivateKey : false);
    }
    case C.CAPICOM_CERTIFICATE_FIND_APPLICATION_POLICY: {
      const oid = argString(rt, criteria, 'FindValue');
      return (c) => c.ekus === null || c.ekus.includes(oid);
    }
    case C.CAPICOM_CERTIFICATE_FIND_CERTIFICATE_POLICY: {
      const oid = argString(rt, criteria, 'FindValue');
      return (c) => c.policies.includes(oid);
    }
    case C.CAPICOM_CERTIFICATE_FIND_TIME_VALID:
    case C.CAPICOM_CERTIFICATE_FIND_TIME_NOT_YET_VALID:
    case C.CAPICOM_CERTIFICATE_FIND_TIME_EXPIRED: {
      const t = timeOf(rt, criteria);
      if (type === C.CAPICOM_CERTIFICATE_FIND_TIME_VALID) return (c) => Date.parse(c.validFrom) <= t && t <= Date.parse(c.validTo);
      if (type === C.CAPICOM_CERTIFICATE_FIND_TIME_EXPIRED) return (c) => Date.parse(c.validTo) < t;
      return (c) => Date.parse(c.validFrom) > t;
    }
    case C.CAPICOM_CERTIFICATE_FIND_KEY_USAGE: {
      const mask = argNumber(rt, criteria, 'FindValue');
      return (c) => c.keyUsage === -1 || (c.keyUsage & mask) === mask;
    }
    default:
      return rt.fail('NOT_IMPLEMENTED', `FindType ${type}`);
  }
}

/** A Certificates collection over a fixed list: Count, Item(i) (1-based) and Find. */
export function certificatesObject(rt: CadesRuntime, list: readonly CadesCertificate[]): object {
  const objects = list.map((c) => certificateObject(rt, c));
  const base = collection(rt, 'Certificates', () => objects);
  return rt.wrap({
    kind: 'Certificates',
    get: { Count: () => objects.length },
    call: {
      Item: (index: unknown) => (base as { Item(i: unknown): Promise<unknown> }).Item(index),
      Find: (type: unknown, criteria: unknown, validOnly: unknown) => {
        const match = matcher(rt, argNumber(rt, type, 'FindType'), criteria);
        const onlyValid = argBoolean(rt, validOnly, 'bFindValidOnly', false);
        return certificatesObject(rt, list.filter((c) => match(c) && (!onlyValid || c.status === 'valid')));
      },
    },
  });
}

/** CAdESCOM.Store / CAPICOM.Store: Open lists the certificates of every token; the "My" store only. */
export function storeObject(rt: CadesRuntime): object {
  let opened: { location: number; name: string; list: CadesCertificate[] } | null = null;
  return rt.wrap({
    kind: 'Store',
    get: {
      Certificates: () => (opened ? certificatesObject(rt, opened.list) : rt.fail('NOT_OPEN')),
      Location: () => opened?.location ?? C.CAPICOM_CURRENT_USER_STORE,
      Name: () => opened?.name ?? C.CAPICOM_MY_STORE,
    },
    call: {
      Open: async (location: unknown, name: unknown, mode: unknown) => {
        const where = argNumber(rt, location, 'StoreLocation', C.CAPICOM_CURRENT_USER_STORE as number);
        const storeName = argString(rt, name, 'StoreName', C.CAPICOM_MY_STORE as string);
        argNumber(rt, mode, 'OpenMode', C.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED as number);
        if (![0, 1, 2, 4, 100].includes(where)) rt.fail('INVALID_ARGUMENT', 'StoreLocation');
        // Tokens hold personal certificates: other stores (Root, CA, AddressBook) are empty here.
        const personal = storeName.toLowerCase() === 'my' || where === C.CADESCOM_CONTAINER_STORE;
        const list = personal ? ((await rt.bridge({ op: 'certificates', params: {} })) as CadesCertificate[]) : [];
        opened = { location: where, name: storeName, list };
      },
      Close: () => {
        opened = null;
      },
    },
  });
}
