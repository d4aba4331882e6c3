/**
 * Claims: the points a notebook teaches, each decided by the numbers of the run that teaches it.
 *
 * `claim(id, statement, { held, evidence })` shows the student one line (`✓ statement (numbers)` or
 * `✗ ...`) and hands the claim to the headless runner the way `publish` hands it numbers: as a
 * display output with a vaelab MIME type. The runner collects every claim into `summary.json` and
 * the report; in profiles with `enforceClaims` a claim that did not hold gives the notebook the
 * status `lesson not shown`. Helpers `claimBelow` / `claimAbove` build the comparison and its
 * evidence so the decision is always the run's numbers, never a constant.
 */
import { tslabDisplayWriter, type TslabDisplayWriter } from '../util/tslab-display';
import { formatSignificant } from '../util/format-number';

/** MIME type of claims in notebook outputs; the data is a {@link ClaimRecord}. */
export const CLAIM_MIME_TYPE = 'application/vnd.vaelab.claim+json';

/** A number, string or boolean that decided a claim. */
export type EvidenceValue = number | string | boolean;

/** A claim as the runner stores it (non-finite evidence numbers travel as the strings `NaN`, `Infinity`, `-Infinity`). */
export interface ClaimRecord {
  /** Stable id, e.g. `fcn-beats-mean-image` (letters, digits, `_`, `.`, `-`; starts with a letter). */
  id: string;
  /** What the notebook teaches, as one sentence. */
  statement: string;
  /** Whether this run showed it. */
  held: boolean;
  /** The numbers that decided it, by name. */
  evidence: Record<string, EvidenceValue>;
}

/** What decides a claim: the verdict computed from the run, and the numbers it was computed from. */
export interface ClaimDecision {
  /** The verdict, computed from the run's numbers (must be a boolean, e.g. `mse < 0.8 * baselineMse`). */
  readonly held: boolean;
  /** The numbers the verdict was computed from, by name (at least one). */
  readonly evidence: Readonly<Record<string, EvidenceValue>>;
}

/** Options of {@link claim} and its helpers. */
export interface ClaimOptions {
  /** Display channel to use (default: the running tslab kernel's, null elsewhere; for tests). */
  readonly writer?: TslabDisplayWriter | null;
}

/** A claim made by a notebook (what {@link claim} returns), for answer templates. */
export type Claim = Readonly<ClaimRecord>;

const ID_PATTERN = /^[A-Za-z][\w.-]*$/;

/** Formats an evidence value for people (numbers to 4 significant digits). */
export function formatEvidenceValue(value: EvidenceValue): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : formatSignificant(value, 4);
}

/** The one line a claim shows: `✓ statement (a = 1, b = 2)` when it held, `✗ not shown by this run: statement (...)` otherwise. */
export function claimLine(c: ClaimRecord): string {
  const numbers = Object.entries(c.evidence)
    .map(([k, v]) => `${k} = ${formatEvidenceValue(v)}`)
    .join(', ');
  return c.held ? `✓ ${c.statement} (${numbers})` : `✗ not shown by this run: ${c.statement} (${numbers})`;
}

/** Checks a claim's parts; throws a TypeError naming what was wrong and what was expected. */
function checkClaim(where: string, id: unknown, statement: unknown, decision: unknown): ClaimRecord {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new TypeError(`${where}: id must start with a letter and use only letters, digits, "_", "." or "-"; got ${JSON.stringify(id)}`);
  }
  if (typeof statement !== 'string' || statement.trim() === '') {
    throw new TypeError(`${where} "${id}": statement must be a non-empty sentence saying what the run shows`);
  }
  if (typeof decision !== 'object' || decision === null) {
    throw new TypeError(`${where} "${id}": expected { held, evidence }, got ${decision === null ? 'null' : typeof decision}`);
  }
  const { held, evidence } = decision as { held?: unknown; evidence?: unknown };
  if (typeof held !== 'boolean') {
    throw new TypeError(
      `${where} "${id}": held must be a boolean computed from the run (e.g. mse < bound), got ${held === null ? 'null' : typeof held}`,
    );
  }
  if (typeof evidence !== 'object' || evidence === null || Array.isArray(evidence) || Object.keys(evidence).length === 0) {
    throw new TypeError(`${where} "${id}": evidence must be an object with at least one named number that decided the claim`);
  }
  const record: Record<string, EvidenceValue> = {};
  for (const [name, value] of Object.entries(evidence as Record<string, unknown>)) {
    if (!ID_PATTERN.test(name)) {
      throw new TypeError(
        `${where} "${id}": evidence name ${JSON.stringify(name)} must start with a letter and use only letters, digits, "_", "." or "-"`,
      );
    }
    if (typeof value === 'number') record[name] = Number.isFinite(value) ? value : String(value);
    else if (typeof value === 'string' || typeof value === 'boolean') record[name] = value;
    else
      throw new TypeError(`${where} "${id}": evidence "${name}" must be a number, string or boolean, got ${value === null ? 'null' : typeof value}`);
  }
  return { id, statement: statement.trim(), held, evidence: record };
}

/** Shows a checked claim and sends it to the runner. */
function emit(record: ClaimRecord, options: ClaimOptions): Claim {
  const line = claimLine(record);
  const writer = options.writer !== undefined ? options.writer : tslabDisplayWriter();
  if (writer) writer({ data: { [CLAIM_MIME_TYPE]: record, 'text/plain': line }, metadata: {}, transient: {} }, false);
  else console.log(line);
  return Object.freeze({ ...record, evidence: Object.freeze({ ...record.evidence }) });
}

/**
 * States a point the notebook teaches, decided by this run: e.g.
 * `vl.claim('conv-ae-reconstructs', 'the conv AE beats the mean image', { held: mse < 0.8 * baseline, evidence: { mse: mse, baseline: baseline } })`.
 * Shows `✓`/`✗` with the statement and its numbers, and sends the claim to the headless runner
 * (summary.json, report.html; `lesson not shown` in profiles that enforce claims). Returns the
 * claim, e.g. for {@link fillAnswer}. Throws a TypeError for a bad id, an empty statement, a
 * `held` that is not a boolean or missing evidence.
 */
export function claim(id: string, statement: string, decision: ClaimDecision, options: ClaimOptions = {}): Claim {
  return emit(checkClaim('claim', id, statement, decision), options);
}

/** Names of the two numbers of a comparison claim in its evidence (default `value` and `bound`). */
export interface ComparisonNames {
  /** Evidence name of the measured value. */
  readonly value?: string;
  /** Evidence name of the bound it is compared with. */
  readonly bound?: string;
}

function comparison(
  where: string,
  id: string,
  statement: string,
  value: number,
  bound: number,
  names: ComparisonNames,
  below: boolean,
  options: ClaimOptions,
): Claim {
  for (const [what, x] of [
    ['value', value],
    ['bound', bound],
  ] as const) {
    if (typeof x !== 'number') throw new TypeError(`${where} "${id}": ${what} must be a number, got ${typeof x}`);
  }
  const valueName = names.value ?? 'value';
  const boundName = names.bound ?? 'bound';
  if (valueName === boundName)
    throw new TypeError(`${where} "${id}": the value and the bound need different evidence names, both are "${valueName}"`);
  // NaN never holds: a comparison with NaN is false either way.
  const held = below ? value < bound : value > bound;
  return emit(checkClaim(where, id, statement, { held, evidence: { [valueName]: value, [boundName]: bound } }), options);
}

/**
 * A claim that `value` is strictly below `bound` (NaN never holds), with both numbers as evidence:
 * `vl.claimBelow('fcn-beats-mean-image', 'the FCN beats the mean image by half', fcnMse, 0.5 * baselineMse, { value: 'fcn_test_mse', bound: 'half_baseline_mse' })`.
 */
export function claimBelow(
  id: string,
  statement: string,
  value: number,
  bound: number,
  names: ComparisonNames = {},
  options: ClaimOptions = {},
): Claim {
  return comparison('claimBelow', id, statement, value, bound, names, true, options);
}

/**
 * Image presentations (epochs x training images) from which {@link isLongTraining} calls a training long: the
 * documents' settings (the full profile) train the notebooks' dense VAEs 50 epochs on 10,000 images (500,000),
 * the quick profile a few epochs on a few thousand (12,000 to 36,000).
 */
export const LONG_TRAINING_PRESENTATIONS = 200_000;

/**
 * Whether `epochs` passes over `trainCount` images are a long training (at least
 * {@link LONG_TRAINING_PRESENTATIONS} image presentations). Where the documents' long training teaches something
 * else than the quick profile's short one (09, 10, 11), a notebook picks its claim with this, from its settings,
 * before any result is seen. Throws on a negative or non-finite count.
 */
export function isLongTraining(epochs: number, trainCount: number): boolean {
  for (const [name, v] of [
    ['epochs', epochs],
    ['trainCount', trainCount],
  ] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`isLongTraining: ${name} must be a finite number >= 0, got ${String(v)}`);
  }
  return epochs * trainCount >= LONG_TRAINING_PRESENTATIONS;
}

/** A claim that `value` is strictly above `bound` (NaN never holds), with both numbers as evidence; see {@link claimBelow}. */
export function claimAbove(
  id: string,
  statement: string,
  value: number,
  bound: number,
  names: ComparisonNames = {},
  options: ClaimOptions = {},
): Claim {
  return comparison('claimAbove', id, statement, value, bound, names, false, options);
}

/** The claim in a notebook output's data, or null when the data holds none or a malformed one. */
export function claimFromOutputData(data: Record<string, unknown>): ClaimRecord | null {
  const raw = data[CLAIM_MIME_TYPE];
  if (typeof raw !== 'object' || raw === null) return null;
  try {
    const r = raw as Record<string, unknown>;
    return checkClaim('claim', r.id, r.statement, { held: r.held, evidence: r.evidence });
  } catch {
    return null;
  }
}
