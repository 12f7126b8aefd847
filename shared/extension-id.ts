// The Chromium extension's pinned identity. The manifest's "key" is this public key (base64 DER),
// so an unpacked build always gets the same id; the id is the first 32 hex digits of its SHA-256,
// written with the letters a-p. No private key is needed for unpacked builds, and none is kept.
export const CHROME_EXTENSION_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwRg5gqjdlkSuZCSmTuL9JA0Sh3Xsq9b6sEMn/a4XA4SrIl8Ze791Z9p7th8gE4S+BI/2di6fQUb0rEfPpOzlRsL7FYTE16URCVEEK6lu6EesVZJQikwQI5U0DAet3eb80U1TGSRNfgKrXEQoigZ3z30L9UrK6KZlL38Cq40e/T0JkzvdY6BfFeER2u6d6Ffv/nX4ZmGynm86x0OExvMWSvaVHsncfhL8qr2ttTxu5WHn00VHLnblsjVIAy/yp9zwiAFplkmh9gC0CVBv6HWm4i1S40EHC5ZB2dOp/2fclLMde57ZYPW4nKY6Bbv5/A7MhfEHMUpuxC2yI5a0CUotmQIDAQAB';
export const CHROME_EXTENSION_ID = 'jhbijckbfghlnhjfcaekmfjpeohbkfkm';
