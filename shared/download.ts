// Where a person gets Tokensign: the one address every "install Tokensign" message points at
// (the popup, the page's HOST_UNAVAILABLE explanation, doctor). What is there: docs/PACKAGING.md.
export const DOWNLOAD_URL = 'https://tokensign.org/download';
