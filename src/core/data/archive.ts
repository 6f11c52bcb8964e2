// Extracts one top-level folder of a .tar.gz into `parent`, atomically: into a temporary folder
// first, renamed into place when complete, so an interrupted extraction never looks finished.

import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { x as extract } from 'tar';
import { DatasetError } from './errors';

/**
 * Extracts `folder/` from `archive` to `parent/folder`. `beforeRename` may add files to the
 * extracted folder (e.g. a checksum record) while it is still private.
 */
export async function extractFolder(archive: string, parent: string, folder: string, beforeRename?: (dir: string) => Promise<void>): Promise<string> {
  const tmp = await mkdtemp(join(parent, `.${folder}.extracting-`));
  try {
    try {
      await extract({ file: archive, cwd: tmp, strict: true, filter: (p) => inFolder(p, folder) });
    } catch (e) {
      throw new DatasetError('format', archive, `cannot extract the archive (${(e as Error).message})`, 'Delete the archive so it is downloaded again');
    }
    const extracted = join(tmp, folder);
    if (!(await stat(extracted).then((s) => s.isDirectory(), () => false))) {
      throw new DatasetError('format', archive, `the archive has no ${folder}/ folder`, 'Delete the archive so it is downloaded again, or check that it is the binary version');
    }
    await beforeRename?.(extracted);
    const out = join(parent, folder);
    await rm(out, { recursive: true, force: true });
    await rename(extracted, out);
    return out;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function inFolder(path: string, folder: string): boolean {
  const p = path.replace(/^\.\//, '');
  return p === folder || p === `${folder}/` || p.startsWith(`${folder}/`);
}
