import { chmod, copyFile, link } from 'node:fs/promises';
import path from 'node:path';

/** The unprivileged user tests run engines as: root reads through any permission. */
export const NOBODY = { uid: 65534, gid: 65534 };

/**
 * A copy of this Node binary that `nobody` may run: the one running the tests lives under /root
 * (mode 0700). A hard link costs nothing; a copy is the fallback across file systems.
 */
export async function nodeForNobody(dir: string): Promise<string> {
  const binary = path.join(dir, 'node');
  await link(process.execPath, binary).catch(() => copyFile(process.execPath, binary));
  await chmod(binary, 0o755);
  return binary;
}
