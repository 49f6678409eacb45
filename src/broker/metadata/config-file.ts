/** The broker's persisted JSON tables (store-ha-config §8.8): fastjson dialect, `.tmp`/`.bak` protocol. */
import { parseFastJson, toFastJson } from '../../codec/fastjson.js';
import { readWithBackup, writeFileAtomic } from '../../common/json-file.js';

export function loadConfigFile(path: string): Record<string, unknown> | undefined {
  return readWithBackup(path, (text) => {
    const v = parseFastJson(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${path} is not a JSON object`);
    return v as Record<string, unknown>;
  });
}

export function saveConfigFile(path: string, value: unknown): void {
  writeFileAtomic(path, toFastJson(value));
}
