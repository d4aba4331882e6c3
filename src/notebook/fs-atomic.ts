/** Atomic file writes for the runner's outputs (temp file in the same folder, then rename). */
import * as fs from 'fs';
import * as path from 'path';

/** Writes `data` to `file` atomically, creating parent folders; readers never see a half-written file. */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}
