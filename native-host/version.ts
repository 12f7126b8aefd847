// The host's semver, from package.json at build time.
import { version } from '../package.json';

export const HOST_VERSION: string = version;
