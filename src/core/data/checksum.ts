// MD5 is what the datasets publish; it guards against damaged or substituted files, not attackers
// who control the source (the hosts are pinned and https-only for that).

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function md5Hex(...chunks: Uint8Array[]): string {
  const hash = createHash('md5');
  for (const c of chunks) hash.update(c);
  return hash.digest('hex');
}

export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
