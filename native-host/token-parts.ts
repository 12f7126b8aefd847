// Everything that touches tokens beyond loading the modules: token scanning, certificate parsing,
// CMS, signing and the algorithm table. Loaded together by the first command that needs them
// (list-tokens, list-certificates, sign, authenticate): one dynamic import, so the build makes
// them one chunk and hello starts without compiling or evaluating them.
export { certificateStatus } from '../shared/certificate';
export { buildSignedData } from './cms/signed-data';
export { algorithmForKey } from './pkcs11/algorithms';
export { listTokenCertificates } from './pkcs11/certificate';
export { withSigningKey } from './pkcs11/signer';
export { closeKeptSessions, forgetSlotSessions, keptSessionPinState } from './pkcs11/session';
export { TokenEvents } from './pkcs11/slot-events';
export { currentPinState, lookWhileTokenReturns, scanTokens } from './pkcs11/token';
