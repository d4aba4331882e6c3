/**
 * Run profiles (`smoke`, `quick`, `full`) read from `solutions/profiles.json`:
 * `{ "default": "quick", "profiles": { "<profile>": { "description": "...", "defaults": {...}, "notebooks": { "<notebook>": {...} } } } }`.
 * `defaults` apply to every notebook that declares the variable; `notebooks.<name>` values must be declared.
 */
import * as fs from 'fs';
import { ParameterValue } from '../notebook-file';
import { checkParameterNames, DeclarationKind, ParameterOverride } from './parameters';

/** One profile: values for all notebooks and per notebook. */
export interface ProfileSpec {
  description?: string;
  /** Per-cell time limit in seconds for this profile (the runner's `--timeout` wins; default 600). */
  cellTimeoutSec?: number;
  /**
   * Whether a claim that does not hold fails its notebook with the status `lesson not shown`
   * (default true); `false` for profiles where nothing is expected to be learnt (smoke: claims are
   * reported, not enforced).
   */
  enforceClaims?: boolean;
  /** Values for every notebook whose parameters cell declares the variable. */
  defaults?: Record<string, ParameterValue>;
  /** Values per notebook name (file name without `.ipynb`); each must be declared by that notebook. */
  notebooks?: Record<string, Record<string, ParameterValue>>;
  /**
   * The order in which notebooks start when several kernels run at once (see {@link startSequence}):
   * the longest first, so that no long notebook is left running alone at the end, and a notebook
   * that reuses another's cached training after that one. Notebooks not listed start after, in
   * file order. One kernel at a time runs in file order.
   */
  startOrder?: string[];
}

/** The contents of `profiles.json`. */
export interface ProfilesFile {
  /** Profile used when none is named (default `quick`). */
  default?: string;
  profiles: Record<string, ProfileSpec>;
}

/** The profiles every project has, even before `profiles.json` exists. */
export const STANDARD_PROFILES = ['smoke', 'quick', 'full'] as const;

/** The runner's per-cell time limit when neither `--timeout` nor the profile's `cellTimeoutSec` sets one. */
export const DEFAULT_CELL_TIMEOUT_SEC = 600;

/** Per-cell time limit of `profile`: `cellTimeoutSec` from the file, else {@link DEFAULT_CELL_TIMEOUT_SEC}. */
export function profileCellTimeoutSec(profiles: ProfilesFile, profile: string): number {
  return profiles.profiles[profile]?.cellTimeoutSec ?? DEFAULT_CELL_TIMEOUT_SEC;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `profile` enforces claims: its `enforceClaims`, true when absent. */
export function profileEnforcesClaims(profiles: ProfilesFile, profile: string): boolean {
  return profiles.profiles[profile]?.enforceClaims ?? true;
}

/** Reads and checks a profiles file; a missing file gives the three standard profiles with no values. */
export function loadProfiles(file: string): ProfilesFile {
  if (!fs.existsSync(file)) {
    return {
      default: 'quick',
      profiles: Object.fromEntries(STANDARD_PROFILES.map((p): [string, ProfileSpec] => [p, p === 'smoke' ? { enforceClaims: false } : {}])),
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read profiles file ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!isRecord(parsed) || !isRecord(parsed.profiles)) {
    throw new Error(`${file}: expected {"profiles": {"smoke": {...}, "quick": {...}, "full": {...}}}`);
  }
  for (const [name, spec] of Object.entries(parsed.profiles)) {
    if (!isRecord(spec)) throw new Error(`${file}: profile "${name}" must be an object`);
    if (
      spec.cellTimeoutSec !== undefined &&
      !(typeof spec.cellTimeoutSec === 'number' && Number.isFinite(spec.cellTimeoutSec) && spec.cellTimeoutSec > 0)
    ) {
      throw new Error(`${file}: profiles.${name}.cellTimeoutSec must be a positive number of seconds, got ${JSON.stringify(spec.cellTimeoutSec)}`);
    }
    if (spec.enforceClaims !== undefined && typeof spec.enforceClaims !== 'boolean') {
      throw new Error(`${file}: profiles.${name}.enforceClaims must be true or false, got ${JSON.stringify(spec.enforceClaims)}`);
    }
    if (spec.startOrder !== undefined) {
      const order = spec.startOrder;
      if (!Array.isArray(order) || !order.every((n): n is string => typeof n === 'string')) {
        throw new Error(`${file}: profiles.${name}.startOrder must be a list of notebook names, got ${JSON.stringify(order)}`);
      }
      const twice = order.find((n, i) => order.indexOf(n) !== i);
      if (twice !== undefined) throw new Error(`${file}: profiles.${name}.startOrder lists "${twice}" twice`);
    }
    if (spec.defaults !== undefined && !isRecord(spec.defaults)) throw new Error(`${file}: profiles.${name}.defaults must be an object`);
    if (spec.notebooks !== undefined) {
      if (!isRecord(spec.notebooks)) throw new Error(`${file}: profiles.${name}.notebooks must be an object`);
      for (const [nb, values] of Object.entries(spec.notebooks)) {
        if (!isRecord(values)) throw new Error(`${file}: profiles.${name}.notebooks.${nb} must be an object of parameter values`);
      }
    }
  }
  if (parsed.default !== undefined && (typeof parsed.default !== 'string' || !(parsed.default in parsed.profiles))) {
    throw new Error(`${file}: "default" must name one of the profiles (${Object.keys(parsed.profiles).join(', ')})`);
  }
  return parsed as unknown as ProfilesFile;
}

/** The parameter values for one notebook, and a one-line description of where they came from. */
export interface ResolvedParameters {
  values: Record<string, ParameterValue>;
  origin: string;
}

/**
 * Merges a profile's defaults, its values for `notebookName` and the `--set` overrides (later wins),
 * keeping only variables the notebook declares. Throws when a notebook-specific value or a
 * `--set notebook.name=...` names a variable the notebook does not declare with `let`.
 */
export function resolveParameters(
  profiles: ProfilesFile,
  profileName: string,
  notebookName: string,
  declared: Map<string, DeclarationKind>,
  overrides: ReadonlyArray<ParameterOverride> = [],
): ResolvedParameters {
  const profile = profiles.profiles[profileName];
  if (!profile) {
    throw new Error(`unknown profile "${profileName}" (profiles: ${Object.keys(profiles.profiles).join(', ')})`);
  }
  const values: Record<string, ParameterValue> = {};
  for (const [name, value] of Object.entries(profile.defaults ?? {})) {
    if (declared.get(name) === 'let' || declared.get(name) === 'var') values[name] = value;
  }
  const own = profile.notebooks?.[notebookName] ?? {};
  checkParameterNames(notebookName, declared, Object.keys(own), `profile "${profileName}" in profiles.json`);
  Object.assign(values, own);
  const applied: string[] = [];
  for (const o of overrides) {
    if (o.notebook !== undefined && o.notebook !== notebookName) continue;
    if (o.notebook !== undefined) checkParameterNames(notebookName, declared, [o.name], '--set');
    else if (!declared.has(o.name)) continue;
    else checkParameterNames(notebookName, declared, [o.name], '--set');
    values[o.name] = o.value;
    applied.push(`${o.name}=${JSON.stringify(o.value)}`);
  }
  const origin = `profile "${profileName}"` + (applied.length ? `, --set ${applied.join(' ')}` : '');
  return { values, origin };
}

/**
 * The order in which the runner starts the notebooks `names` (in file order) with `jobs` kernels at
 * once: with one kernel, file order; with more, first the notebooks of `startOrder` in its order,
 * then the rest in file order. Returns indices into `names`; entries of `startOrder` that are not
 * being run are skipped.
 */
export function startSequence(names: ReadonlyArray<string>, startOrder: ReadonlyArray<string> | undefined, jobs: number): number[] {
  const fileOrder = names.map((_, i) => i);
  if (jobs <= 1 || !startOrder) return fileOrder;
  const first = startOrder.map((n) => names.indexOf(n)).filter((i) => i >= 0);
  return [...first, ...fileOrder.filter((i) => !first.includes(i))];
}

/** Throws when `profile`'s startOrder names a notebook that is not in `available` (a typo would otherwise be ignored). */
export function checkStartOrder(profiles: ProfilesFile, profile: string, available: ReadonlyArray<string>, file: string): void {
  for (const n of profiles.profiles[profile]?.startOrder ?? []) {
    if (!available.includes(n)) {
      throw new Error(`${file}: profiles.${profile}.startOrder names "${n}", which is not a notebook (notebooks: ${available.join(', ')})`);
    }
  }
}
