// Runtime messages between the IFC content script and the background (never seen by the page).
import type { IfcReply, IfcRequest } from './envelope';

export const IFC_PORT = 'tokensign-ifc';

/** content script → background */
export interface IfcBridgeCall {
  kind: 'ifc-call';
  seq: number;
  request: IfcRequest;
}

/** background → content script */
export type IfcBridgeMessage =
  | { kind: 'ifc-reply'; seq: number; reply: IfcReply }
  | { kind: 'ifc-host'; up: boolean }
  /** This page may not use the adapter: the content script stops for good instead of reconnecting. */
  | { kind: 'ifc-refused' };

/** Where the user's extra portals are kept (browser.storage.local). */
export const IFC_ORIGINS_KEY = 'ifcOrigins';
/** The id of the dynamically registered content script for those portals. */
export const IFC_DYNAMIC_SCRIPT_ID = 'tokensign-ifc-user-origins';
/** The built content script file (crxjs standalone output of extension/ifc/content.ts). */
export const IFC_CONTENT_FILE = 'ifc/content.js';
