/**
 * Atomic file writes, the one implementation the project uses: the data go to a temporary file
 * in the target's folder, which is then renamed over the target, so a reader sees either the old
 * file or the complete new one, never a half-written file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomUUID } from 'crypto';

/** A hidden temporary name next to `file`, unique per process and call. */
function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomUUID()}.tmp`);
}

/**
 * Writes the file `file` atomically by handing an open descriptor of a temporary file to `write`
 * (for output too large to build as one string, e.g. a CSV written row by row), then renaming it
 * into place. Creates missing parent folders. If `write` throws, the temporary file is removed
 * and the target is left as it was.
 */
export function writeFileAtomicWith(file: string, write: (fd: number) => void): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temp = tempNameFor(path.resolve(file));
  let fd: number | undefined = fs.openSync(temp, 'w');
  try {
    write(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, file);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

/**
 * Writes `data` to `file` atomically (temporary file in the same folder, then rename), creating
 * missing parent folders; readers never see a half-written file.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  writeFileAtomicWith(file, (fd) => {
    fs.writeFileSync(fd, data);
  });
}
