// Tokensign relying-party library (docs/PROTOCOL.md §4): challenges and verification of logins.
export { createChallengeStore, DEFAULT_CHALLENGE_TTL_MS, type ChallengeStore, type ChallengeStoreOptions } from './challenge-store';
export { createRedisChallengeStore, ChallengeStoreError, type RedisChallengeStoreOptions } from './redis-store';
export {
  verifyAuthentication,
  DEFAULT_MAX_CLOCK_SKEW_MS,
  type AuthenticationResponse,
  type VerifyAuthenticationOptions,
  type VerifiedAuthentication,
  type VerifiedCertificate,
} from './verify';
export {
  createRedisRevocationCache,
  MemoryRevocationCache,
  type RevocationCache,
  type RedisRevocationCacheOptions,
  type RevocationFetch,
  type RevocationFetchRequest,
  type RevocationMode,
  type RevocationOptions,
  type RevocationStatus,
} from './revocation/index';
export type { Holder, QualificationFacts, SignerFacts } from './qualified';
export { VerificationError, VERIFICATION_ERROR_CODES, isVerificationError, type VerificationErrorCode } from './errors';
export { verifySignature, SIGNATURE_ALGORITHMS, DIGEST_ALGORITHMS, type SignatureCheck, type SignatureAlgorithm, type DigestAlgorithm } from './signature';
export type { TrustedCertificateInput } from './chain';
export type { CertificateDescription, SubjectFields, CertificateStatus } from '../shared/protocol';
export { enableGostEngine, disableGostEngine, DEFAULT_GOST_ENGINE, type GostEngineStatus } from './gost';
