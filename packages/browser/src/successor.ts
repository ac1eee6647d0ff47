import { sha256 } from './hash.ts';
import { InMemoryWebStorage } from './storage.ts';

/**
 * The user a rotated refresh token was renewed into, sealed for whoever holds the old token: the
 * tab that waited for the lock while another renewed finds it here, deterministically, whatever the
 * order in which the browser delivers the lock and the `BroadcastChannel` message. Kept in
 * `localStorage` (shared by the tabs of the origin), encrypted with AES-GCM under a key derived
 * from the old refresh token and filed under another digest of it: without the old token an entry
 * reveals nothing (the server's grace period uses the same idea). At most 16 entries, one hour each.
 */
const PREFIX = 'cg.successor.';
const MAX_AGE_MS = 3600_000;
const MAX_ENTRIES = 16;

let memory: Storage | undefined;

function shared(): Storage {
  try {
    if (typeof localStorage !== 'undefined') return localStorage;
  } catch {}
  memory ??= new InMemoryWebStorage();
  return memory;
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function derive(token: string): Promise<{ id: string; key: CryptoKey }> {
  const raw = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`successor key\0${token}`));
  return {
    id: PREFIX + (await sha256(`successor id\0${token}`)),
    key: await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']),
  };
}

/** @internal Leaves `value` (the renewed user) for the holders of the rotated `token`. */
export async function sealSuccessor(token: string, value: string): Promise<void> {
  const { id, key } = await derive(token);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(value));
  const store = shared();
  const entries: Array<[key: string, at: number]> = [];
  for (let i = 0; i < store.length; i++) {
    const name = store.key(i);
    if (name?.startsWith(PREFIX)) entries.push([name, Number(JSON.parse(store.getItem(name)!).at) || 0]);
  }
  entries.sort((a, b) => b[1] - a[1]);
  entries.forEach(([name, at], index) => {
    if (index >= MAX_ENTRIES - 1 || at < Date.now() - MAX_AGE_MS) store.removeItem(name);
  });
  store.setItem(
    id,
    JSON.stringify({ at: Date.now(), iv: toBase64(iv), data: toBase64(new Uint8Array(data)) }),
  );
}

/** @internal What {@link sealSuccessor} left for `token`, if anything (and still fresh). */
export async function openSuccessor(token: string): Promise<string | undefined> {
  const { id, key } = await derive(token);
  try {
    const { at, iv, data } = JSON.parse(shared().getItem(id)!) as { at: number; iv: string; data: string };
    if (at < Date.now() - MAX_AGE_MS) return undefined;
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(iv) }, key, fromBase64(data));
    return new TextDecoder().decode(plain);
  } catch {
    return undefined;
  }
}
