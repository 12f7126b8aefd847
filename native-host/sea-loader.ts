// Entry of the single executable (docs/PACKAGING.md): Node runs this small script; the host itself is
// the asset `host` (sea-main.ts bundled), compiled with the code cache of a training run at build
// time (sea-assets.ts). Node sets argv[1] to the executable, as it would the script.
import { pathToFileURL } from 'node:url';
import { compileAsset } from './sea-assets';

// Files the host finds "beside itself" are found beside the executable.
compileAsset('host')(require, { exports: {} }, {}, pathToFileURL(process.execPath).href);
