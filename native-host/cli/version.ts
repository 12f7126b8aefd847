// The host's version is the package's: one number for the host, the extension and the library.
import packageJson from '../../package.json';

export const HOST_VERSION: string = packageJson.version;
