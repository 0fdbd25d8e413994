/**
 * Everything the redaction plugin loads on first use, in one chunk: the
 * scan route's client, the scan and its notice, the leak notices' model and
 * the settings (see plugin.ts).
 */

export { RedactionClient } from './checker';
export { appScanOptions, scanNotebook } from './notice';
export { followSettings } from './settings';
export { followedModel } from './target';
