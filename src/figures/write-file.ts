/** Atomic file writes for figures (temp file in the same folder, then rename). */
import * as fs from 'fs';
import * as path from 'path';
import { randomUUID } from 'crypto';

/** Writes `data` to `file` atomically, creating parent folders; readers never see a half-written file. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomUUID()}.tmp`);
  try {
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}
