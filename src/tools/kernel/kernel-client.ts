/**
 * A Jupyter client for one tslab kernel process: starts `tslab kernel --config-path <file>`,
 * talks to it over ZeroMQ (shell, control and iopub channels), runs code and shuts it down.
 * Used by the headless runner; notebooks never import it.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zmq from 'zeromq';
import { pidIsDead } from '../../util/pid';
import { kernelPreloadPath } from './kernel-spec';
import { decodeMessage, encodeMessage, JupyterMessage, makeHeader } from './wire';

/** Options for {@link TslabKernel.start}. */
export interface KernelStartOptions {
  /** Working directory of the kernel (tslab compiles cells with this folder as rootDir). */
  cwd: string;
  /** Extra environment variables for the kernel (added to this process's environment). */
  env?: Record<string, string>;
  /** How long to wait for the kernel to answer its first request (default 120 s). */
  startupTimeoutMs?: number;
  /**
   * Extra Node options for the kernel process, before the preloads (e.g. the permission model's
   * `--experimental-permission --allow-fs-read=...`). A function gets the kernel's temporary folder
   * (connection file and watchdog), which such options must allow reading.
   */
  nodeArgs?: readonly string[] | ((kernelTempDir: string) => readonly string[]);
}

/** Options for {@link TslabKernel.execute}. */
export interface ExecuteOptions {
  /** Give up after this many milliseconds (throws {@link KernelTimeoutError}); default: no limit. */
  timeoutMs?: number;
  /** Called with every iopub message that belongs to this request, as it arrives. */
  onMessage?: (message: JupyterMessage) => void;
  /**
   * False: the reply's `messages` stay empty (only `onMessage` sees them), so a cell that prints
   * without end does not fill this process's memory. Default true.
   */
  keepMessages?: boolean;
}

/** What one `execute_request` produced. */
export interface ExecuteReply {
  /** `execute_reply` status: `ok`, `error` (the code failed) or `abort`. */
  status: 'ok' | 'error' | 'abort';
  /** The kernel's execution counter for this request, or null. */
  executionCount: number | null;
  /** The `execute_reply` content (ename/evalue/traceback when the kernel provides them). */
  reply: Record<string, unknown>;
  /** Every iopub message of this request in arrival order (status messages included). */
  messages: JupyterMessage[];
}

/** Thrown when the kernel process exits while a request is pending or before it became ready. */
export class KernelDiedError extends Error {
  constructor(
    message: string,
    /** Exit code of the kernel process, if it exited normally. */
    readonly exitCode: number | null,
    /** Signal that ended the kernel process, if any. */
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
    this.name = 'KernelDiedError';
  }
}

/** How often a kernel start that hit tslab's socket race is tried in all. */
const START_ATTEMPTS = 3;

/** What zeromq says when tslab sends on a socket that is still binding (that kernel never answers). */
const ZMQ_BIND_RACE = 'Socket is blocked by a bind or unbind operation';

/** A kernel start that failed on tslab's socket start-up race (retried by {@link TslabKernel.start}). */
export class KernelStartRaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelStartRaceError';
  }
}

/** Thrown when a request does not finish within its time limit. */
export class KernelTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelTimeoutError';
  }
}

/** Connection file contents as Jupyter defines them. */
interface ConnectionInfo {
  transport: 'tcp';
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: 'hmac-sha256';
  kernel_name: string;
}

interface Pending {
  messages: JupyterMessage[];
  /** False: iopub messages are passed to onMessage but not kept in `messages`. */
  keep: boolean;
  reply: JupyterMessage | null;
  idle: boolean;
  onMessage?: (message: JupyterMessage) => void;
  settle: () => void;
}

/** Every kernel this process started and has not yet seen exit. */
const liveKernels = new Set<TslabKernel>();

/** Sends SIGKILL to every kernel still running (synchronous; for `process.on('exit')`). */
export function killAllKernelsSync(): void {
  for (const kernel of liveKernels) kernel.killNow();
}

/** Shuts down every kernel still running (graceful first, then killed). */
export async function shutdownAllKernels(): Promise<void> {
  await Promise.all([...liveKernels].map((kernel) => kernel.shutdown()));
}

/** Prefix of the temporary folder of every kernel (connection file, watchdog): `vaelab-kernel-<pid of the runner>-XXXXXX`. */
const KERNEL_DIR_PREFIX = 'vaelab-kernel-';
/** File in a kernel's temporary folder holding the kernel's pid. */
const KERNEL_PID_FILE = 'kernel.pid';

/**
 * Removes the temporary kernel folders (`vaelab-kernel-<pid>-XXXXXX` in `tmpRoot`, default the
 * system's temporary folder) left behind by runners that were killed (e.g. with SIGKILL): only
 * those whose runner pid is no longer running and whose kernel (pid in `kernel.pid`) is gone too.
 * Folders of running runners, and folders without a pid in their name, are never touched.
 * Returns the folders removed; never throws.
 */
export function cleanStaleKernelDirs(tmpRoot: string = os.tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(tmpRoot);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = new RegExp(`^${KERNEL_DIR_PREFIX}(\\d+)-[A-Za-z0-9]{6}$`).exec(name);
    if (!m || !pidIsDead(Number(m[1]))) continue;
    const dir = path.join(tmpRoot, name);
    try {
      if (!fs.lstatSync(dir).isDirectory()) continue;
      const pidFile = path.join(dir, KERNEL_PID_FILE);
      if (fs.existsSync(pidFile) && !pidIsDead(Number(fs.readFileSync(pidFile, 'utf8').trim()))) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // not ours to remove (another user), or removed meanwhile
    }
  }
  return removed;
}

/** Path of tslab's command-line entry point in this project's node_modules. */
export function tslabBinPath(): string {
  return path.join(path.dirname(require.resolve('tslab/package.json')), 'bin', 'tslab');
}

/** Finds `count` distinct free TCP ports on 127.0.0.1. */
async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * Preloaded into the kernel's Node process: exits the kernel when the process that started it
 * is gone (e.g. the runner was killed with SIGKILL), so no orphan kernel is left behind.
 */
const WATCHDOG_SOURCE = `'use strict';
const parent = Number(process.env.VAELAB_KERNEL_PARENT_PID);
if (parent > 0) {
  setInterval(() => {
    let gone = process.ppid !== parent;
    if (!gone) { try { process.kill(parent, 0); } catch { gone = true; } }
    if (gone) process.exit(1);
  }, 1000).unref();
}
`;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One running tslab kernel and the client sockets connected to it. */
export class TslabKernel {
  private readonly session = randomUUID();
  private readonly pending = new Map<string, Pending>();
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  private readonly iopub = new zmq.Subscriber({ linger: 0 });
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitWaiters: Array<() => void> = [];
  private outputTail = '';
  private closed = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly info: ConnectionInfo,
    private readonly tempDir: string,
  ) {
    liveKernels.add(this);
    const keep = (chunk: Buffer) => {
      this.outputTail = (this.outputTail + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      liveKernels.delete(this);
      for (const p of this.pending.values()) p.settle();
      this.exitWaiters.splice(0).forEach((w) => w());
      this.closeSockets();
    });
    const address = (port: number) => `tcp://${info.ip}:${port}`;
    this.shell.connect(address(info.shell_port));
    this.control.connect(address(info.control_port));
    this.iopub.connect(address(info.iopub_port));
    this.iopub.subscribe();
    void this.readLoop(this.shell);
    void this.readLoop(this.control);
    void this.readLoop(this.iopub);
  }

  /** Starts a tslab kernel in `options.cwd` and waits until its shell and iopub channels answer. */
  static async start(options: KernelStartOptions): Promise<TslabKernel> {
    if (!fs.existsSync(options.cwd) || !fs.statSync(options.cwd).isDirectory()) {
      throw new Error(`kernel working directory does not exist: ${options.cwd}`);
    }
    // tslab sometimes answers our first request while its own sockets are still binding; zeromq then
    // refuses (EBUSY) and that kernel never answers. Such a start is retried with a fresh process.
    for (let attempt = 1; ; attempt++) {
      try {
        return await TslabKernel.startOnce(options);
      } catch (err) {
        if (!(err instanceof KernelStartRaceError) || attempt >= START_ATTEMPTS) throw err;
      }
    }
  }

  private static async startOnce(options: KernelStartOptions): Promise<TslabKernel> {
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    const info: ConnectionInfo = {
      transport: 'tcp',
      ip: '127.0.0.1',
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
      key: randomBytes(32).toString('hex'),
      signature_scheme: 'hmac-sha256',
      kernel_name: 'tslab',
    };
    // the runner's pid in the name lets a later run remove the folder if this process is killed
    const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), `${KERNEL_DIR_PREFIX}${process.pid}-`));
    const connectionFile = path.join(tempDir, 'connection.json');
    fs.writeFileSync(connectionFile, JSON.stringify(info, null, 2), { mode: 0o600 });
    const watchdog = path.join(tempDir, 'watchdog.js');
    fs.writeFileSync(watchdog, WATCHDOG_SOURCE);
    // The same preload as the registered kernel spec: failed cells print their message and the
    // notebook's frames, not library internals (left out only when dist/ is not built).
    const preload = kernelPreloadPath();
    const preloadArgs = fs.existsSync(preload) ? ['--require', preload] : [];
    const nodeArgs = typeof options.nodeArgs === 'function' ? options.nodeArgs(tempDir) : (options.nodeArgs ?? []);
    const child = spawn(
      process.execPath,
      [...nodeArgs, '--require', watchdog, ...preloadArgs, tslabBinPath(), 'kernel', '--config-path', connectionFile],
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env, VAELAB_KERNEL_PARENT_PID: String(process.pid) },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: Ctrl-C in a terminal (SIGINT to the foreground group) reaches only
        // the runner, which then stops its kernels in order; the watchdog ends an orphaned kernel.
        detached: true,
      },
    );
    if (child.pid) fs.writeFileSync(path.join(tempDir, KERNEL_PID_FILE), String(child.pid));
    const kernel = new TslabKernel(child, info, tempDir);
    try {
      await kernel.waitReady(options.startupTimeoutMs ?? 120000);
    } catch (err) {
      await kernel.shutdown();
      throw err;
    }
    return kernel;
  }

  /** Process id of the kernel. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True while the kernel process runs. */
  get alive(): boolean {
    return this.exited === null;
  }

  /** The last few kilobytes the kernel process wrote to its own stdout/stderr (outside cells). */
  get processOutput(): string {
    return this.outputTail;
  }

  /** Sends `kernel_info_request` until both the reply and an iopub message arrive (iopub subscription is live). */
  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw this.deathError('while starting');
      if (this.outputTail.includes(ZMQ_BIND_RACE)) {
        throw new KernelStartRaceError(`tslab kernel hit a zeromq start-up race (${ZMQ_BIND_RACE})\n${this.outputTail}`);
      }
      const header = makeHeader('kernel_info_request', this.session);
      const msgId = header.msg_id;
      const entry = this.track(msgId);
      await this.shell.send(encodeMessage(this.info.key, { header, parent_header: {}, metadata: {}, content: {} }));
      const waitUntil = Math.min(deadline, Date.now() + 2000);
      while (Date.now() < waitUntil && !this.exited && !(entry.reply && entry.messages.length > 0)) {
        await delay(20);
      }
      // A reply without iopub traffic means our subscription was not yet connected: ask again.
      if (entry.reply && entry.messages.length > 0) {
        this.pending.delete(msgId);
        // Wait for the idle status so later requests start from a quiet channel.
        const idleBy = Date.now() + 2000;
        while (!entry.idle && Date.now() < idleBy) await delay(10);
        return;
      }
      if (entry.reply) this.pending.delete(msgId);
    }
    throw new KernelTimeoutError(`tslab kernel did not answer within ${Math.round(timeoutMs / 1000)} s of starting\n${this.outputTail}`);
  }

  private track(msgId: string, onMessage?: (message: JupyterMessage) => void, keep = true): Pending {
    const entry: Pending = { messages: [], keep, reply: null, idle: false, onMessage, settle: () => undefined };
    this.pending.set(msgId, entry);
    return entry;
  }

  private async send(socket: zmq.Dealer, msgType: string, content: Record<string, unknown>): Promise<string> {
    const header = makeHeader(msgType, this.session);
    await socket.send(encodeMessage(this.info.key, { header, parent_header: {}, metadata: {}, content }));
    return header.msg_id;
  }

  private async readLoop(socket: zmq.Dealer | zmq.Subscriber): Promise<void> {
    try {
      for await (const frames of socket) {
        let message: JupyterMessage;
        try {
          message = decodeMessage(this.info.key, frames);
        } catch (err) {
          this.outputTail += `\n[vaelab] dropped a malformed kernel message: ${(err as Error).message}`;
          continue;
        }
        const parentId = message.parent_header.msg_id;
        const entry = parentId ? this.pending.get(parentId) : undefined;
        if (!entry) continue;
        if (socket === this.iopub) {
          if (entry.keep) entry.messages.push(message);
          if (message.header.msg_type === 'status' && message.content.execution_state === 'idle') entry.idle = true;
          entry.onMessage?.(message);
        } else {
          entry.reply = message;
        }
        if (entry.reply && entry.idle) entry.settle();
      }
    } catch {
      // The socket was closed: the loop ends.
    }
  }

  private deathError(when = 'while running'): KernelDiedError {
    const how = this.exited?.signal ? `was killed by ${this.exited.signal}` : `exited with code ${this.exited?.code}`;
    const tail = this.outputTail.trim();
    return new KernelDiedError(
      `tslab kernel (pid ${this.pid}) ${how} ${when}${tail ? `; its last output:\n${tail.slice(-2000)}` : ''}`,
      this.exited?.code ?? null,
      this.exited?.signal ?? null,
    );
  }

  /**
   * Runs `code` as one cell and resolves when the kernel has replied and gone idle.
   * Rejects with {@link KernelDiedError} if the kernel exits, {@link KernelTimeoutError} on timeout.
   */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteReply> {
    if (this.exited) throw this.deathError('before the request');
    const header = makeHeader('execute_request', this.session);
    const entry = this.track(header.msg_id, options.onMessage, options.keepMessages ?? true);
    const done = new Promise<void>((resolve) => {
      entry.settle = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (options.timeoutMs !== undefined) timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
    });
    try {
      await this.shell.send(
        encodeMessage(this.info.key, {
          header,
          parent_header: {},
          metadata: {},
          content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
        }),
      );
      const outcome = await Promise.race([done.then(() => 'done' as const), timedOut]);
      if (outcome === 'timeout') {
        throw new KernelTimeoutError(`cell did not finish within ${Math.round((options.timeoutMs ?? 0) / 1000)} s`);
      }
      if (!entry.reply) throw this.deathError('during the cell');
      const reply = entry.reply.content;
      const status = reply.status === 'ok' || reply.status === 'abort' ? reply.status : 'error';
      const count = typeof reply.execution_count === 'number' ? reply.execution_count : null;
      return { status, executionCount: count, reply, messages: entry.messages };
    } finally {
      if (timer) clearTimeout(timer);
      this.pending.delete(header.msg_id);
    }
  }

  /** Kills the kernel process at once (SIGKILL) without waiting. */
  killNow(): void {
    if (!this.exited && this.child.pid) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    this.cleanupTemp();
  }

  private waitExit(ms: number): Promise<boolean> {
    if (this.exited) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.exited !== null), ms);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Stops the kernel: `shutdown_request` on the control channel, then SIGTERM, then SIGKILL,
   * each after a grace period. Always resolves once the process is gone; safe to call twice.
   */
  async shutdown(graceMs = 1000): Promise<void> {
    if (!this.exited) {
      try {
        await Promise.race([this.send(this.control, 'shutdown_request', { restart: false }), delay(500)]);
      } catch {
        // sockets may already be closed
      }
      if (!(await this.waitExit(graceMs))) {
        this.child.kill('SIGTERM');
        if (!(await this.waitExit(2000))) {
          this.child.kill('SIGKILL');
          await this.waitExit(5000);
        }
      }
    }
    this.closeSockets();
    this.cleanupTemp();
  }

  private closeSockets(): void {
    if (this.closed) return;
    this.closed = true;
    for (const socket of [this.shell, this.control, this.iopub]) {
      try {
        socket.close();
      } catch {
        // ignore
      }
    }
  }

  private cleanupTemp(): void {
    fs.rmSync(this.tempDir, { recursive: true, force: true });
  }
}
