/** The package version, set by vite at build time. */
declare const __TOKENSIGN_VERSION__: string;
