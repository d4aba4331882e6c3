/**
 * A private folder per graded submission, and the Node permission options that keep the kernel
 * inside it. The box holds a copy of the student's folder (`work/`, the kernel's working folder),
 * a copy of the compiled library (`dist/`, which notebooks import as `../dist`) and of `data/`
 * (its checksums), and the kernel's output, cache and temporary folders. Nothing in a box is a
 * symbolic link: a link would let `link/../..` reach any folder with the permission model's
 * path check still seeing a path inside the box (measured on Node 20).
 *
 * The kernel runs under Node's permission model: it may read the box, the project's
 * `node_modules` and `dist/` (tslab and the compiled library, public code) and its own connection
 * folder, and write only inside the box; no child processes, no WASI. Worker threads (the wasm
 * backend's threads) and native addons (zeromq, which tslab talks over, and sharp) must be allowed:
 * native code is not checked by the permission model, which is why Node calls it a seat belt, not
 * a sandbox. `solutions/`, where the solutions and hidden checks live, is outside every allowed path.
 */
import * as fs from 'fs';
import * as path from 'path';

/** One box (see the module comment); every path is absolute and free of symbolic links. */
export interface Sandbox {
  /** The box itself. */
  readonly dir: string;
  /** The copy of the student's folder: the kernel's working folder. */
  readonly work: string;
  /** Given to the notebook as `VAELAB_OUTPUT_DIR`. */
  readonly outputDir: string;
  /** Given to the notebook as `VAELAB_CACHE_DIR` (each submission trains its own models). */
  readonly cacheDir: string;
  /** Given to the kernel as `TMPDIR` (the wasm backend writes its worker scripts there). */
  readonly tmpDir: string;
  /** Entries of the student's folder not copied, with the reason (symbolic links, size limit). */
  readonly skipped: string[];
}

/** Most bytes of a student's folder copied into a box (the rest is skipped and reported). */
export const SANDBOX_COPY_LIMIT_BYTES = 200 * 1024 * 1024;

/** Folders of a student's folder never copied. */
const SKIPPED_NAMES = new Set(['.ipynb_checkpoints', 'node_modules', '.git']);

/** Copies the regular files and folders of `from` into `to` (no links, at most `budget.left` bytes); records what it skipped. */
function copyTree(from: string, to: string, rel: string, budget: { left: number }, skipped: string[]): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const name = rel ? `${rel}/${entry.name}` : entry.name;
    const source = path.join(from, entry.name);
    if (entry.isSymbolicLink()) skipped.push(`${name} (a symbolic link; links are not copied)`);
    else if (entry.isDirectory()) {
      if (SKIPPED_NAMES.has(entry.name)) continue;
      copyTree(source, path.join(to, entry.name), name, budget, skipped);
    } else if (entry.isFile()) {
      const size = fs.statSync(source).size;
      if (size > budget.left) {
        skipped.push(`${name} (${size} bytes: over the ${SANDBOX_COPY_LIMIT_BYTES / 1024 / 1024} MB copied per student)`);
        continue;
      }
      budget.left -= size;
      fs.copyFileSync(source, path.join(to, entry.name));
    } else skipped.push(`${name} (not a regular file)`);
  }
}

/**
 * Makes a new box under `parent` (created if needed) for the student's folder `studentDir`, with
 * copies of `<root>/dist` and `<root>/data`.
 */
export function createSandbox(root: string, studentDir: string, parent: string): Sandbox {
  fs.mkdirSync(parent, { recursive: true });
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(parent, 'box-')));
  const skipped: string[] = [];
  copyTree(path.join(root, 'dist'), path.join(dir, 'dist'), 'dist', { left: Infinity }, []);
  if (fs.existsSync(path.join(root, 'data'))) copyTree(path.join(root, 'data'), path.join(dir, 'data'), 'data', { left: Infinity }, []);
  const work = path.join(dir, 'work');
  copyTree(studentDir, work, '', { left: SANDBOX_COPY_LIMIT_BYTES }, skipped);
  const box: Sandbox = {
    dir,
    work,
    outputDir: path.join(dir, 'out'),
    cacheDir: path.join(dir, 'cache'),
    tmpDir: path.join(dir, 'tmp'),
    skipped,
  };
  for (const d of [box.outputDir, box.cacheDir, box.tmpDir]) fs.mkdirSync(d, { recursive: true });
  return box;
}

/** The permission model's flag in this Node: `--permission` (Node 22.13 and later) or `--experimental-permission` (Node 20). */
export function permissionFlag(): string {
  return process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
}

/**
 * Node options that confine a kernel started in `box.work` (see the module comment). `kernelTempDir`
 * is the kernel client's folder of the connection file and watchdog. Besides the box, reading is
 * allowed in `<root>/dist` (the kernel's preload), `<root>/node_modules` and its real path, the
 * `node_modules` folders of the box's ancestors below `root` (tslab and Node look for packages
 * there; they do not exist and the kernel cannot create them) and `/etc/alpine-release` (zeromq's
 * loader asks whether it exists).
 */
export function permissionArgs(projectRoot: string, box: Sandbox, kernelTempDir: string): string[] {
  // the box's path has no links (realpath), so its ancestors are compared with the root's real path
  const root = fs.realpathSync(projectRoot);
  const modules = path.join(projectRoot, 'node_modules');
  const reads = new Set<string>([box.dir, kernelTempDir, path.join(projectRoot, 'dist'), path.join(root, 'dist'), modules, '/etc/alpine-release']);
  try {
    reads.add(fs.realpathSync(modules));
  } catch {
    // no node_modules: the kernel will not start, and says so
  }
  for (let dir = path.dirname(box.dir); dir.startsWith(root + path.sep) && dir !== root; dir = path.dirname(dir)) {
    // Node 20 grants a path that does not exist as a file only; the wildcard grants what is below it
    reads.add(`${path.join(dir, 'node_modules')}${path.sep}*`);
  }
  const quiet = ['ExperimentalWarning', 'SecurityWarning']
    .map((w) => `--disable-warning=${w}`)
    .filter(() => process.allowedNodeEnvironmentFlags.has('--disable-warning'));
  return [
    permissionFlag(),
    ...[...reads].map((p) => `--allow-fs-read=${p}`),
    `--allow-fs-write=${box.dir}`,
    '--allow-worker',
    '--allow-addons',
    ...quiet,
  ];
}
