// The legacy page-plugin adapters the background serves. A new adapter adds one line here; the
// generic background (extension/background) and picker never name an adapter.
import type { LegacyAdapter } from '../background/legacy-adapter';
import { cadesAdapter } from '../cades/background';
import { ifcAdapter } from '../ifc/background';

export const LEGACY_ADAPTERS: readonly LegacyAdapter[] = [ifcAdapter, cadesAdapter];
