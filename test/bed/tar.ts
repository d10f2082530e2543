// A small, deterministic tar writer (POSIX ustar, with PAX records for long names): image layers
// and OCI archives for the test bed. Same entries in, same bytes out: times are fixed, owners are
// numbers, entries are written in the order given.

/** One tar entry. Paths are relative (`usr/bin/node`); folders have no trailing slash. */
export type TarEntry =
  | { readonly type: 'dir'; readonly path: string; readonly mode: number; readonly uid?: number }
  | {
      readonly type: 'file';
      readonly path: string;
      readonly mode: number;
      readonly content: Uint8Array;
      readonly uid?: number;
    }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string };

const block = 512;
const encoder = new TextEncoder();

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, the form every tar reads.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function put(header: Uint8Array, offset: number, width: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.length > width) throw new Error(`tar: "${text}" does not fit ${String(width)} bytes`);
  header.set(bytes, offset);
}

/** Splits a path into ustar's prefix (155) and name (100), or undefined when it cannot. */
function ustarName(path: string): { prefix: string; name: string } | undefined {
  if (encoder.encode(path).length <= 100) return { prefix: '', name: path };
  for (let cut = path.indexOf('/'); cut !== -1; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100) {
      return { prefix, name };
    }
  }
  return undefined;
}

interface Header {
  readonly name: string;
  readonly prefix: string;
  readonly mode: number;
  readonly uid: number;
  readonly size: number;
  readonly typeflag: string;
  readonly linkname: string;
}

function header(h: Header): Uint8Array {
  const out = new Uint8Array(block);
  put(out, 0, 100, h.name);
  put(out, 100, 8, octal(h.mode, 8));
  put(out, 108, 8, octal(h.uid, 8));
  put(out, 116, 8, octal(h.uid, 8));
  put(out, 124, 12, octal(h.size, 12));
  put(out, 136, 12, octal(0, 12));
  put(out, 148, 8, '        ');
  put(out, 156, 1, h.typeflag);
  put(out, 157, 100, h.linkname);
  put(out, 257, 6, 'ustar\0');
  put(out, 263, 2, '00');
  put(out, 345, 155, h.prefix);
  const sum = out.reduce((a, b) => a + b, 0);
  put(out, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return out;
}

function padding(size: number): Uint8Array {
  return new Uint8Array((block - (size % block)) % block);
}

/** A PAX record `"<len> key=value\n"`, whose length counts its own digits. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = encoder.encode(body).length;
  let length = bodyLength + String(bodyLength).length;
  while (bodyLength + String(length).length !== length) length = bodyLength + String(length).length;
  return `${String(length)}${body}`;
}

function entryFields(entry: TarEntry): { typeflag: string; size: number; linkname: string } {
  switch (entry.type) {
    case 'dir':
      return { typeflag: '5', size: 0, linkname: '' };
    case 'file':
      return { typeflag: '0', size: entry.content.length, linkname: '' };
    case 'symlink':
      return { typeflag: '2', size: 0, linkname: entry.target };
  }
}

/** A PAX extended header for what ustar cannot hold, or nothing. */
function paxChunks(path: string, linkname: string, fits: boolean): Uint8Array[] {
  const longLink = encoder.encode(linkname).length > 100;
  if (fits && !longLink) return [];
  const records =
    (fits ? '' : paxRecord('path', path)) + (longLink ? paxRecord('linkpath', linkname) : '');
  const pax = encoder.encode(records);
  const paxName = `PaxHeaders/${path.split('/').filter(Boolean).pop() ?? 'entry'}`.slice(0, 100);
  const fields = { prefix: '', mode: 0o644, uid: 0, typeflag: 'x', linkname: '' };
  return [header({ ...fields, name: paxName, size: pax.length }), pax, padding(pax.length)];
}

/** The chunks of one entry: a PAX header first when the path or target is too long. */
function entryChunks(entry: TarEntry): Uint8Array[] {
  const path = entry.type === 'dir' ? `${entry.path}/` : entry.path;
  const { typeflag, size, linkname } = entryFields(entry);
  const split = ustarName(path);
  const chunks = paxChunks(path, linkname, split !== undefined);
  const isLink = entry.type === 'symlink';
  chunks.push(
    header({
      ...(split ?? { prefix: '', name: path.slice(0, 100) }),
      mode: isLink ? 0o777 : entry.mode,
      uid: isLink ? 0 : (entry.uid ?? 0),
      size,
      typeflag,
      linkname: linkname.slice(0, 100),
    }),
  );
  if (entry.type === 'file') chunks.push(entry.content, padding(size));
  return chunks;
}

/** The whole archive as chunks (to write or hash without one big copy), ending in two zero blocks. */
export function tarChunks(entries: readonly TarEntry[]): Uint8Array[] {
  const seen = new Set<string>();
  const chunks: Uint8Array[] = [];
  for (const entry of entries) {
    if (entry.path === '' || entry.path.startsWith('/') || entry.path.endsWith('/')) {
      throw new Error(`tar: entry path "${entry.path}" must be relative, without a trailing slash`);
    }
    if (seen.has(entry.path)) throw new Error(`tar: ${entry.path} is listed twice`);
    seen.add(entry.path);
    chunks.push(...entryChunks(entry));
  }
  chunks.push(new Uint8Array(block * 2));
  return chunks;
}

/** The archive in one buffer. */
export function tar(entries: readonly TarEntry[]): Buffer {
  return Buffer.concat(tarChunks(entries));
}
